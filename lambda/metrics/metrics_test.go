package metrics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var units = map[string]bool{"Count": true, "Bytes": true, "Milliseconds": true}

func TestEMFShape(t *testing.T) {
	tests := []struct {
		name     string
		requests int
		wantVals int // values per Bulk* metric, 0 = absent
	}{
		{"no requests", 0, 0},
		{"two requests", 2, 2},
		{"capped at 100 values", 150, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Invocation{EventsIn: 10, Indexed: 7, Retried: 3, CoercedInvalid: 2, SentToDLQ: 3, Undecodable: 1, Unresolved: 0}
			for i := range tt.requests {
				m.AddRequest(1000+i, 1500*time.Microsecond)
			}
			var buf bytes.Buffer
			now := time.UnixMilli(1700000000123)
			if err := m.Write(&buf, now, "logsearch-ingest", "/app/web", "req-1"); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Fatalf("want one line, got %q", out)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			var meta struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			}
			raw, _ := json.Marshal(line["_aws"])
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatal(err)
			}
			if meta.Timestamp != 1700000000123 || len(meta.CloudWatchMetrics) != 1 {
				t.Fatalf("meta %+v", meta)
			}
			d := meta.CloudWatchMetrics[0]
			if d.Namespace != "logsearch" || len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 1 || d.Dimensions[0][0] != "FunctionName" {
				t.Errorf("directive %+v", d)
			}
			if line["FunctionName"] != "logsearch-ingest" || line["LogGroup"] != "/app/web" || line["requestId"] != "req-1" {
				t.Errorf("properties %v", line)
			}
			names := map[string]bool{}
			for _, md := range d.Metrics {
				names[md.Name] = true
				if !units[md.Unit] {
					t.Errorf("%s: unit %q", md.Name, md.Unit)
				}
				v, ok := line[md.Name]
				if !ok {
					t.Errorf("metric %s declared but has no value", md.Name)
				}
				if arr, isArr := v.([]any); isArr && (len(arr) == 0 || len(arr) > 100) {
					t.Errorf("%s has %d values", md.Name, len(arr))
				}
			}
			for _, n := range []string{"EventsIn", "Indexed", "Retried", "CoercedInvalid", "SentToDLQ", "UndecodablePayloads", "Unresolved"} {
				if !names[n] {
					t.Errorf("metric %s missing", n)
				}
			}
			if line["EventsIn"] != float64(10) || line["SentToDLQ"] != float64(3) {
				t.Errorf("values %v", line)
			}
			for _, n := range []string{"BulkBytes", "BulkLatency"} {
				arr, _ := line[n].([]any)
				if len(arr) != tt.wantVals || names[n] != (tt.wantVals > 0) {
					t.Errorf("%s: %d values, declared %v; want %d", n, len(arr), names[n], tt.wantVals)
				}
			}
			if tt.wantVals > 0 && line["BulkLatency"].([]any)[0] != 1.5 {
				t.Errorf("latency %v, want 1.5 ms", line["BulkLatency"])
			}
		})
	}
}
