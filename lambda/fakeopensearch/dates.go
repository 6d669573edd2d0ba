package fakeopensearch

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// parseDate reports whether s parses with the date format f, a list of
// alternatives joined by "||" of the built-in formats and Java patterns
// logsearch and OpenSearch's defaults use
// (https://docs.opensearch.org/latest/field-types/supported-field-types/date/#formats).
// An unknown format parses nothing, so a test relying on one fails loudly.
func parseDate(f, s string) bool {
	for _, alt := range strings.Split(f, "||") {
		if parseOne(strings.TrimSpace(alt), s) {
			return true
		}
	}
	return false
}

// strictOptionalTime is strict_date_optional_time: yyyy[-MM[-dd]] then
// optionally 'T' HH[:mm[:ss[.fraction]]] and an offset (Z, ±HH, ±HHmm,
// ±HH:mm); each field has exactly its digit count.
var strictOptionalTime = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$`)

var epochPattern = regexp.MustCompile(`^-?\d{1,19}(?:\.\d{1,6})?$`)

func parseOne(f, s string) bool {
	switch f {
	case "strict_date_optional_time", "date_optional_time", "strict_date_optional_time_nanos":
		m := strictOptionalTime.FindStringSubmatch(s)
		return m != nil && validFields(m[2], m[3], m[4], m[5], m[6])
	case "epoch_millis", "epoch_second":
		return epochPattern.MatchString(s)
	}
	return javaPattern(f, s)
}

// validFields checks the ranges of the parts present.
func validFields(month, day, hour, minute, sec string) bool {
	in := func(v string, lo, hi int) bool {
		if v == "" {
			return true
		}
		n, _ := strconv.Atoi(v)
		return n >= lo && n <= hi
	}
	return in(month, 1, 12) && in(day, 1, 31) && in(hour, 0, 23) && in(minute, 0, 59) && in(sec, 0, 59)
}

// javaPattern matches s against a DateTimeFormatter pattern made of the
// letters y M d H m s (runs of digits of the run's length, y at least 4)
// and literal characters.
func javaPattern(f, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	var parts []byte
	for i := 0; i < len(f); {
		c := f[i]
		j := i
		for j < len(f) && f[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'y':
			re.WriteString(`(\d{4,9})`)
			parts = append(parts, c)
		case 'M', 'd', 'H', 'm', 's':
			re.WriteString(`(\d{` + strconv.Itoa(n) + `})`)
			parts = append(parts, c)
		case 'Z':
			re.WriteString(`([+-]\d{4}|Z)`)
			parts = append(parts, c)
		default:
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return false // a letter the fake does not know
			}
			re.WriteString(regexp.QuoteMeta(f[i:j]))
		}
		i = j
	}
	re.WriteString("$")
	m := regexp.MustCompile(re.String()).FindStringSubmatch(s)
	if m == nil {
		return false
	}
	field := map[byte]string{}
	for k, c := range parts {
		field[c] = m[k+1]
	}
	return validFields(field['M'], field['d'], field['H'], field['m'], field['s'])
}

// isIP is what the ip field type accepts: an IPv4 or IPv6 literal without
// a zone (InetAddresses.forString).
func isIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}
