package fieldtypes

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Type
		wantErr string
	}{
		{"keyword", Keyword, ""},
		{"ip", IP, ""},
		{"date", Date, ""},
		{"Long", "", `unknown field type "Long": use one of keyword, text, long`},
		{"int", "", `unknown field type "int"`},
		{"", "", `unknown field type ""`},
	} {
		got, err := Parse(tc.in)
		if tc.wantErr == "" {
			if err != nil || got != tc.want {
				t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Parse(%q) error = %v; want it to contain %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestEveryTypeParsesByItsName(t *testing.T) {
	for _, typ := range All {
		if got, err := Parse(string(typ)); err != nil || got != typ {
			t.Errorf("Parse(%q) = %q, %v", typ, got, err)
		}
	}
}

func TestDecodeJSONReportsEveryProblemSorted(t *testing.T) {
	m, errs := DecodeJSON(`{"status":"integer","zeta":"number","alpha":"str","":"keyword"}`)
	if len(errs) != 3 {
		t.Fatalf("got %d errors %v, want 3", len(errs), errs)
	}
	for i, want := range []string{"field name is empty", `field "alpha"`, `field "zeta"`} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i], want)
		}
	}
	if m["status"] != Integer || len(m) != 1 {
		t.Errorf("valid entries = %v, want only status:integer", m)
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantLen int
		wantErr string
	}{
		{"", 0, ""},
		{"  ", 0, ""},
		{`{}`, 0, ""},
		{`{"a":"ip","b":"double"}`, 2, ""},
		{`["ip"]`, 0, "not a JSON object"},
		{`{"a":1}`, 0, "not a JSON object"},
		{`{"a":`, 0, "not a JSON object"},
	} {
		m, errs := DecodeJSON(tc.in)
		if tc.wantErr == "" {
			if len(errs) != 0 || len(m) != tc.wantLen {
				t.Errorf("DecodeJSON(%q) = %v, %v; want %d entries", tc.in, m, errs, tc.wantLen)
			}
			continue
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.wantErr) {
			t.Errorf("DecodeJSON(%q) errors = %v; want %q", tc.in, errs, tc.wantErr)
		}
	}
}

func TestEncodeJSONIsCanonicalAndRoundTrips(t *testing.T) {
	a := Map{"size": Long, "host": IP, "status": Integer}
	b := Map{"status": Integer, "host": IP, "size": Long}
	if a.EncodeJSON() != b.EncodeJSON() {
		t.Fatalf("same declaration, different bytes: %s vs %s", a.EncodeJSON(), b.EncodeJSON())
	}
	if got, want := a.EncodeJSON(), `{"host":"ip","size":"long","status":"integer"}`; got != want {
		t.Errorf("EncodeJSON = %s, want %s", got, want)
	}
	back, errs := DecodeJSON(a.EncodeJSON())
	if len(errs) != 0 || len(back) != len(a) {
		t.Fatalf("round trip = %v, %v", back, errs)
	}
	for k, v := range a {
		if back[k] != v {
			t.Errorf("round trip %s = %s, want %s", k, back[k], v)
		}
	}
}
