package bulk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// sessionToken is shaped like an STS session token (the credentials a
// Lambda function runs with, sent as X-Amz-Security-Token on every signed
// request: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// "If you are using temporary security credentials ... add the
// X-Amz-Security-Token header"), with the characters that escaping changes.
var sessionToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Yk3/a=" + strings.Repeat("Zm9v+YmFy/YmF6", 50) + "=="

// echoes are the ways a proxy or load balancer in front of the domain may
// quote a request header back in its answer.
var echoes = map[string]func(string) string{
	"as sent": func(s string) string { return s },
	"JSON-escaped": func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(strings.Trim(string(b), `"`), "/", `\/`)
	},
	"URL-encoded": url.QueryEscape,
	"base64":      func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
}

// TestAnswersEchoingCredentialsAreRedacted: whatever the domain answers
// ends up in the dead-letter record, the function's log and the
// invocation's error; an answer that quotes the request's credentials (a
// proxy echoing headers on a 502, a WAF page on a 403, an item error) must
// not carry them there in any form, not even cut at the excerpt's end.
func TestAnswersEchoingCredentialsAreRedacted(t *testing.T) {
	type answer func(h http.Header, echo func(string) string) (int, string)
	headers := func(h http.Header, echo func(string) string) string {
		return "Authorization: " + echo(h.Get("Authorization")) + "\nX-Amz-Security-Token: " + echo(h.Get("X-Amz-Security-Token"))
	}
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
		for ename, echo := range echoes {
			t.Run(tt.name+"/"+ename, func(t *testing.T) {
				var secrets []string
				var signature string
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, signature, _ = strings.Cut(r.Header.Get("Authorization"), "Signature=")
					status, body := tt.answer(r.Header, echo)
					w.WriteHeader(status)
					_, _ = w.Write([]byte(body))
				}))
				defer srv.Close()
				u, _ := url.Parse(srv.URL)
				cfg := ClientConfig{Endpoint: u, Compression: CompressionNone}
				if tt.signed {
					s, err := NewSigV4(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken)}, "es")
					if err != nil {
						t.Fatal(err)
					}
					cfg.Signer = s
					secrets = append(secrets, sessionToken)
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
				if signature != "" {
					secrets = append(secrets, signature)
				}
				if len(r.Failed)+len(r.Unresolved) != 1 {
					t.Fatalf("result %+v, want the item failed or unresolved", r)
				}
				if !strings.Contains(strings.Join(out, "\n"), "[redacted]") {
					t.Errorf("nothing redacted in %q", out)
				}
				for _, secret := range secrets {
					for _, form := range echoes {
						leaked := form(secret)
						// Any 16 bytes of it: a credential cut short is still a leak.
						for k := 0; k+16 <= len(leaked); k += 8 {
							for _, o := range out {
								if strings.Contains(o, leaked[k:k+16]) {
									t.Fatalf("%q\nholds part of a credential: %q", o, leaked[k:k+16])
								}
							}
						}
					}
				}
			})
		}
	}
}
