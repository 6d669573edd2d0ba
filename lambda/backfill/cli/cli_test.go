package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/archive/fakes3"
	"github.com/logsearch/logsearch/lambda/backoff"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

// testArchive is three days of logs, each day two gzip'd objects and a
// plain one. The last object of 05-30 holds a line stamped 00:00:05 on
// 05-31 (a late arrival), so a redo of 05-31 must read the 05-30 objects.
type testArchive struct {
	objects map[string][]byte
	lines   map[string]string // line -> the UTC day of its timestamp
}

const linesPerObject = 40

func newTestArchive(t *testing.T) *testArchive {
	a := &testArchive{objects: map[string][]byte{}, lines: map[string]string{}}
	for _, day := range []string{"2024-05-30", "2024-05-31", "2024-06-01"} {
		for o := range 3 {
			var b strings.Builder
			for n := range linesPerObject {
				ts, lineDay := fmt.Sprintf("%sT%02d:%02d:%02dZ", day, o*8, n/60, n%60), day
				if day == "2024-05-30" && o == 2 && n == linesPerObject-1 {
					ts, lineDay = "2024-05-31T00:00:05Z", "2024-05-31"
				}
				l := fmt.Sprintf("time:%s\thost:10.0.0.%d\tmethod:GET\turi:/items/%d\tstatus:200\tsize:%d", ts, o, n, 100+n)
				a.lines[l] = lineDay
				b.WriteString(l + "\n")
				if n == 5 {
					b.WriteString("\n") // blank lines make no document
				}
			}
			key := "logs/" + strings.ReplaceAll(day, "-", "/") + fmt.Sprintf("/app-%d.log", o)
			data := []byte(b.String())
			if o < 2 {
				key += ".gz"
				data = gzipped(t, data)
			}
			a.objects[key] = data
		}
	}
	return a
}

func gzipped(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// linesOf returns the archive's lines whose day is in days (all if none).
func (a *testArchive) linesOf(days ...string) map[string]bool {
	out := map[string]bool{}
	for l, d := range a.lines {
		if len(days) == 0 || contains(days, d) {
			out[l] = true
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *testArchive) serveS3(t *testing.T) *fakes3.Server {
	srv := fakes3.New()
	t.Cleanup(srv.Close)
	srv.PageSize = 2
	for k, v := range a.objects {
		srv.Put("archive", k, v)
	}
	awstest.StaticCredentials(t)
	t.Setenv("AWS_REGION", "ap-northeast-1")
	return srv
}

func (a *testArchive) writeDir(t *testing.T) string {
	root := t.TempDir()
	for k, v := range a.objects {
		p := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(k, "logs/")))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func startOpenSearch(t *testing.T) *fakeopensearch.Server {
	s, err := fakeopensearch.StartWithAdmin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type result struct {
	code           int
	stdout, stderr string
}

type run struct {
	t     *testing.T
	dir   string // working directory for state and rejects files
	os    *fakeopensearch.Server
	stdin string
	tty   bool
	stop  context.Context
}

func (r *run) exec(args ...string) result {
	r.t.Helper()
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(r.stdin), StdinTTY: r.tty,
		Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			if k == "OPENSEARCH_ENDPOINT" && r.os != nil {
				return r.os.URL
			}
			return map[string]string{"OPENSEARCH_AUTH": "none", "FIELD_TYPES": `{"status":"integer","size":"long"}`}[k]
		},
		Bulk: bulk.Config{Backoff: backoff.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}},
	}
	stop := r.stop
	if stop == nil {
		stop = context.Background()
	}
	base := []string{"--state", filepath.Join(r.dir, "state.jsonl"), "--rejects", filepath.Join(r.dir, "rejects.ndjson"), "--concurrency", "3", "--bulk-bytes", "2048"}
	if len(args) > 0 && args[0] == "redo" {
		base = append([]string{"redo"}, base...)
		args = args[1:]
	}
	code := Main(context.Background(), stop, append(base, args...), env)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// assertIndexed checks that the fake holds exactly want, each line once,
// in the index of its day.
func assertIndexed(t *testing.T, os *fakeopensearch.Server, a *testArchive, want map[string]bool) {
	t.Helper()
	got := map[string]int{}
	for id, indices := range os.Locations() {
		if len(indices) != 1 {
			t.Fatalf("_id %s is in %v", id, indices)
		}
		raw, _ := os.Doc(indices[0], id)
		var doc struct {
			Message string `json:"@message"`
			ID      string `json:"@id"`
			Status  any    `json:"status"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.ID != id {
			t.Fatalf("@id %s != _id %s", doc.ID, id)
		}
		if _, ok := doc.Status.(float64); !ok && doc.Message != "" && strings.Contains(doc.Message, "status:200") {
			t.Fatalf("status not coerced to a number: %s", raw)
		}
		if day := a.lines[doc.Message]; day != "" && indices[0] != "cwl-"+strings.ReplaceAll(day, "-", ".") {
			t.Fatalf("line %q in %s", doc.Message, indices[0])
		}
		got[doc.Message]++
	}
	for l := range want {
		if got[l] != 1 {
			t.Errorf("line %q indexed %d times", l, got[l])
		}
	}
	for l, n := range got {
		if !want[l] {
			t.Errorf("unexpected document %q (x%d)", l, n)
		}
	}
}

func TestBackfillFromS3UnderFaults(t *testing.T) {
	a := newTestArchive(t)
	s3 := a.serveS3(t)
	osrv := startOpenSearch(t)
	var mu sync.Mutex
	osrv.SetFaults(fakeopensearch.Faults{
		// Every third of the first 18 requests fails, in each way a domain
		// can fail; fewer than the client's 8 attempts can land on one item.
		Request: func(n int) fakeopensearch.RequestFault {
			if n > 18 || n%3 != 0 {
				return fakeopensearch.RequestFault{}
			}
			return []fakeopensearch.RequestFault{{Status: 429}, {Drop: true}, {DropAfterIndex: true}, {Status: 502}, {Delay: 20 * time.Millisecond}, {Status: 503}}[n/3-1]
		},
		Item: func(id string, attempt int) int {
			mu.Lock()
			defer mu.Unlock()
			if attempt == 1 && id[0] < '4' {
				return 503
			}
			return 0
		},
	})
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-30", "--to", "2024-06-01", "--s3-endpoint", s3.URL, "s3://archive/logs/")
	if res.code != ExitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf())
	if !strings.Contains(res.stderr, "9 of 9 objects finished") || !strings.Contains(res.stderr, "cwl-2024.05.31: 121") {
		t.Errorf("summary:\n%s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "state.jsonl")); !os.IsNotExist(err) {
		t.Error("finished run left its state file")
	}
	// Re-running writes the same ids again: still no duplicates.
	res = r.exec("--from", "2024-05-30", "--to", "2024-06-01", "--s3-endpoint", s3.URL, "s3://archive/logs/")
	if res.code != ExitOK {
		t.Fatalf("second run exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf())
}

func TestInterruptedLocalRunResumesExactlyOnce(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	stop, interrupt := context.WithCancel(context.Background())
	osrv.SetFaults(fakeopensearch.Faults{Request: func(n int) fakeopensearch.RequestFault {
		if n == 4 {
			interrupt() // Ctrl-C with requests in flight
		}
		return fakeopensearch.RequestFault{}
	}})
	r := &run{t: t, dir: t.TempDir(), os: osrv, stop: stop}
	res := r.exec("--from", "2024-05-30", "--to", "2024-06-01", dir)
	if res.code != ExitInterrupted || !strings.Contains(res.stderr, "INTERRUPTED") || !strings.Contains(res.stderr, "run the same command again") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if osrv.Count() >= len(a.lines) {
		t.Fatalf("the interrupt came after everything was indexed (%d docs)", osrv.Count())
	}
	if _, err := os.Stat(filepath.Join(r.dir, "state.jsonl")); err != nil {
		t.Fatalf("no state file after an interrupt: %v", err)
	}
	osrv.SetFaults(fakeopensearch.Faults{})
	r.stop = nil
	res = r.exec(dir, "--from", "2024-05-30", "--to", "2024-06-01") // flags after the source too
	if res.code != ExitOK || !strings.Contains(res.stderr, "resuming the run") || !strings.Contains(res.stderr, "by an earlier attempt") {
		t.Fatalf("resume exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf())
}

func TestDeliveryFailureStopsAndResumes(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	osrv.SetFaults(fakeopensearch.Faults{Request: func(n int) fakeopensearch.RequestFault {
		if n > 3 {
			return fakeopensearch.RequestFault{Status: 503}
		}
		return fakeopensearch.RequestFault{}
	}})
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-30", "--to", "2024-06-01", dir)
	if res.code != ExitFailed || !strings.Contains(res.stderr, "STOPPED") || !strings.Contains(res.stderr, "503") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	osrv.SetFaults(fakeopensearch.Faults{})
	res = r.exec("--from", "2024-05-30", "--to", "2024-06-01", dir)
	if res.code != ExitOK {
		t.Fatalf("resume exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf())
}

func TestRefusedLinesAndCorruptObjectsAreNeverSilent(t *testing.T) {
	a := newTestArchive(t)
	bad := "logs/2024/05/31/app-1.log.gz"
	a.objects[bad] = a.objects[bad][:len(a.objects[bad])/2] // a truncated upload
	s3 := a.serveS3(t)
	osrv := startOpenSearch(t)
	osrv.SetFaults(fakeopensearch.Faults{MappingError: func(_ string, doc []byte) bool {
		return bytes.Contains(doc, []byte(`"uri":"/items/7"`))
	}})
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-31", "--s3-endpoint", s3.URL, "s3://archive/logs/")
	if res.code != ExitFailed {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "NOT INDEXED: s3://archive/"+bad) || !strings.Contains(res.stderr, "corrupt gzip") {
		t.Errorf("stderr does not name the corrupt object:\n%s", res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(r.dir, "rejects.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var refused, corrupt int
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rej struct {
			Object, Error, Message string
			Line                   int64
			Status                 int
		}
		if err := json.Unmarshal([]byte(l), &rej); err != nil {
			t.Fatal(err)
		}
		switch {
		case rej.Status == 400 && strings.Contains(rej.Message, "uri:/items/7") && rej.Line == 9 && strings.Contains(rej.Error, "mapper_parsing_exception"):
			refused++
		case rej.Object == bad && strings.Contains(rej.Error, "corrupt gzip"):
			corrupt++
		default:
			t.Errorf("unexpected reject %s", l)
		}
	}
	// Line 9: /items/7 comes after the blank line that follows /items/5.
	// The truncated object's line 9 was read before the damage.
	if refused != 3 || corrupt != 1 {
		t.Fatalf("%d refused lines (want 3), %d corrupt objects\n%s", refused, corrupt, data)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--dry-run", "--sample", "1", "--from", "2024-05-31", dir)
	if res.code != ExitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if osrv.Count() != 0 || len(osrv.Requests()) != 0 {
		t.Fatal("a dry run sent documents")
	}
	entries, _ := os.ReadDir(r.dir)
	if len(entries) != 0 {
		t.Fatalf("a dry run wrote files: %v", entries)
	}
	if strings.Count(res.stdout, "would index file://") != 3 || !strings.Contains(res.stdout, "41 lines, 1 blank -> cwl-2024.05.31: 40") || strings.Count(res.stdout, "sample document") != 1 {
		t.Fatalf("dry-run output:\n%s", res.stdout)
	}
	// Progress on stderr, as for a real run; the summary after the
	// per-object lines it sums up, on the same stream.
	if !strings.Contains(res.stderr, "progress:") || strings.LastIndex(res.stdout, "would index file://") > strings.Index(res.stdout, "objects finished") {
		t.Fatalf("dry run: no progress, or the summary before the objects:\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
	// A single file needs no dates.
	res = r.exec("--dry-run", filepath.Join(dir, "2024/05/31/app-2.log"))
	if res.code != ExitOK || !strings.Contains(res.stdout, "app-2.log") {
		t.Fatalf("single file: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// postDoc indexes one document directly, as the live path would have.
func postDoc(t *testing.T, osrv *fakeopensearch.Server, index, id, logGroup, message string) {
	body := fmt.Sprintf("{\"index\":{\"_index\":%q,\"_id\":%q}}\n{\"@log_group\":%q,\"@message\":%q}\n", index, id, logGroup, message)
	resp, err := http.Post(osrv.URL+"/_bulk", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
}

func TestRedoDeletesThenRefillsExactly(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	if res := r.exec("--from", "2024-05-30", "--to", "2024-06-01", dir); res.code != ExitOK {
		t.Fatalf("backfill exit %d\n%s", res.code, res.stderr)
	}
	// The live path had indexed 05-31 badly: a stray document to be replaced.
	postDoc(t, osrv, "cwl-2024.05.31", "live-1", "/aws/ecs/app", "badly parsed line")
	before := osrv.Indices()

	// Without a terminal and without --yes, nothing is done (exit 2).
	res := r.exec("redo", "--from", "2024-05-31", dir)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "--yes") || osrv.Indices()["cwl-2024.05.31"] != before["cwl-2024.05.31"] {
		t.Fatalf("unconfirmed redo: exit %d\n%s", res.code, res.stderr)
	}
	// The archive refills one document fewer than the day holds (the
	// stray one): refused before anything is deleted, until --allow-fewer.
	res = r.exec("redo", "--yes", "--from", "2024-05-31", dir)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "holds 122 documents, the archive refills 121. Nothing was deleted") || osrv.Count() != len(a.lines)+1 {
		t.Fatalf("redo that would lose a document: exit %d\n%s", res.code, res.stderr)
	}
	// A wrong answer on the terminal deletes nothing either.
	r.tty, r.stdin = true, "cwl-2024.05.30\n"
	res = r.exec("redo", "--allow-fewer", "--from", "2024-05-31", dir)
	if res.code == ExitOK || !strings.Contains(res.stderr, "nothing was deleted") || osrv.Count() != len(a.lines)+1 {
		t.Fatalf("refused redo: exit %d\n%s", res.code, res.stderr)
	}
	// Typing the index name confirms.
	r.stdin = "cwl-2024.05.31\n"
	res = r.exec("redo", "--allow-fewer", "--from", "2024-05-31", dir)
	if res.code != ExitOK || !strings.Contains(res.stderr, "deleted cwl-2024.05.31") {
		t.Fatalf("redo exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf())
	after := osrv.Indices()
	if after["cwl-2024.05.31"] != len(a.linesOf("2024-05-31")) || after["cwl-2024.05.30"] != before["cwl-2024.05.30"] || after["cwl-2024.06.01"] != before["cwl-2024.06.01"] {
		t.Fatalf("indices before %v after %v", before, after)
	}
	if !strings.Contains(res.stderr, "skipped (they belong to days not redone)") {
		t.Errorf("summary does not explain the neighbouring days' lines:\n%s", res.stderr)
	}
}

func TestRedoByQueryKeepsOtherLogGroups(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	postDoc(t, osrv, "cwl-2024.05.31", "live-app", "/aws/ecs/app", "badly parsed line of the archived app")
	postDoc(t, osrv, "cwl-2024.05.31", "live-other", "/aws/ecs/other", "another app's line")
	res := r.exec("redo", "--yes", "--delete", "query", "--log-group", "/aws/ecs/app", "--from", "2024-05-31", dir)
	if res.code != ExitOK || !strings.Contains(res.stderr, "deleted 1 documents from cwl-2024.05.31") {
		t.Fatalf("redo exit %d\n%s", res.code, res.stderr)
	}
	if _, ok := osrv.Doc("cwl-2024.05.31", "live-other"); !ok {
		t.Fatal("delete-by-query removed another log group's document")
	}
	if _, ok := osrv.Doc("cwl-2024.05.31", "live-app"); ok {
		t.Fatal("delete-by-query kept the redone log group's document")
	}
	if got, want := osrv.Indices()["cwl-2024.05.31"], len(a.linesOf("2024-05-31"))+1; got != want {
		t.Fatalf("cwl-2024.05.31 holds %d documents, want %d", got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{}, []string{"no SOURCE"}},
		{[]string{"--from", "2024-5-1", dir}, []string{"--from", "YYYY-MM-DD"}},
		{[]string{"--from", "2024-05-02", "--to", "2024-05-01", dir}, []string{"swap them"}},
		{[]string{"--to", "2024-05-01", dir}, []string{"--to without --from"}},
		{[]string{"redo", dir}, []string{"redo needs the days"}},
		{[]string{"--key-layout", "2006/01", "--from", "2024-05-01", dir}, []string{"key layout"}},
		{[]string{"--auth", "basic", "--from", "2024-05-01", dir}, []string{"--auth"}},
		{[]string{"--bulk-bytes", "99999999", "--from", "2024-05-01", dir}, []string{"--bulk-bytes"}},
		{[]string{"--max-line-bytes", "10", "--from", "2024-05-01", dir}, []string{"--max-line-bytes 10", "1024 to"}},
		{[]string{"--delete", "all", "--from", "2024-05-01", dir}, []string{"--delete"}},
		{[]string{"--no-such-flag", dir}, []string{"no-such-flag"}},
		{[]string{"--from", "2024-05-01", filepath.Join(dir, "missing")}, []string{"missing", "name an existing file"}},
		{[]string{dir}, []string{"read by date", "--from"}},
		{[]string{"--from", "2024-05-01", "s3://"}, []string{"s3://<bucket>/<prefix>"}},
	}
	for _, tt := range tests {
		assertUsageError(t, append(tt.args, "--endpoint", "http://127.0.0.1:9"), tt.want)
	}
}

// assertUsageError runs backfill with args and expects exit status 2 with
// every one of want in its error output.
func assertUsageError(t *testing.T, args, want []string) {
	t.Helper()
	r := &run{t: t, dir: t.TempDir()}
	res := r.exec(args...)
	if res.code != ExitUsage {
		t.Errorf("%v: exit %d, want %d\n%s", args, res.code, ExitUsage, res.stderr)
	}
	for _, w := range want {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("%v: stderr lacks %q:\n%s", args, w, res.stderr)
		}
	}
}

func TestNoObjectsIsAnErrorAndRedoDeletesNothing(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	postDoc(t, osrv, "cwl-2023.01.01", "x", "g", "m")
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("redo", "--yes", "--from", "2023-01-01", dir)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "no objects found") || !strings.Contains(res.stderr, "nothing was deleted") || osrv.Count() != 1 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
}

func TestSigV4(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	a.serveS3(t) // sets AWS credentials and region in the environment
	osrv := startOpenSearch(t)
	osrv.RequireSignature = true
	r := &run{t: t, dir: t.TempDir(), os: osrv}

	res := r.exec("--from", "2024-05-31", dir) // OPENSEARCH_AUTH=none in the test env
	if res.code != ExitFailed || !strings.Contains(res.stderr, "HTTP 403") || !strings.Contains(res.stderr, "--auth") || osrv.Count() != 0 {
		t.Fatalf("unsigned: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "rejects.ndjson")); !os.IsNotExist(err) {
		t.Fatal("a refused request filled the rejects file")
	}
	res = r.exec("--auth", "sigv4", "--from", "2024-05-31", dir)
	if res.code != ExitOK || osrv.Count() != 3*linesPerObject {
		t.Fatalf("signed: exit %d, %d documents\n%s", res.code, osrv.Count(), res.stderr)
	}
	// Redo also reads 05-30's objects, which hold one line of 05-31.
	res = r.exec("redo", "--yes", "--auth", "sigv4", "--from", "2024-05-31", dir)
	if res.code != ExitOK {
		t.Fatalf("signed redo: exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf("2024-05-31"))
	// _delete_by_query has a body, which the signer hashes too.
	res = r.exec("redo", "--yes", "--delete", "query", "--auth", "sigv4", "--from", "2024-05-31", dir)
	if res.code != ExitOK {
		t.Fatalf("signed redo by query: exit %d\n%s", res.code, res.stderr)
	}
	assertIndexed(t, osrv, a, a.linesOf("2024-05-31"))
}
