package document_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

var testPayload = &cwlogs.Payload{
	MessageType: cwlogs.MessageTypeData, Owner: "123456789012",
	LogGroup: "/aws/app", LogStream: "stream-1",
}

// ts is 2024-03-04T05:06:07.089Z, the CloudWatch time of test events.
const ts = 1709528767089

func newBuilder(t testing.TB, cfg document.Config) *document.Builder {
	t.Helper()
	if cfg.IndexPrefix == "" {
		cfg.IndexPrefix = "cwl"
	}
	b, err := document.NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// item is one bulk item parsed back with encoding/json.
type item struct {
	action map[string]map[string]string
	doc    map[string]any
	info   document.ItemInfo
}

// build writes one item and parses it back, failing on anything that is
// not two valid NDJSON lines without duplicate keys.
func build(t testing.TB, b *document.Builder, ev cwlogs.LogEvent) item {
	t.Helper()
	return buildDemoted(t, b, ev, nil)
}

// buildDemoted is build through AppendDemotedItem.
func buildDemoted(t testing.TB, b *document.Builder, ev cwlogs.LogEvent, d *document.Demotion) item {
	t.Helper()
	out, info := b.AppendDemotedItem(nil, testPayload, &ev, d)
	lines := checkBulk(t, out)
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d: %q", len(lines), out)
	}
	var it item
	it.info = info
	if err := json.Unmarshal(lines[0], &it.action); err != nil {
		t.Fatalf("action line %s: %v", lines[0], err)
	}
	dec := json.NewDecoder(bytes.NewReader(lines[1]))
	dec.UseNumber()
	if err := dec.Decode(&it.doc); err != nil {
		t.Fatalf("document line %s: %v", lines[1], err)
	}
	return it
}

// checkBulk splits NDJSON and checks each line is valid UTF-8, a valid
// JSON object and free of duplicate keys (which OpenSearch rejects).
func checkBulk(t testing.TB, out []byte) [][]byte {
	t.Helper()
	if len(out) == 0 || out[len(out)-1] != '\n' {
		t.Fatalf("bulk body does not end in a newline: %q", out)
	}
	lines := bytes.Split(out[:len(out)-1], []byte("\n"))
	for _, l := range lines {
		if !utf8.Valid(l) {
			t.Fatalf("line is not valid UTF-8: %q", l)
		}
		if !json.Valid(l) {
			t.Fatalf("line is not valid JSON: %s", l)
		}
		if err := noDuplicateKeys(json.NewDecoder(bytes.NewReader(l))); err != nil {
			t.Fatalf("line %s: %v", l, err)
		}
	}
	return lines
}

// noDuplicateKeys walks one JSON value and reports a repeated object key.
func noDuplicateKeys(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			seen[key] = true
			if err := noDuplicateKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := noDuplicateKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	if err == io.EOF {
		err = nil
	}
	return err
}

// fields is the document without the @ fields every document has.
func (it item) fields() map[string]any {
	out := map[string]any{}
	for k, v := range it.doc {
		switch k {
		case "@timestamp", "@id", "@log_group", "@log_stream", "@owner", "@message":
			continue
		}
		out[k] = v
	}
	return out
}

func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddedFieldsAndAction(t *testing.T) {
	b := newBuilder(t, document.Config{IndexPrefix: "app"})
	it := build(t, b, cwlogs.LogEvent{ID: "ev1", Timestamp: ts, Message: "hello\n"})
	if got, want := jsonString(t, it.action), `{"index":{"_id":"ev1","_index":"app-2024.03.04"}}`; got != want {
		t.Errorf("action = %s, want %s", got, want)
	}
	want := map[string]any{
		"@timestamp": "2024-03-04T05:06:07.089Z", "@id": "ev1", "@log_group": "/aws/app",
		"@log_stream": "stream-1", "@owner": "123456789012", "@message": "hello\n", "message": "hello",
	}
	if got := jsonString(t, it.doc); got != jsonString(t, want) {
		t.Errorf("doc = %s\nwant  %s", got, jsonString(t, want))
	}
	if it.info.Index != "app-2024.03.04" || it.info.TimeFromField || it.info.CoercionFailures != 0 {
		t.Errorf("info = %+v", it.info)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, msg, want string // want: the fields beyond the @ fields
	}{
		{"ltsv", "a:1\tb:x", `{"a":"1","b":"x"}`},
		{"ltsv values with colons and empty", "url:http://x:80/a\tempty:\tz:", `{"empty":"","url":"http://x:80/a","z":""}`},
		{"ltsv CRLF dropped", "a:1\tb:2\r\n", `{"a":"1","b":"2"}`},
		{"ltsv empty fields skipped", "\ta:1\t\tb:2\t", `{"a":"1","b":"2"}`},
		{"single field is plain", "Error: disk full", `{"message":"Error: disk full"}`},
		{"bad label is plain", "a:1\tb c:2", `{"message":"a:1\tb c:2"}`},
		{"field without colon is plain", "a:1\tjunk", `{"message":"a:1\tjunk"}`},
		{"plain", "GET / 200", `{"message":"GET / 200"}`},
		{"empty", "", `{"message":""}`},
		{"json", `{"a":1,"b":"x","c":[1,{"d":null}],"e":true}`, `{"a":1,"b":"x","c":[1,{"d":null}],"e":true}`},
		{"json with spaces", " { \"a\" : 1 } \n", `{"a":1}`},
		{"invalid json is plain", `{"a":1`, `{"message":"{\"a\":1"}`},
		{"json array is plain", `[1,2]`, `{"message":"[1,2]"}`},
		{"json bad number is plain", `{"a":1.}`, `{"message":"{\"a\":1.}"}`},
		{"json leading zero is plain", `{"a":01}`, `{"message":"{\"a\":01}"}`},
		{"json numbers kept exactly", `{"a":-0.5e+10,"b":0}`, `{"a":-0.5e+10,"b":0}`},
		{"json trailing garbage is plain", `{"a":1} x`, `{"message":"{\"a\":1} x"}`},
		{"dash omitted", "a:-\tb:2", `{"b":"2"}`},
		{"json null and dash omitted", `{"a":null,"b":"-","c":"d"}`, `{"c":"d"}`},
		{"repeated label last wins", "a:1\tb:2\ta:3", `{"a":"3","b":"2"}`},
		{"repeated json key last wins", `{"a":1,"a":{"x":1,"x":2}}`, `{"a":{"x":2}}`},
		// Written with each invalid byte as U+FFFD, the keys are one.
		{"json keys differing only in invalid bytes are one", "{\"\xe1\":{},\"\x80\":0}", `{"\ufffd":0}`},
		{"nested keys differing only in invalid bytes are one", "{\"a\":{\"\xe1\":1,\"\x80\":2}}", `{"a":{"\ufffd":2}}`},
		{"reserved names kept aside", `{"@timestamp":"x","_id":"y","@message":"z","id":1}`, `{"@timestamp_":null}`},
		{"bad dots", "a..b:1\t.c:2\td.:3\te.f:4", `{"_c":"2","a__b":"1","d_":"3","e.f":"4"}`},
		{"empty json key", `{"":1}`, `{"_":1}`},
		// OpenSearch: "object field cannot contain only whitespace"
		// (DocumentParser.splitAndValidatePath), also for a blank key
		// inside an object, whose full path has a blank segment.
		{"whitespace-only segment", `{"a. .b":1,"c.\t":2,"\u3000.d":3}`, `{"a_ _b":1,"c_\t":2,"\u3000_d":3}`},
		{"whitespace-only key", `{" ":1,"o":{" ":{"  ":2}}}`, `{"_ ":1,"o":{"_ ":{"_  ":2}}}`},
		{"invalid utf8 repaired", "a:\xff\tb:\xe3\x81\x82", `{"a":"\ufffd","b":"あ"}`},
		{"control chars", "a:x\x01y\tb:\"q\"\\", `{"a":"x\u0001y","b":"\"q\"\\"}`},
		{"line separators", "a:\u2028\tb:\u2029", `{"a":"\u2028","b":"\u2029"}`},
		{"deep json is plain", strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70), ""},
	}
	b := newBuilder(t, document.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: tt.msg})
			if it.doc["@message"] != tt.msg && utf8.ValidString(tt.msg) {
				t.Errorf("@message = %q, want the raw line %q", it.doc["@message"], tt.msg)
			}
			got := jsonString(t, it.fields())
			want := tt.want
			switch tt.name {
			case "reserved names kept aside":
				want = `{"_@message":"z","_@timestamp":"x","__id":"y","id":1}`
			case "deep json is plain":
				want = jsonString(t, map[string]string{"message": tt.msg})
			}
			var wantNorm any
			dec := json.NewDecoder(strings.NewReader(want))
			dec.UseNumber()
			if err := dec.Decode(&wantNorm); err != nil {
				t.Fatal(err)
			}
			if got != jsonString(t, wantNorm) {
				t.Errorf("fields = %s\nwant     %s", got, jsonString(t, wantNorm))
			}
		})
	}
}

func TestCoercion(t *testing.T) {
	types := fieldtypes.Map{}
	for _, ft := range fieldtypes.All {
		types[string(ft)] = ft
	}
	tests := []struct {
		typ, value string
		want       string // JSON of the field; "" means omitted; "!" means @invalid
	}{
		{"long", "42", `42`},
		{"long", "-9223372036854775808", `-9223372036854775808`},
		{"long", "+7", `7`},
		{"long", "007", `7`},
		{"long", "-007", `-7`},
		{"long", "-0", `0`},
		{"long", "0", `0`},
		{"long", "-12", `-12`},
		{"long", "+0", `0`},
		{"long", "9223372036854775808", "!"},
		{"long", "1.5", "!"},
		{"long", "abc", "!"},
		{"long", "", ""},
		{"long", "-", ""},
		{"integer", "2147483647", `2147483647`},
		{"integer", "2147483648", "!"},
		{"integer", "-2147483648", `-2147483648`},
		{"double", "0.123", `0.123`},
		{"double", "1e3", `1000`},
		{"double", "-.5", `-0.5`},
		{"double", "007.5", `7.5`},
		{"double", "NaN", "!"},
		{"double", "Inf", "!"},
		{"double", "1e400", "!"},
		{"double", "0x10", "!"},
		{"double", "1_0", "!"},
		{"double", "", ""},
		{"float", "3.4e39", "!"},
		{"float", "0.25", `0.25`},
		{"boolean", "true", `true`},
		{"boolean", "FALSE", `false`},
		{"boolean", "Yes", `true`},
		{"boolean", "off", `false`},
		{"boolean", "1", `true`},
		{"boolean", "0", `false`},
		{"boolean", "maybe", "!"},
		{"boolean", "", ""},
		{"date", "2024-01-02T03:04:05+09:00", `"2024-01-01T18:04:05.000Z"`},
		{"date", "1704164645", `"2024-01-02T03:04:05.000Z"`},
		{"date", "yesterday", "!"},
		{"ip", "10.0.0.1", `"10.0.0.1"`},
		{"ip", "010.0.0.1", "!"}, // Go's ParseAddr refuses leading zeros, which some parsers read as octal
		{"ip", "::ffff:10.0.0.1", `"::ffff:10.0.0.1"`},
		{"ip", "0.0.0.0", `"0.0.0.0"`},
		{"ip", "2001:DB8::1", `"2001:db8::1"`},
		{"ip", "fe80::1%eth0", "!"},
		{"ip", "10.0.0.1, 10.0.0.2", "!"},
		{"ip", "999.1.1.1", "!"},
		{"ip", "", ""},
		{"keyword", "", `""`},
		{"keyword", "abc", `"abc"`},
		{"keyword", "-", ""},
		{"text", "a b", `"a b"`},
		{"untyped", "42", `"42"`},
	}
	b := newBuilder(t, document.Config{FieldTypes: types})
	for _, tt := range tests {
		for _, form := range []string{"ltsv", "json"} {
			t.Run(tt.typ+"/"+tt.value+"/"+form, func(t *testing.T) {
				msg := tt.typ + ":" + tt.value + "\tother:x"
				if form == "json" {
					msg = jsonString(t, map[string]string{tt.typ: tt.value, "other": "x"})
				}
				it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: msg})
				got, present := it.doc[tt.typ]
				invalid, _ := it.doc["@invalid"].(map[string]any)
				switch tt.want {
				case "":
					if present || invalid != nil {
						t.Errorf("want omitted, got %v, @invalid %v", got, invalid)
					}
				case "!":
					if present || invalid[tt.typ] != tt.value || it.info.CoercionFailures != 1 {
						t.Errorf("want @invalid.%s = %q, got field %v, @invalid %v, failures %d",
							tt.typ, tt.value, got, invalid, it.info.CoercionFailures)
					}
				default:
					if !present || jsonString(t, got) != tt.want || invalid != nil {
						t.Errorf("got %s (present %v, @invalid %v), want %s", jsonString(t, got), present, invalid, tt.want)
					}
				}
			})
		}
	}
}

func TestCoercionOfJSONValues(t *testing.T) {
	b := newBuilder(t, document.Config{FieldTypes: fieldtypes.Map{
		"n": fieldtypes.Long, "s": fieldtypes.Keyword, "b": fieldtypes.Boolean, "o": fieldtypes.Long, "d": fieldtypes.Double,
	}})
	it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts,
		Message: `{"n":"12","s":34,"b":1,"o":{"x":1},"d":2.5e0,"free":{"k":[1,"\u00e9"]}}`})
	got := jsonString(t, it.fields())
	want := `{"@invalid":{"o":"{\"x\":1}"},"b":true,"d":2.5,"free":{"k":[1,"é"]},"n":12,"s":"34"}`
	if got != want {
		t.Errorf("fields = %s\nwant     %s", got, want)
	}
	if it.info.CoercionFailures != 1 {
		t.Errorf("CoercionFailures = %d, want 1", it.info.CoercionFailures)
	}
}

func TestTimestamp(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		value     string
		timestamp string // want @timestamp; "" means the CloudWatch time
	}{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"},
		{"2024-01-02T03:04:05.123456+09:00", "2024-01-01T18:04:05.123Z"},
		{"2024-01-02 03:04:05", "2024-01-01T18:04:05.000Z"}, // no offset: Tokyo
		{"[10/Oct/2000:13:55:36 -0700]", "2000-10-10T20:55:36.000Z"},
		{"10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36.000Z"},
		{"1700000000", "2023-11-14T22:13:20.000Z"},
		{"1700000000.25", "2023-11-14T22:13:20.250Z"},
		{"1700000000123", "2023-11-14T22:13:20.123Z"},
		{"1700000000123.9", "2023-11-14T22:13:20.123Z"},
		{"not a time", ""},
		{"2024-02-30T00:00:00Z", ""},
		{"-", ""},
		{"", ""},
	}
	b := newBuilder(t, document.Config{Location: tokyo, TimeField: "time"})
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: "time:" + tt.value + "\tx:y"})
			want, fromField := tt.timestamp, true
			if want == "" {
				want, fromField = "2024-03-04T05:06:07.089Z", false
			}
			if it.doc["@timestamp"] != want || it.info.TimeFromField != fromField {
				t.Errorf("@timestamp = %v (from field %v), want %s (%v)", it.doc["@timestamp"], it.info.TimeFromField, want, fromField)
			}
		})
	}
	t.Run("json number", func(t *testing.T) {
		it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: `{"time":1700000000}`})
		if it.doc["@timestamp"] != "2023-11-14T22:13:20.000Z" || it.doc["time"] != "2023-11-14T22:13:20.000Z" {
			t.Errorf("doc = %v", it.doc)
		}
	})
	t.Run("zero timestamp, no time field", func(t *testing.T) {
		it := build(t, b, cwlogs.LogEvent{ID: "id", Message: "plain"})
		if it.doc["@timestamp"] != "1970-01-01T00:00:00.000Z" || it.info.Index != "cwl-1970.01.01" {
			t.Errorf("@timestamp = %v, index %s", it.doc["@timestamp"], it.info.Index)
		}
	})
}

func TestIndexAcrossTokyoMidnight(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		utc, index string
	}{
		{"2024-01-01T14:59:59Z", "logs-2024.01.01"},
		{"2024-01-01T15:00:00Z", "logs-2024.01.02"},
		{"2023-12-31T15:00:00Z", "logs-2024.01.01"},
		{"2023-12-31T14:59:59.999Z", "logs-2023.12.31"},
	}
	b := newBuilder(t, document.Config{IndexPrefix: "logs", Location: tokyo, TimeField: "time"})
	for _, tt := range tests {
		tm, err := time.Parse(time.RFC3339, tt.utc)
		if err != nil {
			t.Fatal(err)
		}
		// Once from the time field, once from the CloudWatch timestamp.
		for _, ev := range []cwlogs.LogEvent{
			{ID: "a", Timestamp: 0, Message: "time:" + tt.utc + "\tx:1"},
			{ID: "b", Timestamp: tm.UnixMilli(), Message: "no time here"},
		} {
			it := build(t, b, ev)
			if it.info.Index != tt.index || it.action["index"]["_index"] != tt.index {
				t.Errorf("%s (%s): index %s / %s, want %s", tt.utc, ev.ID, it.info.Index, it.action["index"]["_index"], tt.index)
			}
		}
	}
}

func TestInvalidUTF8AndEscapesEverywhere(t *testing.T) {
	b := newBuilder(t, document.Config{})
	p := &cwlogs.Payload{Owner: "o\"", LogGroup: "g\\\xff", LogStream: "s\n"}
	ev := cwlogs.LogEvent{ID: "i\"d\x00", Timestamp: ts, Message: "{\"k\xfe\":\"v\\u0000\"}"}
	out, _ := b.AppendBulkItem(nil, p, &ev)
	lines := checkBulk(t, out)
	var doc map[string]any
	if err := json.Unmarshal(lines[1], &doc); err != nil {
		t.Fatal(err)
	}
	if doc["@log_group"] != "g\\\ufffd" || doc["@id"] != "i\"d\x00" || doc["@owner"] != "o\"" || doc["k\ufffd"] != "v\x00" {
		t.Errorf("doc = %v", doc)
	}
}

func TestMessageJSONFastPathMatchesSlowPath(t *testing.T) {
	b := newBuilder(t, document.Config{})
	for _, msg := range []string{"a:1\tb:2", "a:\"q\"\tb:2", "plain"} {
		raw := jsonString(t, msg)
		raw = raw[1 : len(raw)-1]
		fast, _ := b.AppendBulkItem(nil, testPayload, &cwlogs.LogEvent{ID: "x", Timestamp: ts, Message: msg, MessageJSON: raw, MessageSafe: !strings.Contains(msg, `"`)})
		slow, _ := b.AppendBulkItem(nil, testPayload, &cwlogs.LogEvent{ID: "x", Timestamp: ts, Message: msg})
		if !bytes.Equal(fast, slow) {
			t.Errorf("fast path %s\n differs from %s", fast, slow)
		}
	}
}

func TestNewBuilderErrors(t *testing.T) {
	tests := []struct {
		cfg  document.Config
		want []string
	}{
		{document.Config{}, []string{"index prefix is empty"}},
		{document.Config{IndexPrefix: "Logs"}, []string{"uppercase"}},
		{document.Config{IndexPrefix: "_x"}, []string{"starts with"}},
		{document.Config{IndexPrefix: "a b"}, []string{"forbids"}},
		{document.Config{IndexPrefix: strings.Repeat("a", 250)}, []string{"shorten"}},
		{document.Config{IndexPrefix: "ok", FieldTypes: fieldtypes.Map{"@timestamp": fieldtypes.Date, "x": "number"}},
			[]string{`"@timestamp" is added by logsearch`, `unknown field type "number"`}},
		{document.Config{IndexPrefix: "ok", TimeField: "t\xff"}, []string{"not valid UTF-8, so no log field can ever match it"}},
		{document.Config{IndexPrefix: "ok", TimeField: "message"}, []string{"where logsearch stores plain-text lines"}},
		{document.Config{IndexPrefix: "ok", TimeField: "time", FieldTypes: fieldtypes.Map{"time": fieldtypes.Keyword}},
			[]string{`time field "time" is declared "keyword"`}},
		{document.Config{IndexPrefix: "ok", TimeField: "@timestamp", FieldTypes: fieldtypes.Map{"_@timestamp": fieldtypes.Long}},
			[]string{`time field "_@timestamp" is declared "long"`}},
	}
	for _, tt := range tests {
		_, err := document.NewBuilder(tt.cfg)
		if err == nil {
			t.Errorf("%+v: no error", tt.cfg)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q lacks %q", tt.cfg, err, w)
			}
		}
	}
}

func FuzzAppendBulkItem(f *testing.F) {
	for _, s := range []string{"a:1\tb:2", `{"a":{"b":[1,"x"]},"a":2}`, "time:[10/Oct/2000:13:55:36 -0700]\tstatus:abc",
		"\xff\x00\t:", `{"@id":"\ud800"}`, "status:-\tsize:12\r\n", `{"":{"":1,"":2}}`} {
		f.Add(s, int64(ts))
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		f.Fatal(err)
	}
	cfg := document.Config{Location: tokyo, TimeField: "time", FieldTypes: fieldtypes.Map{
		"status": fieldtypes.Integer, "size": fieldtypes.Long, "d": fieldtypes.Double, "ok": fieldtypes.Boolean,
		"time": fieldtypes.Date, "ip": fieldtypes.IP, "a": fieldtypes.Keyword,
	}}
	b := newBuilder(f, cfg)
	dailyIndex := regexp.MustCompile(`^cwl-\d{4}\.\d{2}\.\d{2}$`)
	f.Add("x", int64(1)<<62)
	f.Add("time:9999-12-31T23:00:00Z\tx:1", int64(253402300799999))
	f.Fuzz(func(t *testing.T, msg string, timestamp int64) {
		// Any timestamp: a hand-made payload can carry anything. An event
		// is either refused with a reason and nothing written, or a valid
		// item in a valid daily index.
		out, info := b.AppendBulkItem(nil, testPayload, &cwlogs.LogEvent{ID: "id", Timestamp: timestamp, Message: msg})
		// What the builder keeps between events (here, every input the
		// fuzzer tried before, then this one) never changes a document.
		again, infoAgain := b.AppendBulkItem(nil, testPayload, &cwlogs.LogEvent{ID: "id", Timestamp: timestamp, Message: msg})
		fresh, infoFresh := newBuilder(t, cfg).AppendBulkItem(nil, testPayload, &cwlogs.LogEvent{ID: "id", Timestamp: timestamp, Message: msg})
		if !bytes.Equal(out, fresh) || !bytes.Equal(again, fresh) || info != infoFresh || infoAgain != infoFresh {
			t.Fatalf("%q built after other events:\n%s\nagain:\n%s\nby a new builder:\n%s", msg, out, again, fresh)
		}
		if info.Refused != "" {
			if len(out) != 0 || document.InRange(time.UnixMilli(timestamp), tokyo) {
				t.Fatalf("refused %q (timestamp %d in range: %v), wrote %q", info.Refused, timestamp, document.InRange(time.UnixMilli(timestamp), tokyo), out)
			}
			return
		}
		if len(checkBulk(t, out)) != 2 {
			t.Fatalf("want 2 lines: %q", out)
		}
		if !dailyIndex.MatchString(info.Index) {
			t.Fatalf("index %q", info.Index)
		}
		// Built again with fields demoted (as after a mapping refusal), it
		// is still one valid item, for the same index.
		for _, d := range []document.Demotion{{Fields: []string{"a", "status", "@invalid.status", "x.y"}}, {Unmapped: true}} {
			again, infoAgain := b.AppendDemotedItem(nil, testPayload, &cwlogs.LogEvent{ID: "id", Timestamp: timestamp, Message: msg}, &d)
			if len(checkBulk(t, again)) != 2 || infoAgain.Index != info.Index || infoAgain.Refused != "" {
				t.Fatalf("demoted %+v: %q %+v", d, again, infoAgain)
			}
		}
	})
}

// The time field is compared with the name the log wrote, before reserved
// names are renamed for storage, and is always stored as a date in the one
// form @timestamp has, whatever format it came in.
func TestTimeFieldIsAlwaysADate(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field, msg string
		stored     string // the name the time field is stored under
		want       string // its stored value and @timestamp; "" = not a time
	}{
		{"time", "time:2024-05-01T10:00:00+09:00\tx:1", "time", "2024-05-01T01:00:00.000Z"},
		{"time", "time:[01/May/2024:10:00:00 +0900]\tx:1", "time", "2024-05-01T01:00:00.000Z"},
		{"time", "time:1714525200\tx:1", "time", "2024-05-01T01:00:00.000Z"},
		{"time", "time:2024-05-01 10:00:00\tx:1", "time", "2024-05-01T01:00:00.000Z"},
		{"time", "time:2024-05-01T01:00:00.123456789Z\tx:1", "time", "2024-05-01T01:00:00.123Z"},
		{"time", `{"time":1714525200123}`, "time", "2024-05-01T01:00:00.123Z"},
		{"time", "time:yesterday\tx:1", "time", ""},
		{"@timestamp", `{"@timestamp":"2024-05-01T01:00:00Z","msg":"x"}`, "_@timestamp", "2024-05-01T01:00:00.000Z"},
		{"_id", `{"_id":"2024-05-01T01:00:00Z"}`, "__id", "2024-05-01T01:00:00.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.msg, func(t *testing.T) {
			b := newBuilder(t, document.Config{Location: tokyo, TimeField: tt.field})
			it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: tt.msg})
			if tt.want == "" {
				inv, _ := it.doc["@invalid"].(map[string]any)
				if it.info.TimeFromField || it.doc[tt.stored] != nil || inv[tt.stored] == nil {
					t.Errorf("unparsable time: doc %v, info %+v; want it under @invalid and the CloudWatch time", it.doc, it.info)
				}
				return
			}
			if !it.info.TimeFromField || it.doc["@timestamp"] != tt.want || it.doc[tt.stored] != tt.want {
				t.Errorf("doc %v (from field %v), want @timestamp and %s = %s", it.doc, it.info.TimeFromField, tt.stored, tt.want)
			}
		})
	}
}

// Dotted keys under a field logsearch or OpenSearch owns, and an object or
// array under "message" (mapped as text for plain-text lines), would be
// refused by OpenSearch: they are renamed like the plain names.
func TestReservedNamesAreRenamed(t *testing.T) {
	b := newBuilder(t, document.Config{})
	for msg, want := range map[string]string{
		`{"@timestamp.x":1,"_id.x":2,"@invalid.y":3,"message.z":4,"messages":5}`: `{"_@timestamp.x":1,"__id.x":2,"_@invalid.y":3,"_message.z":4,"messages":5}`,
		`{"message":{"a":1}}`:       `{"_message":{"a":1}}`,
		`{"message":[{"a":1}]}`:     `{"_message":[{"a":1}]}`,
		`{"message":"text"}`:        `{"message":"text"}`,
		"_id.x:1\tmessage.y:2\ta:3": `{"__id.x":"1","_message.y":"2","a":"3"}`,
	} {
		it := build(t, b, cwlogs.LogEvent{ID: "id", Timestamp: ts, Message: msg})
		got := map[string]any{}
		for k, v := range it.doc {
			if !strings.HasPrefix(k, "@") {
				got[k] = v
			}
		}
		var wantMap map[string]any
		dec := json.NewDecoder(strings.NewReader(want))
		dec.UseNumber()
		if err := dec.Decode(&wantMap); err != nil {
			t.Fatal(err)
		}
		if g := jsonString(t, got); g != jsonString(t, wantMap) {
			t.Errorf("%s: fields %s, want %s", msg, g, want)
		}
	}
}

// Events that cannot become a valid bulk item are refused with a reason,
// and nothing is written for them.
func TestRefusedEvents(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(t, document.Config{Location: tokyo, TimeField: "time"})
	for _, tt := range []struct {
		name string
		ev   cwlogs.LogEvent
		want string // part of the reason; "" = accepted
	}{
		{"invalid UTF-8 id", cwlogs.LogEvent{ID: "a\xffb", Timestamp: ts, Message: "x"}, "not valid UTF-8"},
		{"513-byte id", cwlogs.LogEvent{ID: strings.Repeat("1", 513), Timestamp: ts, Message: "x"}, "at most 512 bytes"},
		{"512-byte id", cwlogs.LogEvent{ID: strings.Repeat("1", 512), Timestamp: ts, Message: "x"}, ""},
		{"timestamp 2^62 ms", cwlogs.LogEvent{ID: "1", Timestamp: 1 << 62, Message: "x"}, "outside the accepted range"},
		{"year 10000 in the index time zone", cwlogs.LogEvent{ID: "1", Timestamp: time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC).UnixMilli(), Message: "x"}, "outside the accepted range"},
		{"negative year", cwlogs.LogEvent{ID: "1", Timestamp: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), Message: "x"}, "outside the accepted range"},
		{"field out of range, CloudWatch time in range", cwlogs.LogEvent{ID: "1", Timestamp: ts, Message: "time:9999-12-31T20:00:00Z\tx:1"}, ""},
		{"last accepted instant", cwlogs.LogEvent{ID: "1", Timestamp: time.Date(9999, 12, 31, 14, 59, 59, 999e6, time.UTC).UnixMilli(), Message: "x"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, info := b.AppendBulkItem([]byte("keep"), testPayload, &tt.ev)
			if tt.want == "" {
				if info.Refused != "" {
					t.Fatalf("refused: %s", info.Refused)
				}
				it := build(t, b, tt.ev)
				if idx := it.info.Index; len(idx) != len("cwl-2006.01.02") || strings.ContainsAny(idx, ":") {
					t.Errorf("index %q", idx)
				}
				return
			}
			if !strings.Contains(info.Refused, tt.want) || string(out) != "keep" {
				t.Errorf("refused %q, wrote %q; want a reason with %q and nothing written", info.Refused, out, tt.want)
			}
		})
	}
}

// A demotion moves the top-level fields holding the paths a refusal names
// under @invalid, as strings; a path under @invalid, and with Unmapped
// every undeclared field, under @unmapped, as it came. Declared fields and
// the time field stay in place unless named.
func TestDemotion(t *testing.T) {
	b := newBuilder(t, document.Config{TimeField: "time", FieldTypes: fieldtypes.Map{"status": fieldtypes.Integer}})
	tests := []struct {
		name, msg string
		d         document.Demotion
		want      string // the fields, as JSON
		demoted   int
	}{
		{"named leaf", `{"n":"word","k":"v"}`, document.Demotion{Fields: []string{"n"}},
			`{"@invalid":{"n":"word"},"k":"v"}`, 1},
		{"object on the way to the path", `{"o":{"p":{"q":1}},"k":"v"}`, document.Demotion{Fields: []string{"o.p.q"}},
			`{"@invalid":{"o":"{\"p\":{\"q\":1}}"},"k":"v"}`, 1},
		{"dotted LTSV label under the path", "a.b:y\tk:v", document.Demotion{Fields: []string{"a"}},
			`{"@invalid":{"a.b":"y"},"k":"v"}`, 1},
		{"a prefix that is no path segment", "ab:y\ta:z", document.Demotion{Fields: []string{"a"}},
			`{"@invalid":{"a":"z"},"ab":"y"}`, 1},
		{"number and bool kept as their text", `{"n":12,"f":true}`, document.Demotion{Fields: []string{"n", "f"}},
			`{"@invalid":{"n":"12","f":"true"}}`, 2},
		{"clash under @invalid", "status.x:1\tk:v", document.Demotion{Fields: []string{"@invalid.status"}},
			`{"@unmapped":{"status.x":"1"},"k":"v"}`, 1},
		{"unmapped keeps declared fields and the time field", `{"time":"2024-05-01T00:00:00Z","status":"200","x":{"y":[1,"2"]},"z":null}`,
			document.Demotion{Unmapped: true},
			`{"time":"2024-05-01T00:00:00.000Z","status":200,"@unmapped":{"x":{"y":[1,"2"]}}}`, 1},
		{"coercion failure stays under @invalid", "status:abc\tk:v", document.Demotion{Unmapped: true},
			`{"@invalid":{"status":"abc"},"@unmapped":{"k":"v"}}`, 1},
		{"nothing named", "k:v\tj:w", document.Demotion{Fields: []string{"other"}}, `{"k":"v","j":"w"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := buildDemoted(t, b, cwlogs.LogEvent{ID: "1", Timestamp: ts, Message: tt.msg}, &tt.d)
			var want map[string]any
			dec := json.NewDecoder(strings.NewReader(tt.want))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if got := it.fields(); jsonString(t, got) != jsonString(t, want) || it.info.Demoted != tt.demoted {
				t.Errorf("fields %s, %d demoted; want %s, %d", jsonString(t, got), it.info.Demoted, jsonString(t, want), tt.demoted)
			}
		})
	}
	// Without a demotion the builder is back to normal.
	if it := build(t, b, cwlogs.LogEvent{ID: "1", Timestamp: ts, Message: `{"n":"word"}`}); it.doc["n"] != "word" || it.info.Demoted != 0 {
		t.Errorf("after a demotion: %v", it.doc)
	}
}

// A builder that has built other events writes each event exactly as a
// new builder would: what it remembers between events (the last time
// parsed, the last instant written, the day's index, the names of the
// last line's labels, the payload's shared fields) never leaks into the next, even when the decoder
// reuses the bytes those came from.
func TestBuilderHistoryNeverChangesADocument(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cfg := document.Config{IndexPrefix: "logs", Location: tokyo, TimeField: "time",
		FieldTypes: fieldtypes.Map{"n": fieldtypes.Integer, "at": fieldtypes.Date}}
	// Before year 0: refused, whatever came before.
	const beforeYear0 = -62167219200000 - 1000
	batches := [][]string{{
		"time:2024-01-01T14:59:59Z\tn:1",
		"time:2024-01-01T14:59:59Z\tn:2",
		"time:2024-01-01T15:00:00Z\tn:3",      // Tokyo's next day
		"time:2024-01-02T00:00:00+09:00\tn:4", // the same instant, written otherwise
		"time:2024-01-01T14:59:59.999Z\tn:5",  // back across midnight, within the second
		"time:not a time\tn:6",
		"time:10000-01-01T00:00:00Z\tn:7", // past the accepted years
		"time:10000-01-01T00:00:00Z\tn:8",
		`{"time":"2024-01-01T15:00:00Z","n":9}`,
		`{"time":1704121200000,"n":10}`,
		"no time at all",
		"ts:" + strconv.Itoa(beforeYear0), // CloudWatch's time, out of range
		"tim:2024-01-01T15:00:00Z\tn:11",  // another label in the time's place
		"time:2024-01-01T15:00:00Z\tat:2024-01-01T15:00:00Z",
		"time:\tn:12",
	}, {
		"time:2024-01-01T14:59:59Z\tn:1",
	}, {
		// The same layout as the batch before: the decoder's reused
		// buffers now hold another time where the last one was.
		"time:2024-01-01T15:00:01Z\tn:1",
	}, {
		"time:2024-01-01T14:59:59Z\tm:2",
		"time:2024-01-01T14:59:59Z\tn:x",
	}, {
		"time:2024-01-01T15:00:01Z\t_id:1", // stored as __id
	}, {
		"time:2024-01-01T15:00:01Z\t_ix:1", // where _id was: stored as is
	}, {
		// Lines that repeat the labels of the line before, which the
		// builder takes by their values alone, and lines that nearly do.
		"time:2024-01-01T15:00:01Z\tn:1\tn:2\tq:a",
		"time:2024-01-01T15:00:02Z\tn:3\tn:x\tq:b",   // the last n wins, whatever it holds
		"time:2024-01-01T15:00:02Z\tn:3\tn:4\tq:b\t", // a trailing empty field
		"time:2024-01-01T15:00:02Z\tn:3\tn:4\tq:b\tr:c",
		"time:2024-01-01T15:00:02Z\tn:3\tn:4",
		`{"time":"2024-01-01T15:00:03Z","n":5,"q":"j"}`,
		"time:2024-01-01T15:00:04Z\tn:6\tn:7\tq:c",
		"time:\tn:-\tn:\tq:\"quoted\" \\ back",
		"time:2024-01-01T15:00:04Z\tn:8\tn:9\tq:tab\tq:again",
		"time:2024-01-01T15:00:05Z\t" + strings.Repeat("l", 65) + ":long\tn:10",
		"time:2024-01-01T15:00:06Z\t" + strings.Repeat("l", 65) + ":long\tn:11",
		"time:2024-01-01T15:00:07Z\tN:12\tn:13",
		"time:2024-01-01T15:00:07Z\tn:14\tN:15",
	}, {
		"a:1\tb:2", "c:3\td:4",
		"time:2024-01-01T15:00:08Z\tn:16",
	}, {
		// The labels of the last line of the batch before, whose bytes
		// in the decoder's buffer now hold other text.
		"time:2024-01-01T15:00:09Z\tn:17",
		"x:other text where the labels were\ty:long enough to cover them",
	}}
	var dec cwlogs.Decoder
	warm := newBuilder(t, cfg)
	for k, lines := range batches {
		events := make([]cwlogs.LogEvent, len(lines))
		for i, l := range lines {
			events[i] = cwlogs.LogEvent{ID: fmt.Sprintf("e%d-%d", k, i), Timestamp: ts + int64(i)*1000, Message: l}
			if ms, ok := strings.CutPrefix(l, "ts:"); ok {
				events[i].Timestamp, _ = strconv.ParseInt(ms, 10, 64)
			}
		}
		// Batches alternate between two streams of one layout.
		p, err := dec.Decode(cwlogstest.Data(cwlogstest.DataPayload("/aws/app", fmt.Sprintf("stream-%d", k%2), events)))
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.LogEvents {
			ev := &p.LogEvents[i]
			got, gotInfo := warm.AppendBulkItem(nil, p, ev)
			want, wantInfo := newBuilder(t, cfg).AppendBulkItem(nil, p, ev)
			if !bytes.Equal(got, want) || gotInfo != wantInfo {
				t.Errorf("batch %d, %q:\nafter other events: %s %+v\nnew builder:        %s %+v", k, ev.Message, got, gotInfo, want, wantInfo)
			}
		}
	}
}
