package document_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/document"
	benchfloor "github.com/logsearch/logsearch/lambda/internal/floor"
)

// benchEvents is the size of the reference payload (10,000 nginx events).
const benchEvents = 10000

var benchStart = time.Date(2024, 1, 1, 14, 0, 0, 0, time.UTC)

func benchData(b *testing.B, n int) []byte {
	b.Helper()
	return cwlogstest.Data(cwlogstest.DataPayload("/aws/ec2/nginx", "i-0123456789abcdef0/access.log",
		cwlogstest.NginxEvents(n, benchStart)))
}

func benchBuilder(tb testing.TB) *document.Builder {
	tb.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		tb.Fatal(err)
	}
	bld, err := document.NewBuilder(document.Config{
		IndexPrefix: "cwl", Location: tokyo, TimeField: "time", FieldTypes: cwlogstest.NginxFieldTypes,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return bld
}

// perEvent measures a benchmark loop over payloads of a fixed number of
// events, adding per-event figures to ns/op, B/op and allocs/op, which
// cover a whole payload.
type perEvent struct {
	events int
	before runtime.MemStats
}

// startPerEvent starts the timed loop: call it right before b.Loop, with
// the payload's size and event count.
func startPerEvent(b *testing.B, payloadBytes, events int) *perEvent {
	b.SetBytes(int64(payloadBytes))
	b.ReportAllocs()
	m := &perEvent{events: events}
	runtime.ReadMemStats(&m.before)
	b.ResetTimer()
	return m
}

// report stops the timer and reports the per-event figures.
func (m *perEvent) report(b *testing.B) {
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(m.events)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/event")
	b.ReportMetric(float64(after.Mallocs-m.before.Mallocs)/total, "allocs/event")
	b.ReportMetric(float64(after.TotalAlloc-m.before.TotalAlloc)/total, "B/event")
}

// floor is base64 + gunzip with reused buffers and gzip reader: the work
// no decoder can avoid.
type floor struct{ f benchfloor.Floor }

func (f *floor) run(tb testing.TB, data []byte) {
	if _, err := f.f.Inflate(data); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkFloor is base64 + gunzip of the payload alone, with buffers and
// the gzip reader reused: no decoder can be faster.
func BenchmarkFloor(b *testing.B) {
	data := benchData(b, benchEvents)
	var f floor
	f.run(b, data) // warm up: buffers grown, as in a warm Lambda
	m := startPerEvent(b, len(data), benchEvents)
	for b.Loop() {
		f.run(b, data)
	}
	m.report(b)
}

// BenchmarkHotPath is what an invocation does before sending: decode the
// payload (base64, gunzip, envelope JSON), then parse, coerce and write
// the whole bulk body, reusing the decoder, builder and body buffer like
// a warm Lambda does.
//
// x-floor is the hot path's time over the floor's, both measured in this
// benchmark (the floor untimed by the benchmark itself, between hot-path
// runs) so that load from other processes hits both alike.
func BenchmarkHotPath(b *testing.B) {
	var f floor
	var floorTime time.Duration
	data := benchData(b, benchEvents)
	var dec cwlogs.Decoder
	bld := benchBuilder(b)
	var body []byte
	hotPath := func() {
		p, err := dec.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		body = body[:0]
		for i := range p.LogEvents {
			body, _ = bld.AppendBulkItem(body, p, &p.LogEvents[i])
		}
	}
	hotPath() // warm up: buffers grown, as in a warm Lambda
	f.run(b, data)
	m := startPerEvent(b, len(data), benchEvents)
	for b.Loop() {
		hotPath()
		b.StopTimer()
		start := time.Now()
		f.run(b, data)
		floorTime += time.Since(start)
		b.StartTimer()
	}
	m.report(b)
	b.ReportMetric(float64(b.Elapsed())/float64(floorTime), "x-floor")
	b.ReportMetric(float64(len(body))/benchEvents, "body-B/event")
}

// maxInvocationBytes is the largest asynchronous invocation payload Lambda
// accepts, hence the largest CloudWatch Logs can send.
const maxInvocationBytes = 1 << 20

// BenchmarkLargestPayload measures memory for the largest invocation:
// nginx events up to 1 MB of invocation payload, decoded and built into
// one bulk body by a cold decoder and builder (the first invocation of a
// new Lambda instance, when every buffer grows from nothing). peak-MiB is
// an upper bound on the heap peak: garbage collection is off, so
// everything allocated is counted as live. live-MiB is what stays in use
// once the garbage of buffer growth is collected: the decoder's buffers
// and the body.
func BenchmarkLargestPayload(b *testing.B) {
	n := largestEventCount(b)
	data := benchData(b, n)
	inv := cwlogstest.InvocationFromData(data)
	var peak, live, inflated, body float64
	for b.Loop() {
		runtime.GC()
		old := debug.SetGCPercent(-1)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var dec cwlogs.Decoder
		bld := benchBuilder(b)
		p, err := dec.DecodeEvent(inv)
		if err != nil {
			b.Fatal(err)
		}
		var out []byte
		for i := range p.LogEvents {
			out, _ = bld.AppendBulkItem(out, p, &p.LogEvents[i])
		}
		runtime.ReadMemStats(&after)
		debug.SetGCPercent(old)
		peak = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		// What a warm instance keeps: the buffers, once garbage is gone.
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		runtime.KeepAlive(out)
		runtime.KeepAlive(&dec)
		inflated = float64(len(cwlogstest.JSON(p))) / (1 << 20)
		body = float64(len(out)) / (1 << 20)
	}
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(float64(len(inv))/(1<<20), "invocation-MiB")
	b.ReportMetric(peak, "peak-MiB")
	b.ReportMetric(live, "live-MiB")
	b.ReportMetric(inflated, "inflated-MiB")
	b.ReportMetric(body, "body-MiB")
}

// largestEventCount finds how many nginx events fit one 1 MB invocation.
func largestEventCount(b *testing.B) int {
	lo, hi := 1000, 400000
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(cwlogstest.InvocationFromData(benchData(b, mid))) <= maxInvocationBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
