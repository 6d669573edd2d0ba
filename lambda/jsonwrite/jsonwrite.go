// Package jsonwrite appends JSON text straight into a byte buffer, for hot
// paths where encoding/json's reflection and allocations cost too much.
package jsonwrite

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/swar"
)

// String appends s as a JSON string. Invalid UTF-8 is replaced by U+FFFD
// (one per bad byte) so the output is always valid JSON and valid UTF-8.
// Control characters, quotes and backslashes are escaped; U+2028 and
// U+2029 are left as they are, which JSON allows.
func String(dst []byte, s string) []byte {
	dst, _ = StringSep(dst, s, 0)
	return dst
}

// Repaired is s as String writes it once decoded: each byte that does not
// begin a valid UTF-8 sequence replaced by U+FFFD. Names compared before
// they are written (duplicate keys) must be compared in this form: two
// keys that differ only in invalid bytes are written as one.
func Repaired(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// StringSep is String that also reports whether s needed escaping or
// repair anywhere other than at sep bytes. A caller that writes a whole
// line and then its sep-separated parts (LTSV fields split on TAB) can
// then append the parts verbatim with Plain instead of checking them
// again. A sep of 0 reports on every byte.
func StringSep(dst []byte, s string, sep byte) (out []byte, escaped bool) {
	// Reserve the worst case (every byte written as \u00XX or \ufffd) plus
	// room for one word store, then write through buf by index: a log
	// line is copied 8 bytes per store instead of one append per run
	// between escapes.
	dst = slices.Grow(dst, 6*len(s)+2+8)
	o := len(dst)
	buf := dst[:cap(dst)]
	buf[o] = '"'
	o++
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := swar.Load(s, i)
			binary.LittleEndian.PutUint64(buf[o:], w)
			m := careFlags(w)
			if m == 0 {
				i, o = i+8, o+8
				continue
			}
			k := swar.First(m) // bytes before k were stored already
			i, o = i+k, o+k
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				buf[o] = c
				i, o = i+1, o+1
				continue
			}
			o += copy(buf[o:], escapes[c])
			escaped = escaped || c != sep || sep == 0
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			o += copy(buf[o:], `\ufffd`)
			escaped = true
			i++
			continue
		}
		o += copy(buf[o:], s[i:i+size])
		i += size
	}
	buf[o] = '"'
	return buf[:o+1], escaped
}

// Plain appends s, which must need no escaping, as a JSON string.
func Plain(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// careFlags flags the bytes of w that are control characters, '"', '\\'
// or not ASCII.
func careFlags(w uint64) uint64 {
	return (swar.Less(w, 0x20) | swar.Has(w, '"') | swar.Has(w, '\\') | w) & swar.Highs
}

// escapes holds the JSON escape of each ASCII byte that needs one.
var escapes = func() (t [utf8.RuneSelf]string) {
	const hex = "0123456789abcdef"
	for c := range 0x20 {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xF])
	}
	t['\n'], t['\r'], t['\t'] = `\n`, `\r`, `\t`
	t['"'], t['\\'] = `\"`, `\\`
	return t
}()

// plain marks the ASCII bytes that appear in a JSON string unescaped.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Member appends "key": to dst, preceded by a comma unless dst ends the
// opening brace of an object.
func Member(dst []byte, key string) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = String(dst, key)
	return append(dst, ':')
}
