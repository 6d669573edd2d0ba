package redo

import (
	"strings"
	"testing"
	"time"
)

func TestIndices(t *testing.T) {
	got := Indices("cwl", time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if strings.Join(got, " ") != "cwl-2024.12.31 cwl-2025.01.01" {
		t.Fatalf("Indices = %v", got)
	}
}

func TestConfirm(t *testing.T) {
	indices := []string{"cwl-2024.05.30", "cwl-2024.05.31"}
	tests := []struct {
		answer string
		ok     bool
	}{
		{"yes\n", true},
		{"YES\n", true},
		{"  yes  \r\n", true},
		{"cwl-2024.05.30 cwl-2024.05.31\n", true},
		{"cwl-2024.05.31 cwl-2024.05.30\n", true},
		{"cwl-2024.05.31\n", false},
		{"cwl-2024.05.31 cwl-2024.05.30 cwl-2024.06.01\n", false},
		{"y\n", false},
		{"\n", false},
		{"", false},
		{"no\n", false},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := Confirm(strings.NewReader(tt.answer), &out, indices)
		if (err == nil) != tt.ok {
			t.Errorf("Confirm(%q) = %v, want ok=%v", tt.answer, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "nothing was deleted") {
			t.Errorf("Confirm(%q) error %q does not say nothing was deleted", tt.answer, err)
		}
		if !strings.Contains(out.String(), "cwl-2024.05.30 cwl-2024.05.31") {
			t.Errorf("prompt %q does not list the indices", out.String())
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, ok := range []string{"index", "query"} {
		if _, err := ParseMode(ok); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseMode("all"); err == nil || !strings.Contains(err.Error(), `"index"`) {
		t.Errorf("ParseMode(all) = %v", err)
	}
}
