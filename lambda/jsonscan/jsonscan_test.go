package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/jsonscan"
)

// decode builds the value at the cursor the way encoding/json's Unmarshal
// into an any does, using only the Scanner's exported reading functions,
// so whole documents can be compared with the standard library.
func decode(s *jsonscan.Scanner, depth int) (any, error) {
	if depth <= 0 {
		return nil, s.Fail("value nested too deep")
	}
	switch c := s.Peek(); {
	case c == '{':
		m := map[string]any{}
		err := s.Members(func(key string) error {
			v, err := decode(s, depth-1)
			m[key] = v
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := s.Elements(func(i int) error {
			if i != len(a) {
				return fmt.Errorf("element index %d, want %d", i, len(a))
			}
			v, err := decode(s, depth-1)
			a = append(a, v)
			return err
		})
		return a, err
	case c == '"':
		v, err := s.Str()
		// Str aliases the buffer; copy so later in-place unescaping of
		// other strings cannot change a value already collected.
		return strings.Clone(v), err
	case c == '-' || c >= '0' && c <= '9':
		text, err := s.NumberSpan()
		if err != nil {
			return nil, err
		}
		return strconv.ParseFloat(text, 64)
	case s.Literal("true"):
		return true, nil
	case s.Literal("false"):
		return false, nil
	case s.Literal("null"):
		return nil, nil
	}
	return nil, s.Unexpected("a JSON value")
}

// decodeDoc decodes a whole document, which must be followed by nothing
// but white space.
func decodeDoc(doc []byte, inPlace bool) (any, error) {
	s := jsonscan.New(doc, inPlace)
	v, err := decode(&s, jsonscan.MaxDepth)
	if err == nil && !s.AtEnd() {
		err = s.Unexpected("the end of the document")
	}
	return v, err
}

// hasControl reports whether doc has a raw control character anywhere.
// jsonscan accepts them inside strings on purpose (see the package doc);
// encoding/json rejects them there.
func hasControl(doc []byte) bool {
	return bytes.ContainsFunc(doc, func(r rune) bool { return r < 0x20 })
}

// checkAgainstStdlib decodes doc with the Scanner (both modes) and with
// encoding/json and requires the same verdict and, when valid, the same
// value. Every Scanner error must wrap ErrSyntax.
func checkAgainstStdlib(t *testing.T, doc []byte) {
	t.Helper()
	var want any
	wantErr := json.Unmarshal(doc, &want)
	for _, inPlace := range []bool{false, true} {
		buf := bytes.Clone(doc)
		got, err := decodeDoc(buf, inPlace)
		if !inPlace && !bytes.Equal(buf, doc) {
			t.Errorf("%q: the scanner without inPlace wrote to its input: %q", doc, buf)
		}
		var num *strconv.NumError
		if err != nil && !errors.Is(err, jsonscan.ErrSyntax) && !errors.As(err, &num) {
			t.Errorf("%q (inPlace %v): error %v does not wrap ErrSyntax", doc, inPlace, err)
		}
		switch {
		case err != nil && strings.Contains(err.Error(), "nested too deep"):
			// MaxDepth is far below encoding/json's limit of 10000.
		case err == nil && wantErr != nil && hasControl(doc):
			// The one leniency: a raw control character inside a string.
		case (err == nil) != (wantErr == nil):
			t.Errorf("%q (inPlace %v): scanner error %v, encoding/json error %v", doc, inPlace, err, wantErr)
		case err == nil && utf8.Valid(doc) && !reflect.DeepEqual(got, want):
			// (Invalid UTF-8 is kept as it is, where encoding/json
			// substitutes U+FFFD, so only valid UTF-8 compares.)
			t.Errorf("%q (inPlace %v):\n got  %#v\n want %#v (encoding/json)", doc, inPlace, got, want)
		}
	}
}

// validDocs are documents encoding/json accepts, covering every kind of
// value, nesting and white space; their prefixes and single-byte
// mutations make the invalid ones.
var validDocs = []string{
	`null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e+10`, `1E-2`, `0.25`, `""`, `"x"`,
	`{}`, `[]`, `[[]]`, `{"a":{}}`,
	` { "a" : 1 , "b" : [ true , false , null ] , "c" : "d" } `,
	"\t\n\r[\n\t1,\r\n2 ]\n",
	`{"logEvents":[{"id":"3","timestamp":1700000000000,"message":"GET /a\tb\u00e9\"q\""}],"owner":"1"}`,
	`{"k\u0041y":"\ud83d\ude00","\/":"\\","n":[-0.0e0,1e2,{"deep":[[[{"x":[]}]]]}]}`,
	`["\b\f\n\r\t\"\\\/", "\u0000", "\uD800", "\uDC00x", "\uD800\u0041", "\uD800\uD800\uDC00"]`,
	`{"dup":1,"dup":2}`,
	`"日本語 \u65e5\u672c"`,
}

func TestDocumentsMatchEncodingJSON(t *testing.T) {
	for _, doc := range validDocs {
		if !json.Valid([]byte(doc)) {
			t.Fatalf("test table: %q is not valid JSON", doc)
		}
		checkAgainstStdlib(t, []byte(doc))
	}
}

// TestTruncatedDocuments: every proper prefix of a valid document is
// either itself valid (a number cut short) or an error, never a panic.
func TestTruncatedDocuments(t *testing.T) {
	for _, doc := range validDocs {
		for n := range len(doc) {
			checkAgainstStdlib(t, []byte(doc[:n]))
		}
	}
}

// TestMutatedDocuments replaces, deletes or duplicates each byte of the
// valid documents with JSON's structural characters and compares the
// verdict with encoding/json.
func TestMutatedDocuments(t *testing.T) {
	const swaps = "\"\\,:[]{}0-.eEu a"
	for _, doc := range validDocs {
		for i := range len(doc) {
			checkAgainstStdlib(t, []byte(doc[:i]+doc[i+1:]))
			checkAgainstStdlib(t, []byte(doc[:i]+doc[i:i+1]+doc[i:]))
			for _, c := range []byte(swaps) {
				if doc[i] != c {
					checkAgainstStdlib(t, []byte(doc[:i]+string(c)+doc[i+1:]))
				}
			}
		}
	}
}

func TestMalformedDocuments(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `[`, `{`, `]`, `}`, `[1,]`, `[,1]`, `[1 2]`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":}`,
		`{1:2}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":1]`, `[1}`, `[1]]`, `tru`, `nul`, `nulL`, `True`, `falsey`,
		`01`, `-`, `+1`, `.5`, `1.`, `1.e5`, `1e`, `1e+`, `--1`, `0x10`, `"abc`, `"\`, `"\"`, `"\x"`, `"\u12"`,
		`"\u12G4"`, `"\uD800\u"`, `'a'`, `[true false]`, `{"a":[1,{"b":}]}`, "\x00", `[1]x`,
	} {
		if json.Valid([]byte(doc)) {
			t.Fatalf("test table: %q is valid JSON", doc)
		}
		checkAgainstStdlib(t, []byte(doc))
		s := jsonscan.New([]byte(doc), false)
		if err := s.Skip(jsonscan.MaxDepth); err == nil && s.AtEnd() {
			t.Errorf("Skip accepted %q as one whole value", doc)
		} else if err != nil && !errors.Is(err, jsonscan.ErrSyntax) {
			t.Errorf("Skip(%q) error %v does not wrap ErrSyntax", doc, err)
		}
	}
}

// FuzzScanner compares the Scanner with encoding/json on any input; the
// seeds run on every go test.
func FuzzScanner(f *testing.F) {
	for _, doc := range validDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkAgainstStdlib(t, doc)
		s := jsonscan.New(bytes.Clone(doc), true)
		_ = s.Skip(jsonscan.MaxDepth)
	})
}

// stringCases are string contents (between the quotes) with the value
// encoding/json gives them.
var stringCases = []struct{ name, content string }{
	{"empty", ``},
	{"plain", `hello world`},
	{"newline", `a\nb`},
	{"tab", `a\tb`},
	{"quote", `say \"hi\"`},
	{"backslash", `C:\\dir\\`},
	{"slash", `a\/b`},
	{"control escapes", `\b\f\r`},
	{"unicode ASCII", `\u0041\u0062`},
	{"unicode NUL", `\u0000`},
	{"unicode 2 bytes", `caf\u00e9`},
	{"unicode 3 bytes upper", `\u20AC`},
	{"replacement char", `\uFFFD`},
	{"surrogate pair", `\uD83D\uDE00`},
	{"surrogate pair lower", `\ud83d\ude00!`},
	{"lone high", `\uD83D`},
	{"lone high then text", `\uD83Dxy`},
	{"lone high then escape", `\uD83D\u0041`},
	{"lone high then newline", `\uD83D\n`},
	{"high high low", `\uD83D\uD83D\uDE00`},
	{"lone low", `\uDE00`},
	{"low then high", `\uDE00\uD83D`},
	{"raw UTF-8", `日本語 ü`},
	{"escaped backslash before quote", `a\\`},
	{"escaped quote after backslash", `\\\"`},
	{"many escapes", `\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9 then plain text longer than a word \n end`},
	{"LTSV", `host:1.2.3.4\tstatus:200\treq:GET /x?a=1 HTTP/1.1\tsize:512`},
}

// padded returns content surrounded by n plain bytes on both sides, so
// quotes and escapes land at every offset of the 8-byte words the scanner
// reads.
func padded(content string, n int) string {
	p := strings.Repeat("p", n)
	return p + content + p
}

func TestStrMatchesEncodingJSON(t *testing.T) {
	for _, tc := range stringCases {
		for pad := range 17 {
			content := padded(tc.content, pad)
			doc := ` "` + content + `" ,`
			var want string
			if err := json.Unmarshal([]byte(doc[:len(doc)-2]), &want); err != nil {
				t.Fatalf("test table %s: %v", tc.name, err)
			}
			for _, inPlace := range []bool{false, true} {
				buf := []byte(doc)
				s := jsonscan.New(buf, inPlace)
				got, err := s.Str()
				if err != nil || got != want {
					t.Errorf("%s pad %d inPlace %v: Str = %q, %v; want %q", tc.name, pad, inPlace, got, err, want)
					continue
				}
				if s.Pos() != len(doc)-2 {
					t.Errorf("%s pad %d inPlace %v: Pos %d after the string, want %d", tc.name, pad, inPlace, s.Pos(), len(doc)-2)
				}
				if err := s.Expect(','); err != nil || !s.AtEnd() {
					t.Errorf("%s pad %d inPlace %v: reading on after the string: %v", tc.name, pad, inPlace, err)
				}
				if !inPlace && string(buf) != doc {
					t.Errorf("%s: Str without inPlace changed its input to %q", tc.name, buf)
				}
			}

			got, err := jsonscan.Unescape(nil, []byte(content))
			if err != nil || string(got) != want {
				t.Errorf("%s pad %d: Unescape = %q, %v; want %q", tc.name, pad, got, err, want)
			}
			// Unescape may write over its own input.
			src := []byte(content)
			if got, err := jsonscan.Unescape(src[:0], src); err != nil || string(got) != want {
				t.Errorf("%s pad %d: Unescape in place = %q, %v; want %q", tc.name, pad, got, err, want)
			}
		}
	}
}

// TestTextMatchesEncodingJSON checks Value against encoding/json, Raw
// against the input and the two flags against what they promise.
func TestTextMatchesEncodingJSON(t *testing.T) {
	for _, tc := range stringCases {
		for pad := range 17 {
			content := padded(tc.content, pad)
			doc := `"` + content + `"`
			var want string
			if err := json.Unmarshal([]byte(doc), &want); err != nil {
				t.Fatalf("test table %s: %v", tc.name, err)
			}
			buf := []byte(doc)
			s := jsonscan.New(buf, true) // Text must not write even so
			text, _, err := s.Text(nil)
			if err != nil || text.Value != want || text.Raw != content {
				t.Errorf("%s pad %d: Text = %+v, %v; want Value %q Raw %q", tc.name, pad, text, err, want, content)
				continue
			}
			if string(buf) != doc {
				t.Errorf("%s: Text changed its input to %q", tc.name, buf)
			}
			if !s.AtEnd() {
				t.Errorf("%s pad %d: Pos %d after the string, want %d", tc.name, pad, s.Pos(), len(doc))
			}
			checkTextFlags(t, tc.name, text)
		}
	}
}

// checkTextFlags requires the flags to hold what they promise: RawValid
// means Raw between quotes reads back as Value; SafeButTabs means Value
// needs no escape other than at its TABs.
func checkTextFlags(t *testing.T, name string, text jsonscan.Text) {
	t.Helper()
	if text.RawValid {
		var back string
		if !utf8.ValidString(text.Raw) || json.Unmarshal([]byte(`"`+text.Raw+`"`), &back) != nil || back != text.Value {
			t.Errorf("%s: RawValid, but Raw %q does not read back as Value %q", name, text.Raw, text.Value)
		}
	}
	if text.SafeButTabs {
		ok := utf8.ValidString(text.Value) && !strings.ContainsFunc(text.Value, func(r rune) bool {
			return r < 0x20 && r != '\t' || r == '"' || r == '\\'
		})
		if !ok {
			t.Errorf("%s: SafeButTabs, but Value %q needs escaping", name, text.Value)
		}
	}
}

// TestTextFlags pins the flags for the cases that decide them.
func TestTextFlags(t *testing.T) {
	for _, tc := range []struct {
		name, doc             string
		rawValid, safeButTabs bool
	}{
		{"plain", `"abc"`, true, true},
		{"escaped TAB", `"a\tb"`, true, true},
		{"escaped slash", `"a\/b"`, true, true},
		{"escaped newline", `"a\nb"`, true, false},
		{"escaped quote", `"a\"b"`, true, false},
		{"escaped backslash", `"a\\b"`, true, false},
		{"unicode letter", `"\u00e9"`, true, true},
		{"unicode control", `"\u0001"`, true, false},
		{"unicode quote", `"\u0022"`, true, false},
		{"surrogate pair", `"\ud83d\ude00"`, true, true},
		{"escaped replacement char", `"\uFFFD"`, true, true},
		{"lone high surrogate", `"\ud83d"`, false, true},
		{"lone low surrogate", `"x\uDE00"`, false, true},
		{"raw UTF-8", `"日本"`, true, true},
		{"raw TAB", "\"a\tb\"", false, false},
		{"raw newline", "\"a\nb\"", false, false},
		{"raw control after escape", "\"\\n\x01\"", false, false},
		{"invalid UTF-8", "\"a\xffb\"", false, false},
		{"invalid UTF-8 after escape", "\"\\t\xff\"", false, false},
	} {
		for pad := range 9 {
			doc := `"` + padded(tc.doc[1:len(tc.doc)-1], pad) + `"`
			s := jsonscan.New([]byte(doc), false)
			text, _, err := s.Text(nil)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if text.RawValid != tc.rawValid || text.SafeButTabs != tc.safeButTabs {
				t.Errorf("%s pad %d: RawValid %v SafeButTabs %v, want %v %v", tc.name, pad, text.RawValid, text.SafeButTabs, tc.rawValid, tc.safeButTabs)
			}
			checkTextFlags(t, tc.name, text)
		}
	}
}

// TestTextKeepsValuesInOneBuffer reads several escaped strings into one
// out buffer with the documented capacity: it never moves, so every
// earlier Value stays intact.
func TestTextKeepsValuesInOneBuffer(t *testing.T) {
	doc := []byte(`["a\nb", "plain", "\u00e9\u00e9", "x\\y\ty", "\"\"\"\""]`)
	want := []string{"a\nb", "plain", "éé", "x\\y\ty", `""""`}
	out := make([]byte, 0, len(doc)+8)
	first := &out[:1][0]
	s := jsonscan.New(doc, false)
	var values []string
	err := s.Elements(func(int) error {
		var text jsonscan.Text
		var err error
		text, out, err = s.Text(out)
		values = append(values, text.Value)
		return err
	})
	if err != nil || !s.AtEnd() {
		t.Fatalf("Elements: %v", err)
	}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("values %q, want %q", values, want)
	}
	if &out[:1][0] != first {
		t.Error("out was reallocated although it had the documented spare capacity")
	}
}

func TestStrAndTextErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{``, "unexpected end of data, expected a string"},
		{`abc`, `unexpected 'a', expected a string`},
		{`"abc`, "unterminated string"},
		{`"abcdefghijklmnop`, "unterminated string"},
		{`"abc\"`, "unterminated string"},
		{`"a\nbcdefghijklmnop`, "unterminated string"},
		{`"\`, "string ends inside an escape"},
		{`"\x"`, `bad escape \x`},
		{`"\u12"`, `bad \u escape`},
		{`"\u12G4"`, `bad \u escape`},
		{`"\uD83D\uDE0"`, `bad \u escape`},
	} {
		for _, read := range []struct {
			name string
			fn   func(*jsonscan.Scanner) error
		}{
			{"Str", func(s *jsonscan.Scanner) error { _, err := s.Str(); return err }},
			{"Text", func(s *jsonscan.Scanner) error { _, _, err := s.Text(nil); return err }},
		} {
			for _, inPlace := range []bool{false, true} {
				s := jsonscan.New([]byte(tc.doc), inPlace)
				err := read.fn(&s)
				if err == nil || !errors.Is(err, jsonscan.ErrSyntax) || !strings.Contains(err.Error(), "at byte ") {
					t.Errorf("%s(%q) inPlace %v: error %v, want one wrapping ErrSyntax with the byte offset", read.name, tc.doc, inPlace, err)
					continue
				}
				// Str reports an unterminated string before a bad escape
				// when it looks for the closing quote first.
				if !strings.Contains(err.Error(), tc.want) && !strings.Contains(err.Error(), "unterminated string") {
					t.Errorf("%s(%q) inPlace %v: error %q, want it to say %q", read.name, tc.doc, inPlace, err, tc.want)
				}
			}
		}
	}
}

func TestStrOrNull(t *testing.T) {
	for _, tc := range []struct {
		doc     string
		want    string
		ok, err bool
	}{
		{` null`, "", false, false},
		{`"x\ty"`, "x\ty", true, false},
		{`""`, "", true, false},
		{`nul`, "", false, true},
		{`1`, "", false, true},
	} {
		s := jsonscan.New([]byte(tc.doc), false)
		got, ok, err := s.StrOrNull()
		if got != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("StrOrNull(%q) = %q, %v, %v; want %q, %v, error %v", tc.doc, got, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestNumberSpan(t *testing.T) {
	for _, tc := range []struct {
		doc, want string // want "" = an error
		pos       int    // where the cursor stops
	}{
		{"0", "0", 1}, {"-0", "-0", 2}, {" 7 ", "7", 2}, {"123", "123", 3}, {"-1.5e10", "-1.5e10", 7},
		{"1E+2", "1E+2", 4}, {"1e-2", "1e-2", 4}, {"0.0", "0.0", 3},
		{"1,", "1", 1}, {"2]", "2", 1}, {"3}", "3", 1},
		{"01", "0", 1}, // the number is 0; what follows is the caller's to reject
		{"1.5.5", "1.5", 3},
		{"-", "", 1}, {"-a", "", 1}, {".5", "", 0}, {"+1", "", 0}, {"", "", 0}, {"a", "", 0},
		{"1.", "", 2}, {"1.e5", "", 2}, {"1e", "", 2}, {"1e+", "", 3}, {"1E-x", "", 3},
	} {
		s := jsonscan.New([]byte(tc.doc), false)
		got, err := s.NumberSpan()
		if tc.want == "" {
			if err == nil || !errors.Is(err, jsonscan.ErrSyntax) {
				t.Errorf("NumberSpan(%q) = %q, %v; want an ErrSyntax error", tc.doc, got, err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("NumberSpan(%q) = %q, %v; want %q", tc.doc, got, err, tc.want)
		}
		if s.Pos() != tc.pos {
			t.Errorf("NumberSpan(%q): Pos %d, want %d", tc.doc, s.Pos(), tc.pos)
		}
	}
}

// TestNumberGrammar enumerates every string of up to 5 characters over
// the characters numbers are made of: NumberSpan reads it whole exactly
// when encoding/json calls it valid.
func TestNumberGrammar(t *testing.T) {
	const alphabet = "-+.eE019"
	var walk func(prefix string)
	walk = func(prefix string) {
		if prefix != "" {
			s := jsonscan.New([]byte(prefix), false)
			_, err := s.NumberSpan()
			whole := err == nil && s.AtEnd()
			if whole != json.Valid([]byte(prefix)) {
				t.Errorf("%q: NumberSpan reads it whole: %v (%v); encoding/json valid: %v", prefix, whole, err, !whole)
			}
		}
		if len(prefix) < 5 {
			for _, c := range alphabet {
				walk(prefix + string(c))
			}
		}
	}
	walk("")
}

func TestInt64(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want int64
		err  bool
	}{
		{"1700000000000", 1700000000000, false},
		{"-5", -5, false},
		{"0", 0, false},
		{"1.9", 1, false},   // a fraction is truncated
		{"-1.5", -1, false}, // towards zero
		{"1e3", 1000, false},
		{"9223372036854775807", 1<<63 - 1, false},
		{"-9223372036854775808", -1 << 63, false},
		{"9223372036854775808", 0, true},
		{"1e19", 0, true},
		{"-1e19", 0, true},
		{`"1"`, 0, true},
		{"", 0, true},
	} {
		s := jsonscan.New([]byte(tc.doc), false)
		got, err := s.Int64()
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Int64(%q) = %d, %v; want %d, error %v", tc.doc, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, jsonscan.ErrSyntax) {
			t.Errorf("Int64(%q): error %v does not wrap ErrSyntax", tc.doc, err)
		}
	}
}

func TestLiteralPeekAndAtEnd(t *testing.T) {
	s := jsonscan.New([]byte(" \t\r\n true  fals"), false)
	if s.Literal("false") {
		t.Error(`Literal("false") matched "true"`)
	}
	if s.Peek() != 't' || !s.Literal("true") {
		t.Error(`Literal("true") after white space did not match`)
	}
	if s.AtEnd() {
		t.Error("AtEnd before the truncated literal")
	}
	if s.Literal("false") {
		t.Error(`Literal("false") matched the truncated "fals"`)
	}
	if err := s.Skip(jsonscan.MaxDepth); err == nil || !strings.Contains(err.Error(), "expected a JSON value") {
		t.Errorf("Skip of a truncated literal: %v", err)
	}

	ws := jsonscan.New([]byte(" \n\t\r "), false)
	if ws.Peek() != 0 || !ws.AtEnd() {
		t.Error("white space only: want Peek 0 and AtEnd")
	}
	nul := jsonscan.New([]byte(" \x00"), false)
	if nul.Peek() != 0 || nul.AtEnd() {
		t.Error("a NUL byte reads as 0 from Peek but is not the end")
	}
}

func TestMembersAndElements(t *testing.T) {
	t.Run("keys are unescaped and values left to the callback", func(t *testing.T) {
		s := jsonscan.New([]byte(`{"k\u0041y" : 1, "b\"q": [2], "c":{"d":null}}`), true)
		var keys []string
		err := s.Members(func(key string) error {
			keys = append(keys, strings.Clone(key))
			return s.Skip(jsonscan.MaxDepth)
		})
		if err != nil || !reflect.DeepEqual(keys, []string{"kAy", `b"q`, "c"}) || !s.AtEnd() {
			t.Errorf("keys %q, err %v", keys, err)
		}
	})
	t.Run("null is an empty array", func(t *testing.T) {
		s := jsonscan.New([]byte(` null`), false)
		calls := 0
		if err := s.Elements(func(int) error { calls++; return nil }); err != nil || calls != 0 || !s.AtEnd() {
			t.Errorf("Elements(null): %d calls, %v", calls, err)
		}
	})
	t.Run("callback errors stop the walk", func(t *testing.T) {
		stop := errors.New("stop")
		s := jsonscan.New([]byte(`[1,2,3]`), false)
		var seen []int
		err := s.Elements(func(i int) error {
			seen = append(seen, i)
			if _, err := s.NumberSpan(); err != nil {
				return err
			}
			if i == 1 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || !reflect.DeepEqual(seen, []int{0, 1}) {
			t.Errorf("seen %v, err %v", seen, err)
		}
		o := jsonscan.New([]byte(`{"a":1,"b":2}`), false)
		if err := o.Members(func(string) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("Members: err %v, want the callback's", err)
		}
	})
	t.Run("a callback that leaves its value is an error", func(t *testing.T) {
		s := jsonscan.New([]byte(`{"a":1}`), false)
		if err := s.Members(func(string) error { return nil }); err == nil || !errors.Is(err, jsonscan.ErrSyntax) {
			t.Errorf("Members: %v, want a syntax error at the unread value", err)
		}
	})
	t.Run("wrong container", func(t *testing.T) {
		for _, tc := range []struct {
			doc  string
			walk func(*jsonscan.Scanner) error
		}{
			{`[1]`, func(s *jsonscan.Scanner) error { return s.Members(func(string) error { return nil }) }},
			{`{"a":1}`, func(s *jsonscan.Scanner) error { return s.Elements(func(int) error { return nil }) }},
			{`"a"`, func(s *jsonscan.Scanner) error { return s.Elements(func(int) error { return nil }) }},
		} {
			s := jsonscan.New([]byte(tc.doc), false)
			if err := tc.walk(&s); err == nil || !errors.Is(err, jsonscan.ErrSyntax) {
				t.Errorf("%q: %v, want a syntax error", tc.doc, err)
			}
		}
	})
}

func TestSkipDepth(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	for _, tc := range []struct {
		doc   []byte
		depth int
		ok    bool
	}{
		{[]byte(`1`), 1, true},
		{[]byte(`[1]`), 1, false},
		{[]byte(`[1]`), 2, true},
		{[]byte(`{"a":{"b":1}}`), 2, false},
		{[]byte(`{"a":{"b":1}}`), 3, true},
		{nested(jsonscan.MaxDepth), jsonscan.MaxDepth, true},
		{nested(jsonscan.MaxDepth + 1), jsonscan.MaxDepth, false},
		// A crafted payload fails cleanly instead of exhausting the stack.
		{nested(1 << 20), jsonscan.MaxDepth, false},
		{[]byte(strings.Repeat(`{"a":`, 1<<18)), jsonscan.MaxDepth, false},
	} {
		s := jsonscan.New(tc.doc, false)
		err := s.Skip(tc.depth)
		name := string(tc.doc)
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		if tc.ok && (err != nil || !s.AtEnd()) {
			t.Errorf("Skip(%q, %d): %v, want the whole value read", name, tc.depth, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "nested too deep") || !errors.Is(err, jsonscan.ErrSyntax)) {
			t.Errorf("Skip(%q, %d): %v, want a nested-too-deep ErrSyntax", name, tc.depth, err)
		}
	}
}

func TestUnsafeString(t *testing.T) {
	if got := jsonscan.UnsafeString(nil); got != "" {
		t.Errorf("UnsafeString(nil) = %q", got)
	}
	b := []byte("abc")
	if got := jsonscan.UnsafeString(b); got != "abc" {
		t.Errorf("UnsafeString = %q", got)
	}
}

func TestFailPositionAndErrSyntax(t *testing.T) {
	s := jsonscan.New([]byte(`{"a" 1}`), false)
	err := s.Members(func(string) error { return nil })
	if err == nil || !errors.Is(err, jsonscan.ErrSyntax) || !strings.Contains(err.Error(), `at byte 5: unexpected '1', expected ':'`) {
		t.Errorf("error %v, want it to name byte 5, what was found and what was expected", err)
	}
}
