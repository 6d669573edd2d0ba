package problemlist

import "testing"

type problem string

func (p problem) String() string { return string(p) }

func TestFormat(t *testing.T) {
	heading := func(n int) string { return "found " + string(rune('0'+n)) + ":" }
	for _, tc := range []struct {
		problems []problem
		want     string
	}{
		{nil, "found 0:"},
		{[]problem{"a is bad"}, "found 1:\n  - a is bad"},
		{[]problem{"a is bad", "b is worse"}, "found 2:\n  - a is bad\n  - b is worse"},
	} {
		if got := Format(heading, tc.problems); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.problems, got, tc.want)
		}
	}
}
