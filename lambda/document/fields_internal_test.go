package document

import (
	"testing"
	"unicode"
)

// javaWhitespace is Java's Character.isWhitespace, which OpenSearch's
// Strings.hasText applies to field names: a Unicode space, line or
// paragraph separator that is not a no-break space (U+00A0, U+2007,
// U+202F), or one of U+0009-U+000D and U+001C-U+001F
// (https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/lang/Character.html#isWhitespace(int)).
func javaWhitespace(r rune) bool {
	if r == 0xa0 || r == 0x2007 || r == 0x202f {
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) || (r >= 0x09 && r <= 0x0d) || (r >= 0x1c && r <= 0x1f)
}

// blank must hold for every rune either Java or Go counts as whitespace,
// and for no other: checked over all of Unicode, so the ASCII fast path
// cannot drift from the tables.
func TestBlankIsJavaOrGoWhitespace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not runes a Go string holds
		}
		want := javaWhitespace(r) || unicode.IsSpace(r)
		if got := blank(string(r)); got != want {
			t.Errorf("blank(%U) = %v, want %v", r, got, want)
		}
		if got := blank("a" + string(r)); got {
			t.Errorf("blank(%q) = true: a name with a letter is not blank", "a"+string(r))
		}
	}
	for _, s := range []string{"", "x", " \t", "\u3000\u2028", " x "} {
		want := s == " \t" || s == "\u3000\u2028"
		if got := blank(s); got != want {
			t.Errorf("blank(%q) = %v, want %v", s, got, want)
		}
	}
}
