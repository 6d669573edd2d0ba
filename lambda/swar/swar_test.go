package swar_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/logsearch/logsearch/lambda/swar"
)

// TestAgainstByteLoop checks Has, Less and First against a byte-at-a-time
// reference on random words biased towards the interesting byte values.
func TestAgainstByteLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	interesting := []byte{0, 0x09, 0x1f, 0x20, 0x21, '"', '\\', 0x7f, 0x80, 0xff}
	var b [8]byte
	for range 200000 {
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = interesting[r.IntN(len(interesting))]
			} else {
				b[i] = byte(r.UintN(256))
			}
		}
		w := binary.LittleEndian.Uint64(b[:])
		if got := swar.Load(string(b[:]), 0); got != w {
			t.Fatalf("Load(% x) = %x, want %x", b, got, w)
		}
		for _, c := range []byte{'\t', '"', '\\', 0} {
			want := -1
			for i, x := range b {
				if x == c {
					want = i
					break
				}
			}
			m := swar.Has(w, c)
			if (m != 0) != (want >= 0) || (want >= 0 && swar.First(m) != want) {
				t.Fatalf("Has(% x, %q) = %x, first match at %d", b, c, m, want)
			}
		}
		want := -1
		for i, x := range b {
			if x < 0x20 {
				want = i
				break
			}
		}
		m := swar.Less(w, 0x20)
		if (m != 0) != (want >= 0) || (want >= 0 && swar.First(m) != want) {
			t.Fatalf("Less(% x, 0x20) = %x, first match at %d", b, m, want)
		}
	}
}
