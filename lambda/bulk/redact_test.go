package bulk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/logsearch/logsearch/lambda/redact/redacttest"
)

// TestAnswersEchoingCredentialsAreRedacted: whatever the domain answers
// ends up in the dead-letter record, the function's log and the
// invocation's error; an answer that quotes the request's credentials (a
// proxy echoing headers on a 502, a WAF page on a 403, an item error) must
// not carry them there in any form, not even cut at the excerpt's end.
func TestAnswersEchoingCredentialsAreRedacted(t *testing.T) {
	type answer func(h http.Header, echo func(string) string) (int, string)
	headers := redacttest.EchoHeaders
	tests := []struct {
		name   string
		signed bool // SigV4 with a session token, else Basic credentials in the endpoint URL
		answer answer
	}{
		{name: "502 echoing the headers", signed: true, answer: func(h http.Header, echo func(string) string) (int, string) {
			return 502, "<html><pre>upstream failed for request\n" + headers(h, echo) + "</pre></html>"
		}},
		{name: "403 echoing the headers", signed: true, answer: func(h http.Header, echo func(string) string) (int, string) {
			return 403, `{"message":"denied","request":"` + headers(h, echo) + `"}`
		}},
		{name: "the token cut by the excerpt's end", signed: true, answer: func(h http.Header, echo func(string) string) (int, string) {
			return 403, strings.Repeat(".", 400) + echo(h.Get("X-Amz-Security-Token"))
		}},
		{name: "an item error echoing the headers", signed: true, answer: func(h http.Header, echo func(string) string) (int, string) {
			reason, _ := json.Marshal("refused " + headers(h, echo))
			return 200, `{"errors":true,"items":[{"index":{"_id":"id0","status":400,"error":{"type":"x","reason":` + string(reason) + `}}}]}`
		}},
		{name: "Basic credentials echoed", answer: func(h http.Header, echo func(string) string) (int, string) {
			return 401, "unauthorized: " + echo(h.Get("Authorization"))
		}},
	}
	for _, tt := range tests {
		for ename, echo := range redacttest.Echoes {
			t.Run(tt.name+"/"+ename, func(t *testing.T) {
				var secrets []string
				srv := redacttest.NewServer(t, func(h http.Header) (int, string) { return tt.answer(h, echo) })
				u, _ := url.Parse(srv.URL)
				cfg := ClientConfig{Endpoint: u, Compression: CompressionNone}
				if tt.signed {
					s, err := NewSigV4(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", redacttest.SessionToken)}, "es")
					if err != nil {
						t.Fatal(err)
					}
					cfg.Signer = s
					secrets = append(secrets, redacttest.SessionToken)
				} else {
					u.User = url.UserPassword("admin", "s3cr3t/p@ss+word")
					secrets = append(secrets, "s3cr3t/p@ss+word", base64.StdEncoding.EncodeToString([]byte("admin:s3cr3t/p@ss+word")))
				}
				c, err := NewClient(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var logged []string
				ix, err := New(c, Config{MaxBytes: 1 << 20, MaxAttempts: 1, Sleep: func(context.Context, time.Duration) error { return nil },
					OnRequest: func(s RequestStats) {
						if s.Err != nil {
							logged = append(logged, s.Err.Error())
						}
					}})
				if err != nil {
					t.Fatal(err)
				}
				in := items(1, 200)
				r := ix.Index(context.Background(), in)
				accounted(t, in, r)
				var out []string
				for _, f := range append(r.Failed, r.Unresolved...) {
					out = append(out, f.Reason)
				}
				out = append(out, logged...)
				if signature := srv.Signature(); signature != "" {
					secrets = append(secrets, signature)
				}
				if len(r.Failed)+len(r.Unresolved) != 1 {
					t.Fatalf("result %+v, want the item failed or unresolved", r)
				}
				redacttest.NoLeak(t, strings.Join(out, "\n"), secrets...)
			})
		}
	}
}
