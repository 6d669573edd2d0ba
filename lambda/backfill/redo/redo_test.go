package redo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/redact/redacttest"
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

// TestAnswersEchoingCredentialsAreRedacted: redo's errors quote the
// domain's answer; a proxy in front of it that echoes the request's
// headers must not put the session token, the SigV4 signature or the
// endpoint URL's Basic credentials into them, in any form.
func TestAnswersEchoingCredentialsAreRedacted(t *testing.T) {
	ops := map[string]func(c *Client) error{
		"delete index": func(c *Client) error { _, err := c.DeleteIndex(context.Background(), "cwl-2024.01.01"); return err },
		"count": func(c *Client) error {
			_, err := c.Count(context.Background(), "cwl-2024.01.01", []string{"/app/web"})
			return err
		},
	}
	for _, signed := range []bool{true, false} {
		for op, call := range ops {
			for ename, echo := range redacttest.Echoes {
				t.Run(fmt.Sprintf("signed=%v/%s/%s", signed, op, ename), func(t *testing.T) {
					srv := redacttest.NewServer(t, func(h http.Header) (int, string) {
						return http.StatusForbidden, strings.Repeat(".", 250) + redacttest.EchoHeaders(h, echo)
					})
					u, _ := url.Parse(srv.URL)
					secrets := []string{redacttest.SessionToken}
					if !signed {
						u.User = url.UserPassword("admin", "s3cr3t/p@ss+word")
						secrets = []string{"s3cr3t/p@ss+word", "admin:s3cr3t/p@ss+word"}
					}
					err := call(&Client{Transport: redacttest.Transport(t, u, signed), Basic: u.User})
					if err == nil {
						t.Fatal("no error")
					}
					if signature := srv.Signature(); signature != "" {
						secrets = append(secrets, signature)
					}
					redacttest.NoLeak(t, err.Error(), secrets...)
				})
			}
		}
	}
}
