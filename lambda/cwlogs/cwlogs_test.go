package cwlogs_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
)

func TestDecodeRoundTrip(t *testing.T) {
	events := cwlogstest.NginxEvents(50, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	events = append(events,
		cwlogs.LogEvent{ID: "e1", Timestamp: 1, Message: "quote \" backslash \\ tab \t nl \n ctl \x01 <&> é 日本 😀 \u2028"},
		cwlogs.LogEvent{ID: "e2", Timestamp: 2, Message: ""},
	)
	want := cwlogstest.DataPayload("/aws/lambda/x", "2024/01/01/[$LATEST]abc", events)
	var d cwlogs.Decoder
	for range 2 { // the second run reuses every buffer
		got, err := d.DecodeEvent(cwlogstest.BuildInvocation(want))
		if err != nil {
			t.Fatal(err)
		}
		if got.MessageType != want.MessageType || got.Owner != want.Owner || got.LogGroup != want.LogGroup ||
			got.LogStream != want.LogStream || !reflect.DeepEqual(got.SubscriptionFilters, want.SubscriptionFilters) {
			t.Fatalf("header = %+v", got)
		}
		if len(got.LogEvents) != len(want.LogEvents) {
			t.Fatalf("%d events, want %d", len(got.LogEvents), len(want.LogEvents))
		}
		for i, ev := range got.LogEvents {
			w := want.LogEvents[i]
			if ev.ID != w.ID || ev.Timestamp != w.Timestamp || ev.Message != w.Message {
				t.Fatalf("event %d = %+v, want %+v", i, ev, w)
			}
			checkMessageJSON(t, ev)
		}
	}
}

// checkMessageJSON checks the fast-path hints are truthful.
func checkMessageJSON(t *testing.T, ev cwlogs.LogEvent) {
	t.Helper()
	if ev.MessageJSON != "" {
		var back string
		if err := json.Unmarshal([]byte(`"`+ev.MessageJSON+`"`), &back); err != nil || back != ev.Message {
			t.Fatalf("MessageJSON %q does not decode to Message %q: %v", ev.MessageJSON, ev.Message, err)
		}
	}
	if ev.MessageSafe {
		for _, part := range strings.Split(ev.Message, "\t") {
			enc, _ := json.Marshal(part)
			if string(enc) != `"`+part+`"` && !strings.ContainsAny(part, "<>&\u2028\u2029") {
				t.Fatalf("MessageSafe but %q needs escaping in %q", part, ev.Message)
			}
		}
	}
}

func TestDecodeHandWrittenJSON(t *testing.T) {
	// Any key order, whitespace, unknown keys, escapes of every kind.
	raw := `
	{ "logEvents" : [ { "extractedFields": {"a":[1,{"b":null}]}, "message" : "a\tb\/c\u00e9\ud83d\ude00\ud800x\"" ,
	  "timestamp" : 1700000000123 , "id" : "3745" } , {"id":"2","timestamp":5,"message":"\\"} ],
	  "unknown": [true, false, null, -1.5e3, "x"],
	  "owner":"123", "logGroup":"g\u0041", "logStream":"s", "subscriptionFilters":["f1","f2"],
	  "messageType":"DATA_MESSAGE" }  `
	var d cwlogs.Decoder
	p, err := d.Decode(cwlogstest.DataFromJSON([]byte(raw)))
	if err != nil {
		t.Fatal(err)
	}
	want := []cwlogs.LogEvent{
		{ID: "3745", Timestamp: 1700000000123, Message: "a\tb/cé😀\ufffdx\""},
		{ID: "2", Timestamp: 5, Message: `\`},
	}
	if p.LogGroup != "gA" || p.Owner != "123" || !reflect.DeepEqual(p.SubscriptionFilters, []string{"f1", "f2"}) {
		t.Errorf("header = %+v", p)
	}
	for i := range want {
		got := p.LogEvents[i]
		if got.ID != want[i].ID || got.Timestamp != want[i].Timestamp || got.Message != want[i].Message {
			t.Errorf("event %d = %+v, want %+v", i, got, want[i])
		}
		checkMessageJSON(t, got)
	}
	if p.LogEvents[0].MessageJSON != "" {
		t.Errorf("a lone surrogate escape must not be passed on raw: %q", p.LogEvents[0].MessageJSON)
	}
}

// CloudWatch Logs "may emit ... records with a "CONTROL_MESSAGE" type,
// mainly for checking if the destination is reachable"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html,
// awsdocs/amazon-cloudwatch-logs-user-guide doc_source/SubscriptionFilters.md):
// its one event is the health check "CWL CONTROL MESSAGE: Checking health
// of destination …", which the function ignores. A control message that
// carries anything else would have its events dropped, neither indexed nor
// kept: it is refused as undecodable, so the whole payload is kept in the
// dead-letter queue.
func TestControlMessage(t *testing.T) {
	const head = `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[`
	const check = `{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda."}`
	tests := []struct {
		name, events string
		err          string // "" for an ignored health check
	}{
		{name: "health check", events: check},
		{name: "health checks", events: check + "," + check},
		{name: "no events", events: ""},
		{name: "a log event", events: `{"id":"37451","timestamp":1700000000000,"message":"GET /login 200"}`,
			err: `logEvents[0] (id "37451") is not CloudWatch's health check`},
		{name: "a log event after the health check", events: check + `,{"id":"37452","timestamp":1,"message":"user:bob"}`,
			err: `logEvents[1] (id "37452") is not CloudWatch's health check`},
		{name: "the check's words later in a line", events: `{"id":"","timestamp":1,"message":"x CWL CONTROL MESSAGE: y"}`,
			err: `logEvents[0] (id "") is not`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d cwlogs.Decoder
			p, err := d.Decode(cwlogstest.DataFromJSON([]byte(head + tt.events + "]}")))
			if tt.err == "" {
				if err != nil || p.MessageType != cwlogs.MessageTypeControl {
					t.Fatalf("p = %+v, err = %v", p, err)
				}
				return
			}
			var de *cwlogs.DecodeError
			if !errors.As(err, &de) || de.Stage != cwlogs.StageFields || !errors.Is(err, cwlogs.ErrUndecodable) ||
				!strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "DATA_MESSAGE") {
				t.Fatalf("err = %v, want a %s error saying %q and naming DATA_MESSAGE", err, cwlogs.StageFields, tt.err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	gz := func(s string) []byte { return cwlogstest.DataFromJSON([]byte(s)) }
	tests := []struct {
		name       string
		invocation []byte // DecodeEvent when set
		data       []byte // Decode otherwise
		stage      cwlogs.Stage
		want       string
	}{
		{"invocation not JSON", []byte(`nope`), nil, cwlogs.StageInvocation, "invocation is not"},
		{"invocation without data", []byte(`{"awslogs":{}}`), nil, cwlogs.StageInvocation, "no awslogs.data"},
		{"invocation trailing junk", []byte(`{"awslogs":{"data":"x"}} x`), nil, cwlogs.StageInvocation, "expected the end"},
		{"base64", nil, []byte("!!!"), cwlogs.StageBase64, "not standard base64"},
		{"gzip", nil, []byte(base64.StdEncoding.EncodeToString([]byte("not gzip"))), cwlogs.StageGzip, "not gzip"},
		{"gzip truncated", nil, truncatedGzip(), cwlogs.StageGzip, "corrupt or truncated"},
		{"json", nil, gz(`{"messageType":`), cwlogs.StageJSON, "unexpected end"},
		{"json trailing", nil, gz(`{"messageType":"DATA_MESSAGE"} {}`), cwlogs.StageJSON, "the end of the payload"},
		{"json bad escape", nil, gz(`{"messageType":"\x"}`), cwlogs.StageJSON, `bad escape`},
		{"json deep", nil, gz(`{"x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`), cwlogs.StageJSON, "too deep"},
		{"missing type", nil, gz(`{}`), cwlogs.StageFields, "messageType"},
		{"unknown type", nil, gz(`{"messageType":"X"}`), cwlogs.StageFields, `unknown messageType "X"`},
		{"unknown type, long", nil, gz(`{"messageType":"` + strings.Repeat("X", 100000) + `"}`), cwlogs.StageFields, `unknown messageType "` + strings.Repeat("X", 64) + `…"`},
		{"missing fields", nil, gz(`{"messageType":"DATA_MESSAGE","owner":"1"}`), cwlogs.StageFields, "[logGroup logStream logEvents]"},
		{"event lacks id", nil, gz(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"timestamp":1,"message":"m"}]}`), cwlogs.StageJSON, "logEvents[0] lacks id"},
		{"event bad timestamp", nil, gz(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":"x","message":"m"}]}`), cwlogs.StageJSON, "expected a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d cwlogs.Decoder
			var err error
			if tt.invocation != nil {
				_, err = d.DecodeEvent(tt.invocation)
			} else {
				_, err = d.Decode(tt.data)
			}
			var de *cwlogs.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, cwlogs.ErrUndecodable) {
				t.Fatalf("err = %v, want a DecodeError", err)
			}
			if de.Stage != tt.stage || !strings.Contains(err.Error(), tt.want) || de.Fix == "" || !strings.Contains(err.Error(), "fix:") {
				t.Errorf("err = %v (stage %q), want stage %q mentioning %q and a fix", err, de.Stage, tt.stage, tt.want)
			}
		})
	}
}

func truncatedGzip() []byte {
	raw, _ := base64.StdEncoding.DecodeString(string(cwlogstest.Data(cwlogstest.DataPayload("g", "s",
		cwlogstest.NginxEvents(100, time.Unix(0, 0))))))
	return []byte(base64.StdEncoding.EncodeToString(raw[:len(raw)/2]))
}

func TestDecompressionLimit(t *testing.T) {
	d := cwlogs.Decoder{MaxDecompressedBytes: 1000}
	_, err := d.Decode(cwlogstest.Data(cwlogstest.DataPayload("g", "s", cwlogstest.NginxEvents(100, time.Unix(0, 0)))))
	if !errors.Is(err, cwlogs.ErrUndecodable) || !strings.Contains(err.Error(), "inflates beyond 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
}

// After a gzip bomb (and after a big but legitimate payload) the decoder
// must not keep its grown buffers for the rest of the container's life.
func TestOversizedBuffersAreReleased(t *testing.T) {
	bomb := func(n int) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(make([]byte, n))
		_ = zw.Close()
		return []byte(base64.StdEncoding.EncodeToString(buf.Bytes()))
	}
	ordinary := cwlogstest.Data(cwlogstest.DataPayload("g", "s", cwlogstest.NginxEvents(1000, time.Unix(0, 0))))
	big := cwlogstest.Data(cwlogstest.DataPayload("g", "s", cwlogstest.NginxEvents(100000, time.Unix(0, 0))))
	var d cwlogs.Decoder
	decode := func(name string, data []byte, wantErr bool) int {
		t.Helper()
		if _, err := d.Decode(data); (err != nil) != wantErr {
			t.Fatalf("%s: err = %v", name, err)
		}
		t.Logf("after the %s: %d KiB retained", name, d.RetainedBytes()>>10)
		return d.RetainedBytes()
	}
	// A refused payload leaves no oversized buffer behind, whatever came
	// before it.
	decode("big payload", big, false)
	if got := decode("gzip bomb", bomb(cwlogs.DefaultMaxDecompressedBytes+1), true); got > 4*cwlogs.RetainBytes {
		t.Errorf("after a gzip bomb the decoder keeps %d MiB of buffers, want at most %d MiB", got>>20, 4*cwlogs.RetainBytes>>20)
	}
	// A payload that decodes keeps its buffers, bounded by the inflation
	// limit, and the next payload of its size reuses them without growing.
	// The inflated JSON and the unescaped messages are each at most the
	// inflation limit; the compressed input and the events index are
	// smaller than either.
	kept := decode("big payload again", big, false)
	if limit := 3 * cwlogs.DefaultMaxDecompressedBytes; kept > limit {
		t.Errorf("after a big payload the decoder keeps %d MiB, over %d MiB (three times the inflation limit)", kept>>20, limit>>20)
	}
	if again := decode("same big payload", big, false); again != kept {
		t.Errorf("a big payload after another grew the buffers from %d to %d bytes: not reused", kept, again)
	}
	if got := decode("ordinary payload", ordinary, false); got != kept {
		t.Errorf("ordinary payload: retained %d then %d: buffers not reused", kept, got)
	}
}

// FuzzDecode compares the hand-written decoder with encoding/json on the
// payload JSON. It feeds the JSON stage directly: gzip and base64 are the
// standard library's own, and compressing each input would make fuzzing
// a hundred times slower.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(cwlogstest.JSON(cwlogstest.DataPayload("g", "s", cwlogstest.NginxEvents(3, time.Unix(1700000000, 0))))))
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":"\ud83d\ude00\ud800\u0000\t\"\\\/"}]}`))
	f.Add([]byte(`{"messageType":"CONTROL_MESSAGE"}`))
	f.Add([]byte(`{"logEvents":[{"id":12,"timestamp":1.5e3,"message":"x","x":{"y":[]}}],"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","a":null}`))
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","messageType":"CONTROL_MESSAGE"}`))
	f.Add([]byte("{\"messageType\":\"\xff\"}"))
	var d cwlogs.Decoder
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"id":"2","timestamp":1,"message":"a"},{"id":"2","timestamp":1,"message":"b"}]}`))
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"id":"2","timestamp":1,"message":"a"}],"logEvents":[{"id":"1","timestamp":1,"message":"b"},{"id":"3","timestamp":1,"message":"c"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := d.DecodeJSON(raw)
		if err != nil {
			if !errors.Is(err, cwlogs.ErrUndecodable) {
				t.Fatalf("error %v is not ErrUndecodable", err)
			}
			return
		}
		// IDsAscend, which lets the function skip looking for repeated
		// ids, is never claimed for ids that do not ascend.
		for i := 1; i < len(p.LogEvents) && p.IDsAscend; i++ {
			if p.LogEvents[i-1].ID >= p.LogEvents[i].ID {
				t.Fatalf("IDsAscend with ids %q then %q", p.LogEvents[i-1].ID, p.LogEvents[i].ID)
			}
		}
		// Whatever the decoder accepts must be JSON with the same content.
		// Maps keep encoding/json to exact key matches, as CloudWatch's.
		if !json.Valid(raw) {
			// The one leniency: raw control characters inside strings
			// (they are escaped again on output).
			if !bytes.ContainsFunc(raw, func(r rune) bool { return r < 0x20 && r != ' ' && r != '\t' && r != '\n' && r != '\r' }) &&
				!bytes.ContainsAny(raw, "\t\n\r") {
				t.Fatalf("accepted invalid JSON %q", raw)
			}
			return
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil {
			t.Fatalf("accepted %q, encoding/json: %v", raw, err)
		}
		var typ, group string
		var events []map[string]json.RawMessage
		_ = json.Unmarshal(top["messageType"], &typ)
		_ = json.Unmarshal(top["logGroup"], &group)
		_ = json.Unmarshal(top["logEvents"], &events)
		if fix(p.MessageType) != typ || fix(p.LogGroup) != group || len(p.LogEvents) != len(events) {
			t.Fatalf("decoded %+v, encoding/json %q %q %d events", p, typ, group, len(events))
		}
		for i, ev := range p.LogEvents {
			var msg string
			if err := json.Unmarshal(events[i]["message"], &msg); err != nil || fix(ev.Message) != msg {
				t.Fatalf("event %d message %q, encoding/json %q (%v)", i, ev.Message, msg, err)
			}
			checkMessageJSON(t, ev)
		}
	})
}

// fix replaces each invalid UTF-8 byte by U+FFFD as encoding/json does.
func fix(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// The gzip trailer's ISIZE (RFC 1952, section 2.3.1: "the size of the
// original (uncompressed) input data modulo 2^32") sizes the inflate
// buffer once; a trailer that misstates it changes nothing decoded and
// leaves no oversized buffer behind.
func TestInflateBufferFromTrailer(t *testing.T) {
	payload := cwlogstest.DataPayload("g", "s", cwlogstest.NginxEvents(20000, time.Unix(0, 0)))
	inflated := len(cwlogstest.JSON(payload))
	gz, err := base64.StdEncoding.DecodeString(string(cwlogstest.Data(payload)))
	if err != nil {
		t.Fatal(err)
	}
	withSize := func(size uint32) []byte {
		b := bytes.Clone(gz)
		binary.LittleEndian.PutUint32(b[len(b)-4:], size)
		return []byte(base64.StdEncoding.EncodeToString(b))
	}
	for _, tc := range []struct {
		name      string
		stated    uint32
		maxKeptMB int // the decoder's buffers after the payload, MiB
	}{
		{"true size", uint32(inflated), 3 * inflated >> 20},
		{"stated far too large", 60 << 20, 4 * cwlogs.RetainBytes >> 20},
		{"stated too small", 1000, 4 * cwlogs.RetainBytes >> 20},
		{"stated beyond the limit", 1 << 31, 4 * cwlogs.RetainBytes >> 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d cwlogs.Decoder
			// The trailer's size is not checked by compress/gzip before the
			// end, so a misstated one is refused only as a corrupt stream.
			p, err := d.Decode(withSize(tc.stated))
			if tc.stated != uint32(inflated) {
				if !errors.Is(err, cwlogs.ErrUndecodable) {
					t.Fatalf("a trailer stating %d bytes for %d: err = %v, want the payload refused as corrupt", tc.stated, inflated, err)
				}
			} else if err != nil || len(p.LogEvents) != 20000 {
				t.Fatalf("decoded %v events, err = %v", p, err)
			}
			if kept := d.RetainedBytes() >> 20; kept > tc.maxKeptMB {
				t.Errorf("the decoder keeps %d MiB after the payload, want at most %d", kept, tc.maxKeptMB)
			}
		})
	}
	// Sized from the trailer, the buffer is the payload's size: no
	// doubling left a larger one.
	var d cwlogs.Decoder
	if _, err := d.Decode(withSize(uint32(inflated))); err != nil {
		t.Fatal(err)
	}
	if json := d.InflatedCap(); json < inflated || json > inflated+64<<10 {
		t.Errorf("inflate buffer of %d bytes for a %d-byte payload: not sized from the trailer", json, inflated)
	}
}

// Events in CloudWatch's own layout take a shortcut; every near miss of
// that layout must decode exactly as the general scan (and encoding/json)
// reads it, and a broken one must still be refused.
func TestEventLayouts(t *testing.T) {
	const head = `{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[`
	tests := []struct {
		name, events string
		want         []cwlogs.LogEvent // nil: refused
	}{
		{"CloudWatch's layout", `{"id":"1","timestamp":2,"message":"a\tb"}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "a\tb"}}},
		{"spaces", `{ "id" : "1" , "timestamp" : 2 , "message" : "m" }`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}}},
		{"other order", `{"message":"m","timestamp":2,"id":"1"}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}}},
		{"numeric id", `{"id":12,"timestamp":2,"message":"m"}`, []cwlogs.LogEvent{{ID: "12", Timestamp: 2, Message: "m"}}},
		{"escaped id", `{"id":"\u0031","timestamp":2,"message":"m"}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}}},
		{"extra key", `{"id":"1","timestamp":2,"message":"m","x":[1]}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}}},
		{"repeated key, last wins", `{"id":"1","timestamp":2,"message":"m","message":"n"}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "n"}}},
		{"two events", `{"id":"1","timestamp":2,"message":"m"},{"id":"3","timestamp":4,"message":"\"q\""}`,
			[]cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}, {ID: "3", Timestamp: 4, Message: `"q"`}}},
		{"fraction in the timestamp, tolerated", `{"id":"1","timestamp":2.5,"message":"m"}`, []cwlogs.LogEvent{{ID: "1", Timestamp: 2, Message: "m"}}},
		{"bad timestamp", `{"id":"1","timestamp":"2","message":"m"}`, nil},
		{"unterminated message", `{"id":"1","timestamp":2,"message":"m}`, nil},
		{"missing message", `{"id":"1","timestamp":2}`, nil},
		{"empty id", `{"id":"","timestamp":2,"message":"m"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d cwlogs.Decoder
			p, err := d.DecodeJSON([]byte(head + tc.events + "]}"))
			if tc.want == nil {
				if err == nil {
					t.Fatalf("accepted %s as %+v", tc.events, p.LogEvents)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.LogEvents) != len(tc.want) {
				t.Fatalf("%d events, want %d", len(p.LogEvents), len(tc.want))
			}
			for i, ev := range p.LogEvents {
				w := tc.want[i]
				if ev.ID != w.ID || ev.Timestamp != w.Timestamp || ev.Message != w.Message {
					t.Errorf("event %d = %q %d %q, want %q %d %q", i, ev.ID, ev.Timestamp, ev.Message, w.ID, w.Timestamp, w.Message)
				}
				checkMessageJSON(t, ev)
			}
		})
	}
}

func TestIDsAscend(t *testing.T) {
	payload := func(ids ...string) []byte {
		var evs []string
		for _, id := range ids {
			evs = append(evs, `{"id":"`+id+`","timestamp":1,"message":"m"}`)
		}
		return []byte(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[` + strings.Join(evs, ",") + `]}`)
	}
	var d cwlogs.Decoder // one decoder: what it found in a payload never carries over
	for _, tc := range []struct {
		ids  []string
		want bool
	}{
		{[]string{"1", "2", "3"}, true},
		{[]string{"1", "1"}, false},
		{[]string{"2", "10"}, false}, // string order, as the ids are compared
		{[]string{"7"}, true},
		{nil, true},
		{[]string{"3", "2", "4"}, false},
		{[]string{"36000000000000000000000000000000000000000000000000000001", "36000000000000000000000000000000000000000000000000000002"}, true},
	} {
		p, err := d.DecodeJSON(payload(tc.ids...))
		if err != nil {
			t.Fatal(err)
		}
		if p.IDsAscend != tc.want {
			t.Errorf("ids %q: IDsAscend = %v, want %v", tc.ids, p.IDsAscend, tc.want)
		}
	}
}
