package archivewriter

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/archive/fakes3"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

const bucket = "stack-archive"

func newWriter(t *testing.T, prefix string) (*Writer, *fakes3.Server, *archive.Bucket) {
	t.Helper()
	srv := fakes3.New()
	t.Cleanup(srv.Close)
	srv.CreateBucket(bucket)
	awstest.StaticCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	client := archive.NewS3Client(cfg, "")
	w, err := FromEnv(func(k string) string { return map[string]string{EnvBucket: bucket, EnvPrefix: prefix}[k] }, client)
	if err != nil {
		t.Fatal(err)
	}
	return w, srv, archive.NewBucket(client, bucket)
}

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// spanningMidnight is one batch whose events fall on two UTC days.
func spanningMidnight() *cwlogs.Payload {
	return &cwlogs.Payload{
		MessageType: cwlogs.MessageTypeData, LogGroup: "/app/web", LogStream: "i-0abc",
		LogEvents: []cwlogs.LogEvent{
			{ID: "e1", Timestamp: ms("2024-05-31T23:59:58Z"), Message: "time:2024-05-31T23:59:58Z\tstatus:200"},
			{ID: "e2", Timestamp: ms("2024-05-31T23:59:59Z"), Message: `{"status":500}`},
			{ID: "e3", Timestamp: ms("2024-06-01T00:00:01Z"), Message: "plain text line"},
		},
	}
}

// readDay reads back every line of one day the way backfill does: list the
// day's prefix in the default layout, then read each object line by line.
func readDay(t *testing.T, b *archive.Bucket, prefix string, day time.Time) []string {
	t.Helper()
	objs, err := archive.ListDays(context.Background(), b, prefix, archive.DefaultKeyLayout, day, day)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var l archive.Lines
	for _, o := range objs {
		rc, err := b.Open(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Reset(rc); err != nil {
			t.Fatal(err)
		}
		for line, _, ok := l.Next(); ok; line, _, ok = l.Next() {
			lines = append(lines, string(line))
		}
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rc.Close()
	}
	return lines
}

// TestWrittenEventsAreWhatBackfillReads: the archive is only useful if the
// backfill tool's reader finds every event under the day it happened.
func TestWrittenEventsAreWhatBackfillReads(t *testing.T) {
	for _, prefix := range []string{"", "logs/"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			w, srv, b := newWriter(t, prefix)
			p := spanningMidnight()
			if err := w.Write(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			may31 := readDay(t, b, prefix, time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC))
			june1 := readDay(t, b, prefix, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
			if want := []string{p.LogEvents[0].Message, p.LogEvents[1].Message}; !slices.Equal(may31, want) {
				t.Errorf("2024-05-31 reads %q, want %q", may31, want)
			}
			if want := []string{p.LogEvents[2].Message}; !slices.Equal(june1, want) {
				t.Errorf("2024-06-01 reads %q, want %q", june1, want)
			}
			want := []string{prefix + "2024/05/31/app/web/i-0abc/e1.log.gz", prefix + "2024/06/01/app/web/i-0abc/e3.log.gz"}
			if keys := srv.Keys(bucket); !slices.Equal(keys, want) {
				t.Errorf("objects %q, want one per day %q", keys, want)
			}
		})
	}
}

// TestRetriedPayloadOverwritesItsObjects: Lambda re-sends a failed
// payload; the archive must not hold its events twice.
func TestRetriedPayloadOverwritesItsObjects(t *testing.T) {
	w, srv, _ := newWriter(t, "")
	for range 3 {
		if err := w.Write(context.Background(), spanningMidnight()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Keys(bucket)); n != 2 {
		t.Errorf("%d objects after 3 writes of the same payload, want 2", n)
	}
}

// TestRefusedWriteIsReported: a failed PUT must reach the caller, which
// fails the invocation so Lambda retries the payload.
func TestRefusedWriteIsReported(t *testing.T) {
	w, srv, _ := newWriter(t, "")
	srv.FailPut = func(key string) int {
		if strings.Contains(key, "2024/06/01") {
			return http.StatusForbidden
		}
		return 0
	}
	err := w.Write(context.Background(), spanningMidnight())
	if err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/2024/06/01/") {
		t.Fatalf("err %v, want the refused object named", err)
	}
	if keys := srv.Keys(bucket); len(keys) != 1 {
		t.Errorf("objects %q: the other day must still be written", keys)
	}
}

func TestNoArchiveWritesNothing(t *testing.T) {
	w, err := FromEnv(func(string) string { return "" }, nil)
	if err != nil || w != nil {
		t.Fatalf("FromEnv without a bucket = %v, %v; want no writer", w, err)
	}
	if err := w.Write(context.Background(), spanningMidnight()); err != nil {
		t.Errorf("nil writer: %v", err)
	}
}

func TestFromEnvRefusesBadSettings(t *testing.T) {
	for _, c := range []struct {
		bucket, prefix, says string
	}{
		{"", "logs/", "without ARCHIVE_BUCKET"},
		{"b", "/logs/", "without a leading /"},
		{"b", "logs", "with a trailing /"},
	} {
		env := map[string]string{EnvBucket: c.bucket, EnvPrefix: c.prefix}
		_, err := FromEnv(func(k string) string { return env[k] }, nil)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("bucket %q prefix %q: err %v, want %q", c.bucket, c.prefix, err, c.says)
		}
	}
}
