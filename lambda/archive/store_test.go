package archive

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/logsearch/logsearch/lambda/archive/fakes3"
	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

// archiveKeys is a three-day archive with a neighbour prefix and a folder
// marker that a day listing must not pick up.
var archiveKeys = []string{
	"logs/2024/05/30/a.log.gz",
	"logs/2024/05/31/a.log.gz",
	"logs/2024/05/31/b.log.gz",
	"logs/2024/05/31/sub/c.log",
	"logs/2024/06/01/a.log.gz",
	"other/2024/05/31/x.log.gz",
}

func newFakeBucket(t *testing.T, keys []string) (*fakes3.Server, *Bucket) {
	t.Helper()
	srv := fakes3.New()
	t.Cleanup(srv.Close)
	srv.PageSize = 2 // force pagination
	for _, k := range keys {
		srv.Put("archive", k, []byte("line of "+k+"\n"))
	}
	srv.Put("archive", "logs/2024/05/31/", nil) // S3 console folder marker
	awstest.StaticCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL) // the standard variable, no flag
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("ap-northeast-1"))
	if err != nil {
		t.Fatal(err)
	}
	return srv, NewBucket(NewS3Client(cfg, ""), "archive")
}

func newDir(t *testing.T, keys []string) *Dir {
	t.Helper()
	root := t.TempDir()
	for _, k := range keys {
		p := filepath.Join(root, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("line of "+k+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestListDays(t *testing.T) {
	_, bucket := newFakeBucket(t, archiveKeys)
	stores := map[string]Store{"s3": bucket, "dir": newDir(t, archiveKeys)}
	from := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	to := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			objs, err := ListDays(context.Background(), s, "logs/", DefaultKeyLayout, from, to)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Key+"@"+o.Day.Format(time.DateOnly))
				if o.Size != int64(len("line of "+o.Key+"\n")) || o.ETag == "" || o.Modified.IsZero() {
					t.Errorf("%s: size %d etag %q modified %v", o.Key, o.Size, o.ETag, o.Modified)
				}
				rc, err := s.Open(context.Background(), o.Key)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(rc)
				_ = rc.Close()
				if err != nil || string(body) != "line of "+o.Key+"\n" {
					t.Errorf("Open(%s) = %q, %v", o.Key, body, err)
				}
			}
			want := "logs/2024/05/31/a.log.gz@2024-05-31 logs/2024/05/31/b.log.gz@2024-05-31 logs/2024/05/31/sub/c.log@2024-05-31 logs/2024/06/01/a.log.gz@2024-06-01"
			if strings.Join(got, " ") != want {
				t.Fatalf("ListDays =\n%s\nwant\n%s", strings.Join(got, " "), want)
			}
		})
	}
}

func TestListDaysFlatLayout(t *testing.T) {
	keys := []string{"app-2024-05-30.log.gz", "app-2024-05-31.log.gz", "app-2024-05-31.1.log.gz", "app-2024-06-01.log.gz"}
	d := newDir(t, keys)
	day := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	objs, err := ListDays(context.Background(), d, "app-", "2006-01-02", day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Key != "app-2024-05-31.1.log.gz" || objs[1].Key != "app-2024-05-31.log.gz" {
		t.Fatalf("ListDays = %+v", objs)
	}
}

func TestListDaysMissingDayIsEmpty(t *testing.T) {
	d := newDir(t, archiveKeys)
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	objs, err := ListDays(context.Background(), d, "logs/", DefaultKeyLayout, day, day)
	if err != nil || len(objs) != 0 {
		t.Fatalf("ListDays = %v, %v; want nothing", objs, err)
	}
}

func TestBucketErrorsNameTheFix(t *testing.T) {
	_, bucket := newFakeBucket(t, archiveKeys)
	missing := NewBucket(bucket.client, "no-such-bucket")
	_, err := missing.List(context.Background(), "logs/")
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket") || !strings.Contains(err.Error(), "check the bucket name") {
		t.Fatalf("List on a missing bucket = %v", err)
	}
	_, err = bucket.Open(context.Background(), "logs/nope")
	if err == nil || !strings.Contains(err.Error(), "logs/nope") {
		t.Fatalf("Open of a missing key = %v", err)
	}
}

func TestNewDirErrors(t *testing.T) {
	if _, err := NewDir(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "check the path") {
		t.Fatalf("NewDir(missing) = %v", err)
	}
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDir(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("NewDir(file) = %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	tests := []struct{ in, bucket, prefix string }{
		{"s3://b/logs/", "b", "logs/"},
		{"s3://b", "b", ""},
		{"s3://b/", "b", ""},
	}
	for _, tt := range tests {
		b, p, err := ParseS3URL(tt.in)
		if err != nil || b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v", tt.in, b, p, err)
		}
	}
	for _, bad := range []string{"s3://", "s3:///x", "https://b/x", "b/x"} {
		if _, _, err := ParseS3URL(bad); err == nil || !strings.Contains(err.Error(), "s3://<bucket>/<prefix>") {
			t.Errorf("ParseS3URL(%q) = %v", bad, err)
		}
	}
}

func TestBrokenDownloadIsATransportError(t *testing.T) {
	srv, bucket := newFakeBucket(t, nil)
	body := gzipBytes(t, strings.Repeat("a line of text\n", 50000))
	srv.Put("archive", "k.gz", body)
	srv.BreakGet = func(string, int) int { return len(body) / 2 }
	rc, err := bucket.Open(context.Background(), "k.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var l Lines
	if err := l.Reset(rc); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, ok := l.Next(); !ok {
			break
		}
	}
	var ce *CorruptError
	if l.Err() == nil || errors.As(l.Err(), &ce) {
		t.Fatalf("Err = %v, want a transport error, not corruption", l.Err())
	}
}

// A local file's ETag follows its content, not its modification time: a
// copy or a touched file is the same object, a grown one is not.
func TestLocalETagFollowsContent(t *testing.T) {
	big := strings.Repeat("a log line\n", 3*tagSample/11)
	d := newDir(t, nil)
	write := func(key, content string, mtime time.Time) Object {
		t.Helper()
		p := filepath.Join(strings.TrimPrefix(d.Name(), "file://"), key)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		o, err := d.Stat(key)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	day := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	for _, content := range []string{"short\n", big} {
		orig := write("a.log", content, day)
		if cp := write("b.log", content, day.AddDate(0, 3, 0)); cp.ETag != orig.ETag {
			t.Errorf("a copy with a new modification time has ETag %s, the original %s", cp.ETag, orig.ETag)
		}
		if grown := write("a.log", content+"one more\n", day); grown.ETag == orig.ETag {
			t.Errorf("a grown file keeps its ETag %s", orig.ETag)
		}
		if edited := write("a.log", "x"+content[1:], day); edited.ETag == orig.ETag {
			t.Errorf("a rewritten file keeps its ETag %s", orig.ETag)
		}
	}
}
