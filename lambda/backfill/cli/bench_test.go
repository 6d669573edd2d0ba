package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/backfill/benchdata"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
)

// discardBulk answers _bulk like OpenSearch (every item 201, in order,
// filtered as the client asks) without storing anything, so the benchmark
// measures the backfill and not the fake's bookkeeping. It counts items.
func discardBulk(items *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		// The run ends by counting what the domain holds: everything the
		// endpoint took.
		switch {
		case strings.HasSuffix(r.URL.Path, "/_refresh"):
			_, _ = w.Write([]byte(`{"_shards":{"total":1,"successful":1,"failed":0}}`))
			return
		case strings.HasSuffix(r.URL.Path, "/_count"):
			_, _ = fmt.Fprintf(w, `{"count":%d}`, items.Load())
			return
		}
		resp, n := bulkAnswer(body)
		items.Add(int64(n))
		w.Header().Set("Content-Type", "application/json")
		// OpenSearch states every response's length
		// (opensearch-project/OpenSearch, server/src/main/java/org/opensearch/http/DefaultRestChannel.java,
		// sendResponse), and the client reads a body of known length into
		// one buffer; net/http would otherwise send this one chunked.
		w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
		_, _ = w.Write(resp)
	})
}

// bulkAnswer is OpenSearch's answer to the _bulk body, every item indexed
// (201), as the client's filter_path (errors, items.*._id, items.*.status,
// items.*.error) leaves it: each item keeps its _id, then its status, in
// the order of the response fields of
// https://docs.opensearch.org/latest/api-reference/document-apis/bulk/.
// The client reads the ids back to match the answer to the request.
func bulkAnswer(body []byte) (resp []byte, n int) {
	resp = append(resp, `{"errors":false,"items":[`...)
	for len(body) > 0 {
		action, rest, _ := bytes.Cut(body, []byte{'\n'})
		_, body, _ = bytes.Cut(rest, []byte{'\n'}) // the document
		_, id, _ := bytes.Cut(action, []byte(`"_id":"`))
		id, _, _ = bytes.Cut(id, []byte{'"'})
		if n > 0 {
			resp = append(resp, ',')
		}
		resp = append(resp, `{"index":{"_id":"`...)
		resp = append(resp, id...)
		resp = append(resp, `","status":201}}`...)
		n++
	}
	return append(resp, "]}"...), n
}

// BenchmarkBackfill runs the whole command (local archive, gunzip, parse,
// build, bulk over HTTP with per-item statuses, state file) against a
// discarding _bulk endpoint on 127.0.0.1. BACKFILL_BENCH_BYTES sets the
// archive's uncompressed size (default 64 MiB; docs/development.md#backfill-performance
// gives the figure for 1073741824), BACKFILL_BENCH_CONCURRENCY the workers (default 2).
func BenchmarkBackfill(b *testing.B) {
	size := int64(64 << 20)
	if s := os.Getenv("BACKFILL_BENCH_BYTES"); s != "" {
		var err error
		if size, err = strconv.ParseInt(s, 10, 64); err != nil {
			b.Fatal(err)
		}
	}
	concurrency := "2"
	if s := os.Getenv("BACKFILL_BENCH_CONCURRENCY"); s != "" {
		concurrency = s
	}
	a, err := benchdata.Write(b.TempDir(), size, 16)
	if err != nil {
		b.Fatal(err)
	}
	var items atomic.Int64
	srv := httptest.NewServer(discardBulk(&items))
	defer srv.Close()
	types := cwlogstest.NginxFieldTypes.EncodeJSON()

	b.SetBytes(a.TextBytes)
	var elapsed time.Duration
	for b.Loop() {
		items.Store(0)
		dir := b.TempDir()
		var stderr bytes.Buffer
		start := time.Now()
		code := Main(context.Background(), context.Background(), []string{
			"--endpoint", srv.URL, "--auth", "none", "--field-types", types, "--concurrency", concurrency,
			"--state", filepath.Join(dir, "state"), "--rejects", filepath.Join(dir, "rejects"),
			"--from", benchdata.Day.Format(time.DateOnly), a.Dir,
		}, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
		elapsed += time.Since(start)
		if code != ExitOK || items.Load() != a.Lines {
			b.Fatalf("exit %d, %d of %d lines indexed\n%s", code, items.Load(), a.Lines, stderr.String())
		}
	}
	b.ReportMetric(float64(a.Lines)*float64(b.N)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(a.GzipBytes)/float64(a.TextBytes)*100, "gzip%")
}
