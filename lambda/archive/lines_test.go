package archive

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
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
		"truncated":        good[:len(good)/2],
		"flipped byte":     flipped,
		"bad checksum":     badCRC,
		"header only":      good[:5],
		"trailing garbage": append(bytes.Clone(good), "garbage"...),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			var l Lines
			_, err := readAll(t, &l, bytes.NewReader(in))
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CorruptError", err)
			}
			if !strings.Contains(err.Error(), "corrupt gzip") {
				t.Fatalf("message %q does not say what is wrong", err)
			}
		})
	}
}
