package domainstate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
)

// installTemplate installs body as setup does.
func installTemplate(t *testing.T, srv *fakeopensearch.Server, name string, body Body) {
	t.Helper()
	if err := srv.PutIndexTemplate(name, body); err != nil {
		t.Fatal(err)
	}
}

// oneDayOfLogs is a day of lines whose time field comes in every accepted
// format, and whose undeclared fields start date-like and go on as words.
var oneDayOfLogs = []string{
	"time:2024-05-01T10:00:00+09:00\tuser:2024-05-01\tstatus:200",
	"time:[01/May/2024:10:00:01 +0900]\tuser:bob\tstatus:abc",
	"time:1714525202\tuser:alice",
	"time:2024-05-01 10:00:03\tuser:2024/05/01",
	"time:2024-05-01T10:00:04.123456789+09:00\tuser:carol",
	`{"time":1714525205123,"user":"dave","ref":"2024-05-01T00:00:00Z"}`,
	`{"time":"2024-05-01T10:00:06+09:00","ref":"none"}`,
	"time:not a time\tuser:erin",
}

// sendDay builds the day's documents with the real builder and indexes
// them one request each; it returns the items' statuses and errors.
func sendDay(t *testing.T, srv *fakeopensearch.Server, spec Spec) (statuses []int, reasons []string) {
	t.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := document.NewBuilder(document.Config{IndexPrefix: spec.IndexPrefix, Location: tokyo, TimeField: spec.TimeField, FieldTypes: spec.FieldTypes})
	if err != nil {
		t.Fatal(err)
	}
	p := &cwlogs.Payload{Owner: "123456789012", LogGroup: "g", LogStream: "s"}
	arrival := time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC).UnixMilli()
	for i, line := range oneDayOfLogs {
		body, info := b.AppendBulkItem(nil, p, &cwlogs.LogEvent{ID: string(rune('a' + i)), Timestamp: arrival, Message: line})
		if info.Refused != "" {
			t.Fatalf("%s refused: %s", line, info.Refused)
		}
		resp, err := http.Post(srv.URL+"/_bulk", "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Items []map[string]struct {
				Status int `json:"status"`
				Error  struct {
					Reason string `json:"reason"`
				} `json:"error"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if err != nil || len(out.Items) != 1 {
			t.Fatalf("bulk answer: %v %+v", err, out)
		}
		statuses = append(statuses, out.Items[0]["index"].Status)
		reasons = append(reasons, out.Items[0]["index"].Error.Reason)
	}
	return statuses, reasons
}

// Under OpenSearch's mapping rules (date detection on by default), the
// template must index a whole day of lines whose time field and other
// fields come in mixed forms, in one daily index. The template as it was
// (date detection left on) sends some of them to the dead-letter queue.
func TestTemplateIndexesEveryTimeFormatInOneIndex(t *testing.T) {
	spec := exampleSpec()
	srv, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	t.Run("current template", func(t *testing.T) {
		srv.Reset()
		installTemplate(t, srv, spec.TemplateName(), spec.IndexTemplateBody())
		statuses, reasons := sendDay(t, srv, spec)
		for i, st := range statuses {
			if st != http.StatusCreated {
				t.Errorf("%q: %d %s", oneDayOfLogs[i], st, reasons[i])
			}
		}
		if got := srv.Indices(); len(got) != 1 || got["logs-2024.05.01"] != len(oneDayOfLogs) {
			t.Errorf("indices %v, want all %d documents in logs-2024.05.01", got, len(oneDayOfLogs))
		}
		mapping := srv.Mapping("logs-2024.05.01")
		for f, want := range map[string]string{"time": "date", "@timestamp": "date", "user": "keyword", "ref": "keyword", "@invalid.status": "keyword", "@invalid.time": "keyword"} {
			if !strings.HasPrefix(mapping[f], want) {
				t.Errorf("%s mapped %q, want %s", f, mapping[f], want)
			}
		}
	})
	t.Run("template with date detection on", func(t *testing.T) {
		srv.Reset()
		old := spec.IndexTemplateBody()
		mappings := old["template"].(Body)["mappings"].(Body)
		delete(mappings, "date_detection")
		delete(mappings, "numeric_detection")
		installTemplate(t, srv, spec.TemplateName(), old)
		statuses, reasons := sendDay(t, srv, spec)
		refused := 0
		for i, st := range statuses {
			if st == http.StatusBadRequest && strings.Contains(reasons[i], "failed to parse field [user] of type [date]") {
				refused++
			}
		}
		if refused == 0 {
			t.Errorf("no document refused: statuses %v; the fake no longer models date detection", statuses)
		}
	})
}

// The template maps @unmapped as a disabled object, so a document that an
// index has no room for, or whose values clash even under @invalid, can
// keep them there: any shape, any number, and no field added.
func TestTemplateKeepsUnmappedOutOfTheMapping(t *testing.T) {
	spec := exampleSpec()
	srv, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	installTemplate(t, srv, spec.TemplateName(), spec.IndexTemplateBody())
	var wide strings.Builder
	wide.WriteString(`{"@timestamp":"2024-05-01T00:00:00.000Z","@unmapped":{`)
	for k := range TotalFieldsLimit + 1 {
		fmt.Fprintf(&wide, `"k%d":%d,`, k, k)
	}
	wide.WriteString(`"o":{"a":1}}}`)
	index := spec.IndexPrefix + "-2024.05.01"
	for i, doc := range []string{wide.String(), `{"@timestamp":"2024-05-01T00:00:00.000Z","@unmapped":{"o":"flat","k0":"word"}}`} {
		body := `{"index":{"_index":"` + index + `","_id":"` + fmt.Sprint(i) + `"}}` + "\n" + doc + "\n"
		resp, err := http.Post(srv.URL+"/_bulk", "application/x-ndjson", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Items []map[string]struct {
				Status int            `json:"status"`
				Error  map[string]any `json:"error"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if err != nil || len(out.Items) != 1 || out.Items[0]["index"].Status != http.StatusCreated {
			t.Fatalf("document %d: %v %+v", i, err, out)
		}
	}
	for f := range srv.Mapping(index) {
		if strings.HasPrefix(f, docfields.Unmapped+".") {
			t.Errorf("%s was mapped", f)
		}
	}
}

// Every field name the builder writes is one OpenSearch can map: names
// made of letters, dots and whitespace in every arrangement up to four
// characters, at the top and inside an object, each in a fresh index, are
// all indexed (DocumentParser.splitAndValidatePath refuses empty and
// whitespace-only segments, and blank names inside objects).
func TestTemplateIndexesEveryFieldNameShape(t *testing.T) {
	spec := exampleSpec()
	srv, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	installTemplate(t, srv, spec.TemplateName(), spec.IndexTemplateBody())
	b, err := document.NewBuilder(document.Config{IndexPrefix: spec.IndexPrefix, Location: time.UTC, TimeField: spec.TimeField, FieldTypes: spec.FieldTypes})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var grow func(prefix string)
	grow = func(prefix string) {
		if prefix != "" {
			names = append(names, prefix)
		}
		if len(prefix) == 4 {
			return
		}
		for _, c := range []string{"a", ".", " ", "\t"} {
			grow(prefix + c)
		}
	}
	grow("")
	p := &cwlogs.Payload{Owner: "123456789012", LogGroup: "g", LogStream: "s"}
	for i, name := range names {
		key, _ := json.Marshal(name)
		for _, line := range []string{`{` + string(key) + `:1}`, `{"o":{` + string(key) + `:{"k":1}}}`} {
			srv.Reset()
			body, info := b.AppendBulkItem(nil, p, &cwlogs.LogEvent{ID: fmt.Sprint(i), Timestamp: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), Message: line})
			if info.Refused != "" {
				t.Fatalf("%s refused: %s", line, info.Refused)
			}
			resp, err := http.Post(srv.URL+"/_bulk", "application/x-ndjson", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Items []map[string]struct {
					Status int            `json:"status"`
					Error  map[string]any `json:"error"`
				} `json:"items"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			_ = resp.Body.Close()
			if err != nil || len(out.Items) != 1 {
				t.Fatalf("bulk answer: %v %+v", err, out)
			}
			if it := out.Items[0]["index"]; it.Status != http.StatusCreated {
				t.Errorf("%s: %d %v", line, it.Status, it.Error)
			}
		}
	}
}
