package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/domainstate"
)

const password = "Very-Secret-Pa55"

// blankDomain has nothing configured and accepts every write, or answers
// every write with failStatus/failBody when failStatus is set.
func blankDomain(t *testing.T, failStatus int, failBody string) *httptest.Server {
	srv := httptest.NewTLSServer(blankHandler(failStatus, failBody))
	t.Cleanup(srv.Close)
	return srv
}

func blankHandler(failStatus int, failBody string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ok := authenticated(r)
		_, _ = io.Copy(io.Discard, r.Body)
		if !ok {
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
	}
}

// A scheduled run on an engine without the tenancy config API (before
// OpenSearch 2.7, which answers "no handler found") warns that it skipped
// the default tenant, and does not count that as corrected drift.
func TestScheduledRunWarnsOfASkippedObject(t *testing.T) {
	blank := blankHandler(0, "")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_plugins/_security/api/tenancy/config" {
			blank(w, r)
			return
		}
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":"no handler found for uri [/_plugins/_security/api/tenancy/config] and method [`+r.Method+`]"}`)
	}))
	t.Cleanup(srv.Close)
	res, logs, emf := scheduledRun(t, srv)
	if !strings.Contains(logs, `"level":"WARN","msg":"setup skipped an object","object":"Dashboards default tenant","detail":"this engine has no tenancy config API`) {
		t.Errorf("no warning naming the skipped default tenant in\n%s", logs)
	}
	if strings.Contains(logs, `"msg":"setup corrected drift","object":"Dashboards default tenant"`) {
		t.Error("the skipped default tenant is logged as corrected drift")
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(emf), &line); err != nil {
		t.Fatalf("metrics line %q: %v", emf, err)
	}
	if line["SetupCorrections"] != float64(res.Changed) || res.Changed != len(res.Outcomes)-1 {
		t.Errorf("metrics %s, %d changed of %d outcomes: the skip must not count as a correction", emf, res.Changed, len(res.Outcomes))
	}
}

// authenticated accepts what the domain's FGAC accepts from this
// function: the master user's basic auth, or a SigV4 signature (service
// "es") whose payload hash matches the body it came with, and never both.
func authenticated(r *http.Request) bool {
	_, p, basic := r.BasicAuth()
	if basic {
		return p == password
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDSETUP/") || !strings.Contains(auth, "/es/aws4_request") {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	return r.Header.Get("X-Amz-Content-Sha256") == hex.EncodeToString(sum[:])
}

// testSpec is a valid desired state.
var testSpec = domainstate.Spec{IndexPrefix: "logs", Shards: 1, Replicas: 1, RetentionDays: 30, WriterBackendRoles: []string{"arn:aws:iam::1:role/ingest"}}

// invoke runs the handler the way the Lambda runtime does: JSON in, JSON
// out, as the deploy-time run (master password).
func invoke(t *testing.T, srv *httptest.Server) (out []byte, logs string, err error) {
	t.Helper()
	out, logs, _, err = invokeWith(t, srv, domainsetup.Invocation{MasterPassword: password, DesiredState: deployedOn(srv).Hash()})
	return out, logs, err
}

// invokeWith runs the handler on req with both clients available; emf is
// the run's metrics line.
// scheduledRun invokes the handler as the hourly schedule does (signed
// with the function's role, no password) and returns its decoded result.
func scheduledRun(t *testing.T, srv *httptest.Server) (res domainsetup.Result, logs, emf string) {
	t.Helper()
	out, logs, emf, err := invokeRaw(t, srv, []byte(domainsetup.ScheduledInvocation))
	if err != nil {
		t.Fatalf("signed run: %v\n%s", err, logs)
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res, logs, emf
}

// deployedOn is the desired state Pulumi would pack into the function for
// the domain srv.
func deployedOn(srv *httptest.Server) domainsetup.Deployed {
	return domainsetup.Deployed{Endpoint: srv.URL, MasterUserName: "admin", Spec: testSpec}
}

func invokeWith(t *testing.T, srv *httptest.Server, inv domainsetup.Invocation) (out []byte, logs, emf string, err error) {
	t.Helper()
	payload, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	return invokeRaw(t, srv, payload)
}

// invokeRaw runs the handler on payload, with both clients available and
// deployedOn(srv) as the function's deployed state.
func invokeRaw(t *testing.T, srv *httptest.Server, payload []byte) (out []byte, logs, emf string, err error) {
	t.Helper()
	sign, serr := awsv2.NewSignerWithService(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSETUP", "secret-key", "session"),
	}, "es")
	if serr != nil {
		t.Fatal(serr)
	}
	c := clients{
		password: srv.Client(),
		signed:   &http.Client{Transport: signingTransport{base: srv.Client().Transport, signer: sign}},
	}
	var buf, metricsOut bytes.Buffer
	m := runMetrics{out: &metricsOut, function: "logsearch-dev-setup", now: func() time.Time { return time.Unix(1700000000, 0) }}
	load := func() (domainsetup.Deployed, error) { return deployedOn(srv), nil }
	h := lambda.NewHandler(newHandler(c, load, domainsetup.Retry{Attempts: 1}, slog.New(slog.NewJSONHandler(&buf, nil)), m))
	out, err = h.Invoke(context.Background(), payload)
	return out, buf.String(), metricsOut.String(), err
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

// A scheduled run carries no password: it signs with the function's role,
// and every object it has to rewrite is drift, logged by name and counted
// in the SetupCorrections metric.
func TestScheduledRunSignsAndCountsCorrections(t *testing.T) {
	srv := blankDomain(t, 0, "")
	res, logs, emf := scheduledRun(t, srv)
	if res.Changed == 0 {
		t.Fatal("a blank domain needed no correction")
	}
	for _, o := range res.Outcomes {
		want := `"msg":"setup corrected drift","object":"` + o.Object + `","action":"` + string(o.Action) + `"`
		if !strings.Contains(logs, want) {
			t.Errorf("no log line naming the corrected %s; want %s in\n%s", o.Object, want, logs)
		}
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(emf), &line); err != nil {
		t.Fatalf("metrics line %q: %v", emf, err)
	}
	if line["SetupCorrections"] != float64(res.Changed) || line["SetupFailures"] != 0.0 || line["FunctionName"] != "logsearch-dev-setup" {
		t.Errorf("metrics %s: want SetupCorrections %d, SetupFailures 0", emf, res.Changed)
	}
}

// The deploy-time run applies a new desired state: its changes are not
// drift, and a failure is counted for the alarm.
func TestRunMetrics(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		failStatus            int
		corrections, failures float64
	}{
		{"deploy-time changes are not drift", 0, 0, 0},
		{"a failed run counts", 403, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := blankDomain(t, tc.failStatus, `{"error":"no permissions"}`)
			_, _, emf, err := invokeWith(t, srv, domainsetup.Invocation{MasterPassword: password})
			if (err != nil) != (tc.failures == 1) {
				t.Fatalf("err = %v", err)
			}
			var line map[string]any
			if err := json.Unmarshal([]byte(emf), &line); err != nil {
				t.Fatalf("metrics line %q: %v", emf, err)
			}
			if line["SetupCorrections"] != tc.corrections || line["SetupFailures"] != tc.failures {
				t.Errorf("metrics %s", emf)
			}
		})
	}
}

// Without credentials a scheduled run fails loudly (counted, alarmed)
// instead of falling back to anything unsigned.
func TestScheduledRunWithoutCredentialsFails(t *testing.T) {
	var logs, metricsOut bytes.Buffer
	m := runMetrics{out: &metricsOut, function: "f", now: time.Now}
	load := func() (domainsetup.Deployed, error) {
		return domainsetup.Deployed{Endpoint: "https://127.0.0.1:1", MasterUserName: "admin", Spec: testSpec}, nil
	}
	h := newHandler(clients{password: http.DefaultClient}, load, domainsetup.Retry{Attempts: 1}, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	_, err := h(context.Background(), json.RawMessage(domainsetup.ScheduledInvocation))
	if err == nil || !strings.Contains(err.Error(), "execution role") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(metricsOut.String(), `"SetupFailures":1`) {
		t.Errorf("failure not counted: %s", metricsOut.String())
	}
}

// TestScheduledRunRedactsTheSignedCredentials: a scheduled run carries no
// password but signs each request; a proxy that echoes the request headers
// must not put the session token or the signature into the error or the
// log line.
func TestScheduledRunRedactsTheSignedCredentials(t *testing.T) {
	const sessionToken = "FwoGZXIvYXdzEJr//////////wEaDExampleSession+Token/Value=="
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
		// Echoed raw, and JSON-escaped with "/" as "\/".
		auth := r.Header.Get("Authorization")
		tok := r.Header.Get("X-Amz-Security-Token")
		_, _ = fmt.Fprintf(w, `{"message":"bad request from %s with token %s", "raw": "%s"}`,
			strings.ReplaceAll(auth, "/", `\/`), strings.ReplaceAll(tok, "/", `\/`), tok)
	}))
	t.Cleanup(srv.Close)
	sign, err := awsv2.NewSignerWithService(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSETUP", "secret-key", sessionToken),
	}, "es")
	if err != nil {
		t.Fatal(err)
	}
	c := clients{password: srv.Client(), signed: &http.Client{Transport: signingTransport{base: srv.Client().Transport, signer: sign}}}
	var logs, metricsOut bytes.Buffer
	m := runMetrics{out: &metricsOut, function: "logsearch-dev-setup", now: time.Now}
	load := func() (domainsetup.Deployed, error) { return deployedOn(srv), nil }
	h := lambda.NewHandler(newHandler(c, load, domainsetup.Retry{Attempts: 1}, slog.New(slog.NewJSONHandler(&logs, nil)), m))
	_, err = h.Invoke(context.Background(), []byte(domainsetup.ScheduledInvocation))
	if err == nil {
		t.Fatal("no error")
	}
	for _, where := range []string{err.Error(), logs.String()} {
		for _, secret := range []string{sessionToken, strings.ReplaceAll(sessionToken, "/", `\/`), "Signature="} {
			if strings.Contains(where, secret) {
				t.Errorf("%q leaked into %s", secret, where)
			}
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q: nothing redacted", err)
	}
}

// The function applies only what was deployed with it: a payload that
// brings its own spec (to map the caller as an admin) or expects another
// deployed state is refused before any request reaches the domain, and the
// refusal is counted for the setup alarm.
func TestHandlerRefusesAStatePulumiDidNotDeploy(t *testing.T) {
	for _, tc := range []struct {
		name, payload, wantErr string
	}{
		{"a spec in the payload", `{"signWithRole":true,"spec":{"indexPrefix":"logs","shards":1,"retentionDays":1,"adminBackendRoles":["arn:aws:iam::1:user/mallory"]}}`, `the setup payload names "spec"`},
		{"another endpoint", `{"signWithRole":true,"endpoint":"https://attacker.example"}`, `names "endpoint"`},
		{"a stale desired state", `{"masterPassword":"` + password + `","desiredState":"` + strings.Repeat("a", 64) + `"}`, "the function was deployed with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var writes int
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writes++
				w.WriteHeader(http.StatusInternalServerError)
			}))
			t.Cleanup(srv.Close)
			_, _, emf, err := invokeRaw(t, srv, []byte(tc.payload))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if writes != 0 {
				t.Errorf("%d requests reached the domain", writes)
			}
			if !strings.Contains(emf, `"SetupFailures":1`) {
				t.Errorf("refusal not counted: %s", emf)
			}
		})
	}
}

// Without the file Pulumi packs, every run fails naming the fix.
func TestHandlerWithoutDeployedStateFails(t *testing.T) {
	var logs, metricsOut bytes.Buffer
	m := runMetrics{out: &metricsOut, function: "f", now: time.Now}
	load := func() (domainsetup.Deployed, error) {
		return domainsetup.LoadDeployed(filepath.Join(t.TempDir(), domainsetup.DeployedFile))
	}
	h := newHandler(clients{password: http.DefaultClient}, load, domainsetup.Retry{Attempts: 1}, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	if _, err := h(context.Background(), json.RawMessage(domainsetup.ScheduledInvocation)); err == nil || !strings.Contains(err.Error(), "pulumi up") {
		t.Fatalf("err = %v", err)
	}
}
