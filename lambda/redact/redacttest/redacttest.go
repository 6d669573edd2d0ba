// Package redacttest helps tests check that answers echoing a request's
// credentials leave no trace of them in errors and logs.
package redacttest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/redact"
)

// SessionToken is shaped like an STS session token (the credentials a
// Lambda function runs with, sent as X-Amz-Security-Token on every request
// signed with them: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html),
// with the characters that escaping changes.
var SessionToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Yk3/a=" + strings.Repeat("Zm9v+YmFy/YmF6", 50) + "=="

// Echoes are the ways a proxy or load balancer in front of a domain may
// quote a request header back in its answer.
var Echoes = map[string]func(string) string{
	"as sent": func(s string) string { return s },
	"JSON-escaped": func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(strings.Trim(string(b), `"`), "/", `\/`)
	},
	"URL-encoded": url.QueryEscape,
	"base64":      func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
}

// NoLeak fails t when text holds any 16 bytes of any secret in any of the
// Echoes' forms (a credential cut short is still a leak), or when nothing
// was redacted at all.
func NoLeak(t testing.TB, text string, secrets ...string) {
	t.Helper()
	if !strings.Contains(text, redact.Marker) {
		t.Errorf("nothing redacted in %q", text)
	}
	for _, secret := range secrets {
		for _, form := range Echoes {
			leaked := form(secret)
			for k := 0; k+16 <= len(leaked); k += 8 {
				if strings.Contains(text, leaked[k:k+16]) {
					t.Fatalf("%q\nholds part of a credential: %q", text, leaked[k:k+16])
				}
			}
		}
	}
}
