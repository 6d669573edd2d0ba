package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/dlq"
	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/fakesqs"
	"github.com/logsearch/logsearch/lambda/internal/syncbuffer"
	"github.com/logsearch/logsearch/lambda/settings"
	"github.com/logsearch/logsearch/lambda/sigv4verify"
)

// The end-to-end test builds the real bootstrap binary and runs it under
// the AWS Lambda Runtime Interface Emulator, behind which a fake OpenSearch
// domain and a fake SQS queue inject faults. Each scenario checks that
// every event ends up indexed exactly once or in the dead-letter queue,
// never both and never neither, re-invoking on error as Lambda's async
// retries would (initial attempt + 2 retries).

const (
	e2eQueueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/logsearch-dlq"
	// e2eTimeout is the function timeout in seconds. With the indexer's
	// 5 s reserve, 7 s are left for _bulk requests: a 10 s answer times
	// out, while the scenarios that must succeed first time keep a wide
	// margin on a loaded 2-core CI machine.
	e2eTimeout = "12"
	// e2eBulkMax splits each payload into several requests.
	e2eBulkMax = "65536"
	// asyncAttempts is Lambda's default: the first try and 2 retries.
	asyncAttempts = 3
)

// rie is a running emulator with the function in it.
type rie struct {
	url string
	out *syncbuffer.Buffer
	cmd *exec.Cmd
	// exited is closed when the emulator has exited, with exitErr.
	exited  chan struct{}
	exitErr error
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// buildBootstrap compiles lambda/ingest for the host, as "bootstrap".
func buildBootstrap(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// findRIE builds the emulator pinned by the module's `tool` directive
// (go.mod) and returns its path. `go tool -n` only prints where the cached
// binary is, so the emulator then runs as a direct child of the test and
// can be killed with the test. There is no skip: a machine that cannot
// build the pinned emulator fails here, saying so, instead of passing
// without the end-to-end test.
func findRIE(t testing.TB) string {
	t.Helper()
	cmd := exec.Command("go", "tool", "-n", "aws-lambda-rie")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	path := strings.TrimSpace(string(out))
	if err != nil || path == "" {
		t.Fatalf("cannot build the Lambda Runtime Interface Emulator pinned in go.mod (tool github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie): %v\n%s\nthe Go module proxy must be reachable once (or the module cache filled); check with `go tool -n aws-lambda-rie`", err, stderr.String())
	}
	return path
}

// startRIE runs the emulator with bin as the function and env as its
// environment (the emulator passes its own environment to the function).
func startRIE(t testing.TB, rieBin, bin string, env map[string]string) *rie {
	t.Helper()
	addr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rieBin, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &syncbuffer.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &rie{url: "http://" + addr + "/2015-03-31/functions/function/invocations", out: out, cmd: cmd, exited: make(chan struct{})}
	go func() {
		r.exitErr = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", out.String())
		}
	})
	// Ready is an event: the emulator listens, or it exits. A loaded
	// machine may take long to start it, so the only bound is the test
	// binary's own deadline.
	giveUp := beforeTestDeadline(t)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			return r
		}
		select {
		case <-r.exited:
			t.Fatalf("emulator exited (%v) before listening on %s:\n%s", r.exitErr, addr, out.String())
		case <-giveUp:
			t.Fatalf("emulator did not listen on %s before the test deadline: %v\n%s", addr, err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// beforeTestDeadline fires shortly before the test binary's -timeout, so a
// wait that never ends fails with its own message instead of the timeout's
// panic; without a -timeout it never fires.
func beforeTestDeadline(t testing.TB) <-chan time.Time {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return nil // a benchmark: no deadline of its own
	}
	deadline, ok := d.Deadline()
	if !ok {
		return nil
	}
	left := time.Until(deadline)
	return time.After(left - min(left/10, 30*time.Second))
}

// waitOutput waits until the emulator's output (the function's too, copied
// from a pipe after the fact) holds every string in want, and returns it.
// It returns early when the emulator exits; the caller checks what is
// there.
func (r *rie) waitOutput(t testing.TB, want ...string) string {
	t.Helper()
	giveUp := beforeTestDeadline(t)
	for {
		out := r.out.String()
		missing := slices.IndexFunc(want, func(w string) bool { return !strings.Contains(out, w) }) >= 0
		if !missing {
			return out
		}
		select {
		case <-r.exited:
			return r.out.String()
		case <-giveUp:
			return r.out.String()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// invoke sends one payload and reports the function error, if any.
func (r *rie) invoke(t testing.TB, payload []byte) (funcErr string) {
	t.Helper()
	resp, err := http.Post(r.url, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("HTTP %d: %s", resp.StatusCode, body)
	}
	if json.Unmarshal(body, &e) == nil && (e.ErrorMessage != "" || e.ErrorType != "") {
		return e.ErrorType + ": " + e.ErrorMessage
	}
	return ""
}

// invokeAsync is Lambda's async delivery: retry on function error.
// It returns the errors of the attempts that failed.
func (r *rie) invokeAsync(t *testing.T, payload []byte) []string {
	t.Helper()
	var errs []string
	for range asyncAttempts {
		e := r.invoke(t, payload)
		if e == "" {
			return errs
		}
		errs = append(errs, e)
	}
	return errs
}

type e2eEnv struct {
	rie *rie
	os  *fakeopensearch.Server
	sqs *fakesqs.Server
}

func setup(t *testing.T) e2eEnv {
	t.Helper()
	rieBin := findRIE(t)
	bin := buildBootstrap(t)
	os := startDomain(t)
	sqs := startQueue(t)
	env := baseEnv(os.URL, sqs.URL)
	installTemplate(t, os, env)
	return e2eEnv{rie: startRIE(t, rieBin, bin, env), os: os, sqs: sqs}
}

// startDomain starts the fake domain checking every request's SigV4
// signature against the function's credentials (baseEnv), as AWS does.
func startDomain(t testing.TB) *fakeopensearch.Server {
	t.Helper()
	srv, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	// Runs before Close: everything the function sent must be an API the
	// fake models, and so one the conformance run checks against
	// OpenSearch's own tests (lambda/fakeopensearch/conformance_test.go).
	t.Cleanup(func() {
		for api := range srv.Served() {
			if strings.HasPrefix(api, fakeopensearch.Unsupported) {
				t.Errorf("the function sent a request the fake domain does not model: %s", api)
			}
		}
	})
	srv.SigV4 = &sigv4verify.Verifier{
		Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
		Region:      "us-east-1", Service: "es",
	}
	return srv
}

// startQueue starts the fake dead-letter queue.
func startQueue(t testing.TB) *fakesqs.Server {
	t.Helper()
	sqs, err := fakesqs.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqs.Close() })
	return sqs
}

// installTemplate puts the index template the setup function installs
// for these settings into the fake domain, by the same request
// (PUT /_index_template/<name> with domainstate's body), so documents meet
// the mapping a real domain gives them.
func installTemplate(t testing.TB, osrv *fakeopensearch.Server, env map[string]string) {
	t.Helper()
	spec := templateSpec(t, env)
	if err := osrv.PutIndexTemplate(spec.TemplateName(), spec.IndexTemplateBody()); err != nil {
		t.Fatal(err)
	}
}

// templateSpec is the part of the setup function's spec that the index
// template is made from, for the function's settings env.
func templateSpec(t testing.TB, env map[string]string) domainstate.Spec {
	t.Helper()
	s, err := settings.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return domainstate.Spec{IndexPrefix: s.Document.IndexPrefix, FieldTypes: s.Document.FieldTypes, TimeField: s.Document.TimeField,
		Shards: 1, Replicas: 0, RetentionDays: 30}
}

func baseEnv(osURL, sqsURL string) map[string]string {
	return map[string]string{
		"OPENSEARCH_ENDPOINT": osURL,
		"OPENSEARCH_AUTH":     "sigv4",
		"INDEX_TIMEZONE":      "Asia/Tokyo",
		"FIELD_TYPES":         cwlogstest.NginxFieldTypes.EncodeJSON(),
		"DLQ_URL":             e2eQueueURL,
		"BULK_MAX_BYTES":      e2eBulkMax,
		// Not the default (none): the signature over compressed bytes is
		// the path SDKs have got wrong, so the scenarios run through it.
		"BULK_COMPRESSION":            "gzip",
		"AWS_ENDPOINT_URL_SQS":        sqsURL,
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_REGION":                  "us-east-1",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_LAMBDA_FUNCTION_TIMEOUT": e2eTimeout,
		"AWS_LAMBDA_FUNCTION_NAME":    "logsearch-ingest",
	}
}

// scenarioEvents makes n nginx events whose ids are unique to the scenario.
func scenarioEvents(scenario, n int) []cwlogs.LogEvent {
	evs := cwlogstest.NginxEvents(n, time.Date(2024, 3, 31, 14, 50, 0, 0, time.UTC))
	for i := range evs {
		evs[i].ID = cwlogstest.EventID(scenario*100000 + i)
	}
	return evs
}

// outcome is where each event ended up.
type outcome struct {
	indexed map[string][]string // id -> indices
	dlq     map[string]dlq.KeptEvent
	kept    []dlq.KeptPayload
}

func collect(t *testing.T, env e2eEnv) outcome {
	t.Helper()
	var bodies []string
	for _, m := range env.sqs.Messages() {
		if m.QueueURL != e2eQueueURL {
			t.Errorf("message sent to %q", m.QueueURL)
		}
		bodies = append(bodies, m.Body)
	}
	c, err := dlq.Read(bodies)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Incomplete) > 0 {
		t.Errorf("incomplete chunked records %v", c.Incomplete)
	}
	o := outcome{indexed: env.os.Locations(), dlq: map[string]dlq.KeptEvent{}, kept: c.Payloads}
	for _, e := range c.Events {
		o.dlq[e.ID] = e
	}
	return o
}

// checkAccounted asserts each event is indexed exactly once (one index,
// holding the right document) or in the DLQ with its raw message, never
// both, never neither; wantDLQ lists the ids expected in the DLQ.
func checkAccounted(t *testing.T, env e2eEnv, o outcome, evs []cwlogs.LogEvent, wantDLQ map[string]bool) {
	t.Helper()
	for _, ev := range evs {
		idx, indexed := o.indexed[ev.ID]
		kept, inDLQ := o.dlq[ev.ID]
		switch {
		case indexed && inDLQ:
			t.Errorf("event %s both indexed (%v) and in the DLQ", ev.ID, idx)
		case !indexed && !inDLQ:
			t.Errorf("event %s lost: neither indexed nor in the DLQ", ev.ID)
		case indexed && len(idx) != 1:
			t.Errorf("event %s indexed %d times: %v", ev.ID, len(idx), idx)
		case wantDLQ[ev.ID] && !inDLQ:
			t.Errorf("event %s should be in the DLQ, is indexed", ev.ID)
		case !wantDLQ[ev.ID] && inDLQ:
			t.Errorf("event %s should be indexed, is in the DLQ: %s", ev.ID, kept.Error)
		case inDLQ && (kept.Message != ev.Message || kept.Timestamp != ev.Timestamp || kept.LogGroup != "/app/web" || kept.Owner != "123456789012" || kept.Error == ""):
			t.Errorf("event %s kept without its raw data or error: %+v", ev.ID, kept)
		case indexed:
			doc, _ := env.os.Doc(idx[0], ev.ID)
			var d map[string]any
			if err := json.Unmarshal(doc, &d); err != nil || d["@id"] != ev.ID || d["@message"] != ev.Message {
				t.Errorf("event %s document wrong: %s", ev.ID, doc)
			}
		}
	}
	if n := len(o.indexed) + len(o.dlq); n != len(evs) {
		t.Errorf("%d ids indexed or kept, %d events sent", n, len(evs))
	}
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds a binary and runs the emulator")
	}
	env := setup(t)
	every := func(k int) func(string) bool {
		return func(id string) bool { return id[len(id)-1]-'0' < byte(k) }
	}
	tests := []struct {
		name        string
		faults      fakeopensearch.Faults
		events      int
		dlqEvery    int  // ids ending in a digit < dlqEvery fail with 400
		firstFails  bool // the first invocation must fail and be retried
		wantRetried bool
	}{
		{name: "no fault", events: 300},
		{name: "item 429s", events: 300, wantRetried: true,
			faults: fakeopensearch.Faults{Item: fakeopensearch.FirstAttempts(2, 429, every(3))}},
		{name: "whole-request 429s", events: 300, wantRetried: true,
			faults: fakeopensearch.Faults{Request: fakeopensearch.FirstRequests(2, fakeopensearch.RequestFault{Status: 429})}},
		{name: "5xx", events: 300, wantRetried: true, faults: fakeopensearch.Faults{
			Request: fakeopensearch.EveryNth(3, fakeopensearch.RequestFault{Status: 503}),
			Item:    fakeopensearch.FirstAttempts(1, 500, every(2)),
		}},
		{name: "400 mapping errors", events: 300, dlqEvery: 1,
			faults: fakeopensearch.Faults{MappingError: func(id string, _ []byte) bool { return every(1)(id) }}},
		{name: "slow answers within the budget", events: 300,
			faults: fakeopensearch.Faults{Request: fakeopensearch.EveryNth(2, fakeopensearch.RequestFault{Delay: 300 * time.Millisecond})}},
		{name: "answer slower than the invocation", events: 300, firstFails: true,
			faults: fakeopensearch.Faults{Request: fakeopensearch.FirstRequests(1, fakeopensearch.RequestFault{Delay: 10 * time.Second})}},
		{name: "dropped connections", events: 300, wantRetried: true, faults: fakeopensearch.Faults{Request: func(n int) fakeopensearch.RequestFault {
			return fakeopensearch.RequestFault{Drop: n == 1, DropAfterIndex: n == 3}
		}}},
		{name: "everything at once", events: 500, dlqEvery: 1, wantRetried: true, faults: fakeopensearch.Faults{
			Request:      fakeopensearch.EveryNth(4, fakeopensearch.RequestFault{Drop: true}),
			Item:         fakeopensearch.FirstAttempts(2, 429, every(5)),
			MappingError: func(id string, _ []byte) bool { return every(1)(id) },
		}},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.os.Reset()
			env.sqs.Reset()
			env.os.SetFaults(tt.faults)
			evs := scenarioEvents(k+1, tt.events)
			wantDLQ := map[string]bool{}
			for _, ev := range evs {
				if every(tt.dlqEvery)(ev.ID) {
					wantDLQ[ev.ID] = true
				}
			}
			payload := cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))
			errs := env.rie.invokeAsync(t, payload)
			if tt.firstFails != (len(errs) > 0) {
				t.Errorf("failed attempts: %q (want the first to fail: %v)", errs, tt.firstFails)
			}
			if len(errs) == asyncAttempts {
				t.Fatalf("every attempt failed: %q", errs)
			}
			if tt.firstFails && !strings.Contains(errs[0], "neither indexed nor in the dead-letter queue") {
				t.Errorf("first error does not explain itself: %s", errs[0])
			}
			checkAccounted(t, env, collect(t, env), evs, wantDLQ)
			if reqs := env.os.Requests(); len(reqs) < 2 {
				t.Errorf("%d requests: BULK_MAX_BYTES=%s should split the payload", len(reqs), e2eBulkMax)
			} else if reqs[0].Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("bulk body not gzipped")
			}
			sent := 0
			for _, r := range env.os.Requests() {
				sent += r.Items
			}
			if tt.wantRetried && sent <= len(evs) {
				t.Errorf("%d items sent for %d events: the fault caused no retry", sent, len(evs))
			}
		})
	}

	t.Run("undecodable payload", func(t *testing.T) {
		env.os.Reset()
		env.sqs.Reset()
		for _, payload := range [][]byte{
			[]byte(`{"awslogs":{"data":"not base64!"}}`),
			cwlogstest.InvocationFromData(cwlogstest.DataFromJSON([]byte(`{"messageType":"DATA_MESSAGE","logEvents":[`))),
			[]byte("not even JSON \xff"),
		} {
			if errs := env.rie.invokeAsync(t, payload); len(errs) > 0 {
				t.Fatalf("undecodable payload must succeed once kept: %q", errs)
			}
		}
		o := collect(t, env)
		if len(o.kept) != 3 || env.os.Count() != 0 || len(o.dlq) != 0 {
			t.Fatalf("kept %d payloads, %d docs, %d events", len(o.kept), env.os.Count(), len(o.dlq))
		}
		if string(o.kept[2].Invocation) != "not even JSON \xff" || !strings.Contains(o.kept[0].Reason, "base64") {
			t.Errorf("kept %+v", o.kept)
		}
	})

	t.Run("control message", func(t *testing.T) {
		env.os.Reset()
		env.sqs.Reset()
		p := &cwlogs.Payload{MessageType: cwlogs.MessageTypeControl, Owner: "CloudwatchLogs", LogGroup: "", LogStream: "",
			LogEvents: []cwlogs.LogEvent{{ID: "", Timestamp: 1700000000000, Message: "CWL CONTROL MESSAGE: Checking health of destination Lambda function."}}}
		if errs := env.rie.invokeAsync(t, cwlogstest.BuildInvocation(p)); len(errs) > 0 {
			t.Fatalf("control message failed: %q", errs)
		}
		if len(env.os.Requests()) != 0 || env.sqs.Calls() != 0 {
			t.Errorf("control message caused %d bulk requests and %d SQS calls", len(env.os.Requests()), env.sqs.Calls())
		}
	})

	t.Run("mapping conflicts are demoted, not kept", func(t *testing.T) {
		env.os.Reset()
		env.sqs.Reset()
		evs, _ := conflictDay(time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC))
		if errs := env.rie.invokeAsync(t, cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); len(errs) > 0 {
			t.Fatalf("invocation failed: %q", errs)
		}
		checkAccounted(t, env, collect(t, env), evs, nil)
	})

	t.Run("DLQ unreachable fails the invocation", func(t *testing.T) {
		env.os.Reset()
		env.sqs.Reset()
		env.os.SetFaults(fakeopensearch.Faults{MappingError: func(id string, _ []byte) bool { return every(5)(id) }})
		env.sqs.SetFaults(fakesqs.Faults{Call: func(n int) int { return 500 }})
		evs := scenarioEvents(90, 50)
		errs := env.rie.invokeAsync(t, cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs)))
		if len(errs) != asyncAttempts || !strings.Contains(errs[0], "dead-letter queue") {
			t.Fatalf("want every attempt to fail naming the DLQ, got %q", errs)
		}
		// The payload then goes to the on-failure destination; once the
		// queue recovers a retry keeps the failed events.
		env.sqs.SetFaults(fakesqs.Faults{})
		if errs := env.rie.invokeAsync(t, cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); len(errs) > 0 {
			t.Fatalf("retry after recovery failed: %q", errs)
		}
		want := map[string]bool{}
		for _, ev := range evs {
			want[ev.ID] = every(5)(ev.ID)
		}
		checkAccounted(t, env, collect(t, env), evs, want)
	})

	if testing.Verbose() {
		t.Logf("function output (tail):\n%s", tail(env.rie.out.String(), 6000))
	}
	if out := env.rie.waitOutput(t, `"_aws":{"Timestamp":`, `"requestId":`); !strings.Contains(out, `"_aws":{"Timestamp":`) || !strings.Contains(out, `"requestId":`) {
		t.Errorf("no EMF metrics or request ids in the function output")
	}
}

func TestEndToEndBadSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds a binary and runs the emulator")
	}
	rieBin := findRIE(t)
	bin := buildBootstrap(t)
	env := baseEnv("http://127.0.0.1:1", "http://127.0.0.1:1")
	delete(env, "DLQ_URL")
	env["FIELD_TYPES"] = `{"status":"int"}`
	env["BULK_MAX_BYTES"] = "20MB"
	r := startRIE(t, rieBin, bin, env)
	if e := r.invoke(t, []byte(`{}`)); e == "" {
		t.Fatal("invocation succeeded with bad settings")
	}
	wants := []string{"ingest function settings are invalid (3 problem(s))", `DLQ_URL=\"\": not set`, `FIELD_TYPES=`, `BULK_MAX_BYTES=\"20MB\"`}
	out := r.waitOutput(t, wants...)
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("cold start output lacks %q:\n%s", want, out)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
