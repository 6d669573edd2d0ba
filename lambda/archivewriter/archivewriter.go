// Package archivewriter keeps a copy of every log event the ingest
// function receives in the stack's S3 archive, in the layout the backfill
// tool reads (archive.DefaultKeyLayout under the prefix):
//
//	<prefix>YYYY/MM/DD/<log group>/<log stream>/<first event id>.log.gz
//
// Each object holds one invocation's events of one UTC day, one message per
// line, gzip'd. The name comes from the payload, so Lambda's retry of the
// same payload overwrites the object instead of duplicating it.
package archivewriter

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/cwlogs"
)

// The function's environment names the archive; the stack sets both when
// logsearch:archive.create is true.
const (
	EnvBucket = "ARCHIVE_BUCKET"
	EnvPrefix = "ARCHIVE_PREFIX"
)

// PutObjectAPI is the part of the S3 client a Writer uses.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Writer writes payloads to one bucket and prefix. A nil *Writer (no
// archive configured) writes nothing.
type Writer struct {
	client PutObjectAPI
	bucket string
	prefix string

	buf bytes.Buffer
	zw  *gzip.Writer
}

// FromEnv builds the Writer the environment asks for, or nil when it names
// no archive bucket.
func FromEnv(getenv func(string) string, client PutObjectAPI) (*Writer, error) {
	bucket, prefix := getenv(EnvBucket), getenv(EnvPrefix)
	if bucket == "" {
		if prefix != "" {
			return nil, fmt.Errorf("%s=%q is set without %s: set both, or neither to keep no archive", EnvPrefix, prefix, EnvBucket)
		}
		return nil, nil
	}
	if strings.HasPrefix(prefix, "/") || (prefix != "" && !strings.HasSuffix(prefix, "/")) {
		return nil, fmt.Errorf("%s=%q: write the key prefix without a leading / and with a trailing /, e.g. logs/", EnvPrefix, prefix)
	}
	return &Writer{client: client, bucket: bucket, prefix: prefix, zw: gzip.NewWriter(nil)}, nil
}

// Write stores p's events, one object per UTC day they fall on (one
// object, except for a batch that spans midnight).
func (w *Writer) Write(ctx context.Context, p *cwlogs.Payload) error {
	if w == nil || len(p.LogEvents) == 0 {
		return nil
	}
	var days []time.Time
	byDay := map[time.Time][]int{}
	for i := range p.LogEvents {
		day := archive.Date(time.UnixMilli(p.LogEvents[i].Timestamp).UTC())
		if _, seen := byDay[day]; !seen {
			days = append(days, day)
		}
		byDay[day] = append(byDay[day], i)
	}
	var errs []error
	for _, day := range days {
		if err := w.put(ctx, p, day, byDay[day]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Key is the object name of the events of p on day that start with first.
func (w *Writer) Key(p *cwlogs.Payload, day time.Time, first *cwlogs.LogEvent) string {
	return archive.KeyLayout(archive.DefaultKeyLayout).DayPrefix(w.prefix, day) + "/" +
		strings.TrimPrefix(p.LogGroup, "/") + "/" + p.LogStream + "/" + first.ID + ".log.gz"
}

func (w *Writer) put(ctx context.Context, p *cwlogs.Payload, day time.Time, events []int) error {
	w.buf.Reset()
	w.zw.Reset(&w.buf)
	for _, i := range events {
		if _, err := w.zw.Write([]byte(p.LogEvents[i].Message)); err != nil {
			return err
		}
		if _, err := w.zw.Write([]byte{'\n'}); err != nil {
			return err
		}
	}
	if err := w.zw.Close(); err != nil {
		return err
	}
	key := w.Key(p, day, &p.LogEvents[events[0]])
	_, err := w.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(w.bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(w.buf.Bytes()),
		ContentType: aws.String("application/gzip"),
	})
	if err != nil {
		return fmt.Errorf("archiving %d events to s3://%s/%s: %w", len(events), w.bucket, key, err)
	}
	return nil
}
