// Package jsonscan is a small, allocation-free JSON reader for inputs of a
// known shape: the caller walks objects and arrays with callbacks and gets
// strings that alias the input instead of building a tree.
//
// It checks the JSON grammar with one leniency: raw control characters
// inside strings are accepted (and reported through Text.RawValid), since
// rejecting a whole CloudWatch payload for them would lose more than it
// protects.
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/logsearch/logsearch/lambda/swar"
)

// MaxDepth bounds nesting in values the Scanner skips, so that a crafted
// payload cannot exhaust the stack.
const MaxDepth = 256

// Scanner reads JSON from buf. Strings it returns alias buf; when inPlace
// is set, escaped strings are unescaped inside buf itself (the unescaped
// form is never longer), otherwise into a fresh copy.
type Scanner struct {
	buf     []byte
	pos     int
	inPlace bool
}

// New returns a Scanner over buf. With inPlace, escaped strings are
// unescaped inside buf itself, destroying the raw text but allocating
// nothing; without it, each escaped string is unescaped into a new copy
// and buf is never written.
func New(buf []byte, inPlace bool) Scanner {
	return Scanner{buf: buf, inPlace: inPlace}
}

// Pos is the offset of the next unread byte.
func (s *Scanner) Pos() int { return s.pos }

// Since returns the input read from offset start (an earlier Pos) up to
// the cursor, aliasing the input: a value skipped with Skip, kept whole.
func (s *Scanner) Since(start int) []byte { return s.buf[start:s.pos] }

// Rest returns the input not read yet, after any white space, aliasing
// the input: for a caller that matches a known layout byte by byte and
// then moves the cursor past it with Advance.
func (s *Scanner) Rest() []byte {
	s.ws()
	return s.buf[s.pos:]
}

// Advance moves the cursor n bytes into Rest.
func (s *Scanner) Advance(n int) { s.pos += n }

// AtEnd reports whether only whitespace is left.
func (s *Scanner) AtEnd() bool { return s.Peek() == 0 && s.pos >= len(s.buf) }

// ErrSyntax wraps every error a Scanner returns.
var ErrSyntax = errors.New("invalid JSON")

func (s *Scanner) Fail(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s: %w", s.pos, fmt.Sprintf(format, args...), ErrSyntax)
}

func (s *Scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek returns the next non-space byte, or 0 at the end.
func (s *Scanner) Peek() byte {
	s.ws()
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

func (s *Scanner) Expect(c byte) error {
	if s.Peek() != c {
		return s.Unexpected(fmt.Sprintf("%q", c))
	}
	s.pos++
	return nil
}

func (s *Scanner) Unexpected(want string) error {
	if s.pos >= len(s.buf) {
		return s.Fail("unexpected end of data, expected %s", want)
	}
	return s.Fail("unexpected %q, expected %s", s.buf[s.pos], want)
}

// Members calls fn for each key of the object at the cursor; fn must
// consume the value.
func (s *Scanner) Members(fn func(key string) error) error {
	if err := s.Expect('{'); err != nil {
		return err
	}
	if s.Peek() == '}' {
		s.pos++
		return nil
	}
	for {
		if s.Peek() != '"' {
			return s.Unexpected("an object key")
		}
		key, err := s.Str()
		if err != nil {
			return err
		}
		if err := s.Expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.Unexpected("',' or '}'")
		}
	}
}

// Elements calls fn for each element of the array at the cursor; fn must
// consume the element. A null counts as an empty array.
func (s *Scanner) Elements(fn func(i int) error) error {
	if s.Literal("null") {
		return nil
	}
	if err := s.Expect('['); err != nil {
		return err
	}
	if s.Peek() == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.Unexpected("',' or ']'")
		}
	}
}

// Literal consumes lit (after any white space) if the input continues
// with it, and reports whether it did.
func (s *Scanner) Literal(lit string) bool {
	s.ws()
	if bytes.HasPrefix(s.buf[s.pos:], []byte(lit)) {
		s.pos += len(lit)
		return true
	}
	return false
}

// StrOrNull reads a string; null reads as "" with ok false.
func (s *Scanner) StrOrNull() (v string, ok bool, err error) {
	if s.Literal("null") {
		return "", false, nil
	}
	v, err = s.Str()
	return v, err == nil, err
}

// Str reads the string at the cursor.
func (s *Scanner) Str() (string, error) {
	if s.Peek() != '"' {
		return "", s.Unexpected("a string")
	}
	start := s.pos + 1
	buf := s.buf
	i := start
	// Most strings have no escapes: find the closing quote 8 bytes a step.
	for {
		for i+8 <= len(buf) {
			if m := special(binary.LittleEndian.Uint64(buf[i:])); m != 0 {
				i += swar.First(m)
				break
			}
			i += 8
		}
		if i >= len(buf) {
			s.pos = len(buf)
			return "", s.Fail("unterminated string")
		}
		if c := buf[i]; c == '"' {
			s.pos = i + 1
			return UnsafeString(buf[start:i]), nil
		} else if c == '\\' {
			break
		}
		i++
	}
	if s.inPlace {
		return s.unescapeInPlace(start, i)
	}
	end, _ := closingQuote(buf, i)
	if end < 0 {
		s.pos = len(buf)
		return "", s.Fail("unterminated string")
	}
	out, err := Unescape(make([]byte, 0, end-start), buf[start:end])
	if err != nil {
		s.pos = start
		return "", s.Fail("%v", err)
	}
	s.pos = end + 1
	return UnsafeString(out), nil
}

// Text is a string read by Scanner.Text.
type Text struct {
	// Value is the string, unescaped.
	Value string
	// Raw is the string's content between the quotes as in the input.
	Raw string
	// RawValid reports that Raw is valid JSON string content as it
	// stands: valid UTF-8, no raw control characters, no lone surrogate
	// escapes. A writer may copy it between quotes instead of escaping
	// Value.
	RawValid bool
	// SafeButTabs reports that Value needs JSON escaping at most at its
	// TAB bytes: any TAB-free substring of it can be written as is.
	SafeButTabs bool
}

// Text reads the string at the cursor without modifying the input. An
// escaped string is unescaped onto out, which is returned grown; Value
// aliases out's array (or the input, when there is nothing to unescape).
// Give out spare capacity of at least the input's length plus 8 (room
// for its word-at-a-time copy) and it never reallocates, so earlier
// Values stay in one buffer.
func (s *Scanner) Text(out []byte) (Text, []byte, error) {
	if s.Peek() != '"' {
		return Text{}, out, s.Unexpected("a string")
	}
	start := s.pos + 1
	buf := s.buf
	i := start
	// care collects, conservatively (whole words, even past the closing
	// quote), whether any control or non-ASCII byte was seen.
	var care uint64
	for {
		for i+8 <= len(buf) {
			w := binary.LittleEndian.Uint64(buf[i:])
			care |= (swar.Less(w, 0x20) | w) & swar.Highs
			if m := special(w); m != 0 {
				i += swar.First(m)
				break
			}
			i += 8
		}
		if i >= len(buf) {
			s.pos = len(buf)
			return Text{}, out, s.Fail("unterminated string")
		}
		c := buf[i]
		if c == '"' || c == '\\' {
			break
		}
		if c < 0x20 || c >= 0x80 {
			care |= swar.Highs
		}
		i++
	}
	t := Text{RawValid: true, SafeButTabs: true}
	if buf[i] == '"' {
		t.Raw = UnsafeString(buf[start:i])
		t.Value = t.Raw
		s.pos = i + 1
	} else {
		out = slices.Grow(out, len(buf)-start+8)
		o := len(out)
		w := out[:cap(out)]
		o += copy(w[o:], buf[start:i])
		vstart := len(out)
		for {
			if i >= len(buf) {
				s.pos = len(buf)
				return Text{}, out, s.Fail("unterminated string")
			}
			c := buf[i]
			if c == '"' {
				break
			}
			if c == '\\' && i+1 < len(buf) && buf[i+1] == 't' {
				w[o] = '\t' // the TABs of LTSV: worth a fast path
				o, i = o+1, i+2
			} else if c == '\\' {
				e, n, err := unescapeOne(w[:o], buf[i:])
				if err != nil {
					s.pos = i
					return Text{}, out, s.Fail("%v", err)
				}
				switch buf[i+1] {
				case 't', '/':
				case 'u':
					r, _ := utf8.DecodeRune(e[o:])
					if r < 0x20 || r == '"' || r == '\\' {
						t.SafeButTabs = false
					}
					if r == utf8.RuneError && !bytes.EqualFold(buf[i+2:i+6], []byte("fffd")) {
						t.RawValid = false // a lone surrogate
					}
				default:
					t.SafeButTabs = false
				}
				o, i = len(e), i+n
			} else {
				if c < 0x20 || c >= 0x80 {
					care |= swar.Highs
				}
				w[o] = c
				o, i = o+1, i+1
			}
			for i+8 <= len(buf) {
				word := binary.LittleEndian.Uint64(buf[i:])
				binary.LittleEndian.PutUint64(w[o:], word)
				care |= (swar.Less(word, 0x20) | word) & swar.Highs
				if m := special(word); m != 0 {
					k := swar.First(m)
					o, i = o+k, i+k
					break
				}
				o, i = o+8, i+8
			}
		}
		out = w[:o]
		t.Raw = UnsafeString(buf[start:i])
		t.Value = UnsafeString(out[vstart:])
		s.pos = i + 1
	}
	if care != 0 {
		// Rare: look closer at what the conservative flags saw.
		for j := 0; j < len(t.Raw); j++ {
			if t.Raw[j] < 0x20 {
				t.RawValid, t.SafeButTabs = false, false
			}
		}
		if !utf8.ValidString(t.Raw) {
			t.RawValid, t.SafeButTabs = false, false
		}
	}
	return t, out, nil
}

// special flags the quotes and backslashes among the 8 bytes of w.
func special(w uint64) uint64 {
	return swar.Has(w, '"') | swar.Has(w, '\\')
}

// unescapeInPlace finishes reading the string whose content starts at
// start and whose first escape is at i, unescaping it over itself in one
// pass: the write cursor never passes the read cursor.
func (s *Scanner) unescapeInPlace(start, i int) (string, error) {
	buf := s.buf
	w := i
	for i < len(buf) {
		switch c := buf[i]; c {
		case '"':
			s.pos = i + 1
			return UnsafeString(buf[start:w]), nil
		case '\\':
			out, n, err := unescapeOne(buf[:w], buf[i:])
			if err != nil {
				s.pos = i
				return "", s.Fail("%v", err)
			}
			w, i = len(out), i+n
		default:
			buf[w] = c
			w, i = w+1, i+1
		}
		for i+8 <= len(buf) {
			word := binary.LittleEndian.Uint64(buf[i:])
			if m := special(word); m != 0 {
				// Move the plain bytes before the special one. A word
				// store is safe only when it cannot reach the special
				// byte, which is still unread.
				k := swar.First(m)
				if i-w >= 8 {
					binary.LittleEndian.PutUint64(buf[w:], word)
				} else {
					copy(buf[w:w+k], buf[i:i+k])
				}
				w, i = w+k, i+k
				break
			}
			binary.LittleEndian.PutUint64(buf[w:], word)
			w, i = w+8, i+8
		}
	}
	s.pos = len(buf)
	return "", s.Fail("unterminated string")
}

// closingQuote finds the quote ending the string whose content starts at
// start, and whether the content has escapes.
func closingQuote(buf []byte, start int) (end int, escaped bool) {
	i := start
	for {
		q := bytes.IndexByte(buf[i:], '"')
		if q < 0 {
			return -1, false
		}
		q += i
		// A quote preceded by an odd run of backslashes is escaped.
		n := 0
		for j := q - 1; j >= start && buf[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return q, escaped || bytes.IndexByte(buf[start:q], '\\') >= 0
		}
		escaped = true
		i = q + 1
	}
}

// Unescape appends the JSON string content src, unescaped, to dst. dst may
// share src's memory as long as it starts at or before src: output never
// outgrows input.
func Unescape(dst, src []byte) ([]byte, error) {
	for {
		bs := bytes.IndexByte(src, '\\')
		if bs < 0 {
			return append(dst, src...), nil
		}
		dst = append(dst, src[:bs]...)
		var n int
		var err error
		if dst, n, err = unescapeOne(dst, src[bs:]); err != nil {
			return dst, err
		}
		src = src[bs+n:]
	}
}

// unescapeOne appends the character of the escape sequence at the start
// of src to dst and says how many bytes of src it used. A lone UTF-16
// surrogate becomes U+FFFD, as in encoding/json.
func unescapeOne(dst, src []byte) ([]byte, int, error) {
	if len(src) < 2 {
		return dst, 0, errors.New("string ends inside an escape")
	}
	switch c := src[1]; c {
	case '"', '\\', '/':
		return append(dst, c), 2, nil
	case 'b':
		return append(dst, '\b'), 2, nil
	case 'f':
		return append(dst, '\f'), 2, nil
	case 'n':
		return append(dst, '\n'), 2, nil
	case 'r':
		return append(dst, '\r'), 2, nil
	case 't':
		return append(dst, '\t'), 2, nil
	case 'u':
		r, ok := hex4(src[2:])
		if !ok {
			return dst, 0, errors.New(`bad \u escape: want four hex digits`)
		}
		n := 6
		if utf16IsHigh(r) {
			if lo, ok := lowSurrogate(src[6:]); ok {
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				n = 12
			} else {
				r = utf8.RuneError
			}
		} else if utf16IsLow(r) {
			r = utf8.RuneError
		}
		return utf8.AppendRune(dst, r), n, nil
	default:
		return dst, 0, fmt.Errorf("bad escape \\%c", c)
	}
}

// lowSurrogate reads a \uDC00-\uDFFF escape at the start of b.
func lowSurrogate(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	r, ok := hex4(b[2:])
	return r, ok && utf16IsLow(r)
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// NumberSpan reads the JSON number at the cursor and returns its text.
// It follows the JSON grammar exactly (no leading zeros, no bare '.' or
// exponent), since the text may be copied into output as it stands.
func (s *Scanner) NumberSpan() (string, error) {
	s.ws()
	start := s.pos
	i := start
	if i < len(s.buf) && s.buf[i] == '-' {
		i++
	}
	switch {
	case i < len(s.buf) && s.buf[i] == '0':
		i++
	case i < len(s.buf) && s.buf[i] >= '1' && s.buf[i] <= '9':
		i = s.digits(i)
	default:
		s.pos = i
		return "", s.Unexpected("a number")
	}
	if i < len(s.buf) && s.buf[i] == '.' {
		j := s.digits(i + 1)
		if j == i+1 {
			s.pos = j
			return "", s.Unexpected("a digit after the decimal point")
		}
		i = j
	}
	if i < len(s.buf) && (s.buf[i] == 'e' || s.buf[i] == 'E') {
		i++
		if i < len(s.buf) && (s.buf[i] == '+' || s.buf[i] == '-') {
			i++
		}
		j := s.digits(i)
		if j == i {
			s.pos = j
			return "", s.Unexpected("a digit in the exponent")
		}
		i = j
	}
	s.pos = i
	return UnsafeString(s.buf[start:i]), nil
}

// digits returns the index after the run of digits starting at i.
func (s *Scanner) digits(i int) int {
	for i < len(s.buf) && s.buf[i] >= '0' && s.buf[i] <= '9' {
		i++
	}
	return i
}

// Int64 reads a number and truncates it to an integer. CloudWatch writes
// integers; a fraction or exponent is tolerated.
func (s *Scanner) Int64() (int64, error) {
	text, err := s.NumberSpan()
	if err != nil {
		return 0, err
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f >= 1<<63 || f < -(1<<63) {
		return 0, s.Fail("number %s is not a valid millisecond timestamp", text)
	}
	return int64(f), nil
}

// Skip consumes any JSON value nested at most depth levels deep (a scalar
// is 1 level, [1] is 2).
func (s *Scanner) Skip(depth int) error {
	if depth <= 0 {
		return s.Fail("value nested too deep")
	}
	switch c := s.Peek(); {
	case c == '"':
		_, err := s.Str()
		return err
	case c == '{':
		return s.Members(func(string) error { return s.Skip(depth - 1) })
	case c == '[':
		return s.Elements(func(int) error { return s.Skip(depth - 1) })
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.NumberSpan()
		return err
	case s.Literal("true"), s.Literal("false"), s.Literal("null"):
		return nil
	default:
		return s.Unexpected("a JSON value")
	}
}

// UnsafeString is b as a string without a copy; b must not change while
// the string is in use.
func UnsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
