package jsonwrite_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/jsonwrite"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii long enough for words", `"plain ascii long enough for words"`},
		{"a\tb\nc\rd", `"a\tb\nc\rd"`},
		{`q"b\`, `"q\"b\\"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"é日本\u2028", "\"é日本\u2028\""},
		{"bad\xffbyte", `"bad\ufffdbyte"`},
		{"\xe3\x81", `"\ufffd\ufffd"`},
		{"12345678\"12345678", `"12345678\"12345678"`},
	}
	for _, tt := range tests {
		if got := string(jsonwrite.String([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("String(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestStringSep(t *testing.T) {
	for in, want := range map[string]bool{"a\tb": false, "a\tb\n": true, "a\"": true, "\xff": true, "日本\t": false} {
		if _, escaped := jsonwrite.StringSep(nil, in, '\t'); escaped != want {
			t.Errorf("StringSep(%q) escaped = %v, want %v", in, escaped, want)
		}
	}
}

func TestMember(t *testing.T) {
	if got := string(jsonwrite.Member(jsonwrite.Member([]byte("{"), "a"), "b")); got != `{"a":,"b":` {
		t.Errorf("got %s", got)
	}
}

// FuzzString checks the output is valid JSON that decodes to the input
// with invalid bytes replaced.
func FuzzString(f *testing.F) {
	for _, s := range []string{"a", "\x00\"\\\t", "\xff\xfe", "日本語テキスト\u2028", strings.Repeat("ab\"", 9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := jsonwrite.String(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil || !utf8.Valid(out) {
			t.Fatalf("String(%q) = %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\x00"); utf8.ValidString(s) && back != want {
			t.Fatalf("round trip %q -> %q", s, back)
		}
		if r := jsonwrite.Repaired(s); r != back {
			t.Fatalf("Repaired(%q) = %q, String writes %q", s, r, back)
		}
	})
}

// Repaired is what String writes, decoded: it must agree with String on
// every input, valid or not.
func TestRepairedIsWhatStringWrites(t *testing.T) {
	for _, s := range []string{"", "plain", "caf\u00e9", "\xe1", "\x80", "a\xe1\x80b", "\xe1\x80", "\xf0\x9f\x98", "\xed\xa0\x80", "日本\xff語"} {
		var decoded string
		if err := json.Unmarshal(jsonwrite.String(nil, s), &decoded); err != nil {
			t.Fatalf("String(%q) is not JSON: %v", s, err)
		}
		if got := jsonwrite.Repaired(s); got != decoded {
			t.Errorf("Repaired(%q) = %q, String writes %q", s, got, decoded)
		}
	}
}
