package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/backoff"
)

// item builds a bulk item for id with a document of roughly size bytes.
func item(ref int, id string, size int) Item {
	action := `{"index":{"_index":"cwl-2024.01.01","_id":"` + id + `"}}` + "\n"
	doc := `{"m":"` + strings.Repeat("x", max(0, size-len(action)-9)) + `"}` + "\n"
	return Item{ID: id, Body: []byte(action + doc), Ref: ref}
}

func items(n, size int) []Item {
	out := make([]Item, n)
	for i := range out {
		out[i] = item(i, fmt.Sprintf("id%d", i), size)
	}
	return out
}

// itemsFrom is n items of size bytes, refs and ids counting from first.
func itemsFrom(first, n, size int) []Item {
	out := items(n, size)
	for k := range out {
		out[k] = item(first+k, fmt.Sprintf("id%d", first+k), size)
	}
	return out
}

// idsOf reads the _ids of a bulk body.
func idsOf(t *testing.T, body []byte) []string {
	t.Helper()
	lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
	var ids []string
	for k := 0; k < len(lines); k += 2 {
		var a struct {
			Index struct {
				ID string `json:"_id"`
			} `json:"index"`
		}
		if err := json.Unmarshal(lines[k], &a); err != nil {
			t.Fatalf("action line %q: %v", lines[k], err)
		}
		ids = append(ids, a.Index.ID)
	}
	return ids
}

// itemsResponse is a _bulk response with the given status per id.
func itemsResponse(ids []string, status func(id string) int) []byte {
	var b strings.Builder
	b.WriteString(`{"took":3,"errors":false,"items":[`)
	for k, id := range ids {
		if k > 0 {
			b.WriteByte(',')
		}
		s := status(id)
		fmt.Fprintf(&b, `{"index":{"_index":"cwl-2024.01.01","_id":%q,"status":%d`, id, s)
		if s >= 300 {
			fmt.Fprintf(&b, `,"error":{"type":"e%d","reason":"r%d","caused_by":{"type":"c","reason":"why"}}`, s, s)
		}
		b.WriteString("}}")
	}
	b.WriteString("]}")
	return []byte(b.String())
}

type call struct {
	ids []string
	n   int // body bytes
}

// script is a Poster driven by a function of the call number and ids.
type script struct {
	t     *testing.T
	calls []call
	fn    func(n int, ids []string) (int, []byte, error)
}

func (s *script) PostBulk(ctx context.Context, body []byte) (int, []byte, error) {
	ids := idsOf(s.t, body)
	s.calls = append(s.calls, call{ids: ids, n: len(body)})
	return s.fn(len(s.calls), ids)
}

func okAll(_ int, ids []string) (int, []byte, error) {
	return 200, itemsResponse(ids, func(string) int { return 201 }), nil
}

// accounted checks that every item is in exactly one outcome.
func accounted(t *testing.T, in []Item, r Result) {
	t.Helper()
	seen := map[int]string{}
	mark := func(ref int, where string) {
		if prev, ok := seen[ref]; ok {
			t.Errorf("ref %d both %s and %s", ref, prev, where)
		}
		seen[ref] = where
	}
	for _, ref := range r.Indexed {
		mark(ref, "indexed")
	}
	for _, f := range r.Failed {
		mark(f.Ref, "failed")
	}
	for _, f := range r.Unresolved {
		mark(f.Ref, "unresolved")
	}
	for _, it := range in {
		if _, ok := seen[it.Ref]; !ok {
			t.Errorf("ref %d lost", it.Ref)
		}
	}
}

func TestIndex(t *testing.T) {
	sentinel := errors.New("connection reset by peer")
	tests := []struct {
		name       string
		in         []Item
		max        int
		fn         func(n int, ids []string) (int, []byte, error)
		calls      int
		indexed    int
		failed     []string // reason substrings, in order
		unresolved []string
		retried    int
	}{
		{name: "all ok", in: items(10, 100), max: 1 << 20, fn: okAll, calls: 1, indexed: 10},
		{name: "split by size", in: items(10, 100), max: 350, fn: okAll, calls: 4, indexed: 10},
		{name: "item 429 then ok", in: items(5, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			return 200, itemsResponse(ids, func(id string) int {
				if n == 1 && (id == "id1" || id == "id3") {
					return 429
				}
				return 201
			}), nil
		}, calls: 2, indexed: 5, retried: 2},
		{name: "item 503 then ok", in: items(3, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			return 200, itemsResponse(ids, func(id string) int { return map[bool]int{true: 503, false: 200}[n == 1 && id == "id0"] }), nil
		}, calls: 2, indexed: 3, retried: 1},
		{name: "mapping error is permanent", in: items(4, 100), max: 1 << 20, fn: func(_ int, ids []string) (int, []byte, error) {
			return 200, itemsResponse(ids, func(id string) int { return map[bool]int{true: 400, false: 201}[id == "id2"] }), nil
		}, calls: 1, indexed: 3, failed: []string{"e400: r400 (caused by c: why)"}},
		{name: "whole request 429 then ok", in: items(4, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if n <= 2 {
				return 429, []byte(`{"error":"es_rejected_execution_exception"}`), nil
			}
			return okAll(n, ids)
		}, calls: 3, indexed: 4, retried: 8},
		// A proxy's "client did not send the request in time" (RFC 9110,
		// section 15.5.9: 408 Request Timeout, "the client MAY repeat that
		// request"), as a load balancer answers a slow upload: resent, not
		// kept in the dead-letter queue.
		{name: "whole request 408 then ok", in: items(3, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if n == 1 {
				return 408, []byte("<html>408 Request Time-out</html>"), nil
			}
			return okAll(n, ids)
		}, calls: 2, indexed: 3, retried: 3},
		{name: "connection error then ok", in: items(2, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if n == 1 {
				return 0, nil, sentinel
			}
			return okAll(n, ids)
		}, calls: 2, indexed: 2, retried: 2},
		{name: "whole 400 bisects to the bad item", in: items(8, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if slices.Contains(ids, "id5") {
				return 400, []byte(`{"error":{"type":"illegal_argument_exception"}}`), nil
			}
			return okAll(n, ids)
		}, calls: 7, indexed: 7, failed: []string{"HTTP 400 from the domain: {\"error\":{\"type\":\"illegal_argument_exception\"}}"}},
		{name: "413 lowers the request size", in: items(8, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if len(ids) > 2 {
				return 413, nil, nil
			}
			return okAll(n, ids)
			// 8 refused, 4 refused, then every queued half is packed to
			// the lowered size: 2+2+2+2.
		}, calls: 6, indexed: 8},
		{name: "oversize item never sent", in: append(items(2, 100), item(2, "big", 1000)), max: 500, fn: okAll, calls: 1, indexed: 2,
			failed: []string{"1000 bytes, over the 500-byte request limit"}},
		// The items after one left out go in the same request, and the
		// request still ends at the size limit.
		{name: "oversize item among others", in: slices.Concat(items(2, 100), []Item{item(2, "big", 1000), item(3, "id3", 100), item(4, "id4", 100)}),
			max: 500, fn: okAll, calls: 1, indexed: 4, failed: []string{"1000 bytes, over the 500-byte request limit"}},
		{name: "oversize item among others, split by size", in: slices.Concat(items(2, 100), []Item{item(2, "big", 1000)}, itemsFrom(3, 4, 100)),
			max: 350, fn: okAll, calls: 2, indexed: 6, failed: []string{"1000 bytes, over the 350-byte request limit"}},
		{name: "first item oversize", in: slices.Concat([]Item{item(0, "big", 1000)}, itemsFrom(1, 4, 100)),
			max: 350, fn: okAll, calls: 2, indexed: 4, failed: []string{"1000 bytes, over the 350-byte request limit"}},
		{name: "403 fails all with the fix", in: items(2, 100), max: 1 << 20, fn: func(int, []string) (int, []byte, error) {
			return 403, []byte(`{"message":"no permissions"}`), nil
		}, calls: 1, failed: []string{"HTTP 403", "HTTP 403 from the domain: {\"message\":\"no permissions\"} (fix: map the function's IAM role"}},
		{name: "always 429 gives up after MaxAttempts", in: items(2, 100), max: 1 << 20, fn: func(_ int, ids []string) (int, []byte, error) {
			return 200, itemsResponse(ids, func(string) int { return 429 }), nil
		}, calls: 3, unresolved: []string{"e429: r429", "e429: r429"}, retried: 4},
		{name: "unreadable response is retried", in: items(2, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if n == 1 {
				return 200, []byte(`<html>proxy</html>`), nil
			}
			return okAll(n, ids)
		}, calls: 2, indexed: 2, retried: 2},
		{name: "wrong item count is retried", in: items(2, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			return okAll(n, ids[:1+min(n-1, 1)])
		}, calls: 2, indexed: 2, retried: 2},
		{name: "mismatched _id is retried", in: items(2, 100), max: 1 << 20, fn: func(n int, ids []string) (int, []byte, error) {
			if n == 1 {
				return okAll(n, []string{ids[1], ids[0]})
			}
			return okAll(n, ids)
		}, calls: 2, indexed: 2, retried: 2},
	}
	for _, tt := range tests {
		// Every case holds alike for items built on demand, for a
		// Prebuilt source, whose first request is its buffer as it lies,
		// for items whose bodies lie back to back (Index sends them as
		// they lie too), and for a BufferPoster, whose answers share one
		// buffer.
		for _, mode := range []string{"Index", "Prebuilt", "BackToBack", "BufferPoster"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				s := &script{t: t, fn: tt.fn}
				var slept []time.Duration
				var src *prebuiltItems
				var firstBuilt []bool // per request: was it the source's buffer?
				poster := posterFunc(func(ctx context.Context, body []byte) (int, []byte, error) {
					firstBuilt = append(firstBuilt, src != nil && len(body) > 0 && &body[0] == &src.body[0] && len(body) == len(src.body))
					return s.PostBulk(ctx, body)
				})
				var p Poster = poster
				if mode == "BufferPoster" {
					p = &reusingPoster{Poster: poster, t: t}
				}
				ix, err := New(p, Config{MaxBytes: tt.max, MaxAttempts: 3, Sleep: func(_ context.Context, d time.Duration) error {
					slept = append(slept, d)
					return nil
				}})
				if err != nil {
					t.Fatal(err)
				}
				var r Result
				switch mode {
				case "Index", "BufferPoster":
					r = ix.Index(context.Background(), tt.in)
				default:
					src = newPrebuiltItems(tt.in)
					built := bytes.Clone(src.body)
					if mode == "Prebuilt" {
						r = ix.IndexSource(context.Background(), src)
					} else {
						r = ix.Index(context.Background(), src.Items)
					}
					wantBuilt := len(built) <= tt.max
					if got := slices.Index(firstBuilt, true); (got == 0) != wantBuilt || slices.Contains(firstBuilt[min(1, len(firstBuilt)):], true) {
						t.Errorf("requests sending the prebuilt buffer: %v, want only the first when it fits (%v)", firstBuilt, wantBuilt)
					}
					if wantBuilt && len(s.calls) == 1 && src.appended != 0 {
						t.Errorf("AppendItem called %d times for a prebuilt buffer sent once", src.appended)
					}
					if !bytes.Equal(src.body, built) {
						t.Error("IndexSource wrote to the prebuilt buffer")
					}
				}
				accounted(t, tt.in, r)
				if len(s.calls) != tt.calls {
					t.Errorf("calls = %d, want %d: %v", len(s.calls), tt.calls, s.calls)
				}
				for _, c := range s.calls {
					if c.n > tt.max {
						t.Errorf("request of %d bytes over the %d limit", c.n, tt.max)
					}
				}
				if len(r.Indexed) != tt.indexed {
					t.Errorf("indexed = %d, want %d", len(r.Indexed), tt.indexed)
				}
				if r.Retried != tt.retried {
					t.Errorf("retried = %d, want %d", r.Retried, tt.retried)
				}
				checkReasons(t, "failed", r.Failed, tt.failed)
				checkReasons(t, "unresolved", r.Unresolved, tt.unresolved)
				for k, d := range slept {
					if d < 0 || d >= backoff.Default.Bound(k+1) {
						t.Errorf("sleep %d = %v outside [0, %v)", k, d, backoff.Default.Bound(k+1))
					}
				}
			})
		}
	}
}

// reusingPoster answers into the buffer it is passed, as
// Client.PostBulkInto does, after writing garbage over all of it, so that
// anything kept of an earlier answer would read garbage; and it checks that
// the buffer passed is the last answer's.
type reusingPoster struct {
	Poster
	t    *testing.T
	last []byte
}

func (p *reusingPoster) PostBulkInto(ctx context.Context, body, buf []byte) (int, []byte, error) {
	if p.last != nil && (cap(buf) == 0 || &buf[:1][0] != &p.last[:1][0]) {
		p.t.Error("a request was not passed the last answer's buffer")
	}
	status, resp, err := p.PostBulk(ctx, body)
	if resp == nil {
		return status, nil, err
	}
	full := buf[:cap(buf)]
	for k := range full {
		full[k] = '#'
	}
	if cap(buf) < len(resp) {
		buf = make([]byte, 0, 2*len(resp))
	}
	resp = append(buf[:0], resp...)
	p.last = resp
	return status, resp, err
}

// prebuiltItems serves items as a Prebuilt source: their bodies back to
// back in one buffer, as the backfill builds a batch.
type prebuiltItems struct {
	Items
	body     []byte
	appended int // AppendItem calls
}

func newPrebuiltItems(in []Item) *prebuiltItems {
	p := &prebuiltItems{Items: slices.Clone(in)}
	for _, it := range in {
		p.body = append(p.body, it.Body...)
	}
	off := 0
	for k := range p.Items {
		n := len(p.Items[k].Body)
		p.Items[k].Body = p.body[off : off+n] // reaching on to the next, as slices of one buffer do
		off += n
	}
	return p
}

func (p *prebuiltItems) Built() []byte   { return p.body }
func (p *prebuiltItems) ID(i int) string { return p.Items[i].ID }

func (p *prebuiltItems) AppendItem(dst []byte, i int) ([]byte, string, string) {
	p.appended++
	return p.Items.AppendItem(dst, i)
}

func checkReasons(t *testing.T, what string, got []Failure, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %+v, want %d", what, got, len(want))
		return
	}
	for k := range got {
		if !strings.Contains(got[k].Reason, want[k]) {
			t.Errorf("%s[%d] reason %q lacks %q", what, k, got[k].Reason, want[k])
		}
	}
}

func TestDeadlineLeavesReserve(t *testing.T) {
	s := &script{t: t, fn: func(_ int, ids []string) (int, []byte, error) {
		return 503, nil, nil
	}}
	// The clock is fake but starts at the real time: contexts expire by the real one.
	start := time.Now()
	now := start
	ix, err := New(s, Config{MaxBytes: 1 << 20, Reserve: 5 * time.Second, MaxAttempts: 100,
		Now:   func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(20*time.Second))
	defer cancel()
	in := items(3, 100)
	r := ix.Index(ctx, in)
	accounted(t, in, r)
	if len(r.Unresolved) != 3 || !strings.Contains(r.Unresolved[0].Reason, "HTTP 503") {
		t.Errorf("want 3 unresolved with the last 503, got %+v", r.Unresolved)
	}
	if left := start.Add(20 * time.Second).Sub(now); left < 5*time.Second {
		t.Errorf("only %v left before the deadline, reserve is 5s", left)
	}
	if len(s.calls) < 3 {
		t.Errorf("only %d attempts in 15 s of budget", len(s.calls))
	}

	// With less than the reserve left nothing is sent at all.
	s.calls = nil
	ctx2, cancel2 := context.WithDeadline(context.Background(), now.Add(4*time.Second))
	defer cancel2()
	r = ix.Index(ctx2, in)
	if len(s.calls) != 0 || len(r.Unresolved) != 3 || !strings.Contains(r.Unresolved[0].Reason, "no time left") {
		t.Errorf("calls %d, unresolved %+v", len(s.calls), r.Unresolved)
	}
}

func TestRequestTimeout(t *testing.T) {
	p := posterFunc(func(ctx context.Context, _ []byte) (int, []byte, error) {
		<-ctx.Done()
		return 0, nil, ctx.Err()
	})
	ix, err := New(p, Config{MaxBytes: 1 << 20, MaxAttempts: 2, RequestTimeout: 20 * time.Millisecond,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	r := ix.Index(context.Background(), items(1, 100))
	if len(r.Unresolved) != 1 || !strings.Contains(r.Unresolved[0].Reason, "no answer within") {
		t.Errorf("got %+v", r)
	}
}

type posterFunc func(ctx context.Context, body []byte) (int, []byte, error)

func (f posterFunc) PostBulk(ctx context.Context, body []byte) (int, []byte, error) {
	return f(ctx, body)
}

func TestNewRejectsNoLimit(t *testing.T) {
	if _, err := New(posterFunc(nil), Config{}); err == nil || !strings.Contains(err.Error(), "MaxBytes") {
		t.Errorf("err = %v", err)
	}
}

// An item refused for good is offered for rebuilding; a rebuilt item is
// sent again at once, without a backoff, and one refused again fails with
// the reasons of every refusal.
func TestIndexRebuildsRefusedItems(t *testing.T) {
	in := items(4, 100)
	rebuilds := map[string]int{}
	rebuild := func(id string, fixed bool) func(int, int, string) ([]byte, bool) {
		return func(ref, status int, reason string) ([]byte, bool) {
			if status != 400 || !strings.Contains(reason, "r400") || in[ref].ID != id {
				t.Errorf("%s: Rebuild(%d, %q)", id, status, reason)
			}
			rebuilds[id]++
			if rebuilds[id] > 1 {
				return nil, false
			}
			body := item(0, id, 100).Body
			if fixed {
				body = bytes.Replace(body, []byte(`"m":"`), []byte(`"m":"fixed`), 1)
			}
			return body, true
		}
	}
	in[1].Rebuild = rebuild("id1", true)
	in[2].Rebuild = rebuild("id2", false)
	var bodies [][]byte
	p := &script{t: t, fn: func(n int, ids []string) (int, []byte, error) {
		body := bodies[len(bodies)-1]
		return 200, itemsResponse(ids, func(id string) int {
			if id != "id0" && !bytes.Contains(body, []byte(`"_id":"`+id+`"}}`+"\n"+`{"m":"fixed`)) {
				return 400
			}
			return 201
		}), nil
	}}
	slept := 0
	ix, err := New(posterFunc(func(ctx context.Context, body []byte) (int, []byte, error) {
		bodies = append(bodies, bytes.Clone(body))
		return p.PostBulk(ctx, body)
	}), Config{MaxBytes: 1 << 20, Sleep: func(context.Context, time.Duration) error { slept++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	res := ix.Index(context.Background(), in)
	accounted(t, in, res)
	if !slices.Equal(res.Indexed, []int{0, 1}) || res.Rebuilt != 2 || slept != 0 || len(p.calls) != 2 {
		t.Errorf("indexed %v rebuilt %d slept %d calls %d, want [0 1], 2 rebuilt, no sleep, 2 calls", res.Indexed, res.Rebuilt, slept, len(p.calls))
	}
	reasons := map[int]string{}
	for _, f := range res.Failed {
		reasons[f.Ref] = f.Reason
	}
	if r := reasons[2]; strings.Count(r, "r400") != 2 || !strings.Contains(r, "; rebuilt, then: ") {
		t.Errorf("item rebuilt and refused again: reason %q, want both refusals", r)
	}
	if r := reasons[3]; strings.Count(r, "r400") != 1 {
		t.Errorf("item without Rebuild: reason %q", r)
	}
}

// TestRebuiltRequestsStayUnderMaxBytes: items the domain refused and that
// come back bigger (demoted fields) are sent again in requests that never
// exceed MaxBytes, however many there are.
func TestRebuiltRequestsStayUnderMaxBytes(t *testing.T) {
	const maxBytes = 64 << 10
	in := items(60, 1000) // ~60 KB: one request
	for k := range in {
		id := in[k].ID
		in[k].Rebuild = func(ref, status int, reason string) ([]byte, bool) {
			b := item(ref, id, 1400).Body // 40% bigger
			return bytes.Replace(b, []byte(`"m":"`), []byte(`"m":"fixed`), 1), true
		}
	}
	p := &script{t: t}
	var sizes []int
	ix, err := New(posterFunc(func(ctx context.Context, body []byte) (int, []byte, error) {
		sizes = append(sizes, len(body))
		return p.PostBulk(ctx, body)
	}), Config{MaxBytes: maxBytes, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]bool{}
	p.fn = func(n int, ids []string) (int, []byte, error) {
		return 200, itemsResponse(ids, func(id string) int {
			if fixed[id] {
				return 201
			}
			fixed[id] = true // the first send is refused, the rebuilt one taken
			return 400
		}), nil
	}
	res := ix.Index(context.Background(), in)
	accounted(t, in, res)
	if len(res.Indexed) != len(in) || res.Rebuilt != len(in) {
		t.Fatalf("indexed %d rebuilt %d of %d", len(res.Indexed), res.Rebuilt, len(in))
	}
	for k, n := range sizes {
		if n > maxBytes {
			t.Errorf("request %d is %d bytes, over MaxBytes %d", k+1, n, maxBytes)
		}
	}
}

// TestItemsBuilt: prepared items are sent as they lie only when they are
// slices of one buffer, back to back; any other layout is copied.
func TestItemsBuilt(t *testing.T) {
	buf := []byte("aaaa\nbbbb\ncccc\n")
	tests := []struct {
		name  string
		items Items
		want  string // "" for nil
	}{
		{name: "back to back", items: Items{{Body: buf[0:5]}, {Body: buf[5:10]}, {Body: buf[10:15]}}, want: string(buf)},
		{name: "one item", items: Items{{Body: buf[5:10]}}, want: "bbbb\n"},
		{name: "a gap", items: Items{{Body: buf[0:5]}, {Body: buf[10:15]}}},
		{name: "out of order", items: Items{{Body: buf[5:10]}, {Body: buf[0:5]}}},
		{name: "capacity cut", items: Items{{Body: buf[0:5:5]}, {Body: buf[5:10]}}},
		{name: "separate buffers", items: Items{{Body: []byte("aaaa\n")}, {Body: []byte("bbbb\n")}}},
		{name: "empty body", items: Items{{Body: buf[0:5]}, {Body: buf[5:5]}}},
		{name: "none", items: Items{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.items.Built()
			if (got == nil) != (tt.want == "") || string(got) != tt.want {
				t.Errorf("Built() = %q, want %q", got, tt.want)
			}
		})
	}
}
