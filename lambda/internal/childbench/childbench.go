// Package childbench is what the benchmarks that measure a process of
// their own share: the child prints one RESULT line of JSON, the parent
// reads it, and ratios are medians over rounds, so that one round hit by
// other processes' load does not decide the figure.
package childbench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Print writes v as the child's result line.
func Print(v any) error {
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Printf("RESULT %s\n", js)
	return err
}

// Result runs cmd and decodes into v the JSON its child printed with
// Print. With BENCH_GODEBUG set (e.g. gctrace=1), the child's whole output
// is logged too.
func Result(tb testing.TB, cmd *exec.Cmd, v any) {
	tb.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, out)
	}
	if os.Getenv("BENCH_GODEBUG") != "" {
		tb.Logf("child output:\n%s", out)
	}
	for line := range strings.Lines(string(out)) {
		if js, ok := strings.CutPrefix(strings.TrimSpace(line), "RESULT "); ok {
			if err := json.Unmarshal([]byte(js), v); err != nil {
				tb.Fatal(err)
			}
			return
		}
	}
	tb.Fatalf("child printed no result:\n%s", out)
}

// PeakRSS is the peak resident memory of process pid ("self" for this
// one), in bytes: VmHWM, the high-water mark of the process's own memory.
// Not the ru_maxrss of a child's rusage: Go starts a child with vfork, and
// at exec Linux keeps the larger of the child's and the memory it shared
// until then, its parent's (fs/exec.c exec_mmap, setmax_mm_hiwater_rss;
// https://github.com/golang/go/issues/32054), so a child smaller than its
// parent reports the parent's peak.
func PeakRSS(tb testing.TB, pid string) int64 {
	tb.Helper()
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatalf("no VmHWM in /proc/%s/status", pid)
	return 0
}

// CPU is the user + system CPU time this process has used.
func CPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPUIn is the user + system CPU time this process spent in fn.
func CPUIn(fn func()) time.Duration {
	start := CPU()
	fn()
	return CPU() - start
}

// Median is the median of v (the upper one of an even count).
func Median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// MedianRatio is the median over rounds of num[k] / den[k].
func MedianRatio(num, den []float64) float64 {
	r := make([]float64, len(num))
	for k := range r {
		r[k] = num[k] / den[k]
	}
	return Median(r)
}

// DiscardSink listens on 127.0.0.1 for the floor's socket writes, reads
// and discards everything, and returns its address; it closes with the
// benchmark.
func DiscardSink(tb testing.TB) string {
	tb.Helper()
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = sink.Close() })
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	return sink.Addr().String()
}
