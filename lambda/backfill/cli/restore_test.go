package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/logsearch/logsearch/lambda/archivewriter"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// dirS3 stores PutObject bodies as files under a directory, so the
// stack's archive writer can write an archive backfill reads locally.
type dirS3 struct{ dir string }

func (d dirS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(d.dir, filepath.FromSlash(*in.Key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return &s3.PutObjectOutput{}, os.WriteFile(path, body, 0o644)
}

// liveStack is the live path of a stack with an archive: each payload is
// archived by the ingest function's writer, then indexed with the ingest
// function's Builder, as the function does.
type liveStack struct {
	t       *testing.T
	archive string
	os      *fakeopensearch.Server
	w       *archivewriter.Writer
	b       *document.Builder
	ids     int
}

func newLiveStack(t *testing.T, osrv *fakeopensearch.Server, tz string) *liveStack {
	dir := t.TempDir()
	w, err := archivewriter.FromEnv(func(k string) string { return map[string]string{archivewriter.EnvBucket: "archive"}[k] }, dirS3{dir})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	b, err := document.NewBuilder(document.Config{IndexPrefix: "cwl", Location: loc, TimeField: "time",
		FieldTypes: fieldtypes.Map{"status": fieldtypes.Integer, "size": fieldtypes.Long}})
	if err != nil {
		t.Fatal(err)
	}
	return &liveStack{t: t, archive: dir, os: osrv, w: w, b: b}
}

// send delivers one batch of messages of one stream at t, with
// CloudWatch-like ascending ids.
func (l *liveStack) send(group, stream string, at time.Time, messages ...string) {
	l.t.Helper()
	p := &cwlogs.Payload{MessageType: cwlogs.MessageTypeData, Owner: "123456789012", LogGroup: group, LogStream: stream}
	for i, m := range messages {
		l.ids++
		p.LogEvents = append(p.LogEvents, cwlogs.LogEvent{ID: fmt.Sprintf("%056d", l.ids), Timestamp: at.Add(time.Duration(i) * time.Millisecond).UnixMilli(), Message: m})
	}
	if err := l.w.Write(context.Background(), p); err != nil {
		l.t.Fatal(err)
	}
	var body []byte
	for i := range p.LogEvents {
		body, _ = l.b.AppendBulkItem(body, p, &p.LogEvents[i])
	}
	resp, err := http.Post(l.os.URL+"/_bulk", "application/x-ndjson", bytes.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// snapshot is every stored document by index and _id.
func snapshot(osrv *fakeopensearch.Server) map[string]string {
	out := map[string]string{}
	for id, indices := range osrv.Locations() {
		for _, index := range indices {
			doc, _ := osrv.Doc(index, id)
			out[index+"/"+id] = string(doc)
		}
	}
	return out
}

func assertSameDocuments(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d documents, want the %d the live path indexed", what, len(got), len(want))
	}
	n := 0
	for k, doc := range want {
		if got[k] != doc && n < 3 {
			n++
			t.Errorf("%s: %s is %q, want %q", what, k, got[k], doc)
		}
	}
}

// TestRedoFromTheStacksArchiveRestoresTheLiveDocuments: two containers
// each send 5 batches of 20 identical lines; the live path indexes 200
// documents, and a redo from the stack's archive must leave exactly those
// 200 (same _id, same @timestamp, same index, same fields), also in a time
// zone other than UTC, for lines without a time field.
func TestRedoFromTheStacksArchiveRestoresTheLiveDocuments(t *testing.T) {
	for _, tz := range []string{"UTC", "Asia/Tokyo"} {
		t.Run(tz, func(t *testing.T) {
			osrv := startOpenSearch(t)
			live := newLiveStack(t, osrv, tz)
			// 20:00Z on 05-01 is 05:00 on 05-02 in Tokyo.
			at := time.Date(2024, 5, 1, 20, 0, 0, 0, time.UTC)
			for batch := range 5 {
				for _, stream := range []string{"ecs/web/task-a", "ecs/web/task-b"} {
					lines := make([]string, 20)
					for i := range lines {
						lines[i] = "GET /health 200"
					}
					live.send("/app/web", stream, at.Add(time.Duration(batch)*time.Minute), lines...)
				}
			}
			want := snapshot(osrv)
			day := "2024-05-01"
			if tz == "Asia/Tokyo" {
				day = "2024-05-02"
			}
			index := "cwl-" + strings.ReplaceAll(day, "-", ".")
			if n := osrv.Indices()[index]; n != 200 {
				t.Fatalf("live path: %s holds %d, want 200", index, n)
			}
			r := &run{t: t, dir: t.TempDir(), os: osrv}
			res := r.exec("redo", "--yes", "--timezone", tz, "--from", day, live.archive)
			if res.code != ExitOK {
				t.Fatalf("redo exit %d\n%s", res.code, res.stderr)
			}
			assertSameDocuments(t, "after redo", snapshot(osrv), want)
			if !strings.Contains(res.stderr, "the domain now holds:\n  "+index+": 200 documents") {
				t.Errorf("summary does not say what the domain holds:\n%s", res.stderr)
			}
		})
	}
}

// writeGzip writes lines as a gzip'd file at dir/rel.
func writeGzip(t *testing.T, dir, rel string, lines []string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	_ = zw.Close()
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOlderStackArchiveKeepsBatchesApart: objects of the stack's archive
// written before the events format hold only messages. Identical batches
// of different streams, or of one stream, are still different documents.
func TestOlderStackArchiveKeepsBatchesApart(t *testing.T) {
	dir := t.TempDir()
	lines := make([]string, 20)
	for i := range lines {
		lines[i] = "GET /health 200"
	}
	for batch := range 5 {
		for _, stream := range []string{"task-a", "task-b"} {
			writeGzip(t, dir, fmt.Sprintf("2024/05/01/app/web/%s/%056d.log.gz", stream, batch+1), lines)
		}
	}
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-01", dir)
	if res.code != ExitOK || osrv.Count() != 200 || !strings.Contains(res.stderr, "cwl-2024.05.01: 200 documents") {
		t.Fatalf("exit %d, %d documents, want 200\n%s", res.code, osrv.Count(), res.stderr)
	}
}

// TestCopiesAndStreamsOfOtherArchives: in an archive of plain lines,
// identical lines in different streams (folders below the day) are
// different documents, while exact copies in one stream, a repeated run
// and a grown file index nothing twice; the summary says what the domain
// holds, not the lines sent.
func TestCopiesAndStreamsOfOtherArchives(t *testing.T) {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = "GET /health 200"
	}
	t.Run("4 identical objects are copies", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{"a", "b", "c", "d"} {
			writeGzip(t, dir, "2024/05/01/"+name+".log.gz", lines)
		}
		osrv := startOpenSearch(t)
		r := &run{t: t, dir: t.TempDir(), os: osrv}
		res := r.exec("--from", "2024-05-01", dir)
		if res.code != ExitOK || osrv.Count() != 50 || !strings.Contains(res.stderr, "the domain now holds:\n  cwl-2024.05.01: 50 documents") {
			t.Fatalf("exit %d, %d documents, want 50 and a summary saying so\n%s", res.code, osrv.Count(), res.stderr)
		}
		// Repeated from scratch (state gone): nothing twice.
		r2 := &run{t: t, dir: t.TempDir(), os: osrv}
		if res := r2.exec("--from", "2024-05-01", dir); res.code != ExitOK || osrv.Count() != 50 {
			t.Fatalf("repeated run: exit %d, %d documents\n%s", res.code, osrv.Count(), res.stderr)
		}
		// One of them grows: only the new lines are new documents.
		writeGzip(t, dir, "2024/05/01/a.log.gz", append(append([]string(nil), lines...), "GET /health 200", "GET /ready 200"))
		if res := r2.exec("--from", "2024-05-01", dir); res.code != ExitOK || osrv.Count() != 52 {
			t.Fatalf("grown file: exit %d, %d documents, want 52\n%s", res.code, osrv.Count(), res.stderr)
		}
	})
	t.Run("identical lines in different streams", func(t *testing.T) {
		dir := t.TempDir()
		for _, host := range []string{"host-a", "host-b"} {
			writeGzip(t, dir, "2024/05/01/"+host+"/app.log.gz", lines)
		}
		osrv := startOpenSearch(t)
		r := &run{t: t, dir: t.TempDir(), os: osrv}
		if res := r.exec("--from", "2024-05-01", dir); res.code != ExitOK || osrv.Count() != 100 {
			t.Fatalf("exit %d, %d documents, want 100\n%s", res.code, osrv.Count(), res.stderr)
		}
	})
}

// TestRedoThatCannotRefillRefusesBeforeDeleting: in Asia/Tokyo, lines
// without a time field sent at 2024-05-01T20:00Z live in cwl-2024.05.02.
// An archive that keeps only their messages (the stack's, before the
// events format) cannot date them: a redo of 2024-05-02 must delete
// nothing and say why.
func TestRedoThatCannotRefillRefusesBeforeDeleting(t *testing.T) {
	osrv := startOpenSearch(t)
	live := newLiveStack(t, osrv, "Asia/Tokyo")
	msgs := make([]string, 10)
	for i := range msgs {
		msgs[i] = fmt.Sprintf("job %d finished", i)
	}
	live.send("/app/web", "task-a", time.Date(2024, 5, 1, 20, 0, 0, 0, time.UTC), msgs...)
	old := t.TempDir()
	writeGzip(t, old, fmt.Sprintf("2024/05/01/app/web/task-a/%056d.log.gz", 1), msgs)
	before := snapshot(osrv)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("redo", "--yes", "--timezone", "Asia/Tokyo", "--from", "2024-05-02", old)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "cwl-2024.05.02 holds 10 documents, the archive refills 0. Nothing was deleted") {
		t.Fatalf("redo exit %d, want %d and the refusal\n%s", res.code, ExitUsage, res.stderr)
	}
	assertSameDocuments(t, "after the refused redo", snapshot(osrv), before)
}
