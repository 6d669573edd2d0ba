package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/fakeopensearch"
)

// locations is where each document is: _id -> index.
func locations(t *testing.T, osrv *fakeopensearch.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, indices := range osrv.Locations() {
		if len(indices) != 1 {
			t.Fatalf("_id %s is in %v", id, indices)
		}
		out[id] = indices[0]
	}
	return out
}

// Re-reading a copied file (new name, new modification time, another
// folder) or a file that grew writes its lines to the same _ids in the
// same indices; lines without a time field included.
func TestCopiedOrGrownFileKeepsIDsAndIndices(t *testing.T) {
	const log = "time:2024-05-31T10:00:00Z\tmsg:a\nno time field\nno time field\ntime:2024-05-31T11:00:00Z\tmsg:b\n"
	for _, layout := range []struct{ name, path string }{
		{"date in the path", "2024/05/31/app.log"},
		{"date from --from", "app.log"},
	} {
		t.Run(layout.name, func(t *testing.T) {
			root := t.TempDir()
			orig := filepath.Join(root, "host1", filepath.FromSlash(layout.path))
			write := func(p, content string, mtime time.Time) {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			write(orig, log, time.Date(2024, 6, 1, 3, 0, 0, 0, time.UTC))
			osrv := startOpenSearch(t)
			r := &run{t: t, dir: t.TempDir(), os: osrv}
			backfill := func(path string) {
				t.Helper()
				args := []string{"--log-group", "/app"}
				if layout.name == "date from --from" {
					args = append(args, "--from", "2024-05-31")
				}
				if res := r.exec(append(args, path)...); res.code != ExitOK {
					t.Fatalf("backfill %s: exit %d\n%s", path, res.code, res.stderr)
				}
			}
			backfill(orig)
			first := locations(t, osrv)
			if len(first) != 4 {
				t.Fatalf("%d documents, want 4: %v", len(first), first)
			}
			for id, index := range first {
				if index != "cwl-2024.05.31" {
					t.Fatalf("%s in %s, want the file's day", id, index)
				}
			}
			// A copy elsewhere, under another name, days later.
			cp := filepath.Join(root, "download", filepath.Dir(filepath.FromSlash(layout.path)), "app.log.1")
			write(cp, log, time.Date(2024, 9, 9, 9, 0, 0, 0, time.UTC))
			backfill(cp)
			if got := locations(t, osrv); fmt.Sprint(got) != fmt.Sprint(first) {
				t.Fatalf("after the copy:\n%v\nwant\n%v", got, first)
			}
			// The original, grown by two lines, read later still.
			write(orig, log+"no time field\ntime:2024-05-31T12:00:00Z\tmsg:c\n", time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC))
			backfill(orig)
			got := locations(t, osrv)
			if len(got) != 6 {
				t.Fatalf("%d documents after growth, want 6", len(got))
			}
			for id, index := range first {
				if got[id] != index {
					t.Fatalf("line %s moved from %s to %q", id, index, got[id])
				}
			}
		})
	}
}

func TestFileWithoutADayIsAUsageError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, dir: t.TempDir(), os: startOpenSearch(t)}
	res := r.exec(p)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "--from YYYY-MM-DD") || !strings.Contains(res.stderr, "names no date") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
}

// longLineGzip streams a gzip'd object: a line, then one line of n bytes
// with no newline until the very end, then another line. It is generated
// on the fly: the test never holds the long line.
func longLineGzip(t *testing.T, path string, n int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f) // 512 MiB of one byte: a 510 KiB object, as in the report
	_, _ = io.WriteString(zw, "time:2024-05-31T10:00:00Z\tmsg:before\n")
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for left := n; left > 0; left -= int64(len(chunk)) {
		if _, err := zw.Write(chunk[:min(left, int64(len(chunk)))]); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = io.WriteString(zw, "\ntime:2024-05-31T10:00:01Z\tmsg:after\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// peakHeap samples the heap in use until stopped.
func peakHeap() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// One line far over --max-line-bytes (a 512 MiB line in a
// half-megabyte gzip) goes to the rejects file with its location, in
// bounded memory, and the object's other lines are indexed.
func TestOverlongLineIsRejectedInBoundedMemory(t *testing.T) {
	n := int64(512 << 20)
	if testing.Short() {
		n = 64 << 20
	}
	dir := filepath.Join(t.TempDir(), "2024", "05", "31")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "big.log.gz")
	longLineGzip(t, obj, n)
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	res := r.exec(obj)
	peak := stop()
	// Generous: the reader's buffers, one line's head and the fakes, not
	// the line itself.
	grown := int64(peak) - int64(before.HeapInuse)
	t.Logf("heap in use grew by at most %.1f MiB reading a %d MiB line", float64(grown)/(1<<20), n>>20)
	if grown > 96<<20 {
		t.Errorf("heap grew by %d MiB reading a %d MiB line", grown>>20, n>>20)
	}
	if res.code != ExitFailed || !strings.Contains(res.stderr, "1 too long") || !strings.Contains(res.stderr, "2 indexed") {
		t.Fatalf("exit %d, want %d\n%s", res.code, ExitFailed, res.stderr)
	}
	rej := readRejects(t, filepath.Join(r.dir, "rejects.ndjson"))
	if len(rej) != 1 {
		t.Fatalf("%d rejects, want 1", len(rej))
	}
	raw, _ := os.ReadFile(filepath.Join(r.dir, "rejects.ndjson"))
	var got struct {
		Object  string `json:"object"`
		Line    int64  `json:"line"`
		Offset  int64  `json:"offset"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(raw), &got); err != nil {
		t.Fatal(err)
	}
	if got.Object != "big.log.gz" || got.Line != 2 || got.Offset != int64(len("time:2024-05-31T10:00:00Z\tmsg:before\n")) ||
		!strings.Contains(got.Error, fmt.Sprintf("line of %d bytes", n)) || !strings.Contains(got.Error, "--max-line-bytes") || !strings.HasPrefix(got.Message, "xxx") {
		t.Fatalf("reject %+v", got)
	}
	// The object stays unfinished so a run with a higher limit retries
	// it; resuming does not die on it.
	res = r.exec(obj)
	if res.code != ExitFailed || !strings.Contains(res.stderr, "1 too long") {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
}

// Zero padding after the last gzip member ends the object cleanly; other
// data there is a warning (and a rejects entry with its offset), while the
// lines are indexed and the object is finished.
func TestDataAfterTheLastGzipMember(t *testing.T) {
	member := gzipped(t, []byte("time:2024-05-31T10:00:00Z\tmsg:a\ntime:2024-05-31T10:00:01Z\tmsg:b\n"))
	for _, tt := range []struct {
		name    string
		tail    []byte
		warning bool
	}{
		{"zero padding", make([]byte, 4096), false},
		{"junk", []byte("\x00\x00not gzip"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "2024", "05", "31")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			obj := filepath.Join(dir, "a.log.gz")
			if err := os.WriteFile(obj, append(bytes.Clone(member), tt.tail...), 0o644); err != nil {
				t.Fatal(err)
			}
			r := &run{t: t, dir: t.TempDir(), os: startOpenSearch(t)}
			res := r.exec(obj)
			if res.code != ExitOK || !strings.Contains(res.stderr, "1 of 1 objects finished") || !strings.Contains(res.stderr, "2 indexed") {
				t.Fatalf("exit %d\n%s", res.code, res.stderr)
			}
			warned := strings.Contains(res.stderr, fmt.Sprintf("WARNING: %s: ignored what follows the last gzip member at stored byte %d", "file://"+filepath.ToSlash(dir)+"/a.log.gz", len(member)+2))
			if warned != tt.warning {
				t.Fatalf("warning %v, want %v\n%s", warned, tt.warning, res.stderr)
			}
			if _, err := os.Stat(filepath.Join(r.dir, "rejects.ndjson")); (err == nil) != tt.warning {
				t.Fatalf("rejects file exists: %v, want %v", err == nil, tt.warning)
			}
		})
	}
}
