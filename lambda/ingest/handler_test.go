package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/fakesqs"
)

// inProcess starts the fake domain and queue and a handler wired to them
// the way the runtime would, logging and writing metrics to logs and emf.
func inProcess(t *testing.T, logs, emf io.Writer) (*handler, e2eEnv) {
	t.Helper()
	return inProcessWith(t, logs, emf, nil)
}

// inProcessWith is inProcess with extra environment variables.
func inProcessWith(t *testing.T, logs, emf io.Writer, extra map[string]string) (*handler, e2eEnv) {
	t.Helper()
	osrv, err := fakeopensearch.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = osrv.Close() })
	sqs, err := fakesqs.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqs.Close() })
	vars := baseEnv(osrv.URL, sqs.URL)
	maps.Copy(vars, extra)
	for k, v := range vars {
		t.Setenv(k, v) // the AWS SDK reads AWS_* itself
	}
	h, err := newHandler(context.Background(), func(k string) string { return vars[k] }, slog.New(slog.NewJSONHandler(logs, nil)), emf)
	if err != nil {
		t.Fatal(err)
	}
	return h, e2eEnv{os: osrv, sqs: sqs}
}

// TestHandlerInProcess runs the handler without the emulator, so its
// accounting is checked without the emulator too.
func TestHandlerInProcess(t *testing.T) {
	var logs, emf bytes.Buffer
	h, env := inProcess(t, &logs, &emf)
	osrv := env.os
	osrv.SetFaults(fakeopensearch.Faults{
		Item:         fakeopensearch.FirstAttempts(1, 429, nil),
		MappingError: func(id string, _ []byte) bool { return strings.HasSuffix(id, "7") },
	})
	evs := scenarioEvents(1, 200)
	wantDLQ := map[string]bool{}
	for _, ev := range evs {
		wantDLQ[ev.ID] = strings.HasSuffix(ev.ID, "7")
	}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	if _, err := h.Invoke(ctx, cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, env, collect(t, env), evs, wantDLQ)
	for _, want := range []string{`"requestId":"req-42"`, `"msg":"events kept in the dead-letter queue"`, `"count":20`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
	for _, want := range []string{`"EventsIn":200`, `"Indexed":180`, `"SentToDLQ":20`, `"Retried":200`, `"requestId":"req-42"`} {
		if !strings.Contains(emf.String(), want) {
			t.Errorf("metrics lack %s: %s", want, emf.String())
		}
	}
	// Settings errors surface from newHandler, listing every problem.
	_, err := newHandler(context.Background(), func(string) string { return "" }, slog.New(slog.NewJSONHandler(io.Discard, nil)), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "OPENSEARCH_ENDPOINT") || !strings.Contains(err.Error(), "DLQ_URL") {
		t.Errorf("err = %v", err)
	}
}

// TestHandlerConcurrentInvocations runs invocations side by side, as
// aws-lambda-go does when AWS_LAMBDA_MAX_CONCURRENCY > 1: the reused
// decoder, builder and buffers must not mix payloads (run with -race).
func TestHandlerConcurrentInvocations(t *testing.T) {
	h, env := inProcess(t, io.Discard, io.Discard)
	var all []cwlogs.LogEvent
	errs := make(chan error, 4)
	for i := range 4 {
		evs := scenarioEvents(100+i, 150)
		all = append(all, evs...)
		payload := cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))
		go func() {
			_, err := h.Invoke(context.Background(), payload)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	checkAccounted(t, env, collect(t, env), all, map[string]bool{})
}
