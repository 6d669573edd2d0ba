package document

import (
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/jsonwrite"
	"github.com/logsearch/logsearch/lambda/timeparse"
)

// appendCoerced appends v as JSON of type t, or reports that v does not
// fit t (then dst's content beyond its length is garbage).
func appendCoerced(dst []byte, t fieldtypes.Type, v string, loc *time.Location) ([]byte, bool) {
	switch t {
	case fieldtypes.Long:
		return appendInt(dst, v, math.MinInt64, math.MaxInt64)
	case fieldtypes.Integer:
		return appendInt(dst, v, math.MinInt32, math.MaxInt32)
	case fieldtypes.Double:
		return appendFloat(dst, v, 64)
	case fieldtypes.Float:
		return appendFloat(dst, v, 32)
	case fieldtypes.Boolean:
		b, ok := parseBool(v)
		return strconv.AppendBool(dst, b), ok
	case fieldtypes.Date:
		tm, ok := timeparse.Parse(v, loc)
		if !ok {
			return dst, false
		}
		dst = append(dst, '"')
		dst = timeparse.AppendUTCMillis(dst, tm)
		return append(dst, '"'), true
	case fieldtypes.IP:
		// OpenSearch's ip type takes no zone ("fe80::1%eth0").
		addr, err := netip.ParseAddr(v)
		if err != nil || addr.Zone() != "" {
			return dst, false
		}
		if addr.Is4() {
			// ParseAddr takes only canonical IPv4 text (four decimal
			// fields without leading zeros), which AppendTo would write
			// back unchanged.
			return jsonwrite.Plain(dst, v), true
		}
		dst = append(dst, '"')
		dst = addr.AppendTo(dst)
		return append(dst, '"'), true
	}
	// keyword, text
	return jsonwrite.String(dst, v), true
}

// appendInt appends v as a JSON integer if it is a decimal integer within
// [lo, hi]. One already written as JSON writes it (no '+', no leading
// zero, not "-0") is copied instead of formatted again.
func appendInt(dst []byte, v string, lo, hi int64) ([]byte, bool) {
	n, ok := parseInt(v, lo, hi)
	if !ok {
		return dst, false
	}
	digits := v
	if v[0] == '-' {
		digits = v[1:]
	}
	if v[0] != '+' && (digits[0] != '0' || v == "0") {
		return append(dst, v...), true
	}
	return strconv.AppendInt(dst, n, 10), true
}

// parseInt reads an optionally signed decimal integer within [lo, hi],
// without allocating on failure as strconv would.
func parseInt(s string, lo, hi int64) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > uint64(-lo) {
			return 0, false
		}
		return -int64(u), true
	}
	if u > uint64(hi) {
		return 0, false
	}
	return int64(u), true
}

// appendFloat appends v as a JSON number if it is a finite decimal number
// that fits the float of the given size.
func appendFloat(dst []byte, v string, bits int) ([]byte, bool) {
	if plainDecimal(v) {
		return append(dst, v...), true // already JSON, and in range
	}
	if !decimalSyntax(v) {
		return dst, false // also keeps strconv's NaN, Inf, hex and '_' out
	}
	f, err := strconv.ParseFloat(v, bits)
	if err != nil || math.IsInf(f, 0) {
		return dst, false
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits), true
}

// plainDecimal matches short JSON numbers without exponent, such as
// "0.123" or "-12": valid JSON as they stand and far inside float32's range,
// so they need neither parsing nor formatting (the common case, and
// strconv's round trip would dominate the cost of a typical log line).
func plainDecimal(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	if i == len(s) || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i+1 < len(s) && s[i+1] != '.') {
		return false // empty, not a digit, or a leading zero
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// decimalSyntax matches [+-]? digits [. digits] [(e|E) [+-]? digits], where
// either side of the point may be empty but not both.
func decimalSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == exp {
			return false
		}
	}
	return i == len(s)
}

// parseBool accepts, in any letter case, true/false, yes/no, on/off, 1/0.
func parseBool(s string) (value, ok bool) {
	if len(s) > 5 {
		return false, false
	}
	var lower [5]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	switch string(lower[:len(s)]) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}
