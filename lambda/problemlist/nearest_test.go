package problemlist

import "testing"

func TestNearest(t *testing.T) {
	valid := []string{"from", "to", "dry-run", "delete", "endpoint", "timezone"}
	for name, want := range map[string]string{
		"form": "from", "dryrun": "dry-run", "Endpoint": "endpoint", "time-zone": "timezone",
		"to": "to", "nothing-like-it": "", "zzzz": "",
	} {
		if got := Nearest(name, valid); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", name, got, want)
		}
	}
}
