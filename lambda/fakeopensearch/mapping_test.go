package fakeopensearch

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// item is one answered bulk item.
type item struct {
	Status int            `json:"status"`
	Result string         `json:"result"`
	Error  map[string]any `json:"error"`
}

// post sends body to path and decodes the JSON answer into out.
func post(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

// indexDocs bulk-indexes docs into index, one request each so that each
// sees the mapping the previous ones made, and returns their items.
func indexDocs(t *testing.T, s *Server, index string, docs ...string) []item {
	t.Helper()
	var out []item
	for i, d := range docs {
		var resp struct {
			Items []map[string]item `json:"items"`
		}
		name, _ := json.Marshal(index)
		body := `{"index":{"_index":` + string(name) + `,"_id":"` + strconv.Itoa(i) + `"}}` + "\n" + d + "\n"
		if code := post(t, http.MethodPost, s.URL+"/_bulk", body, &resp); code != http.StatusOK {
			t.Fatalf("_bulk answered %d", code)
		}
		out = append(out, resp.Items[0]["index"])
	}
	return out
}

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func putTemplate(t *testing.T, s *Server, name, body string) {
	t.Helper()
	if err := s.PutIndexTemplate(name, json.RawMessage(body)); err != nil {
		t.Fatal(err)
	}
}

// keywordTemplate turns date detection off and maps strings as keywords,
// as logsearch's template does.
const keywordTemplate = `{"index_patterns":["logs-*"],"priority":100,"template":{"mappings":{
	"date_detection":false,
	"dynamic_templates":[{"s":{"match_mapping_type":"string","mapping":{"type":"keyword","ignore_above":1024}}}]}}}`

func TestMappingRules(t *testing.T) {
	tests := []struct {
		name      string
		templates map[string]string
		index     string
		docs      []string
		// want is, per document, the status and, for a refusal, a part of
		// the error reason (or of its caused_by).
		want []string
		// mapped are field types the index must end with.
		mapped map[string]string
	}{
		{
			// Date detection is on by default: the first ISO-looking value
			// makes the field a date, and a later value in another format
			// is refused (DocumentParser.createBuilderFromDynamicValue).
			name:  "date detection maps the first date-like string as date",
			index: "logs-a",
			docs: []string{`{"time":"2024-05-01T10:00:00+09:00"}`, `{"time":"[01/May/2024:10:00:00 +0900]"}`,
				`{"time":"2024-05-01 23:30:00"}`, `{"time":"2024-05-01T10:00:00.123456789Z"}`},
			want:   []string{"201", "400 failed to parse field [time] of type [date]", "400 failed to parse date field [2024-05-01 23:30:00]", "201"},
			mapped: map[string]string{"time": "date " + defaultDateFormat},
		},
		{
			name:  "the second default dynamic date format",
			index: "logs-a",
			docs:  []string{`{"d":"2024/05/01 10:00:00"}`, `{"d":"2024/05/01"}`, `{"d":"bob"}`},
			want:  []string{"201", "201", "400 failed to parse date field [bob]"},
		},
		{
			name:   "pure numbers are never detected as dates",
			index:  "logs-a",
			docs:   []string{`{"n":"2024"}`, `{"n":"1714554000"}`, `{"n":"bob"}`},
			want:   []string{"201", "201", "201"},
			mapped: map[string]string{"n": "text"},
		},
		{
			name:   "numeric detection is off by default",
			index:  "logs-a",
			docs:   []string{`{"n":"12"}`, `{"n":"abc"}`},
			want:   []string{"201", "201"},
			mapped: map[string]string{"n": "text"},
		},
		{
			name:      "the template turns date detection off and strings into keywords",
			templates: map[string]string{"logs": keywordTemplate},
			index:     "logs-a",
			docs:      []string{`{"time":"2024-05-01T10:00:00+09:00","user":"2024-05-01"}`, `{"time":"[01/May/2024:10:00:00 +0900]","user":"bob"}`},
			want:      []string{"201", "201"},
			mapped:    map[string]string{"time": "keyword", "user": "keyword"},
		},
		{
			name: "only the highest-priority matching template applies",
			templates: map[string]string{
				"low":  `{"index_patterns":["logs-*"],"priority":1,"template":{"mappings":{"properties":{"x":{"type":"long"}}}}}`,
				"high": `{"index_patterns":["logs-a*"],"priority":200,"template":{"mappings":{"properties":{"x":{"type":"keyword"}}}}}`,
			},
			index:  "logs-a1",
			docs:   []string{`{"x":"abc"}`},
			want:   []string{"201"},
			mapped: map[string]string{"x": "keyword"},
		},
		{
			name:      "a template whose pattern does not match is ignored",
			templates: map[string]string{"other": `{"index_patterns":["other-*"],"template":{"mappings":{"properties":{"x":{"type":"long"}}}}}`},
			index:     "logs-a",
			docs:      []string{`{"x":"abc"}`},
			want:      []string{"201"},
			mapped:    map[string]string{"x": "text"},
		},
		{
			name:  "type conflict with a dynamically mapped number",
			index: "logs-a",
			docs:  []string{`{"status":200}`, `{"status":"abc"}`, `{"status":"404"}`, `{"status":true}`},
			want:  []string{"201", `400 For input string: "abc"`, "201", "400 not numeric"},
		},
		{
			name:  "leaf then dotted child",
			index: "logs-a",
			docs:  []string{`{"a":"x"}`, `{"a.b":"y"}`, `{"a":{"b":"y"}}`},
			want: []string{"201", "400 Could not dynamically add mapping for field [a.b]. Existing mapping for [a] must be of type object but found [text].",
				"400 failed to parse field [a] of type [text]"},
		},
		{
			name:  "leaf then a deeper dotted child, inside an object",
			index: "logs-a",
			docs:  []string{`{"o":{"a":"x"}}`, `{"o":{"a.b.c":"y"}}`},
			want:  []string{"201", "400 Could not dynamically add mapping for field [a.b.c]. Existing mapping for [o.a] must be of type object but found [text]."},
		},
		{
			name:   "object then leaf",
			index:  "logs-a",
			docs:   []string{`{"a.b":"y"}`, `{"a":"x"}`, `{"a":{"b":"z"}}`},
			want:   []string{"201", "400 object mapping for [a] tried to parse field [a] as object, but found a concrete value", "201"},
			mapped: map[string]string{"a": "object", "a.b": "text"},
		},
		{
			name:   "conflict within one document",
			index:  "logs-a",
			docs:   []string{`{"a":"x","a.b":"y"}`},
			want:   []string{"400 Could not dynamically add mapping for field [a.b]"},
			mapped: map[string]string{},
		},
		{
			name:   "a refused document changes no mapping",
			index:  "logs-a",
			docs:   []string{`{"n":1}`, `{"new":"x","n":"abc"}`},
			want:   []string{"201", "400 failed to parse field [n] of type [long]"},
			mapped: map[string]string{"n": "long"},
		},
		{
			name: "total fields limit counts objects and multi-fields",
			templates: map[string]string{"logs": `{"index_patterns":["logs-*"],"template":{"settings":{"index":{"mapping":{"total_fields":{"limit":"4"}}}},
				"mappings":{"properties":{"k":{"type":"keyword"}}}}}`},
			index: "logs-a",
			// k + o + o.x = 3; s is text with a keyword sub-field: 5.
			docs:   []string{`{"k":"v","o":{"x":1}}`, `{"s":"text"}`, `{"o":{"y":2}}`},
			want:   []string{"201", "400 Limit of total fields [4] has been exceeded", "201"},
			mapped: map[string]string{"k": "keyword", "o": "object", "o.x": "long", "o.y": "long"},
		},
		{
			// An object with "enabled": false is kept in _source and never
			// parsed: any shape, no field added, even past the limit
			// (https://docs.opensearch.org/latest/field-types/mapping-parameters/enabled/).
			name: "a disabled object maps nothing and refuses nothing",
			templates: map[string]string{"logs": `{"index_patterns":["logs-*"],"template":{"settings":{"index":{"mapping":{"total_fields":{"limit":"3"}}}},
				"mappings":{"properties":{"u":{"type":"object","enabled":false}}}}}`},
			// u, then k as text with its keyword sub-field: 3.
			index:  "logs-a",
			docs:   []string{`{"u":{"a":"x","b":{"c":1}}}`, `{"u":{"a":{"d":1},"b":"y","e":[1,"z"],"f.g":2}}`, `{"u":"flat"}`, `{"u.h":1,"k":"v"}`, `{"k":"w","l":"x"}`},
			want:   []string{"201", "201", "201", "201", "400 Limit of total fields [3] has been exceeded"},
			mapped: map[string]string{"u": "object", "k": "text"},
		},
		{
			name: "declared types are checked",
			templates: map[string]string{"logs": `{"index_patterns":["logs-*"],"template":{"mappings":{"properties":{
				"@timestamp":{"type":"date"},"ip":{"type":"ip"},"ok":{"type":"boolean"},"i":{"type":"integer"}}}}}`},
			index: "logs-a",
			docs: []string{`{"@timestamp":"2024-05-01T00:00:00.000Z","ip":"10.0.0.1","ok":"true","i":5}`, `{"@timestamp":"10000-01-01T00:00:00.000Z"}`,
				`{"ip":"fe80::1%eth0"}`, `{"ok":"yes"}`, `{"i":3000000000}`, `{"@timestamp":1714554000000}`},
			want: []string{"201", "400 failed to parse date field [10000-01-01T00:00:00.000Z]", "400 is not an IP string literal",
				"400 as only [true] or [false] are allowed", "400 out of range for an integer", "201"},
		},
		{
			name:  "metadata fields are refused inside a document",
			index: "logs-a",
			docs:  []string{`{"_id":"x"}`},
			want:  []string{"400 Field [_id] is a metadata field"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t)
			for name, body := range tt.templates {
				putTemplate(t, s, name, body)
			}
			items := indexDocs(t, s, tt.index, tt.docs...)
			for i, it := range items {
				got := strconv.Itoa(it.Status)
				if it.Error != nil {
					b, _ := json.Marshal(it.Error)
					got += " " + string(b)
				}
				want := tt.want[i]
				code, part, _ := strings.Cut(want, " ")
				if !strings.HasPrefix(got, code) || (part != "" && !strings.Contains(got, strings.ReplaceAll(part, `"`, `\"`)) && !strings.Contains(got, part)) {
					t.Errorf("doc %d %s: got %s, want %s", i, tt.docs[i], got, want)
				}
			}
			mapping := s.Mapping(tt.index)
			for f, typ := range tt.mapped {
				if mapping[f] != typ {
					t.Errorf("field %s mapped as %q, want %q (mapping %v)", f, mapping[f], typ, mapping)
				}
			}
			if tt.mapped != nil && len(tt.mapped) == 0 && len(mapping) != 0 {
				t.Errorf("mapping %v, want none", mapping)
			}
		})
	}
}

// Index names are checked when a bulk item auto-creates its index
// (MetadataCreateIndexService.validateIndexOrAliasName).
func TestIndexNameRules(t *testing.T) {
	s := startServer(t)
	for name, want := range map[string]string{
		"cwl-2024.05.01":                  "",
		"cwl-:000.01.01":                  "must not contain ':'",
		"Cwl-2024.05.01":                  "must be lowercase",
		"_cwl":                            "must not start with '_', '-', or '+'",
		"-cwl":                            "must not start with '_', '-', or '+'",
		"+cwl":                            "must not start with '_', '-', or '+'",
		"cwl x":                           "must not contain the following characters",
		"cwl*":                            "must not contain the following characters",
		"cwl#1":                           "must not contain '#'",
		"..":                              "must not be '.' or '..'",
		strings.Repeat("a", 256):          "index name is too long, (256 > 255)",
		strings.Repeat("é", 128):          "index name is too long, (256 > 255)",
		"cwl-\u0001000.01.01":             "",
		"cwl-" + strings.Repeat("a", 251): "",
	} {
		it := indexDocs(t, s, name, `{"a":1}`)[0]
		switch {
		case want == "" && it.Status != http.StatusCreated:
			t.Errorf("index %q refused: %v", name, it.Error)
		case want != "" && (it.Status != http.StatusBadRequest || it.Error["type"] != "invalid_index_name_exception" || !strings.Contains(it.Error["reason"].(string), want)):
			t.Errorf("index %q: got %d %v, want invalid_index_name_exception %q", name, it.Status, it.Error, want)
		}
	}
}

// Two items with one _id in one request: both succeed, the second
// overwrites the first (result "updated", _version 2), as OpenSearch does;
// an _id over 512 bytes fails the whole request's validation.
func TestSameIDTwiceAndLongIDs(t *testing.T) {
	s := startServer(t)
	var resp struct {
		Items []map[string]struct {
			Status  int    `json:"status"`
			Result  string `json:"result"`
			Version int    `json:"_version"`
		} `json:"items"`
	}
	body := `{"index":{"_index":"logs-a","_id":"x"}}` + "\n" + `{"n":"first"}` + "\n" + `{"index":{"_index":"logs-a","_id":"x"}}` + "\n" + `{"n":"second"}` + "\n"
	if code := post(t, http.MethodPost, s.URL+"/_bulk", body, &resp); code != http.StatusOK || len(resp.Items) != 2 {
		t.Fatalf("_bulk answered %d %+v", code, resp)
	}
	first, second := resp.Items[0]["index"], resp.Items[1]["index"]
	if first.Status != 201 || second.Status != 200 || second.Result != "updated" || second.Version != 2 || s.Count() != 1 {
		t.Errorf("items %+v %+v, %d documents; want created, then updated version 2, one document", first, second, s.Count())
	}
	if doc, _ := s.Doc("logs-a", "x"); string(doc) != `{"n":"second"}` {
		t.Errorf("stored %s, want the second", doc)
	}
	var errResp map[string]any
	long := strings.Repeat("1", 513)
	body = `{"index":{"_index":"logs-a","_id":"` + long + `"}}` + "\n" + `{"n":1}` + "\n"
	if code := post(t, http.MethodPost, s.URL+"/_bulk", body, &errResp); code != http.StatusBadRequest || !strings.Contains(jsonText(errResp), "action_request_validation_exception") ||
		!strings.Contains(jsonText(errResp), "must be no longer than 512 bytes but was: 513") {
		t.Errorf("513-byte _id: %d %v", code, errResp)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
