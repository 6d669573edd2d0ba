package archive

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readAll(t *testing.T, l *Lines, r io.Reader) ([]string, error) {
	t.Helper()
	if err := l.Reset(r); err != nil {
		return nil, err
	}
	var got []string
	var want int64
	for {
		b, n, ok := l.Next()
		if !ok {
			break
		}
		want++
		if n != want {
			t.Fatalf("line number %d, want %d", n, want)
		}
		got = append(got, string(b))
	}
	return got, l.Err()
}

func TestLines(t *testing.T) {
	long := strings.Repeat("x", 3*readBufferSize+17)
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"plain", []byte("a\nb\n"), []string{"a", "b"}},
		{"no final newline", []byte("a\nb"), []string{"a", "b"}},
		{"crlf", []byte("a\r\nb\r\n"), []string{"a", "b"}},
		{"empty lines keep their numbers", []byte("a\n\n\nb\n"), []string{"a", "", "", "b"}},
		{"empty file", nil, nil},
		{"one byte", []byte("x"), []string{"x"}},
		{"gzip", gzipBytes(t, "a\tb:1\nc\n"), []string{"a\tb:1", "c"}},
		{"gzip members concatenated", append(gzipBytes(t, "a\n"), gzipBytes(t, "b\nc\n")...), []string{"a", "b", "c"}},
		{"line longer than the buffer", gzipBytes(t, "a\n"+long+"\nb\n"), []string{"a", long, "b"}},
		{"long plain line", []byte(long), []string{long}},
	}
	var l Lines // reused across cases, as workers do
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tt.in), iotest.OneByteReader(bytes.NewReader(tt.in))} {
				got, err := readAll(t, &l, r)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
					t.Fatalf("lines = %q, want %q", got, tt.want)
				}
				if l.StoredBytes() != int64(len(tt.in)) {
					t.Fatalf("StoredBytes = %d, want %d", l.StoredBytes(), len(tt.in))
				}
			}
		})
	}
}

func TestLinesCorrupt(t *testing.T) {
	good := gzipBytes(t, strings.Repeat("some log line\n", 1000))
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-6] ^= 0xff
	tests := map[string][]byte{
		"truncated":                       good[:len(good)/2],
		"flipped byte":                    flipped,
		"bad checksum":                    badCRC,
		"header only":                     good[:5],
		"a member header that is not one": append(bytes.Clone(good), 0x1f, 0x8b, 0, 0),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			var l Lines
			_, err := readAll(t, &l, bytes.NewReader(in))
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CorruptError", err)
			}
			if !strings.Contains(err.Error(), "corrupt gzip") || strings.Count(err.Error(), "corrupt gzip") > 1 {
				t.Fatalf("message %q does not say what is wrong, once", err)
			}
		})
	}
}

// What follows the last gzip member: zero padding ends the object
// silently, anything else ends it with Trailing set; the lines before are
// all returned either way.
func TestLinesAfterLastMember(t *testing.T) {
	a, b := gzipBytes(t, "a\n"), gzipBytes(t, "b\n")
	zeros := func(n int) []byte { return make([]byte, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name     string
		in       []byte
		want     []string
		trailing int64 // stored offset of the trailing data; -1: none
	}{
		{"one zero byte", cat(a, zeros(1)), []string{"a"}, -1},
		{"block padding", cat(a, b, zeros(512-len(a)-len(b))), []string{"a", "b"}, -1},
		{"padding longer than the buffer", cat(a, zeros(3*readBufferSize+5)), []string{"a"}, -1},
		{"padding between members", cat(a, zeros(100), b), []string{"a", "b"}, -1},
		{"junk", cat(a, b, []byte("garbage")), []string{"a", "b"}, int64(len(a) + len(b))},
		{"zeros then junk", cat(a, zeros(10), []byte("junk\n")), []string{"a"}, int64(len(a) + 10)},
		{"half a magic", cat(a, []byte{0x1f}), []string{"a"}, int64(len(a))},
		{"plain text appended", cat(a, []byte("c\n")), []string{"a"}, int64(len(a))},
	}
	var l Lines
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tt.in), iotest.OneByteReader(bytes.NewReader(tt.in))} {
				got, err := readAll(t, &l, r)
				if err != nil {
					t.Fatalf("Err = %v, want a clean end", err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("lines = %q, want %q", got, tt.want)
				}
				tr := l.Trailing()
				switch {
				case tt.trailing < 0 && tr != nil:
					t.Fatalf("Trailing = %+v, want none", tr)
				case tt.trailing >= 0 && (tr == nil || tr.Offset != tt.trailing):
					t.Fatalf("Trailing = %+v, want offset %d", tr, tt.trailing)
				}
			}
		})
	}
}

func TestLinesOverlong(t *testing.T) {
	huge := strings.Repeat("y", 2*readBufferSize+3)
	tests := []struct {
		name  string
		limit int
		in    string
		want  []string // "!n@o" marks an overlong line of n bytes at offset o
	}{
		{"at the limit", 4, "abcd\nefghi\nj", []string{"abcd", "!5@5", "j"}},
		{"crlf at the limit", 4, "abcd\r\nabcde\r\n", []string{"abcd", "!5@6"}},
		{"last line without newline", 4, "ab\nabcdefg", []string{"ab", "!7@3"}},
		{"longer than the buffer", 1 << 10, "a\n" + huge + "\nb\n", []string{"a", "!" + strconv.Itoa(len(huge)) + "@2", "b"}},
		{"long line within the limit", 0, huge + "\n", []string{huge}},
	}
	var l Lines
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range [][]byte{[]byte(tt.in), gzipBytes(t, tt.in)} {
				l.MaxLineBytes = tt.limit
				if err := l.Reset(bytes.NewReader(in)); err != nil {
					t.Fatal(err)
				}
				var got []string
				for {
					b, n, ok := l.Next()
					if !ok {
						break
					}
					if ov := l.Overlong(); ov != nil {
						if b != nil || ov.Number != n || !strings.HasPrefix(tt.in[ov.Offset:], string(ov.Head)) || len(ov.Head) == 0 || len(ov.Head) > overlongHead {
							t.Fatalf("overlong line %d: %q, %+v", n, b, ov)
						}
						got = append(got, fmt.Sprintf("!%d@%d", ov.Bytes, ov.Offset))
						continue
					}
					got = append(got, string(b))
				}
				if l.Err() != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("lines = %.80q, %v; want %.80q", got, l.Err(), tt.want)
				}
			}
		})
	}
}
