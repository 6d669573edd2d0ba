// Package swar tests 8 bytes at once in a uint64 ("SIMD within a
// register"), for byte scans on the hot path that would otherwise cost a
// branch per byte.
package swar

import "math/bits"

const (
	ones = 0x0101010101010101
	// Highs has the top bit of every byte set; the tests below flag a
	// matching byte by setting its top bit.
	Highs = 0x8080808080808080
)

// Has flags (in Highs bits) the bytes of w equal to c. Bits above the
// first match may be false positives; whether any is set is exact.
func Has(w uint64, c byte) uint64 {
	x := w ^ (ones * uint64(c))
	return (x - ones) & ^x & Highs
}

// Less flags (in Highs bits) the bytes of w below n (n <= 128), with the
// same caveat as Has.
func Less(w uint64, n byte) uint64 {
	return (w - ones*uint64(n)) & ^w & Highs
}

// First is the index of the lowest flagged byte of a non-zero result of
// Has or Less (or of several OR'ed): that one is always a true match.
func First(flags uint64) int {
	return bits.TrailingZeros64(flags) >> 3
}

// Load reads s[i:i+8] as a little-endian word; the compiler merges the
// byte loads into one.
func Load(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
