package archive

import (
	"strings"
	"testing"
	"time"
)

func TestKeyLayoutValidate(t *testing.T) {
	tests := []struct {
		layout  KeyLayout
		wantErr string
	}{
		{layout: "2006/01/02"},
		{layout: "2006-01-02"},
		{layout: "20060102"},
		{layout: "year=2006/month=01/day=02"},
		{layout: "", wantErr: "empty"},
		{layout: "2006/01/02/15", wantErr: "time of day"},
		{layout: "2006/01", wantErr: "does not tell"},
		{layout: "01/02", wantErr: "does not tell"},
		{layout: "logs", wantErr: "does not tell"},
	}
	for _, tt := range tests {
		t.Run(string(tt.layout), func(t *testing.T) {
			err := tt.layout.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "2006/01/02") {
				t.Fatalf("Validate = %v, want an error containing %q and an example layout", err, tt.wantErr)
			}
		})
	}
}

func TestDays(t *testing.T) {
	from := time.Date(2024, 2, 28, 15, 0, 0, 0, time.UTC)
	to := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	for _, d := range Days(from, to) {
		got = append(got, d.Format(time.DateOnly))
	}
	if want := "2024-02-28 2024-02-29 2024-03-01"; strings.Join(got, " ") != want {
		t.Fatalf("Days = %v, want %s", got, want)
	}
	if n := len(Days(to, from)); n != 0 {
		t.Fatalf("Days(to, from) has %d days, want 0", n)
	}
}

func TestParseDate(t *testing.T) {
	if d, err := ParseDate("from", "2024-05-31"); err != nil || !d.Equal(time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"", "2024/05/31", "31-05-2024", "2024-02-30", "yesterday"} {
		_, err := ParseDate("from", bad)
		if err == nil || !strings.Contains(err.Error(), "--from") || !strings.Contains(err.Error(), "YYYY-MM-DD") {
			t.Errorf("ParseDate(%q) = %v, want an error naming --from and the form", bad, err)
		}
	}
}

func TestDayIn(t *testing.T) {
	tests := []struct {
		layout KeyLayout
		path   string
		want   string // "" for no date
	}{
		{DefaultKeyLayout, "/var/archive/2024/05/31/app.log.gz", "2024-05-31"},
		{"2006-01-02", "/logs/app-2024-05-31.log", "2024-05-31"},
		{"2006-01-02", "/2024-05-30/app-2024-05-31.log", "2024-05-31"},
		{"20060102", "/logs/app.log-20240531.gz", "2024-05-31"},
		{"20060102", "/logs/app.log-120240531.gz", ""},
		{"2006-01-02", "/logs/app-2024-02-30.log", ""},
		{DefaultKeyLayout, "/logs/app.log", ""},
	}
	for _, tt := range tests {
		d, ok := tt.layout.DayIn(tt.path)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != tt.want {
			t.Errorf("DayIn(%q, %q) = %q, want %q", tt.layout, tt.path, got, tt.want)
		}
	}
}
