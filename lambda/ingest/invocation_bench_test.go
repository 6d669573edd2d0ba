package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/internal/childbench"
	"github.com/logsearch/logsearch/lambda/internal/floor"
	"github.com/logsearch/logsearch/lambda/settings"
)

// The whole-invocation benchmark runs the handler in a child process (this
// test binary, re-run as TestWholeInvocationChild) against the fake domain
// and queue in the benchmark's process, so that the child's CPU time and
// peak resident memory are the function's alone: Go heap, stacks, runtime
// and buffers, everything the kernel counts. The child alternates the
// floor (package floor: base64 + gunzip of the payload, SHA-256 of the
// bytes one invocation sent, and writing them to a socket) with a whole
// invocation (decode, build, compress, sign, send, read the answer), so
// that load from other processes hits both alike.

// Goals (checked when the benchmark runs enough rounds to mean something).
const (
	// maxFloorRatio: a whole invocation costs at most this many floors.
	// A regression guard with room for a busy machine: the default
	// configuration measured 2.1-2.5 floors, up to 2.7 under heavy load
	// (docs/development.md, "The whole invocation"); the goal, 2, is not
	// met yet.
	maxFloorRatio = 3.5
	// checkRounds is the fewest rounds whose median is trusted: .ci/run's
	// single smoke round only reports.
	checkRounds = 5
)

const childEnv = "LOGSEARCH_WHOLE_INVOCATION_CHILD"

type benchCase struct {
	name        string
	compression string
	events      func() []cwlogs.LogEvent
	// cpuGoal: the CPU goal applies (the default configuration). Gzip,
	// even at the fastest level, costs about as much as decoding and
	// building together, so it is reported, not held to the goal.
	cpuGoal bool
}

func nginx10k() []cwlogs.LogEvent {
	return cwlogstest.NginxEvents(10000, time.Date(2024, 3, 31, 14, 0, 0, 0, time.UTC))
}

var benchCases = []benchCase{
	// The reference payload: 10k nginx LTSV events, FIELD_TYPES with
	// integer, long, double and ip, SigV4 on.
	{name: "nginx-10k/none", compression: "none", events: nginx10k, cpuGoal: true},
	{name: "nginx-10k/gzip", compression: "gzip", events: nginx10k},
	// The memory case: 2 KB multi-line stack traces compress about 60
	// times, so a 300 KB payload inflates to about 20 MiB.
	{name: "stacktraces-20MiB/none", compression: "none", events: func() []cwlogs.LogEvent { return stackTraceEvents(10000) }, cpuGoal: true},
	{name: "stacktraces-20MiB/gzip", compression: "gzip", events: func() []cwlogs.LogEvent { return stackTraceEvents(10000) }},
	// About the largest invocation Lambda delivers (1 MB), inflating to
	// about 50 MiB.
	{name: "stacktraces-1MB/none", compression: "none", events: func() []cwlogs.LogEvent { return stackTraceEvents(24000) }, cpuGoal: true},
}

// BenchmarkWholeInvocation reports, per invocation of each payload:
// cpu-ms (the function process's user + system CPU), floor-ms, x-floor
// (median over rounds of invocation CPU / floor CPU), peak-RSS-MiB
// (VmHWM of the process after all rounds), bound-MiB (the memory goal for
// this payload), allocs/invocation and wire-KiB (bytes sent).
func BenchmarkWholeInvocation(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			payload := cwlogstest.DataPayload("/app/web", "i-0abc", bc.events())
			res := runChild(b, bc, payload, b.N)
			res.PeakRSS = runChild(b, bc, payload, 0).PeakRSS
			res.Inflated = len(cwlogstest.JSON(payload))
			b.ReportMetric(float64(len(cwlogstest.BuildInvocation(payload)))/1024, "payload-KiB")
			b.ReportMetric(float64(res.Inflated)/(1<<20), "inflated-MiB")
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(childbench.Median(res.InvocationCPU)/1e6, "cpu-ms")
			b.ReportMetric(childbench.Median(res.FloorCPU)/1e6, "floor-ms")
			ratio := childbench.MedianRatio(res.InvocationCPU, res.FloorCPU)
			b.ReportMetric(ratio, "x-floor")
			// Peak RSS at most settings.MemoryBound (3 × the inflated
			// payload + 32 MiB).
			peak, bound := float64(res.PeakRSS)/(1<<20), float64(settings.MemoryBound(res.Inflated))/(1<<20)
			b.ReportMetric(peak, "peak-RSS-MiB")
			b.ReportMetric(bound, "bound-MiB")
			b.ReportMetric(float64(res.Mallocs)/float64(res.Rounds), "allocs/invocation")
			b.ReportMetric(float64(res.WireBytes)/1024, "wire-KiB")
			if res.Rounds < checkRounds {
				return
			}
			if peak > bound {
				b.Errorf("peak RSS %.1f MiB over the goal %.1f MiB for %.1f MiB inflated", peak, bound, float64(res.Inflated)/(1<<20))
			}
			if bc.cpuGoal && ratio > maxFloorRatio {
				b.Errorf("a whole invocation costs %.2f floors (guard ≤ %g): %.1f ms CPU for a %.1f ms floor",
					ratio, maxFloorRatio, childbench.Median(res.InvocationCPU)/1e6, childbench.Median(res.FloorCPU)/1e6)
			}
		})
	}
}

// childResult is what the child measured.
type childResult struct {
	Rounds                  int
	InvocationCPU, FloorCPU []float64 // ns per round
	PeakRSS                 int64     // bytes, VmHWM
	Inflated                int       // bytes of the inflated payload
	WireBytes               int       // bytes one invocation sent
	Mallocs                 uint64    // over all measured invocations
}

// runChild serves the fakes, runs the child for rounds and returns what it
// measured.
func runChild(b *testing.B, bc benchCase, p *cwlogs.Payload, rounds int) childResult {
	b.Helper()
	domain := startDomain(b)
	sqs := startQueue(b)
	// The child asks for the size of each request its first invocation
	// sent.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for _, r := range domain.Requests() {
			_, _ = fmt.Fprintln(w, r.CompressedBytes)
		}
	}))
	b.Cleanup(control.Close)
	sink := childbench.DiscardSink(b)

	payload := filepath.Join(b.TempDir(), "payload.json")
	if err := os.WriteFile(payload, cwlogstest.BuildInvocation(p), 0o600); err != nil {
		b.Fatal(err)
	}
	env := baseEnv(domain.URL, sqs.URL)
	delete(env, "BULK_MAX_BYTES") // the default, as deployed
	env["BULK_COMPRESSION"] = bc.compression
	env[childEnv] = "1"
	env["BENCH_PAYLOAD"] = payload
	env["BENCH_ROUNDS"] = strconv.Itoa(rounds)
	env["BENCH_CONTROL"] = control.URL
	env["BENCH_SINK"] = sink
	args := []string{"-test.run=^TestWholeInvocationChild$", "-test.v"}
	if prof := os.Getenv("BENCH_CPUPROFILE"); prof != "" && rounds > 0 {
		// A CPU profile of the child (floor rounds included).
		args = append(args, "-test.cpuprofile="+prof)
	}
	if prof := os.Getenv("BENCH_MEMPROFILE"); prof != "" && rounds == 0 {
		// The heap in use after the memory run's invocations.
		args = append(args, "-test.memprofile="+prof, "-test.memprofilerate=4096")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "GODEBUG=" + os.Getenv("BENCH_GODEBUG"), "GOGC=" + os.Getenv("BENCH_GOGC")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var res childResult
	b.ResetTimer()
	childbench.Result(b, cmd, &res)
	b.StopTimer()
	return res
}

// TestWholeInvocationChild is the child of BenchmarkWholeInvocation; run
// on its own it does nothing.
func TestWholeInvocationChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("the child process of BenchmarkWholeInvocation")
	}
	invocation, err := os.ReadFile(os.Getenv("BENCH_PAYLOAD"))
	if err != nil {
		t.Fatal(err)
	}
	rounds, _ := strconv.Atoi(os.Getenv("BENCH_ROUNDS"))
	h, err := newHandler(context.Background(), os.Getenv, slog.New(slog.NewJSONHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		AWSLogs struct {
			Data string `json:"data"`
		} `json:"awslogs"`
	}
	if err := json.Unmarshal(invocation, &env); err != nil {
		t.Fatal(err)
	}
	data := []byte(env.AWSLogs.Data)
	env.AWSLogs.Data = ""
	invoke := func() {
		if _, err := h.Invoke(context.Background(), invocation); err != nil {
			t.Fatal(err)
		}
	}
	// Warm up, as a warm Lambda is: buffers grown, connection open.
	invoke()
	res := childResult{Rounds: rounds}
	if rounds == 0 {
		// The memory run: a second, warm invocation and nothing else, so
		// that the floor's buffers do not count as the function's.
		invoke()
		res.PeakRSS = peakRSS(t)
		if err := childbench.Print(res); err != nil {
			t.Fatal(err)
		}
		return
	}
	requests := requestSizes(t, os.Getenv("BENCH_CONTROL"))
	var f floor.Floor
	conn, err := net.Dial("tcp", os.Getenv("BENCH_SINK"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	// The floor sends as many bytes, request by request, from memory that
	// holds data: hashing a buffer never written (pages the kernel maps to
	// its one zero page) measured half as fast again, which flattered
	// every ratio to the floor.
	var bodies [][]byte
	for _, n := range requests {
		body := make([]byte, n)
		_, _ = rand.Read(body)
		bodies = append(bodies, body)
		res.WireBytes += n
	}
	floorRound := func() {
		if _, err := f.Inflate(data); err != nil {
			t.Fatal(err)
		}
		for _, body := range bodies {
			if _, err := floor.Send(conn, body); err != nil {
				t.Fatal(err)
			}
		}
	}
	floorRound()
	var before, after runtime.MemStats
	var mallocs uint64
	for range rounds {
		res.FloorCPU = append(res.FloorCPU, float64(childbench.CPUIn(floorRound)))
		runtime.ReadMemStats(&before)
		res.InvocationCPU = append(res.InvocationCPU, float64(childbench.CPUIn(invoke)))
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
	}
	res.Mallocs = mallocs
	res.PeakRSS = peakRSS(t)
	if err := childbench.Print(res); err != nil {
		t.Fatal(err)
	}
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func peakRSS(t *testing.T) int64 { return childbench.PeakRSS(t, "self") }

// requestSizes is the byte size of each request the first invocation sent.
func requestSizes(t *testing.T, url string) []int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var sizes []int
	for _, f := range strings.Fields(string(body)) {
		n, err := strconv.Atoi(f)
		if err != nil || n == 0 {
			t.Fatalf("request sizes %q: %v", body, err)
		}
		sizes = append(sizes, n)
	}
	if len(sizes) == 0 {
		t.Fatal("the first invocation sent no request")
	}
	return sizes
}

// stackTraceEvents returns n Java-style error events of about 2 KB each:
// an exception and its frames, differing by request id and line numbers.
func stackTraceEvents(n int) []cwlogs.LogEvent {
	start := time.Date(2024, 3, 31, 14, 0, 0, 0, time.UTC)
	frames := []string{"com.example.orders.OrderService.place", "com.example.orders.OrderController.post",
		"org.springframework.web.servlet.FrameworkServlet.service", "javax.servlet.http.HttpServlet.service",
		"org.apache.catalina.core.ApplicationFilterChain.doFilter", "org.apache.catalina.core.StandardWrapperValve.invoke"}
	events := make([]cwlogs.LogEvent, n)
	for i := range events {
		var sb strings.Builder
		t := start.Add(time.Duration(i) * time.Millisecond)
		fmt.Fprintf(&sb, "%s ERROR [req-%08d] java.lang.IllegalStateException: order %d cannot be placed: inventory reservation timed out after %d ms",
			t.Format(time.RFC3339Nano), i, 100000+i, 3000+i%977)
		for k := 0; sb.Len() < 2000; k++ {
			f := frames[k%len(frames)]
			fmt.Fprintf(&sb, "\n\tat %s(%s.java:%d)", f, f[strings.LastIndex(f[:strings.LastIndex(f, ".")], ".")+1:strings.LastIndex(f, ".")], 40+k*13%400)
		}
		events[i] = cwlogs.LogEvent{ID: cwlogstest.EventID(i), Timestamp: t.UnixMilli(), Message: sb.String()}
	}
	return events
}
