package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/internal/childbench"
)

// BenchmarkColdStart measures what a new Lambda instance costs before its
// first answer: the real bootstrap binary started by the Lambda Runtime
// Interface Emulator for the reference payload (10,000 nginx LTSV events)
// against the fake domain and queue. Each round starts a new emulator,
// whose first invocation starts the function process. It reports, as
// medians over rounds:
//   - init-ms: the emulator's INIT REPORT, as Lambda reports Init
//     Duration: process start to the function's first request for work
//     (Go runtime and package init, reading the configuration);
//   - first-answer-ms: the wall time from sending the first invocation to
//     its answer (init, then the first invocation with every buffer growing, and the
//     fake domain's own indexing, which a real domain does elsewhere);
//   - cold-cpu-ms: the function process's CPU over that time, all threads
//     (/proc/<pid>/task/*/schedstat, in nanoseconds);
//   - warm-cpu-ms: the same process's CPU for a second, warm invocation of
//     the same payload, for comparison;
//   - peak-RSS-MiB: the function process's peak resident memory (VmHWM)
//     after the two invocations.
func BenchmarkColdStart(b *testing.B) {
	rieBin := findRIE(b)
	bin := buildBootstrap(b)
	domain := startDomain(b)
	sqs := startQueue(b)
	env := baseEnv(domain.URL, sqs.URL)
	delete(env, "BULK_MAX_BYTES") // the defaults, as deployed
	env["BULK_COMPRESSION"] = "none"
	installTemplate(b, domain, env)
	payload := cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", nginx10k()))
	var wall, initMS, cold, warm, peak []float64
	b.ResetTimer()
	for range b.N {
		r := startRIE(b, rieBin, bin, env)
		start := time.Now()
		if e := r.invoke(b, payload); e != "" {
			b.Fatalf("first invocation: %s", e)
		}
		wall = append(wall, float64(time.Since(start))/1e6)
		initMS = append(initMS, initDuration(b, r.out.String()))
		pid := functionPID(b, r.cmd.Process.Pid)
		c := threadsCPU(b, pid)
		cold = append(cold, float64(c)/1e6)
		if e := r.invoke(b, payload); e != "" {
			b.Fatalf("second invocation: %s", e)
		}
		warm = append(warm, float64(threadsCPU(b, pid)-c)/1e6)
		peak = append(peak, float64(childbench.PeakRSS(b, strconv.Itoa(pid)))/(1<<20))
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(childbench.Median(initMS), "init-ms")
	b.ReportMetric(childbench.Median(wall), "first-answer-ms")
	b.ReportMetric(childbench.Median(cold), "cold-cpu-ms")
	b.ReportMetric(childbench.Median(warm), "warm-cpu-ms")
	b.ReportMetric(childbench.Median(peak), "peak-RSS-MiB")
}

// functionPID is the emulator's child: the function process it started.
func functionPID(b *testing.B, emulator int) int {
	b.Helper()
	// Any of the emulator's threads may have started it.
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", emulator))
	if err != nil {
		b.Fatal(err)
	}
	var f []string
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err == nil {
			f = append(f, strings.Fields(string(raw))...)
		}
	}
	if len(f) != 1 {
		b.Fatalf("the emulator runs %d processes (%q), want the one function", len(f), f)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		b.Fatal(err)
	}
	return pid
}

// threadsCPU is the CPU time pid's threads have run, from the scheduler's
// nanosecond counters (the clock-tick counters of /proc/<pid>/stat are
// too coarse for a start-up).
func threadsCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("threads of process %d: %v", pid, err)
	}
	var total time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just ended
		}
		ns, err := strconv.ParseInt(strings.Fields(string(raw))[0], 10, 64)
		if err != nil {
			b.Fatalf("%s: %q", t, raw)
		}
		total += time.Duration(ns)
	}
	return total
}

// initDuration reads the emulator's "INIT REPORT(durationMs: …)" line.
func initDuration(b *testing.B, out string) float64 {
	b.Helper()
	_, rest, ok := strings.Cut(out, "INIT REPORT(durationMs: ")
	if !ok {
		b.Fatalf("no INIT REPORT in the emulator's output:\n%s", out)
	}
	ms, err := strconv.ParseFloat(rest[:strings.IndexByte(rest, ')')], 64)
	if err != nil {
		b.Fatalf("INIT REPORT %q: %v", rest[:min(len(rest), 40)], err)
	}
	return ms
}
