package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
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
	osrv := startDomain(t)
	sqs := startQueue(t)
	vars := baseEnv(osrv.URL, sqs.URL)
	maps.Copy(vars, extra)
	installTemplate(t, osrv, vars)
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

// A hand-made payload: times in every accepted format on one day, repeated
// ids, an id that is not UTF-8, times no index name can hold. Every event
// is indexed exactly once in that day's index or kept in the dead-letter
// queue with a reason, and the metrics count what is really in the index.
func TestHandMadePayloadIsAccountedExactly(t *testing.T) {
	var emf bytes.Buffer
	h, env := inProcess(t, io.Discard, &emf)
	day := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC).UnixMilli() // 12:00 in Tokyo
	evs := []cwlogs.LogEvent{
		{ID: "01", Timestamp: day, Message: "time:2024-05-01T10:00:00+09:00\tuser:2024-05-01"},
		{ID: "02", Timestamp: day, Message: "time:[01/May/2024:10:00:01 +0900]\tuser:bob"},
		{ID: "03", Timestamp: day, Message: "time:1714525202\tuser:alice"},
		{ID: "04", Timestamp: day, Message: "time:2024-05-01 10:00:03\tuser:carol"},
		{ID: "05", Timestamp: day, Message: `{"time":"2024-05-01T10:00:04.123456789+09:00","user":"dave"}`},
		{ID: "06", Timestamp: day, Message: "first of two with one id"},
		{ID: "06", Timestamp: day, Message: "second of two with one id"},
		{ID: "07\xff", Timestamp: day, Message: "id not UTF-8"},
		{ID: "08", Timestamp: 1 << 62, Message: "CloudWatch time 2^62 ms"},
		{ID: "09", Timestamp: time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC).UnixMilli(), Message: "year 10000 in Tokyo"},
		{ID: "10", Timestamp: day, Message: "time:9999-12-31T20:00:00Z\tuser:frank"},
	}
	// encoding/json would repair the id; a hand-made payload need not.
	raw := bytes.Replace(cwlogstest.JSON(cwlogstest.DataPayload("/app/web", "i-0abc", evs)), []byte(`"07\ufffd"`), []byte("\"07\xff\""), 1)
	if _, err := h.Invoke(context.Background(), cwlogstest.InvocationFromData(cwlogstest.DataFromJSON(raw))); err != nil {
		t.Fatal(err)
	}
	o := collect(t, env)
	if got := env.os.Indices(); len(got) != 1 || got["cwl-2024.05.01"] != 7 {
		t.Errorf("indices %v, want 7 documents all in cwl-2024.05.01", got)
	}
	for _, id := range []string{"01", "02", "03", "04", "05", "10"} {
		if len(o.indexed[id]) != 1 {
			t.Errorf("event %s indexed in %v, want once", id, o.indexed[id])
		}
	}
	if doc, _ := env.os.Doc("cwl-2024.05.01", "06"); !strings.Contains(string(doc), "second of two") {
		t.Errorf("document 06 is %s, want the later event", doc)
	}
	reasons := map[string]string{}
	for _, e := range o.dlq {
		reasons[e.Message] = e.Error
	}
	for msg, want := range map[string]string{
		"first of two with one id": "same id", "id not UTF-8": "not valid UTF-8",
		"CloudWatch time 2^62 ms": "outside the accepted range", "year 10000 in Tokyo": "outside the accepted range",
	} {
		if !strings.Contains(reasons[msg], want) {
			t.Errorf("event %q: dead-letter reason %q, want %q", msg, reasons[msg], want)
		}
	}
	if len(o.dlq) != 4 {
		t.Errorf("%d events in the dead-letter queue, want 4: %v", len(o.dlq), reasons)
	}
	for _, want := range []string{`"EventsIn":11`, `"Indexed":7`, `"SentToDLQ":4`} {
		if !strings.Contains(emf.String(), want) {
			t.Errorf("metrics lack %s: %s", want, emf.String())
		}
	}
}

// TestHandlerSignatureRefused: when the domain refuses the signature (403,
// as AWS answers a request changed after signing or signed with the wrong
// key), resending the same bytes cannot help, so every event is kept in
// the dead-letter queue with the domain's reason and the invocation
// succeeds: nothing indexed, nothing lost.
func TestHandlerSignatureRefused(t *testing.T) {
	h, env := inProcess(t, io.Discard, io.Discard)
	env.os.SigV4.Credentials.SecretAccessKey = "not-the-function's"
	evs := scenarioEvents(7, 50)
	if _, err := h.Invoke(context.Background(), cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, ev := range evs {
		want[ev.ID] = true
	}
	o := collect(t, env)
	checkAccounted(t, env, o, evs, want)
	if kept := o.dlq[evs[0].ID]; kept.Status != 403 || !strings.Contains(kept.Error, "signature we calculated does not match") {
		t.Errorf("kept with status %d and reason %q", kept.Status, kept.Error)
	}
}

// TestControlMessages: CloudWatch's health check is ignored, with nothing
// kept; a CONTROL_MESSAGE that carries log events is kept whole in the
// dead-letter queue, since ignoring it would drop them
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html:
// control messages are "mainly for checking if the destination is
// reachable").
func TestControlMessages(t *testing.T) {
	check := cwlogs.LogEvent{ID: "", Timestamp: 1, Message: "CWL CONTROL MESSAGE: Checking health of destination Lambda."}
	tests := []struct {
		name string
		evs  []cwlogs.LogEvent
		kept bool
	}{
		{name: "health check", evs: []cwlogs.LogEvent{check}},
		{name: "log events", evs: append([]cwlogs.LogEvent{check}, scenarioEvents(3, 5)...), kept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, env := inProcess(t, io.Discard, io.Discard)
			p := cwlogstest.DataPayload("", "", tt.evs)
			p.MessageType, p.Owner = cwlogs.MessageTypeControl, "CloudwatchLogs"
			inv := cwlogstest.BuildInvocation(p)
			if _, err := h.Invoke(context.Background(), inv); err != nil {
				t.Fatal(err)
			}
			o := collect(t, env)
			if len(o.indexed) != 0 || len(o.dlq) != 0 {
				t.Errorf("indexed %v, kept events %v: want neither", o.indexed, o.dlq)
			}
			if !tt.kept {
				if len(o.kept) != 0 {
					t.Errorf("health check kept: %+v", o.kept)
				}
				return
			}
			if len(o.kept) != 1 || !bytes.Equal(o.kept[0].Invocation, inv) || !strings.Contains(o.kept[0].Reason, "is not CloudWatch's health check") {
				t.Errorf("kept %+v, want the invocation byte for byte with the reason", o.kept)
			}
		})
	}
}
