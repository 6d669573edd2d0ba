package guard

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/redact/redacttest"
)

// TestAnswersEchoingCredentialsAreRedacted: the guard's errors quote the
// domain's answer, and go to its log. A proxy or WAF in front of the
// domain that echoes the request's headers must not put the function's
// session token (sent as X-Amz-Security-Token on every request signed with
// temporary credentials:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
// or its signature there, as sent or escaped.
func TestAnswersEchoingCredentialsAreRedacted(t *testing.T) {
	token := redacttest.SessionToken
	tests := []struct {
		name   string
		status int
		call   func(d Domain) error
	}{
		{"refused delete", 403, func(d Domain) error { return d.DeleteIndex(context.Background(), "cwl-2024.01.01") }},
		{"gateway error", 502, func(d Domain) error { _, err := d.DataNodes(context.Background()); return err }},
		{"unreadable 200", 200, func(d Domain) error { _, err := d.DataNodes(context.Background()); return err }},
	}
	for _, tt := range tests {
		for ename, echo := range redacttest.Echoes {
			t.Run(tt.name+"/"+ename, func(t *testing.T) {
				srv := redacttest.NewServer(t, func(h http.Header) (int, string) {
					return tt.status, "<pre>" + strings.Repeat(".", 100) + redacttest.EchoHeaders(h, echo) + "</pre>"
				})
				u, _ := url.Parse(srv.URL)
				err := tt.call(Domain{Client: redacttest.Transport(t, u, true)})
				if err == nil {
					t.Fatal("no error")
				}
				redacttest.NoLeak(t, err.Error(), token, srv.Signature())
			})
		}
	}
}
