package archivewriter

import (
	"errors"
	"unicode/utf8"

	"context"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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

// readDay reads back every event of one day the way backfill does: list
// the day's prefix in the default layout, then read each object line by
// line, its header first.
func readDay(t *testing.T, b *archive.Bucket, prefix string, day time.Time) []string {
	t.Helper()
	var msgs []string
	for _, e := range readEvents(t, b, prefix, day) {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

// archived is one event read back, with its object's header.
type archived struct {
	archive.Header
	archive.Event
}

func readEvents(t *testing.T, b *archive.Bucket, prefix string, day time.Time) []archived {
	t.Helper()
	objs, err := archive.ListDays(context.Background(), b, prefix, archive.DefaultKeyLayout, day, day)
	if err != nil {
		t.Fatal(err)
	}
	var events []archived
	var l archive.Lines
	for _, o := range objs {
		rc, err := b.Open(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Reset(rc); err != nil {
			t.Fatal(err)
		}
		first, _, _ := l.Next()
		h, ok, err := archive.ParseHeader(first)
		if err != nil || !ok {
			t.Fatalf("%s: first line %q is not an events header (%v)", o.Key, first, err)
		}
		for line, _, ok := l.Next(); ok; line, _, ok = l.Next() {
			e, err := archive.ParseEvent(line)
			if err != nil {
				t.Fatalf("%s: %v", o.Key, err)
			}
			events = append(events, archived{h, e})
		}
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rc.Close()
	}
	return events
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
			want := []string{prefix + "2024/05/31/app/web/i-0abc/e1.ndjson.gz", prefix + "2024/06/01/app/web/i-0abc/e3.ndjson.gz"}
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
		{"b", strings.Repeat("p", MaxPrefixBytes) + "/", "fits S3's 1024 bytes"},
	} {
		env := map[string]string{EnvBucket: c.bucket, EnvPrefix: c.prefix}
		_, err := FromEnv(func(k string) string { return env[k] }, nil)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("bucket %q prefix %q: err %v, want %q", c.bucket, c.prefix, err, c.says)
		}
	}
}

// TestArchiveKeepsWhatTheLiveDocumentNeeds: a redo rebuilds the documents
// the live path indexed only if the archive keeps each event's id, time,
// log group, stream and owner, and a multi-line message as one event.
func TestArchiveKeepsWhatTheLiveDocumentNeeds(t *testing.T) {
	w, _, b := newWriter(t, "logs/")
	p := spanningMidnight()
	p.Owner = "123456789012"
	p.LogEvents[1].Message = "panic: boom\n\tat main.go:12\n"
	if err := w.Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := append(readEvents(t, b, "logs/", time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)),
		readEvents(t, b, "logs/", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))...)
	if len(got) != len(p.LogEvents) {
		t.Fatalf("%d events read back, want %d", len(got), len(p.LogEvents))
	}
	for i, ev := range p.LogEvents {
		want := archived{archive.Header{Version: archive.EventsVersion, LogGroup: p.LogGroup, LogStream: p.LogStream, Owner: p.Owner},
			archive.Event{ID: ev.ID, Timestamp: ev.Timestamp, Message: ev.Message}}
		if got[i] != want {
			t.Errorf("event %d read back as %+v, want %+v", i, got[i], want)
		}
	}
}

// TestKeyAlwaysFitsS3: CloudWatch allows 512-byte log group and stream
// names
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html,
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html);
// S3 keys are at most 1024 bytes of UTF-8
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
// Keys must fit, stay unique and valid UTF-8, and keep short names as they are.
func TestKeyAlwaysFitsS3(t *testing.T) {
	day := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	id := &cwlogs.LogEvent{ID: strings.Repeat("3", 56)}
	long := "/" + strings.Repeat("g", 511)
	multi := strings.Repeat("日", 170) + "ab" // 512 bytes of 3-byte runes
	prefix := strings.Repeat("p", MaxPrefixBytes-1) + "/"
	cases := []struct{ name, prefix, group, stream string }{
		{"both 512", "", long, strings.Repeat("s", 512)},
		{"both 512, longest prefix", prefix, long, strings.Repeat("s", 512)},
		{"multi-byte names", prefix, "/" + multi[:509], multi},
		{"long group, short stream", prefix, long, "i-0abc"},
		{"short group, long stream", prefix, "/app", strings.Repeat("s", 512)},
	}
	seen := map[string]string{}
	for _, c := range cases {
		w := &Writer{prefix: c.prefix}
		key := w.Key(&cwlogs.Payload{LogGroup: c.group, LogStream: c.stream}, day, id)
		if len(key) > MaxKeyBytes || !utf8.ValidString(key) {
			t.Errorf("%s: key of %d bytes (valid UTF-8 %v), want at most %d", c.name, len(key), utf8.ValidString(key), MaxKeyBytes)
		}
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s share the key %s", c.name, other, key)
		}
		seen[key] = c.name
		// A sibling stream sharing the beginning gets another key.
		sibling := w.Key(&cwlogs.Payload{LogGroup: c.group, LogStream: c.stream + "x"}, day, id)
		if sibling == key {
			t.Errorf("%s: streams %q and %q+\"x\" share a key", c.name, c.stream, c.stream)
		}
	}
	w := &Writer{prefix: "logs/"}
	if got, want := w.Key(&cwlogs.Payload{LogGroup: "/app/web", LogStream: "i-0abc"}, day, &cwlogs.LogEvent{ID: "e1"}), "logs/2024/05/31/app/web/i-0abc/e1.ndjson.gz"; got != want {
		t.Errorf("short names: key %s, want %s", got, want)
	}
}

// hangingS3 never answers a PutObject until its context ends.
type hangingS3 struct{ calls int }

func (h *hangingS3) PutObject(ctx context.Context, _ *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	h.calls++
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestHangingS3IsBoundedByTheInvocation: an S3 that never answers must not
// use up the invocation: the write gives up at half the time left and says
// so, leaving the function time to log it and fail the invocation before
// Lambda kills it.
func TestHangingS3IsBoundedByTheInvocation(t *testing.T) {
	s3api := &hangingS3{}
	w, err := FromEnv(func(k string) string { return map[string]string{EnvBucket: bucket}[k] }, s3api)
	if err != nil {
		t.Fatal(err)
	}
	budget := 4 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	err = w.Write(ctx, spanningMidnight())
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "half the invocation's remaining time") {
		t.Fatalf("err %v, want a timeout that says why", err)
	}
	if ctx.Err() != nil || took >= budget {
		t.Errorf("the write took %s of the invocation's %s; it must leave time to report the failure", took, budget)
	}
}
