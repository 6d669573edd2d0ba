package guard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/redact"
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
				var signature string
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, signature, _ = strings.Cut(r.Header.Get("Authorization"), "Signature=")
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte("<pre>" + strings.Repeat(".", 100) + "X-Amz-Security-Token: " + echo(r.Header.Get("X-Amz-Security-Token")) +
						"\nAuthorization: " + echo(r.Header.Get("Authorization")) + "</pre>"))
				}))
				defer srv.Close()
				sign, err := awsv2.NewSignerWithService(aws.Config{Region: "eu-west-1",
					Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", token)}, "es")
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(srv.URL)
				tp, err := opensearchtransport.New(opensearchtransport.Config{URLs: []*url.URL{u}, Signer: redact.Signer(sign), MaxRetryClusterHealth: -1})
				if err != nil {
					t.Fatal(err)
				}
				err = tt.call(Domain{Client: tp})
				if err == nil {
					t.Fatal("no error")
				}
				redacttest.NoLeak(t, err.Error(), token, signature)
			})
		}
	}
}
