package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/benchdata"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/backfill/resume"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/document"
)

// benchArchive writes the benchmark archive into a temporary directory:
// 8 objects, 64 MiB of log text in all unless BACKFILL_BENCH_BYTES says
// otherwise. Writing it is not timed: b.Loop starts the clock.
func benchArchive(b *testing.B) *benchdata.Archive {
	b.Helper()
	size := int64(64 << 20)
	if s := os.Getenv("BACKFILL_BENCH_BYTES"); s != "" {
		var err error
		if size, err = strconv.ParseInt(s, 10, 64); err != nil {
			b.Fatalf("BACKFILL_BENCH_BYTES=%q: %v", s, err)
		}
	}
	a, err := benchdata.Write(b.TempDir(), size, 8)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

type discardSender struct{}

func (discardSender) IndexSource(_ context.Context, src bulk.Source) bulk.Result {
	res := bulk.Result{Indexed: make([]int, src.Len())}
	for i := range res.Indexed {
		res.Indexed[i] = i
	}
	return res
}

// BenchmarkPipelineNoNetwork is the read, gunzip, parse and build cost of
// the archive with 2 workers, without HTTP: the ceiling for a real run.
func BenchmarkPipelineNoNetwork(b *testing.B) {
	a := benchArchive(b)
	lines := a.Lines
	d, err := archive.NewDir(a.Dir)
	if err != nil {
		b.Fatal(err)
	}
	objs, err := archive.ListDays(context.Background(), d, "", archive.DefaultKeyLayout, benchdata.Day, benchdata.Day)
	if err != nil {
		b.Fatal(err)
	}
	var jobs []Job
	for _, o := range objs {
		jobs = append(jobs, Job{Store: d, Object: o})
	}
	cfg := Config{Document: document.Config{IndexPrefix: "cwl", TimeField: "time", FieldTypes: cwlogstest.NginxFieldTypes}, Concurrency: 2}
	b.SetBytes(a.TextBytes)
	start := time.Now()
	for b.Loop() {
		tmp := b.TempDir()
		st, err := resume.Open(filepath.Join(tmp, "state"), resume.Run{Fingerprint: "bench"}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		deps := Deps{NewSender: func() (Sender, error) { return discardSender{}, nil }, State: st, Rejects: rejects.NewWriter(filepath.Join(tmp, "rejects"))}
		sum, err := Run(context.Background(), context.Background(), cfg, deps, jobs)
		_ = st.Close()
		if err != nil || sum.Indexed != lines || !sum.OK() {
			b.Fatalf("%+v %v", sum, err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/time.Since(start).Seconds(), "lines/s")
}
