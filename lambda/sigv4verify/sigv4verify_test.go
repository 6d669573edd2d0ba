package sigv4verify

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"
)

func TestVerify(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	sign := func(t *testing.T, secret string, r *http.Request) {
		t.Helper()
		s, err := awsv2.NewSignerWithService(aws.Config{Region: "eu-west-1",
			Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, secret, "")}, "es")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SignRequest(r); err != nil {
			t.Fatal(err)
		}
	}
	body := []byte("{\"index\":{}}\n{\"a\":1}\n")
	tests := []struct {
		name   string
		secret string
		after  func(r *http.Request) // what happens between signing and the server
		unsign bool
		want   string // "" = accepted; else a fragment of the refusal
	}{
		{name: "signed as sent", secret: "secret"},
		{name: "body changed after signing", secret: "secret", want: "does not match",
			after: func(r *http.Request) { r.Body = io.NopCloser(bytes.NewReader(append([]byte("x"), body...))) }},
		{name: "signed header dropped", secret: "secret", want: "does not match",
			after: func(r *http.Request) { r.Header.Del("Content-Encoding") }},
		{name: "query changed", secret: "secret", want: "does not match",
			after: func(r *http.Request) { r.URL.RawQuery = "filter_path=took" }},
		{name: "wrong secret", secret: "other", want: "does not match"},
		{name: "unsigned", unsign: true, want: "missing authentication token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Verifier{Credentials: creds, Region: "eu-west-1", Service: "es"}
			var got []byte
			srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
			})))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/_bulk?filter_path=errors,items.*.status", bytes.NewReader(body))
			req.Header.Set("Content-Encoding", "gzip")
			if !tt.unsign {
				sign(t, tt.secret, req)
			}
			if tt.after != nil {
				tt.after(req)
				req.ContentLength = -1
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if tt.want == "" {
				if res.StatusCode != 200 || !bytes.Equal(got, body) {
					t.Fatalf("status %d (%s), handler saw %q", res.StatusCode, msg, got)
				}
				return
			}
			if res.StatusCode != http.StatusForbidden || !strings.Contains(string(msg), tt.want) || got != nil {
				t.Fatalf("status %d body %s (want 403 with %q, handler not called)", res.StatusCode, msg, tt.want)
			}
		})
	}
}
