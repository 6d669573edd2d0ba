// Package redacttest helps tests check that answers echoing a request's
// credentials leave no trace of them in errors and logs.
package redacttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

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

// Server is a domain, or a proxy in front of one, that answers every
// request with what its answer function makes of the request's headers,
// and keeps the SigV4 signature the last request carried: a secret too,
// which the signer computes and the test cannot know beforehand.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	signature string
}

// NewServer starts a Server, closed when tb ends.
func NewServer(tb testing.TB, answer func(h http.Header) (status int, body string)) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		_, s.signature, _ = strings.Cut(r.Header.Get("Authorization"), "Signature=")
		s.mu.Unlock()
		status, body := answer(r.Header)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	tb.Cleanup(s.Close)
	return s
}

// Signature is the SigV4 signature of the last request, "" when it was
// not signed.
func (s *Server) Signature() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signature
}

// EchoHeaders is a proxy's dump of the headers that carry credentials,
// each value written as echo writes it.
func EchoHeaders(h http.Header, echo func(string) string) string {
	return "X-Amz-Security-Token: " + echo(h.Get("X-Amz-Security-Token")) + "\nAuthorization: " + echo(h.Get("Authorization"))
}

// Transport is an opensearch-go transport to u. Signed, it signs with
// SigV4 and temporary credentials whose session token is SessionToken,
// through redact.Signer, as the commands do; otherwise it sends u's own
// credentials, if any.
func Transport(tb testing.TB, u *url.URL, signed bool) *opensearchtransport.Client {
	tb.Helper()
	cfg := opensearchtransport.Config{URLs: []*url.URL{u}, MaxRetryClusterHealth: -1}
	if signed {
		sign, err := awsv2.NewSignerWithService(aws.Config{Region: "eu-west-1",
			Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", SessionToken)}, "es")
		if err != nil {
			tb.Fatal(err)
		}
		cfg.Signer = redact.Signer(sign)
	}
	tp, err := opensearchtransport.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return tp
}
