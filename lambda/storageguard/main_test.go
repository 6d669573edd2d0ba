package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"

	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/metrics"
	"github.com/logsearch/logsearch/lambda/storageguard/guard"
)

const gib = int64(1) << 30

// rig is the guard function and an ingest path on one fake domain.
type rig struct {
	t       *testing.T
	fake    *fakeopensearch.Server
	h       handler
	emf     bytes.Buffer
	logs    bytes.Buffer
	indexer *bulk.Indexer
	now     time.Time
	seq     int
}

func newRig(t *testing.T, disk fakeopensearch.Disk, limits guard.Limits) *rig {
	t.Helper()
	fake, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	fake.SetDisk(disk)
	u, err := url.Parse(fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := opensearchtransport.New(opensearchtransport.Config{URLs: []*url.URL{u}, MaxRetryClusterHealth: -1, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	client, err := bulk.NewClient(bulk.ClientConfig{Endpoint: u})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := bulk.New(client, bulk.Config{MaxBytes: 5 << 20, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, fake: fake, indexer: ix}
	r.h = handler{dom: guard.Domain{Client: tp}, cfg: guard.Config{IndexPrefix: "cwl", Location: time.UTC, Limits: limits},
		log: slog.New(slog.NewJSONHandler(&r.logs, nil)), out: &r.emf, function: "guard", now: func() time.Time { return r.now }}
	return r
}

// ingest sends n events of the current day's index; it returns the
// failures (the ingest function would keep them in its DLQ).
func (r *rig) ingest(n int) []bulk.Failure {
	r.t.Helper()
	return r.index("cwl-"+r.now.Format("2006.01.02"), n)
}

// index sends n events into index, whatever the clock.
func (r *rig) index(index string, n int) []bulk.Failure {
	items := make([]bulk.Item, n)
	for i := range items {
		r.seq++
		id := fmt.Sprintf("e%07d", r.seq)
		items[i] = bulk.Item{ID: id, Ref: i, Body: fmt.Appendf(nil, "{\"index\":{\"_index\":%q,\"_id\":%q}}\n{\"message\":\"%s\"}\n", index, id, strings.Repeat("x", docBytes-len(`{"message":""}`)))}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := r.indexer.Index(ctx, items)
	return append(res.Failed, res.Unresolved...)
}

// runGuard invokes the function once.
func (r *rig) runGuard() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return r.h.handle(ctx)
}

// emfTotals sums each metric over the EMF lines written so far.
func (r *rig) emfTotals() map[string]float64 {
	r.t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(r.emf.Bytes()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			r.t.Fatalf("EMF line %s: %v", sc.Text(), err)
		}
		for k, v := range line {
			if f, ok := v.(float64); ok {
				out[k] += f
			}
		}
	}
	return out
}

// logLines returns the guard's log records with msg.
func (r *rig) logLines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(r.logs.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// docBytes is the source size of one event the rig sends.
const docBytes = 130

// TestFillUp ingests, day after day, more than the domain can hold (3
// nodes of 10 GiB, 1 replica, 1 GiB a day per copy: 40 GiB over 20 days
// into 30 GiB), running the guard every simulated hour as EventBridge
// would every few minutes. No event is refused for space, the block is
// never reached, the oldest days go first, and the deletions show in the
// metrics the alarm and the dashboard read.
func TestFillUp(t *testing.T) {
	const (
		days       = 20
		hourly     = 10 // events per simulated hour
		dayPerCopy = gib
	)
	disk := fakeopensearch.Disk{Nodes: 3, VolumeBytes: 10 * gib, BaseBytes: gib / 2, Replicas: 1,
		StoreFactor: float64(dayPerCopy) / (24 * hourly * docBytes)}
	floor := fakeopensearch.WriteBlockThreshold(disk.VolumeBytes) + gib // the default margin for 10 GiB
	r := newRig(t, disk, guard.Limits{Floor: floor, MinDays: 3})
	start := time.Date(2024, 6, 1, 0, 30, 0, 0, time.UTC)
	sent := 0
	for hour := range days * 24 {
		r.now = start.Add(time.Duration(hour) * time.Hour)
		if failed := r.ingest(hourly); len(failed) > 0 {
			t.Fatalf("%s: %d events refused, first: %+v", r.now, len(failed), failed[0])
		}
		sent += hourly
		if err := r.runGuard(); err != nil {
			t.Fatalf("%s: guard run: %v", r.now, err)
		}
		for _, u := range r.fake.NodeUsages() {
			if u.Available < fakeopensearch.WriteBlockThreshold(u.Total) {
				t.Fatalf("%s: %s has %d bytes free, below the write block", r.now, u.Name, u.Available)
			}
		}
		if b := r.fake.BlockedIndices(); len(b) > 0 {
			t.Fatalf("%s: blocked %v", r.now, b)
		}
	}

	// The days kept are the newest ones, contiguous up to today.
	var kept []string
	for name := range r.fake.Indices() {
		kept = append(kept, name)
	}
	slices.Sort(kept)
	last := start.AddDate(0, 0, days-1)
	for i, name := range slices.Backward(kept) {
		if want := "cwl-" + last.AddDate(0, 0, -(len(kept)-1-i)).Format("2006.01.02"); name != want {
			t.Fatalf("kept %v: not the newest days in a row", kept)
		}
	}
	if len(kept) < 3 || len(kept) >= days {
		t.Fatalf("kept %d days (%v), want at least the minimum 3 and fewer than all %d", len(kept), kept, days)
	}

	// Each deletion is logged, oldest first, with its size and free space.
	deletions := r.logLines("storage guard deleted an index to make room")
	if len(deletions) != days-len(kept) {
		t.Fatalf("%d deletions logged, want %d", len(deletions), days-len(kept))
	}
	for i, d := range deletions {
		if want := "cwl-" + start.AddDate(0, 0, i).Format("2006.01.02"); d["index"] != want {
			t.Errorf("deletion %d is %v, want %s (oldest first)", i, d["index"], want)
		}
		if d["bytes"].(float64) <= 0 || d["ageDays"].(float64) < 2 || d["fullestFreeAfter"].(float64) < d["fullestFreeBefore"].(float64) {
			t.Errorf("deletion %d logged as %v", i, d)
		}
	}
	totals := r.emfTotals()
	if got := totals[metrics.GuardDeletedIndices]; int(got) != len(deletions) {
		t.Errorf("EMF %s sums to %v, want %d: the alarm's input", metrics.GuardDeletedIndices, got, len(deletions))
	}
	if totals[metrics.GuardFreedBytes] <= 0 || totals[metrics.GuardShort] != 0 || totals[metrics.GuardFailures] != 0 {
		t.Errorf("EMF totals %v", totals)
	}
	if totals[metrics.DaysKept] == 0 || totals[metrics.DaysUntilFull] == 0 {
		t.Errorf("EMF has no %s or %s for the dashboard: %v", metrics.DaysKept, metrics.DaysUntilFull, totals)
	}
	t.Logf("%d events sent, %d days kept, %d deleted", sent, len(kept), len(deletions))
}

// TestBlockedDomainRecovers starts from a domain already at the write
// block: events are refused (kept by the ingest function in its DLQ).
// One guard run makes room and lifts the block, with no person, and the
// refused events then go in: none is lost.
func TestBlockedDomainRecovers(t *testing.T) {
	disk := fakeopensearch.Disk{Nodes: 1, VolumeBytes: 10 * gib, BaseBytes: gib / 2, StoreFactor: float64(gib) / (100 * docBytes)}
	r := newRig(t, disk, guard.Limits{Floor: 3 * gib, MinDays: 2})
	start := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for d := range 8 { // 8 GiB into 9.5: below 2 GiB free, without a guard
		r.now = start.AddDate(0, 0, d)
		if failed := r.ingest(100); len(failed) > 0 {
			t.Fatalf("day %d refused before the disk filled: %+v", d, failed[0])
		}
	}
	refused := r.ingest(10) // today's index exists: index read-only
	r.now = r.now.AddDate(0, 0, 1)
	refused = append(refused, r.ingest(10)...) // a new day's index: create-index blocked
	if len(refused) != 20 || refused[0].Status != 403 || refused[10].Status != 403 ||
		!strings.Contains(refused[0].Reason, "read-only / allow delete") || !strings.Contains(refused[10].Reason, "create-index blocked") {
		t.Fatalf("the fake did not block as documented: %d refused, %+v", len(refused), refused)
	}
	if len(r.fake.BlockedIndices()) == 0 {
		t.Fatal("no index carries the block")
	}

	if err := r.runGuard(); err != nil {
		t.Fatal(err)
	}
	if b := r.fake.BlockedIndices(); len(b) > 0 {
		t.Fatalf("still blocked after the guard ran: %v", b)
	}
	if len(r.logLines("storage guard lifted the write block after making room")) != 1 {
		t.Errorf("the lift is not logged: %s", r.logs.String())
	}
	totals := r.emfTotals()
	if totals[metrics.GuardBlocksLifted] == 0 || totals[metrics.GuardDeletedIndices] == 0 {
		t.Errorf("EMF totals %v", totals)
	}
	// The refused events, replayed from the DLQ, now go in.
	before := r.fake.Count()
	r.now = r.now.AddDate(0, 0, -1)
	if failed := r.ingest(10); len(failed) > 0 {
		t.Fatalf("still refused after recovery: %+v", failed[0])
	}
	r.now = r.now.AddDate(0, 0, 1)
	if failed := r.ingest(10); len(failed) > 0 {
		t.Fatalf("a new day still refused after recovery: %+v", failed[0])
	}
	if r.fake.Count() != before+20 {
		t.Errorf("count %d, want %d", r.fake.Count(), before+20)
	}
}

// TestNeverOutsideItsPattern fills a domain with indices logsearch did not
// create (and daily ones it must keep): the guard deletes none of them,
// alarms that it is short, and leaves the block in place rather than let
// the disk fill to the brim.
func TestNeverOutsideItsPattern(t *testing.T) {
	disk := fakeopensearch.Disk{Nodes: 1, VolumeBytes: 10 * gib, StoreFactor: float64(gib) / (100 * docBytes)}
	r := newRig(t, disk, guard.Limits{Floor: 3 * gib, MinDays: 3})
	r.now = time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	foreign := []string{"cwl-2020.01.01-restored", "cwl-restored-2020.01.02", "other-2020.01.03", "cwl-2020.1.4", "cwl", ".kibana_1"}
	for _, name := range foreign {
		r.send(name, 100) // 1 GiB each
	}
	for _, d := range []string{"2024.06.06", "2024.06.08", "2024.06.09", "2024.06.10"} {
		r.send("cwl-"+d, 50)
	}
	if err := r.runGuard(); err != nil {
		t.Fatal(err)
	}
	indices := r.fake.Indices()
	for _, name := range foreign {
		if _, ok := indices[name]; !ok {
			t.Errorf("the guard deleted %s, which logsearch did not create", name)
		}
	}
	// 4 daily indices, minimum 3: only the oldest may go.
	if _, ok := indices["cwl-2024.06.06"]; ok {
		t.Error("the oldest daily index was kept although the floor was not met")
	}
	for _, d := range []string{"2024.06.08", "2024.06.09", "2024.06.10"} {
		if _, ok := indices["cwl-"+d]; !ok {
			t.Errorf("cwl-%s deleted: within the minimum days", d)
		}
	}
	totals := r.emfTotals()
	if totals[metrics.GuardShort] != 1 || totals[metrics.GuardDeletedIndices] != 1 {
		t.Errorf("EMF totals %v: want short 1 and 1 deletion", totals)
	}
	if len(r.logLines("storage guard cannot reach the floor within its limits: the domain will fill up; raise domain.volumeSize or instanceCount, or lower retentionDays")) != 1 {
		t.Errorf("the shortfall is not logged: %s", r.logs.String())
	}
}

// send indexes n events into index and fails the test on a refusal.
func (r *rig) send(index string, n int) {
	r.t.Helper()
	if failed := r.index(index, n); len(failed) > 0 {
		r.t.Fatalf("%s: refused %+v", index, failed[0])
	}
}
