package domainsetup

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

func TestRequestAuthentication(t *testing.T) {
	spec := domainstate.Spec{IndexPrefix: "logs", Shards: 1, Replicas: 1, RetentionDays: 30}
	for _, tc := range []struct {
		name     string
		password string
		sign     bool
		wantErr  string
	}{
		{name: "deploy time: master password", password: "pw"},
		{name: "schedule: signed, no password", sign: true},
		{name: "neither", wantErr: "masterPassword is empty"},
		{name: "both", password: "pw", sign: true, wantErr: "must carry no password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Request{Endpoint: "vpc-x.es.amazonaws.com", MasterUserName: "admin", MasterPassword: tc.password, SignWithRole: tc.sign, Spec: spec}.Validate()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// A signed request must not also carry basic auth: the SigV4 signature
// goes in the same Authorization header, added by the client's transport.
func TestSignedRunSendsNoBasicAuth(t *testing.T) {
	var basic int
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok {
			basic++
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	req := Request{Endpoint: srv.URL, MasterUserName: "admin", SignWithRole: true, Spec: domainstate.Spec{IndexPrefix: "logs", Shards: 1, Replicas: 1, RetentionDays: 30}}
	if _, err := Run(context.Background(), req, srv.Client(), Retry{Attempts: 1}); err == nil {
		t.Fatal("a 403 was accepted")
	}
	if basic != 0 {
		t.Errorf("%d requests carried basic auth", basic)
	}
}
