package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/backfill/resume"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// memSender stores documents by index and id like OpenSearch, refusing
// lines that contain "REFUSE" as a mapping error would.
type memSender struct {
	mu    sync.Mutex
	docs  map[string]string // index/_id -> document
	sends int
	items int // items received, delivered or not
	// batchBytes are the bytes of each send's items, in order.
	batchBytes []int
	// onSend runs before each send; a non-nil error fails the delivery.
	onSend func(n int) error
}

func newMemSender() *memSender { return &memSender{docs: map[string]string{}} }

func (m *memSender) IndexSource(ctx context.Context, src bulk.Source) bulk.Result {
	items := make([]bulk.Item, src.Len())
	var all []byte
	for i := range items {
		body, id, refused := src.AppendItem(nil, i)
		if refused != "" {
			panic(fmt.Sprintf("item %d refused: %s", i, refused))
		}
		items[i] = bulk.Item{ID: id, Body: body, Ref: i}
		all = append(all, body...)
	}
	// The batch's first request is its buffer as it lies: it must be the
	// items AppendItem builds, in order, with their ids.
	if pb, ok := src.(bulk.Prebuilt); ok {
		if !bytes.Equal(pb.Built(), all) {
			panic(fmt.Sprintf("Built() is not the items' bodies back to back:\n%q\n%q", pb.Built(), all))
		}
		for i, it := range items {
			if pb.ID(i) != it.ID {
				panic(fmt.Sprintf("ID(%d) = %q, AppendItem says %q", i, pb.ID(i), it.ID))
			}
		}
	}
	m.mu.Lock()
	m.sends++
	m.items += len(items)
	m.batchBytes = append(m.batchBytes, len(all))
	sends := m.sends
	m.mu.Unlock()
	var res bulk.Result
	if m.onSend != nil {
		err := m.onSend(sends)
		if err == nil {
			err = ctx.Err() // a second Ctrl-C abandons the request
		}
		if err != nil {
			for _, it := range items {
				res.Unresolved = append(res.Unresolved, bulk.Failure{Ref: it.Ref, Status: 503, Reason: err.Error()})
			}
			return res
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, it := range items {
		lines := bytes.Split(bytes.TrimSuffix(it.Body, []byte("\n")), []byte("\n"))
		var action struct {
			Index struct {
				Index string `json:"_index"`
				ID    string `json:"_id"`
			} `json:"index"`
		}
		if len(lines) != 2 || json.Unmarshal(lines[0], &action) != nil || !json.Valid(lines[1]) || action.Index.ID != it.ID {
			panic(fmt.Sprintf("malformed item %q", it.Body))
		}
		if bytes.Contains(lines[1], []byte("REFUSE")) {
			res.Failed = append(res.Failed, bulk.Failure{Ref: it.Ref, Status: 400, Reason: "mapper_parsing_exception: failed to parse field [status]"})
			continue
		}
		m.docs[action.Index.Index+"/"+action.Index.ID] = string(lines[1])
		res.Indexed = append(res.Indexed, it.Ref)
	}
	return res
}

func (m *memSender) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.docs)
}

// messages maps each stored @message to how often it is stored.
func (m *memSender) messages(t *testing.T) map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for _, d := range m.docs {
		var doc struct {
			Message string `json:"@message"`
		}
		if err := json.Unmarshal([]byte(d), &doc); err != nil {
			t.Fatal(err)
		}
		out[doc.Message]++
	}
	return out
}

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ltsvLine is a unique, realistic access log line.
func ltsvLine(day string, obj, n int) string {
	return fmt.Sprintf("time:%sT10:%02d:%02d+00:00\thost:10.0.%d.%d\tmethod:GET\turi:/api/items/%d\tstatus:200\tsize:%d\treqtime:0.0%d", day, n/60%60, n%60, obj, n%250, n, 100+n, n%10)
}

type fixture struct {
	dir   *archive.Dir
	jobs  []Job
	lines map[string]bool // every non-blank line
}

// newFixture writes objects days x perDay, each with lines lines, half of
// them gzip'd, under 2006/01/02 folders.
func newFixture(t *testing.T, days []string, perDay, lines int, extra func(day string, obj int, n int) string) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{lines: map[string]bool{}}
	for di, day := range days {
		for o := range perDay {
			var b strings.Builder
			for n := range lines {
				l := ltsvLine(day, di*100+o, n)
				if extra != nil {
					l = extra(day, o, n)
				}
				if strings.TrimSpace(l) != "" {
					f.lines[l] = true
				}
				b.WriteString(l + "\n")
			}
			key := strings.ReplaceAll(day, "-", "/") + fmt.Sprintf("/part-%d.log", o)
			data := []byte(b.String())
			if o%2 == 0 {
				key += ".gz"
				data = gz(t, b.String())
			}
			p := filepath.Join(root, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	d, err := archive.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	f.dir = d
	first, _ := time.Parse(time.DateOnly, days[0])
	last, _ := time.Parse(time.DateOnly, days[len(days)-1])
	objs, err := archive.ListDays(context.Background(), d, "", archive.DefaultKeyLayout, first, last)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		f.jobs = append(f.jobs, Job{Store: d, Object: o})
	}
	return f
}

func testConfig() Config {
	return Config{
		Document:    document.Config{IndexPrefix: "cwl", TimeField: "time", FieldTypes: fieldtypes.Map{"status": fieldtypes.Integer}},
		Concurrency: 3,
		BatchBytes:  4 << 10, // several batches per object
	}
}

func testDeps(t *testing.T, s Sender) (Deps, string, string) {
	dir := t.TempDir()
	statePath, rejectsPath := filepath.Join(dir, "state"), filepath.Join(dir, "rejects")
	st, err := resume.Open(statePath, resume.Run{Fingerprint: "f", Description: "test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return Deps{NewSender: func() (Sender, error) { return s, nil }, State: st, Rejects: rejects.NewWriter(rejectsPath)}, statePath, rejectsPath
}

func reopen(t *testing.T, d Deps, statePath string) Deps {
	_ = d.State.Close()
	st, err := resume.Open(statePath, resume.Run{Fingerprint: "f", Description: "test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d.State = st
	return d
}

func assertExactlyOnce(t *testing.T, f *fixture, m *memSender) {
	t.Helper()
	got := m.messages(t)
	if len(got) != len(f.lines) || m.count() != len(f.lines) {
		t.Fatalf("%d documents, %d distinct messages, want %d lines", m.count(), len(got), len(f.lines))
	}
	for l := range f.lines {
		if got[l] != 1 {
			t.Fatalf("line %q stored %d times", l, got[l])
		}
	}
}

func TestRunIndexesEveryLineOnce(t *testing.T) {
	f := newFixture(t, []string{"2024-05-30", "2024-05-31"}, 3, 200, nil)
	m := newMemSender()
	deps, _, rejectsPath := testDeps(t, m)
	sum, err := Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK() || sum.Done != 6 || sum.Indexed != 1200 || sum.Lines != 1200 {
		t.Fatalf("summary %+v", sum)
	}
	if sum.PerIndex["cwl-2024.05.30"] != 600 || sum.PerIndex["cwl-2024.05.31"] != 600 {
		t.Fatalf("per index %v", sum.PerIndex)
	}
	assertExactlyOnce(t, f, m)
	if _, err := os.Stat(rejectsPath); !os.IsNotExist(err) {
		t.Fatal("clean run wrote a rejects file")
	}

	// A second, fresh run rewrites the same ids: nothing duplicates.
	deps2, _, _ := testDeps(t, m)
	if _, err := Run(context.Background(), context.Background(), testConfig(), deps2, f.jobs); err != nil {
		t.Fatal(err)
	}
	assertExactlyOnce(t, f, m)
}

func TestInterruptedRunResumes(t *testing.T) {
	f := newFixture(t, []string{"2024-05-30", "2024-05-31"}, 4, 300, nil)
	m := newMemSender()
	deps, statePath, _ := testDeps(t, m)
	stop, interrupt := context.WithCancel(context.Background())
	m.onSend = func(n int) error {
		if n == 10 {
			interrupt() // Ctrl-C while batches are in flight
		}
		return nil
	}
	cfg := testConfig()
	sum, err := Run(context.Background(), stop, cfg, deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.Done >= len(f.jobs) || sum.OK() {
		t.Fatalf("interrupted run summary %+v", sum)
	}
	if m.count() >= len(f.lines) {
		t.Fatalf("interrupt came too late to test anything: %d documents", m.count())
	}
	firstDone := sum.Done

	m.onSend = nil
	deps = reopen(t, deps, statePath)
	sum, err = Run(context.Background(), context.Background(), cfg, deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK() || sum.AlreadyDone != firstDone || sum.Done != len(f.jobs)-firstDone {
		t.Fatalf("resumed run summary %+v (first run finished %d)", sum, firstDone)
	}
	assertExactlyOnce(t, f, m)
}

func TestDeliveryFailureStopsTheRun(t *testing.T) {
	f := newFixture(t, []string{"2024-05-31"}, 4, 300, nil)
	m := newMemSender()
	deps, statePath, _ := testDeps(t, m)
	down := errors.New("OpenSearch unreachable after 8 attempts")
	m.onSend = func(n int) error {
		if n >= 5 {
			return down
		}
		return nil
	}
	sum, err := Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if sum.DeliveryFailed == nil || !strings.Contains(sum.DeliveryFailed.Error(), down.Error()) || sum.OK() || sum.Done == len(f.jobs) {
		t.Fatalf("summary %+v", sum)
	}
	m.onSend = nil
	deps = reopen(t, deps, statePath)
	sum, err = Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if err != nil || !sum.OK() {
		t.Fatalf("resumed: %+v, %v", sum, err)
	}
	assertExactlyOnce(t, f, m)
}

func TestRefusedLinesGoToRejects(t *testing.T) {
	f := newFixture(t, []string{"2024-05-31"}, 2, 50, func(day string, obj, n int) string {
		if n == 7 {
			return "time:" + day + "T01:00:00Z\tstatus:REFUSE"
		}
		if n == 8 {
			return "   " // blank: no document, but still line 9
		}
		return ltsvLine(day, obj, n)
	})
	m := newMemSender()
	deps, statePath, rejectsPath := testDeps(t, m)
	sum, err := Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK() || sum.Rejected != 2 || sum.Empty != 2 || len(sum.Failed) != 2 || sum.Indexed != 96 {
		t.Fatalf("summary %+v", sum)
	}
	data, err := os.ReadFile(rejectsPath)
	if err != nil {
		t.Fatal(err)
	}
	var got []rejects.Reject
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r rejects.Reject
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("rejects: %s", data)
	}
	for _, r := range got {
		if r.Line != 8 || r.Status != 400 || r.Message == nil || !strings.Contains(*r.Message, "REFUSE") || !strings.Contains(r.Error, "mapper_parsing") || r.Index != "cwl-2024.05.31" || r.Source != f.dir.Name() {
			t.Errorf("reject %+v", r)
		}
	}
	// Objects with refused lines stay to do: the next run retries them.
	deps = reopen(t, deps, statePath)
	sum, _ = Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if sum.AlreadyDone != 0 || sum.Rejected != 2 {
		t.Fatalf("rerun summary %+v", sum)
	}
}

func TestCorruptObjectIsReportedAndOthersFinish(t *testing.T) {
	f := newFixture(t, []string{"2024-05-31"}, 3, 2000, nil)
	// Truncate the first gzip'd object, as a broken upload would.
	bad := f.jobs[0]
	if !strings.HasSuffix(bad.Object.Key, ".gz") {
		t.Fatalf("fixture order changed: %s", bad.Object.Key)
	}
	p := filepath.Join(strings.TrimPrefix(f.dir.Name(), "file://"), bad.Object.Key)
	data, _ := os.ReadFile(p)
	if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMemSender()
	deps, _, rejectsPath := testDeps(t, m)
	sum, err := Run(context.Background(), context.Background(), testConfig(), deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].Object != bad.ID() || sum.Done != 2 || sum.OK() {
		t.Fatalf("summary %+v", sum)
	}
	var ce *archive.CorruptError
	if !errors.As(sum.Failed[0].Err, &ce) || !strings.Contains(sum.Failed[0].Err.Error(), bad.Object.Key) {
		t.Fatalf("failure %v does not name the object and corruption", sum.Failed[0].Err)
	}
	rej, _ := os.ReadFile(rejectsPath)
	if !strings.Contains(string(rej), "corrupt gzip") || !strings.Contains(string(rej), bad.Object.Key) {
		t.Fatalf("rejects file: %s", rej)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	f := newFixture(t, []string{"2024-05-31"}, 2, 30, nil)
	var out bytes.Buffer
	cfg := testConfig()
	cfg.DryRun, cfg.DryRunOut, cfg.Samples = true, &out, 2
	sum, err := Run(context.Background(), context.Background(), cfg, Deps{}, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 60 || sum.Done != 2 {
		t.Fatalf("summary %+v", sum)
	}
	s := out.String()
	if strings.Count(s, "sample document") != 2 || !strings.Contains(s, `"_index":"cwl-2024.05.31"`) || !strings.Contains(s, `"status":200`) {
		t.Fatalf("dry run output lacks samples:\n%s", s)
	}
	for _, j := range f.jobs {
		if !strings.Contains(s, "would index "+j.ID()+" ") || !strings.Contains(s, "30 lines -> cwl-2024.05.31: 30") {
			t.Fatalf("dry run output lacks %s:\n%s", j.Object.Key, s)
		}
	}
}

func TestKeepIndexAndFallbackTime(t *testing.T) {
	// Lines without a time land in their object's day, in the index zone;
	// lines of other days are dropped when only one day is redone.
	f := newFixture(t, []string{"2024-05-31"}, 1, 4, func(day string, obj, n int) string {
		switch n {
		case 0:
			return "no time here"
		case 1:
			return "time:2024-05-30T23:00:00Z\tk:v"
		}
		return fmt.Sprintf("time:2024-05-31T12:00:0%dZ\tk:v", n)
	})
	m := newMemSender()
	deps, _, _ := testDeps(t, m)
	cfg := testConfig()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	cfg.Document.Location = tokyo
	cfg.KeepIndex = func(i string) bool { return i == "cwl-2024.05.31" }
	sum, err := Run(context.Background(), context.Background(), cfg, deps, f.jobs)
	if err != nil {
		t.Fatal(err)
	}
	// 2024-05-30T23:00Z is 2024-05-31 08:00 in Tokyo: kept. The two noon
	// UTC lines are 21:00 Tokyo: kept. "no time here" falls back to Tokyo
	// midnight of the object's day: kept.
	if sum.Indexed != 4 || sum.OtherIndex != 0 {
		t.Fatalf("summary %+v", sum)
	}
	cfg.KeepIndex = func(i string) bool { return i == "cwl-2024.06.01" }
	deps2, _, _ := testDeps(t, newMemSender())
	sum, _ = Run(context.Background(), context.Background(), cfg, deps2, f.jobs)
	if sum.Indexed != 0 || sum.OtherIndex != 4 || !sum.OK() {
		t.Fatalf("summary %+v", sum)
	}
}

// TestBatchesFitBatchBytes: a batch ends before the item that would take
// it past BatchBytes. The sender cuts requests at the same size, so a
// batch that overran it by one item would cost a second request for that
// item alone (a round trip to the domain, once per batch).
func TestBatchesFitBatchBytes(t *testing.T) {
	f := newFixture(t, []string{"2024-05-31"}, 2, 500, nil)
	m := newMemSender()
	deps, _, _ := testDeps(t, m)
	cfg := testConfig()
	sum, err := Run(context.Background(), context.Background(), cfg, deps, f.jobs)
	if err != nil || !sum.OK() || sum.Indexed != 1000 {
		t.Fatalf("%+v %v", sum, err)
	}
	assertExactlyOnce(t, f, m)
	full := 0
	for _, n := range m.batchBytes {
		if n > cfg.BatchBytes {
			t.Fatalf("a batch of %d bytes, over BatchBytes %d", n, cfg.BatchBytes)
		}
		if n > cfg.BatchBytes*9/10 {
			full++
		}
	}
	// Every batch but each object's last is nearly full.
	if full < len(m.batchBytes)-len(f.jobs) {
		t.Fatalf("only %d of %d batches near BatchBytes: %v", full, len(m.batchBytes), m.batchBytes)
	}
}

func TestLineIDs(t *testing.T) {
	day := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	ids := func(group string, day time.Time, lines ...string) []string {
		return streamIDs(group, day, "", lines...)
	}
	base := ids("g", day, "a", "b", "a", "a")
	seen := map[string]bool{}
	for _, id := range base {
		if seen[id] || len(id) != 32 {
			t.Fatalf("ids %q: identical lines at different places must differ", base)
		}
		seen[id] = true
	}
	if got := ids("g", day, "a", "b", "a", "a", "grown"); strings.Join(got[:4], " ") != strings.Join(base, " ") {
		t.Errorf("appending a line changed the earlier ids")
	}
	for name, other := range map[string][]string{
		"log group": ids("h", day, "a", "b", "a", "a"),
		"day":       ids("g", day.AddDate(0, 0, 1), "a", "b", "a", "a"),
		"stream":    streamIDs("g", day, "host-b", "a", "b", "a", "a"),
	} {
		for k := range base {
			if other[k] == base[k] {
				t.Errorf("another %s gives line %d the same id", name, k+1)
			}
		}
	}
}

// TestLineIDsAreStable pins the ids themselves: a run of another version
// must give an object's lines the ids an earlier one gave them, or
// running it again would duplicate documents instead of overwriting them.
// The values are SHA-256(SHA-256("g\x002024-05-31\x00host-a") || "a"),
// chained line by line, as computed independently (Python's hashlib).
func TestLineIDsAreStable(t *testing.T) {
	got := streamIDs("g", time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC), "host-a", "a", "b", "a")
	want := []string{"ee58abc5f69035a427f8b057828fa4d5", "42f51c74d61fca7ea8a13f068549a366", "da4c165d5870b123b984bbb3b9cc41be"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ids %q, want %q", got, want)
	}
}

func streamIDs(group string, day time.Time, stream string, lines ...string) []string {
	var c lineIDs
	c.reset(group, day, stream)
	var out []string
	for _, l := range lines {
		out = append(out, c.next([]byte(l)))
	}
	return out
}

// TestStreamOf: folders below the day tell streams apart; an object of
// the stack's archive from before the events format is one batch of one
// stream, so its whole name is its stream.
func TestStreamOf(t *testing.T) {
	for inDay, want := range map[string]string{
		"":                                "",
		"/app.log.gz":                     "",
		"-app.log.gz":                     "",
		"/host-a/app.log.gz":              "host-a",
		"/host-a/sub/app.log.1.gz":        "host-a/sub",
		"/app/web/i-0abc/37586.log.gz":    "app/web/i-0abc/37586.log.gz",
		"/app/web/i-0abc/3758x.log.gz":    "app/web/i-0abc",
		"/12345.log.gz":                   "",
		"/app/web/i-0abc/37586.ndjson.gz": "app/web/i-0abc",
	} {
		if got := streamOf(archive.Object{InDay: inDay}); got != want {
			t.Errorf("streamOf(%q) = %q, want %q", inDay, got, want)
		}
	}
}

// However a run ends, its summary accounts for every line read exactly
// once, and says how many documents were sent and indexed.
func TestSummaryIsExactWhenStopped(t *testing.T) {
	// Objects longer than the 4096 lines between stop checks.
	f := newFixture(t, []string{"2024-05-31"}, 4, 5000, func(day string, obj, n int) string {
		switch n % 1000 {
		case 7:
			return ""
		case 8:
			return "time:" + day + "T01:00:00Z\tstatus:REFUSE"
		}
		return ltsvLine(day, obj, n)
	})
	for _, how := range []string{"Ctrl-C", "second Ctrl-C", "domain down"} {
		for _, at := range []int{1, 2, 5, 17, 40} {
			t.Run(fmt.Sprintf("%s at send %d", how, at), func(t *testing.T) {
				m := newMemSender()
				deps, _, _ := testDeps(t, m)
				ctx, abort := context.WithCancel(context.Background())
				defer abort()
				stop, interrupt := context.WithCancel(ctx)
				defer interrupt()
				m.onSend = func(n int) error {
					if n < at {
						return nil
					}
					switch how {
					case "Ctrl-C":
						interrupt()
					case "second Ctrl-C":
						interrupt()
						abort()
					default:
						return errors.New("domain down")
					}
					return nil
				}
				cfg := testConfig()
				cfg.BatchBytes = 64 << 10
				sum, err := Run(ctx, stop, cfg, deps, f.jobs)
				if err != nil {
					t.Fatal(err)
				}
				if sum.OK() {
					t.Fatalf("run not stopped: %+v", sum)
				}
				if got := sum.Indexed + sum.Rejected + sum.TooLong + sum.Empty + sum.OtherIndex + sum.Pending; got != sum.Lines {
					t.Errorf("%d lines read, but %d indexed + %d refused + %d too long + %d blank + %d skipped + %d pending = %d",
						sum.Lines, sum.Indexed, sum.Rejected, sum.TooLong, sum.Empty, sum.OtherIndex, sum.Pending, got)
				}
				if sum.Indexed != int64(m.count()) || sum.Sent != int64(m.items) {
					t.Errorf("indexed %d, sent %d; OpenSearch holds %d of %d received", sum.Indexed, sum.Sent, m.count(), m.items)
				}
				if sum.Sent != sum.Indexed+sum.Rejected+sum.Pending {
					t.Errorf("sent %d != indexed %d + refused %d + pending %d", sum.Sent, sum.Indexed, sum.Rejected, sum.Pending)
				}
				if how == "Ctrl-C" && sum.Pending != 0 {
					t.Errorf("a graceful stop delivers what was read, yet %d are pending", sum.Pending)
				}
			})
		}
	}
}
