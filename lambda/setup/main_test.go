package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/domainstate"
)

const password = "Very-Secret-Pa55"

// blankDomain has nothing configured and accepts every write, or answers
// every write with failStatus/failBody when failStatus is set.
func blankDomain(t *testing.T, failStatus int, failBody string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if _, p, _ := r.BasicAuth(); p != password {
			w.WriteHeader(401)
			return
		}
		switch {
		case r.Method == http.MethodGet:
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{}`)
		case failStatus != 0:
			w.WriteHeader(failStatus)
			_, _ = io.WriteString(w, failBody)
		default:
			_, _ = io.WriteString(w, `{"acknowledged":true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// invoke runs the handler the way the Lambda runtime does: JSON in, JSON out.
func invoke(t *testing.T, srv *httptest.Server) (out []byte, logs string, err error) {
	t.Helper()
	payload, _ := json.Marshal(domainsetup.Request{
		Endpoint: srv.URL, MasterUserName: "admin", MasterPassword: password,
		Spec: domainstate.Spec{IndexPrefix: "logs", Shards: 1, Replicas: 1, RetentionDays: 30, WriterBackendRoles: []string{"arn:aws:iam::1:role/ingest"}},
	})
	var buf bytes.Buffer
	h := lambda.NewHandler(newHandler(srv.Client(), domainsetup.Retry{Attempts: 1}, slog.New(slog.NewJSONHandler(&buf, nil))))
	out, err = h.Invoke(context.Background(), payload)
	return out, buf.String(), err
}

func TestHandlerReportsWhatChanged(t *testing.T) {
	out, logs, err := invoke(t, blankDomain(t, 0, ""))
	if err != nil {
		t.Fatal(err)
	}
	var res domainsetup.Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.Changed != len(res.Outcomes) || res.Changed < 8 {
		t.Errorf("result %s: want every object created", out)
	}
	if !strings.Contains(logs, `"object":"role logsearch_reader","action":"created"`) {
		t.Errorf("logs lack the outcomes:\n%s", logs)
	}
	for _, s := range []string{string(out), logs} {
		if strings.Contains(s, password) {
			t.Errorf("password leaked into %s", s)
		}
	}
}

func TestHandlerFailsWithTheDomainsMessage(t *testing.T) {
	_, logs, err := invoke(t, blankDomain(t, 400, `{"error":{"type":"mapper_parsing_exception","reason":"bad mapping"},"status":400}`))
	if err == nil || !strings.Contains(err.Error(), "mapper_parsing_exception: bad mapping") {
		t.Fatalf("error %v: want the domain's message", err)
	}
	if !strings.Contains(logs, "bad mapping") || strings.Contains(logs, password) || strings.Contains(err.Error(), password) {
		t.Errorf("logs must name the failure and not the password:\n%s", logs)
	}
}
