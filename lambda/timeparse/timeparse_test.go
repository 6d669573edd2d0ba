package timeparse_test

import (
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/timeparse"
)

func TestParse(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want string // UTC RFC 3339 with ms; "" means no parse
	}{
		// RFC 3339 / ISO 8601
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"},
		{"2024-01-02t03:04:05z", "2024-01-02T03:04:05.000Z"},
		{"2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.100Z"},
		{"2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123Z"},
		{"2024-01-02T03:04:05,5Z", "2024-01-02T03:04:05.500Z"},
		{"2024-01-02T03:04:05+09:00", "2024-01-01T18:04:05.000Z"},
		{"2024-01-02T03:04:05-0130", "2024-01-02T04:34:05.000Z"},
		{"2024-01-02T03:04:05+09", "2024-01-01T18:04:05.000Z"},
		{"2024-01-02 03:04:05 +0900", "2024-01-01T18:04:05.000Z"},
		{"2024-01-02 03:04:05", "2024-01-01T18:04:05.000Z"}, // Tokyo
		{"2024-01-02T03:04", "2024-01-01T18:04:00.000Z"},
		{"2024-01-02", "2024-01-01T15:00:00.000Z"},
		{" 2024-01-02T03:04:05Z ", "2024-01-02T03:04:05.000Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2024-13-01T00:00:00Z", ""},
		{"2024-01-02T24:00:00Z", ""},
		{"2024-01-02T03:04:05+25:00", ""},
		{"2024-01-02T03:04:05.Z", ""},
		{"2024-01-02X03:04:05Z", ""},
		{"2024-01-02T03:04:05Zjunk", ""},
		{"0000-01-01T00:00:00+01:00", ""}, // year -1 in UTC
		// Apache / nginx
		{"[10/Oct/2000:13:55:36 -0700]", "2000-10-10T20:55:36.000Z"},
		{"10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36.000Z"},
		{"10/oct/2000:13:55:36 +0900", "2000-10-10T04:55:36.000Z"},
		{"10/Oct/2000:13:55:36.250 +0000", "2000-10-10T13:55:36.250Z"},
		{"10/Oct/2000:13:55:36", "2000-10-10T04:55:36.000Z"}, // Tokyo
		{"10/Foo/2000:13:55:36 -0700", ""},
		{"31/Feb/2000:13:55:36 -0700", ""},
		{"[10/Oct/2000 13:55:36 -0700]", ""},
		// Epoch
		{"1700000000", "2023-11-14T22:13:20.000Z"},
		{"170000000", "1975-05-22T14:13:20.000Z"},
		{"1700000000.5", "2023-11-14T22:13:20.500Z"},
		{"1700000000123", "2023-11-14T22:13:20.123Z"},
		{"1700000000123.7", "2023-11-14T22:13:20.123Z"},
		{"1700000000123456", "2023-11-14T22:13:20.123Z"},
		{"1700000000123456789", "2023-11-14T22:13:20.123Z"},
		{"9999999999999999999", ""},
		{"12345", ""},
		{"17000000001", ""},
		{"1700000000.", ""},
		{"1700000000x", ""},
		{"-1700000000", ""},
		{"", ""},
		{"-", ""},
	}
	for _, tt := range tests {
		got, ok := timeparse.Parse(tt.in, tokyo)
		if ok != (tt.want != "") {
			t.Errorf("Parse(%q) ok = %v, want %v (%v)", tt.in, ok, tt.want != "", got)
			continue
		}
		if ok {
			if s := string(timeparse.AppendUTCMillis(nil, got)); s != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, s, tt.want)
			}
		}
	}
}

func TestAppendDay(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for utc, want := range map[string]string{
		"2024-01-01T14:59:59Z": "2024.01.01",
		"2024-01-01T15:00:00Z": "2024.01.02",
	} {
		tm, _ := time.Parse(time.RFC3339, utc)
		if got := string(timeparse.AppendDay(nil, tm, tokyo)); got != want {
			t.Errorf("AppendDay(%s) = %s, want %s", utc, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-01-02T03:04:05.123+09:00", "[10/Oct/2000:13:55:36 -0700]", "1700000000.25", "1700000000123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok := timeparse.Parse(s, time.UTC)
		if !ok {
			return
		}
		out := string(timeparse.AppendUTCMillis(nil, tm))
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", out); err != nil {
			t.Fatalf("Parse(%q) gave %s: %v", s, out, err)
		}
	})
}
