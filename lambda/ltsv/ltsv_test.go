package ltsv_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/ltsv"
)

func TestParse(t *testing.T) {
	type F = ltsv.Field
	tests := []struct {
		name, line string
		want       []F // nil: not LTSV
	}{
		{"two fields", "a:1\tb:2", []F{{"a", "1"}, {"b", "2"}}},
		{"value with colons", "url:http://h:8080/x\tt:10:11:12", []F{{"url", "http://h:8080/x"}, {"t", "10:11:12"}}},
		{"empty values", "a:\tb:", []F{{"a", ""}, {"b", ""}}},
		{"label charset", "A-z_0.9:v\tk:w", []F{{"A-z_0.9", "v"}, {"k", "w"}}},
		{"LF dropped", "a:1\tb:2\n", []F{{"a", "1"}, {"b", "2"}}},
		{"CRLF dropped", "a:1\tb:2\r\n", []F{{"a", "1"}, {"b", "2"}}},
		{"empty fields skipped", "\ta:1\t\t\tb:2\t", []F{{"a", "1"}, {"b", "2"}}},
		{"repeated labels kept in order", "a:1\ta:2", []F{{"a", "1"}, {"a", "2"}}},
		{"long values", "a:" + strings.Repeat("x", 40) + "\tb:" + strings.Repeat("y", 17), []F{{"a", strings.Repeat("x", 40)}, {"b", strings.Repeat("y", 17)}}},
		{"single field", "Error: disk full", nil},
		{"single field and trailing tab", "a:1\t", nil},
		{"url", "http://example.com", nil},
		{"empty", "", nil},
		{"only tabs", "\t\t", nil},
		{"empty label", ":x\ta:1", nil},
		{"no colon", "a:1\tb", nil},
		{"space in label", "a b:1\tc:2", nil},
		{"at sign in label", "@a:1\tb:2", nil},
		{"non-ascii label", "é:1\tb:2", nil},
		{"plain text with tab", "hello\tworld", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []ltsv.Field{{"keep", "me"}}
			got, ok := ltsv.Parse(prefix, tt.line)
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
			if !ok {
				if len(got) != 1 {
					t.Fatalf("on failure dst must keep its length, got %v", got)
				}
				return
			}
			if !reflect.DeepEqual(got[1:], tt.want) || got[0] != prefix[0] {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTrimEOLAndValidLabel(t *testing.T) {
	for in, want := range map[string]string{"a\r\n": "a", "a\n\n": "a", "a\r": "a", "a": "a", "\n": "", "a\nb": "a\nb"} {
		if got := ltsv.TrimEOL(in); got != want {
			t.Errorf("TrimEOL(%q) = %q, want %q", in, got, want)
		}
	}
	for s, want := range map[string]bool{"a": true, "A-b_c.9": true, "": false, "a b": false, "a:": false} {
		if ltsv.ValidLabel(s) != want {
			t.Errorf("ValidLabel(%q) != %v", s, want)
		}
	}
}

// FuzzLTSV checks Parse against a plain reference implementation of the
// same rules.
func FuzzLTSV(f *testing.F) {
	for _, s := range []string{"a:1\tb:2", "a:1\t\tb:\r\n", "x", ":\t:", "a:b:c\td:e", "a\xff:1\tb:2", "\t\t\t", "a:" + strings.Repeat("z", 30) + "\tq:\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, ok := ltsv.Parse(nil, line)
		want, wantOK := reference(line)
		if ok != wantOK || (ok && !reflect.DeepEqual(got, want)) {
			t.Fatalf("Parse(%q) = %q, %v; reference %q, %v", line, got, ok, want, wantOK)
		}
		for _, f := range got {
			if !ltsv.ValidLabel(f.Label) || strings.Contains(f.Value, "\t") {
				t.Fatalf("bad field %q", f)
			}
		}
	})
}

func TestSameLabels(t *testing.T) {
	labels := []string{"time", "host", "req"}
	for _, tc := range []struct {
		line   string
		values []string // nil: SameLabels reports false
	}{
		{"time:t1\thost:h\treq:GET /", []string{"t1", "h", "GET /"}},
		{"time:\thost:a:b\treq:\r\n", []string{"", "a:b", ""}},
		{"time:t1\thost:h", nil},             // a label short
		{"time:t1\thost:h\treq:r\tx:1", nil}, // a label more
		{"time:t1\thost:h\treq:r\t", nil},    // a trailing empty field (Parse skips it)
		{"\ttime:t1\thost:h\treq:r", nil},    // a leading empty field
		{"time:t1\t\thost:h\treq:r", nil},    // two TABs in a row
		{"time:t1\thosts:h\treq:r", nil},     // a longer label that starts like one
		{"time:t1\thost\treq:r", nil},        // no ':'
		{"time:t1\treq:r\thost:h", nil},      // another order
		{"time:t1\thost:h\treq", nil},        // the last label without ':'
		{"", nil},
	} {
		values := make([]string, len(labels))
		ok := ltsv.SameLabels(tc.line, labels, values)
		if ok != (tc.values != nil) || (ok && !reflect.DeepEqual(values, tc.values)) {
			t.Errorf("SameLabels(%q) = %q, %v; want %q", tc.line, values, ok, tc.values)
		}
	}
	if ltsv.SameLabels("a:1", []string{"a"}, make([]string, 1)) {
		t.Error("SameLabels accepted a single field, which is not LTSV")
	}
}

// FuzzSameLabels checks SameLabels against Parse: given the labels of
// another line (or of the line itself), it may only ever report what
// Parse returns, and with the line's own labels it must report true
// whenever the line has no empty field.
func FuzzSameLabels(f *testing.F) {
	for _, s := range [][2]string{
		{"a:1\tb:2", "a:3\tb:4"}, {"a:1\tb:2\t", "a:1\tb:2"}, {"a:1\t\tb:2", "a:\tb:"},
		{"ab:1\tb:2", "a:1\tb:2"}, {"a:1\tb:2\r\n", "a:1\tb:2\tc:3"}, {"x", "a:1\tb:2"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, line, other string) {
		fields, ok := ltsv.Parse(nil, line)
		for _, from := range []string{other, line} {
			src, srcOK := ltsv.Parse(nil, from)
			if !srcOK {
				continue
			}
			labels := make([]string, len(src))
			for k, f := range src {
				labels[k] = f.Label
			}
			values := make([]string, len(labels))
			if !ltsv.SameLabels(line, labels, values) {
				if from == line && !slices.Contains(strings.Split(ltsv.TrimEOL(line), "\t"), "") {
					t.Fatalf("SameLabels(%q) refused the line's own labels %q", line, labels)
				}
				continue
			}
			if !ok || len(fields) != len(labels) {
				t.Fatalf("SameLabels(%q, %q) = %q, but Parse = %q, %v", line, labels, values, fields, ok)
			}
			for k := range fields {
				if fields[k] != (ltsv.Field{Label: labels[k], Value: values[k]}) {
					t.Fatalf("SameLabels(%q, %q) = %q, but Parse = %q", line, labels, values, fields)
				}
			}
		}
	})
}

func reference(line string) ([]ltsv.Field, bool) {
	line = strings.TrimRight(line, "\r\n")
	var out []ltsv.Field
	for _, f := range strings.Split(line, "\t") {
		if f == "" {
			continue
		}
		label, value, found := strings.Cut(f, ":")
		if !found || !ltsv.ValidLabel(label) {
			return nil, false
		}
		out = append(out, ltsv.Field{Label: label, Value: value})
	}
	if len(out) < 2 {
		return nil, false
	}
	return out, true
}
