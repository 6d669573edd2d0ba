package bulk

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/document"
)

// bulkBody is a realistic _bulk body of about 5 MiB: nginx LTSV events
// turned into documents by the real builder.
func bulkBody(b *testing.B) []byte {
	b.Helper()
	builder, err := document.NewBuilder(document.Config{IndexPrefix: "cwl", TimeField: "time", FieldTypes: cwlogstest.NginxFieldTypes})
	if err != nil {
		b.Fatal(err)
	}
	p := cwlogstest.DataPayload("/app/web", "i-0abc", cwlogstest.NginxEvents(6000, time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)))
	var body []byte
	for i := range p.LogEvents {
		body, _ = builder.AppendBulkItem(body, p, &p.LogEvents[i])
	}
	return body
}

// BenchmarkGzipBulkBody measures what request compression costs per 5 MiB
// request: stdlib at the level opensearch-go's CompressRequestBody uses
// (gzip.DefaultCompression) and at BestSpeed, and what Client uses
// (klauspost/compress at BestSpeed).
func BenchmarkGzipBulkBody(b *testing.B) {
	body := bulkBody(b)
	type writer interface {
		io.Writer
		Reset(io.Writer)
		Close() error
	}
	for _, lv := range []struct {
		name string
		new  func(io.Writer) writer
	}{
		{"stdlib-default", func(w io.Writer) writer { zw, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression); return zw }},
		{"stdlib-bestspeed", func(w io.Writer) writer { zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed); return zw }},
		{"klauspost-bestspeed", func(w io.Writer) writer { zw, _ := kgzip.NewWriterLevel(w, kgzip.BestSpeed); return zw }},
	} {
		b.Run(lv.name, func(b *testing.B) {
			var out bytes.Buffer
			zw := lv.new(&out)
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				out.Reset()
				zw.Reset(&out)
				_, _ = zw.Write(body)
				_ = zw.Close()
			}
			b.ReportMetric(float64(len(body))/float64(out.Len()), "ratio")
			b.ReportMetric(float64(len(body))/(1<<20), "MiB/request")
		})
	}
}
