package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	token := strings.Repeat("T0kEn/+", 40) // 280 bytes
	var s Secrets
	s.Add(token)
	b64 := base64.StdEncoding.EncodeToString([]byte(token))
	tests := []struct {
		name, text string
		limit      int
		want       string // the excerpt, when exact
	}{
		{name: "short, nothing to redact", text: "denied", limit: 20, want: "denied"},
		{name: "short, cut", text: strings.Repeat("x", 30), limit: 20, want: strings.Repeat("x", 20) + "…"},
		{name: "credential whole", text: "a " + token + " b", limit: 100, want: "a " + Marker + " b"},
		{name: "credential across the limit", text: strings.Repeat(".", 90) + token, limit: 100, want: strings.Repeat(".", 90) + Marker},
		// The window read ends inside the last copy; the copies before it
		// shrink to the marker, which must not pull that cut copy into the
		// excerpt.
		{name: "credential cut by the window", text: strings.Repeat(token+" ", 20), limit: 100},
		{name: "base64 form cut by the window", text: strings.Repeat(b64+";", 20), limit: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Excerpt(tt.text, tt.limit)
			if tt.want != "" && got != tt.want {
				t.Errorf("Excerpt = %q, want %q", got, tt.want)
			}
			if len(got) > tt.limit+len("…") {
				t.Errorf("Excerpt is %d bytes, over %d", len(got), tt.limit)
			}
			for _, form := range []string{token, b64} {
				for k := 0; k+8 <= len(form); k += 4 {
					if strings.Contains(got, form[k:k+8]) {
						t.Fatalf("Excerpt %q holds %q, part of a credential", got, form[k:k+8])
					}
				}
			}
		})
	}
}
