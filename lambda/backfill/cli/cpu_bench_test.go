package cli

import (
	stdgzip "compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kpgzip "github.com/klauspost/compress/gzip"

	"github.com/logsearch/logsearch/lambda/backfill/benchdata"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/internal/childbench"
	"github.com/logsearch/logsearch/lambda/sigv4verify"
)

// The CPU benchmark runs each backfill in a fresh process (this test
// binary, re-run as TestBackfillRunChild), as a user runs the command,
// against a discarding _bulk endpoint in the benchmark's process that also
// checks every SigV4 signature: the child's CPU time (user + system, from
// its rusage) is the command's alone, its start included. Round by round
// it alternates with the floors, so that load from other processes hits
// both alike: gunzip of the same archive files (TestBackfillFloorChild,
// which also times the SHA-256 and the write of the bytes a run sent) and
// zcat of them.

// Goals (checked when the benchmark runs enough rounds to mean something).
const (
	// gunzipFloorGoal is issue 23's goal: a run costs at most this many
	// gunzip floors. It is reported (x-floor), not checked: the bulk
	// bodies are about three times the archive's text (each line is sent
	// as @message and as its parsed fields), and their SHA-256, which
	// SigV4 requires, and writing them out alone cost 2.2–3.2 gunzip
	// floors on these archives (docs/development.md#backfill-performance).
	gunzipFloorGoal = 3
	// maxIOFloorRatio: a run costs at most this many I/O floors (gunzip
	// plus the SHA-256 and the write of the bytes the run sent, the work
	// no implementation that signs its requests can avoid). A regression
	// guard with about 30% room above the worst 3-round run measured on
	// a busy 2-core machine, 5.7 (4.5–5.4 side by side with the version
	// before, which measured 5.9–6.4; docs/development.md#backfill-performance).
	maxIOFloorRatio = 7.5
	// backfillCheckRounds is the fewest rounds whose median is trusted:
	// the one-iteration smoke pass of every benchmark only reports.
	backfillCheckRounds = 3
)

const backfillChildEnv = "LOGSEARCH_BACKFILL_CPU_CHILD"

// The credentials the child signs with and the endpoint verifies: fake,
// and never sent anywhere but 127.0.0.1.
var benchCredentials = aws.Credentials{AccessKeyID: "AKIDBENCHMARK", SecretAccessKey: "bench-secret"}

const benchRegion = "eu-west-1"

// BenchmarkBackfillCPU reports, per run of the command over the archive
// (BACKFILL_CPU_BENCH_BYTES of text, default 32 MiB, in 16 gzip'd
// objects; default flags: 4 workers, 5 MiB bulk bodies, SigV4), medians
// over the rounds:
//
//   - cpu-s: the command's process, user + system CPU, start included;
//     main-s: the part spent in Main; peak-RSS-MiB: its peak memory
//   - floor-s: gunzip of the same files with the fastest decompressor at
//     hand (the lesser of compress/gzip and klauspost/compress/gzip, each
//     reading the files from disk into a reused buffer)
//   - stdlib-s, klauspost-s, zcat-s: each decompressor's own time; zcat
//     is a process of its own, measured by its rusage
//   - io-floor-s: floor-s plus the SHA-256 of as many bytes as a run sent
//     (wire-MiB) and writing them to a socket
//   - x-floor, x-zcat, x-io-floor: median over rounds of run CPU ÷ that
//     round's floor, zcat, I/O floor
//   - lines/s: lines per CPU second of the command
//
// BENCH_CPUPROFILE=prefix writes a CPU profile of each run's process to
// prefix.N (go tool pprof merges several); BENCH_GODEBUG and BENCH_GOGC
// pass through to the runs.
func BenchmarkBackfillCPU(b *testing.B) {
	size := int64(32 << 20)
	if s := os.Getenv("BACKFILL_CPU_BENCH_BYTES"); s != "" {
		var err error
		if size, err = strconv.ParseInt(s, 10, 64); err != nil {
			b.Fatalf("BACKFILL_CPU_BENCH_BYTES=%q: %v", s, err)
		}
	}
	a, err := benchdata.Write(b.TempDir(), size, 16)
	if err != nil {
		b.Fatal(err)
	}
	files := archiveFiles(b, a.Dir)
	var items, wire, requests atomic.Int64
	verifier := &sigv4verify.Verifier{Credentials: benchCredentials, Region: benchRegion, Service: "es"}
	srv := httptest.NewServer(countBulk(&requests, &wire, verifier.Middleware(discardBulk(&items))))
	defer srv.Close()
	// The I/O floor writes as many bytes as a run sent to this sink.
	sink := childbench.DiscardSink(b)
	home := b.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		// The AWS configuration comes from these alone.
		"AWS_ACCESS_KEY_ID=" + benchCredentials.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + benchCredentials.SecretAccessKey,
		"AWS_REGION=" + benchRegion, "AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true",
		backfillChildEnv + "=1",
		"BENCH_ARCHIVE=" + a.Dir,
		"BENCH_ENDPOINT=" + srv.URL,
		"BENCH_SINK=" + sink,
		"BENCH_FIELD_TYPES=" + cwlogstest.NginxFieldTypes.EncodeJSON(),
	}

	var res backfillResult
	b.ResetTimer()
	for round := range b.N {
		args := []string{"-test.run=^TestBackfillRunChild$", "-test.v"}
		if prof := os.Getenv("BENCH_CPUPROFILE"); prof != "" {
			args = append(args, fmt.Sprintf("-test.cpuprofile=%s.%d", prof, round+1))
		}
		state := b.TempDir()
		run := exec.Command(os.Args[0], args...)
		run.Env = append(slices.Clone(env), "GODEBUG="+os.Getenv("BENCH_GODEBUG"), "GOGC="+os.Getenv("BENCH_GOGC"), "BENCH_STATE="+state)
		var inMain runResult
		childbench.Result(b, run, &inMain)
		ru := run.ProcessState.SysUsage().(*syscall.Rusage)
		res.Run = append(res.Run, (run.ProcessState.UserTime() + run.ProcessState.SystemTime()).Seconds())
		res.RunSys = append(res.RunSys, run.ProcessState.SystemTime().Seconds())
		res.Main = append(res.Main, inMain.Main)
		res.PeakRSS = max(res.PeakRSS, inMain.PeakRSS)
		res.Faults = append(res.Faults, float64(ru.Minflt+ru.Majflt))
		if n := items.Swap(0); n != a.Lines {
			b.Fatalf("the endpoint took %d documents of %d lines", n, a.Lines)
		}
		sent := wire.Swap(0)
		if round > 0 && sent != res.WireBytes {
			b.Fatalf("a run sent %d bytes, the first %d", sent, res.WireBytes)
		}
		res.WireBytes = sent
		res.Requests = requests.Swap(0)

		floor := exec.Command(os.Args[0], "-test.run=^TestBackfillFloorChild$", "-test.v")
		floor.Env = append(slices.Clone(env), "BENCH_WIRE="+strconv.FormatInt(sent, 10))
		var f floorResult
		childbench.Result(b, floor, &f)
		res.Stdlib = append(res.Stdlib, f.Stdlib)
		res.Klauspost = append(res.Klauspost, f.Klauspost)
		res.Gunzip = append(res.Gunzip, min(f.Stdlib, f.Klauspost))
		res.IO = append(res.IO, min(f.Stdlib, f.Klauspost)+f.Send)

		zcat := exec.Command("zcat", files...)
		if err := zcat.Run(); err != nil {
			b.Fatalf("zcat: %v", err)
		}
		res.Zcat = append(res.Zcat, (zcat.ProcessState.UserTime() + zcat.ProcessState.SystemTime()).Seconds())
	}
	b.StopTimer()

	cpu := childbench.Median(res.Run)
	ratio := childbench.MedianRatio(res.Run, res.Gunzip)
	ioRatio := childbench.MedianRatio(res.Run, res.IO)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(cpu, "cpu-s")
	b.ReportMetric(childbench.Median(res.Main), "main-s")
	b.ReportMetric(float64(res.PeakRSS)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(childbench.Median(res.Gunzip), "floor-s")
	b.ReportMetric(childbench.Median(res.Stdlib), "stdlib-s")
	b.ReportMetric(childbench.Median(res.Klauspost), "klauspost-s")
	b.ReportMetric(childbench.Median(res.Zcat), "zcat-s")
	b.ReportMetric(childbench.Median(res.IO), "io-floor-s")
	b.ReportMetric(ratio, "x-floor")
	b.ReportMetric(childbench.MedianRatio(res.Run, res.Zcat), "x-zcat")
	b.ReportMetric(ioRatio, "x-io-floor")
	b.ReportMetric(float64(a.Lines)/cpu, "lines/s")
	b.ReportMetric(float64(a.TextBytes)/(1<<20), "text-MiB")
	b.ReportMetric(float64(res.WireBytes)/(1<<20), "wire-MiB")
	b.ReportMetric(float64(res.Requests), "requests")
	b.Logf("%d rounds, %d lines, %.1f MiB of text in %d objects, %.1f MiB sent in %d requests: run %.3f s CPU (%.3f in Main), peak RSS %.0f MiB; "+
		"floor %.3f s (compress/gzip %.3f, klauspost %.3f), zcat %.3f s, I/O floor %.3f s; %.2f floors, %.2f zcats, %.2f I/O floors; %.0f lines per CPU second",
		b.N, a.Lines, float64(a.TextBytes)/(1<<20), a.Objects, float64(res.WireBytes)/(1<<20), res.Requests, cpu, childbench.Median(res.Main), float64(res.PeakRSS)/(1<<20),
		childbench.Median(res.Gunzip), childbench.Median(res.Stdlib), childbench.Median(res.Klauspost), childbench.Median(res.Zcat), childbench.Median(res.IO),
		ratio, childbench.MedianRatio(res.Run, res.Zcat), ioRatio, float64(a.Lines)/cpu)
	b.Logf("run CPU by round: %.3f s, of which system: %.3f s; page faults: %.0f", res.Run, res.RunSys, res.Faults)
	if ratio > gunzipFloorGoal {
		b.Logf("issue 23's goal of %d gunzip floors is not met: %.2f", gunzipFloorGoal, ratio)
	}
	if b.N < backfillCheckRounds {
		return
	}
	if ioRatio > maxIOFloorRatio {
		b.Errorf("a backfill run costs %.2f I/O floors (goal ≤ %.1f): %.3f s CPU for a %.3f s floor",
			ioRatio, maxIOFloorRatio, cpu, childbench.Median(res.IO))
	}
}

// backfillResult is what the rounds measured, in CPU seconds per round.
type backfillResult struct {
	Run, RunSys, Main         []float64
	Stdlib, Klauspost, Gunzip []float64
	IO, Zcat                  []float64
	PeakRSS                   int64     // bytes, the largest of the runs'
	WireBytes                 int64     // _bulk body bytes one run sent
	Requests                  int64     // _bulk requests of the last run
	Faults                    []float64 // page faults of each run's process
}

// floorResult is what TestBackfillFloorChild measured, in CPU seconds.
type floorResult struct {
	Stdlib, Klauspost float64
	// Send is the rest of the I/O floor: the SHA-256 of as many bytes as
	// a run sent (SigV4's payload hash) and writing them to a socket.
	Send float64
}

func archiveFiles(tb testing.TB, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		tb.Fatalf("archive %s: %d files, %v", dir, len(files), err)
	}
	return files
}

// TestBackfillRunChild is one run of BenchmarkBackfillCPU, the command
// with its default flags; run on its own it does nothing.
// runResult is what a run's child reports: the CPU seconds spent in Main
// and its own peak memory (not its rusage's, see childbench.PeakRSS).
type runResult struct {
	Main    float64
	PeakRSS int64 // bytes
}

func TestBackfillRunChild(t *testing.T) {
	if os.Getenv(backfillChildEnv) == "" {
		t.Skip("a child process of BenchmarkBackfillCPU")
	}
	state := os.Getenv("BENCH_STATE")
	var stderr strings.Builder
	var code int
	inMain := childbench.CPUIn(func() {
		code = Main(context.Background(), context.Background(), []string{
			"--endpoint", os.Getenv("BENCH_ENDPOINT"), "--field-types", os.Getenv("BENCH_FIELD_TYPES"),
			"--state", filepath.Join(state, "state"), "--rejects", filepath.Join(state, "rejects"),
			"--from", benchdata.Day.Format(time.DateOnly), os.Getenv("BENCH_ARCHIVE"),
		}, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: os.Getenv})
	}).Seconds()
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if err := childbench.Print(runResult{Main: inMain, PeakRSS: childbench.PeakRSS(t, "self")}); err != nil {
		t.Fatal(err)
	}
}

// TestBackfillFloorChild measures the floors of one round of
// BenchmarkBackfillCPU; run on its own it does nothing.
func TestBackfillFloorChild(t *testing.T) {
	if os.Getenv(backfillChildEnv) == "" {
		t.Skip("a child process of BenchmarkBackfillCPU")
	}
	files := archiveFiles(t, os.Getenv("BENCH_ARCHIVE"))
	wire, _ := strconv.ParseInt(os.Getenv("BENCH_WIRE"), 10, 64)
	conn, err := net.Dial("tcp", os.Getenv("BENCH_SINK"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	// Bytes that were written: hashing memory never written (pages the
	// kernel maps to its one zero page) is half as slow again, which
	// would flatter the ratio.
	sent := make([]byte, 4<<20)
	_, _ = rand.Read(sent)
	send := func() {
		// SigV4 hashes each request body, which is then written out.
		h := sha256.New()
		for left := wire; left > 0; left -= int64(len(sent)) {
			chunk := sent[:min(left, int64(len(sent)))]
			_, _ = h.Write(chunk)
			if _, err := conn.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		_ = h.Sum(nil)
	}
	g := &gunzipFloor{buf: make([]byte, 256<<10)}
	// One untimed pass of each warms code and buffers, so that the floor
	// is as low as it honestly can be.
	g.stdlib(t, files)
	g.klauspost(t, files)
	send()
	res := floorResult{
		Stdlib:    childbench.CPUIn(func() { g.stdlib(t, files) }).Seconds(),
		Klauspost: childbench.CPUIn(func() { g.klauspost(t, files) }).Seconds(),
		Send:      childbench.CPUIn(send).Seconds(),
	}
	if err := childbench.Print(res); err != nil {
		t.Fatal(err)
	}
}

// gunzipFloor decompresses files into one reused buffer, reusing the
// decompressors too, so that the floor is as low as it honestly can be.
type gunzipFloor struct {
	buf []byte
	std *stdgzip.Reader
	kp  *kpgzip.Reader
}

func (g *gunzipFloor) stdlib(t *testing.T, files []string) {
	for _, p := range files {
		f := openFile(t, p)
		var err error
		if g.std == nil {
			g.std, err = stdgzip.NewReader(f)
		} else {
			err = g.std.Reset(f)
		}
		g.drain(t, p, f, g.std, err)
	}
}

func (g *gunzipFloor) klauspost(t *testing.T, files []string) {
	for _, p := range files {
		f := openFile(t, p)
		var err error
		if g.kp == nil {
			g.kp, err = kpgzip.NewReader(f)
		} else {
			err = g.kp.Reset(f)
		}
		g.drain(t, p, f, g.kp, err)
	}
}

func (g *gunzipFloor) drain(t *testing.T, path string, f *os.File, r io.Reader, err error) {
	defer func() { _ = f.Close() }()
	for err == nil {
		_, err = r.Read(g.buf)
	}
	if err != io.EOF {
		t.Fatalf("%s: %v", path, err)
	}
}

func openFile(t *testing.T, p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// countBulk counts _bulk requests and adds the size of their bodies to n.
func countBulk(requests, n *atomic.Int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_bulk") {
			requests.Add(1)
			r.Body = &countingBody{ReadCloser: r.Body, n: n}
		}
		next.ServeHTTP(w, r)
	})
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}
