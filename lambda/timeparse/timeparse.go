// Package timeparse reads the time formats logs commonly carry and writes
// the one form OpenSearch indexes, without allocating.
package timeparse

import (
	"strings"
	"time"
)

// Parse reads s as one of:
//   - RFC 3339 / ISO 8601: 2024-01-02T03:04:05Z, 2024-01-02T03:04:05.123+09:00,
//     2024-01-02 03:04:05, 2024-01-02T03:04, 2024-01-02 (any fraction
//     length; offsets Z, ±hh:mm, ±hhmm or ±hh);
//   - Apache/nginx common log time: 10/Oct/2000:13:55:36 -0700, with or
//     without the surrounding brackets;
//   - Unix epoch: 9-10 integer digits are seconds, 12-13 milliseconds,
//     15-16 microseconds, 18-19 nanoseconds, each with an optional
//     fraction (1700000000.5). Other digit counts are not times: a small
//     number in a time field is more likely a mistake than 1970.
//
// A time without an offset is read in loc. Surrounding spaces are ignored.
// Times outside years 0000-9999 (UTC) are rejected.
func Parse(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	var t time.Time
	var ok bool
	switch {
	case len(s) < 9:
		return time.Time{}, false
	case s[2] == '/':
		t, ok = parseCommonLog(s, loc)
	case s[4] == '-':
		t, ok = parseISO(s, loc)
	default:
		t, ok = parseEpoch(s)
	}
	if !ok {
		return time.Time{}, false
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// digits reads n decimal digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// fraction reads ".ddd" at s[i:] as nanoseconds; it returns i unchanged
// when there is no fraction. Digits beyond nanoseconds are ignored.
func fraction(s string, i int) (ns, next int, ok bool) {
	if i >= len(s) || (s[i] != '.' && s[i] != ',') {
		return 0, i, true
	}
	i++
	start := i
	scale := 100000000
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		ns += int(s[i]-'0') * scale
		scale /= 10
		i++
	}
	return ns, i, i > start
}

// monthNumber reads an English month abbreviation in any letter case;
// 0 means none.
func monthNumber(m string) int {
	if len(m) != 3 {
		return 0
	}
	switch string([]byte{m[0] | 0x20, m[1] | 0x20, m[2] | 0x20}) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	}
	return 0
}

// parseCommonLog reads 10/Oct/2000:13:55:36 -0700 (an optional fraction
// after the seconds is tolerated).
func parseCommonLog(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 20 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' {
		return time.Time{}, false
	}
	day, ok1 := digits(s, 0, 2)
	year, ok2 := digits(s, 7, 4)
	hour, ok3 := digits(s, 12, 2)
	minute, ok4 := digits(s, 15, 2)
	sec, ok5 := digits(s, 18, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return time.Time{}, false
	}
	month := monthNumber(s[3:6])
	ns, i, ok := fraction(s, 20)
	if !ok || month == 0 {
		return time.Time{}, false
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	off, ok := offset(s[i:])
	if !ok {
		return time.Time{}, false
	}
	return build(year, month, day, hour, minute, sec, ns, off, loc)
}

// noOffset marks a time that carries no UTC offset.
const noOffset = -1 << 31

// offset reads a whole remaining string as a UTC offset: "" (none), Z,
// ±hh:mm, ±hhmm or ±hh. It returns seconds east of UTC.
func offset(s string) (int, bool) {
	switch {
	case s == "":
		return noOffset, true
	case s == "Z" || s == "z":
		return 0, true
	case s[0] != '+' && s[0] != '-':
		return 0, false
	}
	var h, m int
	var ok bool
	switch len(s) {
	case 3:
		h, ok = digits(s, 1, 2)
	case 5:
		h, ok = digits(s, 1, 2)
		var ok2 bool
		m, ok2 = digits(s, 3, 2)
		ok = ok && ok2
	case 6:
		h, ok = digits(s, 1, 2)
		var ok2 bool
		m, ok2 = digits(s, 4, 2)
		ok = ok && ok2 && s[3] == ':'
	}
	if !ok || h > 23 || m > 59 {
		return 0, false
	}
	sec := h*3600 + m*60
	if s[0] == '-' {
		sec = -sec
	}
	return sec, true
}

// parseISO reads the RFC 3339 / ISO 8601 extended forms listed on Parse.
func parseISO(s string, loc *time.Location) (time.Time, bool) {
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || len(s) < 10 || s[7] != '-' {
		return time.Time{}, false
	}
	if len(s) == 10 {
		return build(year, month, day, 0, 0, 0, 0, noOffset, loc)
	}
	if len(s) < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' {
		return time.Time{}, false
	}
	hour, ok1 := digits(s, 11, 2)
	minute, ok2 := digits(s, 14, 2)
	if !ok1 || !ok2 {
		return time.Time{}, false
	}
	i, sec, ns := 16, 0, 0
	if i < len(s) && s[i] == ':' {
		var ok bool
		if sec, ok = digits(s, 17, 2); !ok {
			return time.Time{}, false
		}
		if ns, i, ok = fraction(s, 19); !ok {
			return time.Time{}, false
		}
	}
	if i < len(s) && s[i] == ' ' {
		i++ // "2024-01-02 03:04:05 +0900"
	}
	off, ok := offset(s[i:])
	if !ok {
		return time.Time{}, false
	}
	return build(year, month, day, hour, minute, sec, ns, off, loc)
}

// build validates the calendar fields (time.Date would silently normalise
// 2024-02-31 into March) and makes the time.
func build(year, month, day, hour, minute, sec, ns, off int, loc *time.Location) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	if off == noOffset {
		return time.Date(year, time.Month(month), day, hour, minute, sec, ns, loc), true
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ns, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseEpoch reads an epoch number; see Parse for the units.
func parseEpoch(s string) (time.Time, bool) {
	intLen := 0
	var v int64
	for intLen < len(s) && s[intLen] >= '0' && s[intLen] <= '9' {
		v = v*10 + int64(s[intLen]-'0')
		intLen++
	}
	var unit int64
	switch intLen {
	case 9, 10:
		unit = int64(time.Second)
	case 12, 13:
		unit = int64(time.Millisecond)
	case 15, 16:
		unit = int64(time.Microsecond)
	case 18, 19:
		unit = 1
	default:
		return time.Time{}, false
	}
	frac := 0
	if intLen < len(s) {
		var ok bool
		var next int
		frac, next, ok = fraction(s, intLen)
		if !ok || next != len(s) || s[intLen] != '.' {
			return time.Time{}, false
		}
	}
	if intLen == 19 && v < 0 { // overflowed int64
		return time.Time{}, false
	}
	// frac is in nanoseconds of one whole unit.
	sec, rem := v/(int64(time.Second)/unit), v%(int64(time.Second)/unit)
	ns := rem*unit + int64(frac)*unit/int64(time.Second)
	return time.Unix(sec, ns), true
}

// AppendUTCMillis appends t in UTC as 2006-01-02T15:04:05.000Z, the form
// logsearch writes @timestamp and date fields in.
func AppendUTCMillis(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = append4(dst, year)
	dst = append(dst, '-')
	dst = append2(dst, int(month))
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// AppendDay appends t's calendar day in loc as 2006.01.02, the suffix of a
// daily index name.
func AppendDay(dst []byte, t time.Time, loc *time.Location) []byte {
	year, month, day := t.In(loc).Date()
	dst = append4(dst, year)
	dst = append(dst, '.')
	dst = append2(dst, int(month))
	dst = append(dst, '.')
	return append2(dst, day)
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}
