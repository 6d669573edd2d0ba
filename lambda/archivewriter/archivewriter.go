// Package archivewriter keeps a copy of every log event the ingest
// function receives in the stack's S3 archive, in the layout the backfill
// tool reads (archive.DefaultKeyLayout under the prefix):
//
//	<prefix>YYYY/MM/DD/<log group>/<log stream>/<first event id>.ndjson.gz
//
// Each object holds one invocation's events of one UTC day in the events
// format (archive.EventsVersion): a header line with the log group, stream
// and owner, then one line per event with its CloudWatch id, time and
// message, gzip'd; so a backfill rebuilds exactly the documents the
// function indexed. The name comes from the payload, so Lambda's retry of
// the same payload overwrites the object instead of duplicating it.
package archivewriter

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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

	buf  bytes.Buffer
	zw   *gzip.Writer
	line []byte
	now  func() time.Time
}

// MaxPrefixBytes bounds the key prefix, so that every key fits S3's limit
// whatever the log group and stream (see Key).
const MaxPrefixBytes = 256

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
	if len(prefix) > MaxPrefixBytes {
		return nil, fmt.Errorf("%s is %d bytes: use at most %d, so that every object key fits S3's 1024 bytes", EnvPrefix, len(prefix), MaxPrefixBytes)
	}
	return &Writer{client: client, bucket: bucket, prefix: prefix, zw: gzip.NewWriter(nil), now: time.Now}, nil
}

// Write stores p's events, one object per UTC day they fall on (one
// object, except for a batch that spans midnight).
//
// When ctx has a deadline (the invocation's), the writes get half the time
// left: an S3 that does not answer then fails the write with a timeout,
// which the function logs and returns, so that Lambda retries the payload,
// instead of the whole invocation hanging until Lambda kills it without a
// word. The other half is left for indexing.
func (w *Writer) Write(ctx context.Context, p *cwlogs.Payload) error {
	if w == nil || len(p.LogEvents) == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok {
		budget := deadline.Sub(w.now()) / 2
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, budget, fmt.Errorf("%w: S3 did not answer within %s, half the invocation's remaining time", ErrTimeout, budget.Round(time.Millisecond)))
		defer cancel()
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

// ErrTimeout marks a write that S3 did not answer in its share of the
// invocation's time.
var ErrTimeout = errors.New("archive write timed out")

// Extension ends every key of an events object.
const Extension = ".ndjson.gz"

// MaxKeyBytes is S3's limit on an object key: "The object key name is a
// sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes
// long" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
const MaxKeyBytes = 1024

// hashedNameBytes is how a shortened name ends: "~" and 16 hex digits of
// the SHA-256 of the whole name, so two names that share their beginning
// still get different keys.
const hashedNameBytes = 1 + 16

// Key is the object name of the events of p on day that start with first:
//
//	<prefix>YYYY/MM/DD/<log group without the leading />/<log stream>/<first event id>.ndjson.gz
//
// CloudWatch allows 512 bytes for a log group name and 512 for a stream
// name, so both together can exceed S3's 1024-byte key on their own. When
// the key would be too long, the group and the stream are shortened, each
// to a beginning cut at a character boundary followed by "~" and 16 hex
// digits of its SHA-256: the key stays unique and readable, and the full
// names are in the object's header line, from which backfill takes them.
func (w *Writer) Key(p *cwlogs.Payload, day time.Time, first *cwlogs.LogEvent) string {
	head := archive.KeyLayout(archive.DefaultKeyLayout).DayPrefix(w.prefix, day) + "/"
	group, stream := strings.TrimPrefix(p.LogGroup, "/"), p.LogStream
	tail := "/" + first.ID + Extension
	room := MaxKeyBytes - len(head) - len("/") - len(tail)
	if len(group)+len(stream) > room {
		// Each keeps at most half of the room; a short one leaves the
		// rest to the other.
		half := room / 2
		if len(group) > half && len(stream) > room-half {
			group, stream = shorten(group, half), shorten(stream, room-half)
		} else if len(group) > half {
			group = shorten(group, room-len(stream))
		} else {
			stream = shorten(stream, room-len(group))
		}
	}
	return head + group + "/" + stream + tail
}

// shorten cuts name to at most n bytes, its hash included.
func shorten(name string, n int) string {
	sum := sha256.Sum256([]byte(name))
	keep := max(n-hashedNameBytes, 0)
	for keep > 0 && !utf8.RuneStart(name[keep]) {
		keep--
	}
	return name[:keep] + "~" + hex.EncodeToString(sum[:])[:hashedNameBytes-1]
}

func (w *Writer) put(ctx context.Context, p *cwlogs.Payload, day time.Time, events []int) error {
	w.buf.Reset()
	w.zw.Reset(&w.buf)
	w.line = archive.AppendHeader(w.line[:0], archive.Header{Version: archive.EventsVersion, LogGroup: p.LogGroup, LogStream: p.LogStream, Owner: p.Owner})
	if _, err := w.zw.Write(w.line); err != nil {
		return err
	}
	for _, i := range events {
		ev := &p.LogEvents[i]
		w.line = archive.AppendEvent(w.line[:0], archive.Event{ID: ev.ID, Timestamp: ev.Timestamp, Message: ev.Message})
		if _, err := w.zw.Write(w.line); err != nil {
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
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
			err = cause
		}
		return fmt.Errorf("archiving %d events to s3://%s/%s: %w", len(events), w.bucket, key, err)
	}
	return nil
}
