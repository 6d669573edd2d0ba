package settings

import (
	"errors"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// valid is the smallest good environment.
func valid() map[string]string {
	return map[string]string{
		"OPENSEARCH_ENDPOINT": "https://vpc-logs-abc.eu-west-1.es.amazonaws.com",
		"DLQ_URL":             "https://sqs.eu-west-1.amazonaws.com/123456789012/logsearch-dlq",
	}
}

func TestDefaults(t *testing.T) {
	s, err := Load(env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if s.Endpoint.String() != "https://vpc-logs-abc.eu-west-1.es.amazonaws.com" || s.Auth != AuthSigV4 ||
		s.Document.IndexPrefix != "cwl" || s.Document.Location.String() != "UTC" ||
		s.Document.TimeField != "time" || len(s.Document.FieldTypes) != 0 ||
		s.BulkMaxBytes != 5242880 || s.DLQURL != valid()["DLQ_URL"] || s.Compression != DefaultCompression {
		t.Errorf("defaults: %+v", s)
	}
}

func TestAllSet(t *testing.T) {
	e := valid()
	e["OPENSEARCH_ENDPOINT"] = "http://127.0.0.1:9200/"
	e["OPENSEARCH_AUTH"] = "none"
	e["INDEX_PREFIX"] = "app-logs"
	e["INDEX_TIMEZONE"] = "Asia/Tokyo"
	e["TIME_FIELD"] = "ts"
	e["FIELD_TYPES"] = `{"status":"integer","reqtime":"double"}`
	e["BULK_MAX_BYTES"] = "10485760"
	e["BULK_COMPRESSION"] = "None"
	s, err := Load(env(e))
	if err != nil {
		t.Fatal(err)
	}
	want := fieldtypes.Map{"status": fieldtypes.Integer, "reqtime": fieldtypes.Double}
	if s.Endpoint.String() != "http://127.0.0.1:9200" || s.Auth != AuthNone || s.Document.IndexPrefix != "app-logs" ||
		s.Document.Location.String() != "Asia/Tokyo" || s.Document.TimeField != "ts" ||
		s.Document.FieldTypes.EncodeJSON() != want.EncodeJSON() || s.BulkMaxBytes != 10485760 || s.Compression != CompressionNone {
		t.Errorf("got %+v", s)
	}
}

func TestBareHostIsHTTPS(t *testing.T) {
	e := valid()
	e["OPENSEARCH_ENDPOINT"] = "vpc-logs-abc.eu-west-1.es.amazonaws.com"
	s, err := Load(env(e))
	if err != nil {
		t.Fatal(err)
	}
	if s.Endpoint.String() != "https://vpc-logs-abc.eu-west-1.es.amazonaws.com" {
		t.Errorf("endpoint %s", s.Endpoint)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string // applied over valid(); "" deletes
		want []string          // each must appear in one problem, in order
	}{
		{"endpoint missing", map[string]string{"OPENSEARCH_ENDPOINT": ""}, []string{`OPENSEARCH_ENDPOINT="": not set`}},
		{"endpoint http remote", map[string]string{"OPENSEARCH_ENDPOINT": "http://search.example.com"}, []string{"OPENSEARCH_ENDPOINT", "non-local", "use https://"}},
		{"endpoint bad scheme", map[string]string{"OPENSEARCH_ENDPOINT": "ftp://x"}, []string{`scheme "ftp" is not https`}},
		{"endpoint query", map[string]string{"OPENSEARCH_ENDPOINT": "https://x?y=1"}, []string{"query or fragment"}},
		{"auth", map[string]string{"OPENSEARCH_AUTH": "basic"}, []string{`OPENSEARCH_AUTH="basic"`, `use "sigv4"`}},
		{"prefix upper", map[string]string{"INDEX_PREFIX": "CWL"}, []string{`INDEX_PREFIX="CWL"`, "uppercase"}},
		{"prefix underscore", map[string]string{"INDEX_PREFIX": "_x"}, []string{"INDEX_PREFIX", "starts with"}},
		{"timezone", map[string]string{"INDEX_TIMEZONE": "Tokyo"}, []string{`INDEX_TIMEZONE="Tokyo": unknown time zone`, "Asia/Tokyo"}},
		{"timezone local", map[string]string{"INDEX_TIMEZONE": "Local"}, []string{"depends on the host"}},
		{"field types json", map[string]string{"FIELD_TYPES": `["status"]`}, []string{"FIELD_TYPES", "not a JSON object"}},
		{"field types type", map[string]string{"FIELD_TYPES": `{"status":"int","size":"bigint"}`}, []string{`field "size"`, `field "status"`, "use one of keyword"}},
		{"field types reserved", map[string]string{"FIELD_TYPES": `{"@timestamp":"date"}`}, []string{"FIELD_TYPES", "added by logsearch"}},
		{"time field of plain lines", map[string]string{"TIME_FIELD": "message"}, []string{`TIME_FIELD="message"`, "plain-text lines"}},
		{"time field never matches", map[string]string{"TIME_FIELD": "t\xffime"}, []string{"TIME_FIELD", "no log field can ever match it"}},
		{"time field declared", map[string]string{"TIME_FIELD": "ts", "FIELD_TYPES": `{"ts":"long"}`}, []string{`TIME_FIELD="ts"`, "always a date"}},
		{"dlq missing", map[string]string{"DLQ_URL": ""}, []string{`DLQ_URL="": not set`}},
		{"dlq not url", map[string]string{"DLQ_URL": "logsearch-dlq"}, []string{"DLQ_URL", "not an absolute URL"}},
		{"bulk text", map[string]string{"BULK_MAX_BYTES": "5MB"}, []string{`BULK_MAX_BYTES="5MB": not a whole number`}},
		{"bulk zero", map[string]string{"BULK_MAX_BYTES": "0"}, []string{"must be positive"}},
		{"bulk too big", map[string]string{"BULK_MAX_BYTES": "10485761"}, []string{"over the 10 MiB", "from 1 to 10485760"}},
		{"compression unknown", map[string]string{"BULK_COMPRESSION": "zstd"}, []string{`BULK_COMPRESSION="zstd": unknown compression`, `"gzip"`, `"none"`}},
		{"everything at once", map[string]string{
			"OPENSEARCH_ENDPOINT": "", "OPENSEARCH_AUTH": "x", "INDEX_PREFIX": "A", "INDEX_TIMEZONE": "Mars/Base",
			"FIELD_TYPES": "{", "DLQ_URL": "", "BULK_MAX_BYTES": "-1",
		}, []string{"OPENSEARCH_ENDPOINT", "OPENSEARCH_AUTH", "DLQ_URL", "BULK_MAX_BYTES", "INDEX_PREFIX", "INDEX_TIMEZONE", "FIELD_TYPES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			for k, v := range tt.set {
				e[k] = v
			}
			_, err := Load(env(e))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("want *Error, got %v", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "ingest function settings are invalid") {
				t.Errorf("message does not start with the summary: %s", msg)
			}
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q missing (or out of order) in:\n%s", w, msg)
				}
				rest = rest[i+len(w):]
			}
			if tt.name == "everything at once" && len(se.Problems) != 7 {
				t.Errorf("want 7 problems, got %d:\n%s", len(se.Problems), msg)
			}
			if tt.name != "everything at once" && tt.name != "field types type" && len(se.Problems) != 1 {
				t.Errorf("want 1 problem, got %d:\n%s", len(se.Problems), msg)
			}
		})
	}
}

// @timestamp (Logstash, ECS) is a valid time field: the builder compares
// it before renaming the log's own @timestamp to _@timestamp.
func TestTimestampAsTimeField(t *testing.T) {
	e := valid()
	e["TIME_FIELD"] = "@timestamp"
	s, err := Load(env(e))
	if err != nil || s.Document.TimeField != "@timestamp" {
		t.Fatalf("err %v, settings %+v", err, s)
	}
}

func TestRedactEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"https://vpc-logs-x.eu-west-1.es.amazonaws.com": "https://vpc-logs-x.eu-west-1.es.amazonaws.com",
		"https://admin:pw@logs.example.com/p?q=1":       "https://admin:xxxxx@logs.example.com/p?q=1",
		"admin:p@ss:w@rd@logs.example.com:9200":         "admin:xxxxx@logs.example.com:9200",
		"https://admin@logs.example.com":                "https://admin@logs.example.com",
		"https://admin:pw@logs:port":                    "https://admin:xxxxx@logs:port",
		"https://logs.example.com/a@b":                  "https://logs.example.com/a@b",
	} {
		if got := RedactEndpoint(in); got != want {
			t.Errorf("RedactEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}
