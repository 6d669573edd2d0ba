// Package ltsv parses Labeled Tab-separated Values lines (ltsv.org):
// fields separated by TAB, each a label and a value split at the first ':'.
package ltsv

import "github.com/logsearch/logsearch/lambda/swar"

// Field is one label:value pair. Both alias the parsed line.
type Field struct {
	Label string
	Value string
}

// TrimEOL drops the line ending (any trailing CR and LF bytes).
func TrimEOL(line string) string {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line
}

// Parse appends line's fields to dst and reports whether line is LTSV.
//
// The rules, stricter than the grammar where the grammar would misread
// ordinary text:
//   - The line ending (trailing CR/LF) is dropped first.
//   - Labels match [0-9A-Za-z_.-]+; the value is everything after the
//     first ':' and may contain ':' or be empty.
//   - Empty fields (two TABs in a row, a leading or trailing TAB) are
//     skipped.
//   - A line needs at least two fields, that is at least one TAB. A single
//     "a:b" is not LTSV: sentences like "Error: disk full" and URLs like
//     "http://example.com" would otherwise become a field named after
//     their first word.
//   - Any field without a valid label makes the whole line not LTSV.
//
// When it reports false, dst is returned with its original length.
// Duplicate labels are returned as they appear; the caller decides.
func Parse(dst []Field, line string) ([]Field, bool) {
	line = TrimEOL(line)
	start := len(dst)
	for i := 0; i < len(line); {
		if line[i] == '\t' {
			i++ // empty field
			continue
		}
		n := labelLen(line[i:])
		if n == 0 || i+n == len(line) || line[i+n] != ':' {
			return dst[:start], false
		}
		v := i + n + 1
		j := valueEnd(line, v)
		dst = append(dst, Field{Label: line[i : i+n], Value: line[v:j]})
		i = j + 1
	}
	if len(dst)-start < 2 {
		return dst[:start], false
	}
	return dst, true
}

// SameLabels is Parse for a line expected to carry the labels of an
// earlier line, in the same order, as the lines of one log do: comparing
// each label whole costs a fraction of checking it byte by byte. It sets
// values[k] to the value of labels[k] and reports true only when Parse
// would return exactly the fields (labels[k], values[k]) for line. False
// says nothing about line: it may still be LTSV, with other labels or
// empty fields, so call Parse.
//
// labels are labels Parse returned, at least two; values has their length.
func SameLabels(line string, labels, values []string) bool {
	line = TrimEOL(line)
	if len(labels) < 2 || len(values) != len(labels) {
		return false
	}
	i := 0
	for k, label := range labels {
		if k > 0 {
			// i is at the end of the previous value: a TAB, or the end.
			if i == len(line) {
				return false
			}
			i++
		}
		n := len(label)
		if n == 0 || i+n >= len(line) || line[i+n] != ':' || line[i:i+n] != label {
			return false
		}
		j := valueEnd(line, i+n+1)
		values[k] = line[i+n+1 : j]
		i = j
	}
	return i == len(line)
}

// valueEnd is the index of the first TAB in line from v, or its length.
func valueEnd(line string, v int) int {
	j := v
	for j+8 <= len(line) {
		if m := swar.Has(swar.Load(line, j), '\t'); m != 0 {
			return j + swar.First(m)
		}
		j += 8
	}
	for j < len(line) && line[j] != '\t' {
		j++
	}
	return j
}

// labelLen is the length of the run of label characters at the start of s.
func labelLen(s string) int {
	for i := 0; i < len(s); i++ {
		if !labelChar[s[i]] {
			return i
		}
	}
	return len(s)
}

// labelChar marks the bytes allowed in a label: [0-9A-Za-z_.-].
var labelChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	t['_'], t['.'], t['-'] = true, true, true
	return t
}()

// ValidLabel reports whether s is a non-empty LTSV label.
func ValidLabel(s string) bool {
	return s != "" && labelLen(s) == len(s)
}
