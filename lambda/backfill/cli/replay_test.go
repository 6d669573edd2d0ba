package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/logsearch/logsearch/lambda/backoff"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/dlq"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/fakesqs"
	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

const testQueue = "https://sqs.ap-northeast-1.amazonaws.com/123456789012/logsearch-dev-ingest-dlq"

// dlqFixture is a fake queue filled the way production fills it: by the
// ingest function's own dlq.Writer and by Lambda (destination records and
// raw invocations), so the formats cannot drift from what replay reads.
type dlqFixture struct {
	sqs    *fakesqs.Server
	client *sqs.Client
	// events maps every replayable event id to its message.
	events map[string]string
	// undecodable are the exact bytes the rejects file must keep for the
	// messages that cannot be decoded.
	undecodable [][]byte
	// refused is the id of the event the domain refuses again, and its
	// message.
	refused, refusedMessage string
	// twice holds the ids kept twice (destination record and Lambda DLQ).
	twice map[string]bool
}

// cwEvents makes n LTSV events, with ids from base, around midnight UTC of
// 2024-05-31/06-01 so they span two index-days.
func cwEvents(base, n int, pad int) []cwlogs.LogEvent {
	out := make([]cwlogs.LogEvent, n)
	start := time.Date(2024, 5, 31, 23, 59, 50, 0, time.UTC)
	for i := range out {
		ts := start.Add(time.Duration(i) * time.Second)
		out[i] = cwlogs.LogEvent{
			ID: cwlogstest.EventID(base + i), Timestamp: ts.UnixMilli(),
			Message: fmt.Sprintf("time:%s\tstatus:200\tn:%d\tpad:%s", ts.Format(time.RFC3339), base+i, strings.Repeat("p", pad)),
		}
	}
	return out
}

func newDLQFixture(t *testing.T) *dlqFixture {
	t.Helper()
	fake, err := fakesqs.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	awstest.StaticCredentials(t)
	t.Setenv("AWS_REGION", "ap-northeast-1")
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(fake.URL) })
	return &dlqFixture{sqs: fake, client: client, events: map[string]string{}, twice: map[string]bool{}}
}

func (f *dlqFixture) writer(t *testing.T, maxMessage int) *dlq.Writer {
	w, err := dlq.New(f.client, dlq.Config{QueueURL: testQueue, MaxMessageBytes: maxMessage})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// failedEvents keeps events the way the ingest function does after
// OpenSearch refused them.
func (f *dlqFixture) failedEvents(t *testing.T, w *dlq.Writer, logGroup string, evs []cwlogs.LogEvent) {
	t.Helper()
	failed := make([]dlq.FailedEvent, len(evs))
	for i, e := range evs {
		failed[i] = dlq.FailedEvent{ID: e.ID, Timestamp: e.Timestamp, Message: e.Message, Status: 400,
			Error: "mapper_parsing_exception: failed to parse field [status] of type [integer]"}
		f.events[e.ID] = e.Message
	}
	src := dlq.Source{Owner: "123456789012", LogGroup: logGroup, LogStream: "i-0abc", SubscriptionFilters: []string{"logsearch"}}
	if _, err := w.FailedEvents(context.Background(), "req-1", src, failed); err != nil {
		t.Fatal(err)
	}
}

func (f *dlqFixture) send(t *testing.T, body string) {
	t.Helper()
	if _, err := f.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(testQueue), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

// invocation is what CloudWatch Logs invokes the function with.
func (f *dlqFixture) invocation(logGroup string, evs []cwlogs.LogEvent) []byte {
	for _, e := range evs {
		f.events[e.ID] = e.Message
	}
	return cwlogstest.BuildInvocation(cwlogstest.DataPayload(logGroup, "i-0def", evs))
}

// destinationRecord is what Lambda's on-failure destination writes after
// the last retry (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
func destinationRecord(invocation []byte) string {
	return `{"version":"1.0","timestamp":"2024-06-01T00:10:05.568Z",` +
		`"requestContext":{"requestId":"e4b46cbf-b738-4d2c-8880-a18cdf61200e","functionArn":"arn:aws:lambda:ap-northeast-1:123456789012:function:logsearch-dev-ingest:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},` +
		`"requestPayload":` + string(invocation) + `,` +
		`"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},` +
		`"responsePayload":{"errorMessage":"12 of 12 events are neither indexed nor in the dead-letter queue; first retryable error: HTTP 503","errorType":"errorString"}}`
}

// seedAll fills the queue with every kind of message.
func (f *dlqFixture) seedAll(t *testing.T) {
	t.Helper()
	w := f.writer(t, 4096)
	// Several packed failed-events messages.
	f.failedEvents(t, w, "/app/web", cwEvents(0, 30, 200))
	// One event too big for a message: a chunked record.
	big := cwEvents(100, 1, 20000)
	f.failedEvents(t, w, "/app/web", big)
	// An invocation that failed every attempt: kept by the on-failure
	// destination AND, since DeadLetterConfig is set too, as a raw
	// Lambda dead-letter message. Replaying both writes each event once.
	retried := cwEvents(200, 12, 50)
	for _, e := range retried {
		f.twice[e.ID] = true
	}
	inv := f.invocation("/app/api", retried)
	f.send(t, destinationRecord(inv))
	f.send(t, string(inv))
	// Another raw invocation, with the event the domain refuses again.
	refused := cwEvents(300, 3, 10)
	refused[1].Message = strings.Replace(refused[1].Message, "status:200", "status:abc", 1)
	f.refused, f.refusedMessage = refused[1].ID, refused[1].Message
	f.send(t, string(f.invocation("/app/api", refused)))
	delete(f.events, f.refused)
	// A control message: nothing to index.
	f.send(t, string(cwlogstest.BuildInvocation(&cwlogs.Payload{MessageType: cwlogs.MessageTypeControl, Owner: "CloudwatchLogs",
		SubscriptionFilters: []string{}, LogEvents: []cwlogs.LogEvent{{ID: "", Timestamp: 1717200000000, Message: "CWL CONTROL MESSAGE: Checking health of destination Lambda function."}}})))
	// An undecodable payload, kept by the function.
	garbage := []byte(`{"awslogs":{"data":"H4sI` + "\x01not gzip" + `"}}`)
	if _, err := w.Undecodable(context.Background(), "req-9", garbage, "decoding CloudWatch Logs payload: base64: illegal data"); err != nil {
		t.Fatal(err)
	}
	f.undecodable = append(f.undecodable, garbage)
	// Something nobody should have sent.
	f.send(t, "hello from a misconfigured producer")
	f.undecodable = append(f.undecodable, []byte("hello from a misconfigured producer"))
}

type replayRun struct {
	t    *testing.T
	dir  string
	os   *fakeopensearch.Server
	fix  *dlqFixture
	stop context.Context
}

func (r *replayRun) exec(args ...string) result {
	r.t.Helper()
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			return map[string]string{"OPENSEARCH_ENDPOINT": r.os.URL, "OPENSEARCH_AUTH": "none", "FIELD_TYPES": `{"status":"integer","n":"long"}`, "DLQ_URL": testQueue}[k]
		},
		Bulk: bulk.Config{Backoff: backoff.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond}},
	}
	stop := r.stop
	if stop == nil {
		stop = context.Background()
	}
	base := []string{"replay-dlq", "--sqs-endpoint", r.fix.sqs.URL, "--wait", "0s", "--rejects", filepath.Join(r.dir, "rejects.ndjson"), "--bulk-bytes", "65536"}
	code := Main(context.Background(), stop, append(base, args...), env)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func newReplayRun(t *testing.T, fix *dlqFixture) *replayRun {
	return &replayRun{t: t, dir: t.TempDir(), os: startOpenSearch(t), fix: fix}
}

// assertReplayed checks that OpenSearch holds exactly want, one document
// per event id, each in the index of its day, built like the live path.
func assertReplayed(t *testing.T, osrv *fakeopensearch.Server, want map[string]string) {
	t.Helper()
	locs := osrv.Locations()
	for id, msg := range want {
		idx := locs[id]
		if len(idx) != 1 {
			t.Errorf("event %s is in indices %v, want exactly one", id, idx)
			continue
		}
		raw, _ := osrv.Doc(idx[0], id)
		var doc struct {
			Message   string `json:"@message"`
			ID        string `json:"@id"`
			LogGroup  string `json:"@log_group"`
			Timestamp string `json:"@timestamp"`
			Status    any    `json:"status"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		day := strings.ReplaceAll(doc.Timestamp[:10], "-", ".")
		if doc.Message != msg || doc.ID != id || doc.LogGroup == "" || idx[0] != "cwl-"+day {
			t.Errorf("event %s in %s: %s", id, idx[0], raw)
		}
		if _, ok := doc.Status.(float64); !ok && strings.Contains(msg, "status:200") {
			t.Errorf("event %s: status not coerced by --field-types: %s", id, raw)
		}
	}
	if len(locs) != len(want) {
		t.Errorf("OpenSearch holds %d documents, want %d", len(locs), len(want))
	}
}

type rejectLine struct {
	Source        string   `json:"source"`
	Messages      []string `json:"sqs_message_ids"`
	EventID       string   `json:"event_id"`
	Timestamp     int64    `json:"timestamp"`
	LogGroup      string   `json:"log_group"`
	Index         string   `json:"index"`
	Status        int      `json:"status"`
	Error         string   `json:"error"`
	Message       *string  `json:"message"`
	PayloadBase64 string   `json:"payload_base64"`
}

func readRejects(t *testing.T, path string) []rejectLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []rejectLine
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r rejectLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("rejects line %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

func TestReplayDLQEveryKindOfMessage(t *testing.T) {
	fix := newDLQFixture(t)
	fix.seedAll(t)
	seeded := len(fix.sqs.Remaining())
	r := newReplayRun(t, fix)
	r.os.SetFaults(fakeopensearch.Faults{MappingError: func(_ string, doc []byte) bool { return bytes.Contains(doc, []byte("status:abc")) }})

	res := r.exec()
	// Something is left (the undecodable payloads), so the exit status is 1.
	if res.code != ExitFailed {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	assertReplayed(t, r.os, fix.events)
	for id := range fix.events {
		if n := r.os.Writes(id); n != 1 && !fix.twice[id] {
			t.Errorf("event %s written %d times", id, n)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("%d messages received", seeded), "failed-events", "chunk", "1 lambda-destination", "3 lambda-dlq-invocation", "1 undecodable-payload", "1 unrecognised",
		"31  HTTP 400 mapper_parsing_exception", "Lambda RetriesExhausted: 12 of 12 events", "undecodable payload: decoding CloudWatch Logs payload",
		"1 refused again", "cwl-2024.05.31: ", "cwl-2024.06.01: ", "2 left in the queue", "UNDECODABLE: 2 payloads", "--drop-undecodable",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stderr)
		}
	}
	// Left: exactly the two undecodable messages, visible again at once.
	left := fix.sqs.Remaining()
	if len(left) != 2 || fix.sqs.InFlight() != 0 {
		t.Fatalf("left %d messages (%d in flight), want the 2 undecodable ones, visible", len(left), fix.sqs.InFlight())
	}
	rej := readRejects(t, filepath.Join(r.dir, "rejects.ndjson"))
	var refused, payloads int
	for _, x := range rej {
		switch {
		case x.EventID == fix.refused:
			refused++
			if x.Status != 400 || !strings.Contains(x.Error, "mapper_parsing_exception") || x.Message == nil || !strings.Contains(*x.Message, "status:abc") ||
				x.LogGroup != "/app/api" || x.Timestamp == 0 || x.Index != "cwl-2024.05.31" || x.Source != testQueue || len(x.Messages) != 1 {
				t.Errorf("refused event reject %+v", x)
			}
		case x.PayloadBase64 != "":
			payloads++
			raw, _ := base64.StdEncoding.DecodeString(x.PayloadBase64)
			if !bytes.Equal(raw, fix.undecodable[0]) && !bytes.Equal(raw, fix.undecodable[1]) {
				t.Errorf("undecodable payload not kept byte for byte: %q", raw)
			}
		default:
			t.Errorf("unexpected reject %+v", x)
		}
	}
	if refused != 1 || payloads != 2 {
		t.Fatalf("%d refused events, %d payloads in the rejects file\n%+v", refused, payloads, rej)
	}

	// Again: nothing to index, the undecodables are still kept.
	res = r.exec()
	if res.code != ExitFailed || !strings.Contains(res.stderr, "2 messages received") || len(fix.sqs.Remaining()) != 2 {
		t.Fatalf("second run: exit %d\n%s", res.code, res.stderr)
	}
	// Dropping them empties the queue.
	res = r.exec("--drop-undecodable")
	if res.code != ExitFailed || !strings.Contains(res.stderr, "copied to") || len(fix.sqs.Remaining()) != 0 {
		t.Fatalf("drop run: exit %d, %d left\n%s", res.code, len(fix.sqs.Remaining()), res.stderr)
	}
	res = r.exec()
	if res.code != ExitOK || !strings.Contains(res.stderr, "0 messages received") {
		t.Fatalf("empty queue: exit %d\n%s", res.code, res.stderr)
	}
	assertReplayed(t, r.os, fix.events)
}

func TestReplayDryRunChangesNothing(t *testing.T) {
	fix := newDLQFixture(t)
	fix.seedAll(t)
	before := fix.sqs.Remaining()
	r := newReplayRun(t, fix)
	res := r.exec("--dry-run")
	if res.code != ExitFailed { // the undecodable payloads would be left
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if len(r.os.Requests()) != 0 {
		t.Fatal("a dry run sent documents")
	}
	if after := fix.sqs.Remaining(); len(after) != len(before) || fix.sqs.InFlight() != 0 {
		t.Fatalf("a dry run changed the queue: %d -> %d messages, %d in flight", len(before), len(after), fix.sqs.InFlight())
	}
	if entries, _ := os.ReadDir(r.dir); len(entries) != 0 {
		t.Fatalf("a dry run wrote files: %v", entries)
	}
	for _, want := range []string{
		"dry run", fmt.Sprintf("%d messages received", len(before)), "HTTP 400 mapper_parsing_exception", "Lambda RetriesExhausted",
		fmt.Sprintf("%d events: %d would be indexed", len(fix.events)+1+12, len(fix.events)+1+12), "cwl-2024.05.31: ", "cwl-2024.06.01: ",
		fmt.Sprintf("%d messages would be deleted, 2 left", len(before)-2), "a replay copies them",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("dry-run summary lacks %q:\n%s", want, res.stderr)
		}
	}
	// The real run afterwards sees every message at once.
	res = r.exec()
	if !strings.Contains(res.stderr, fmt.Sprintf("%d messages received", len(before))) {
		t.Fatalf("after a dry run:\n%s", res.stderr)
	}
	assertReplayed(t, r.os, withRefused(fix))
}

// withRefused is every event, for a domain that refuses none.
func withRefused(fix *dlqFixture) map[string]string {
	out := map[string]string{fix.refused: fix.refusedMessage}
	for k, v := range fix.events {
		out[k] = v
	}
	return out
}

func TestReplayFaultMidwayFinishesOnSecondRun(t *testing.T) {
	fix := newDLQFixture(t)
	w := fix.writer(t, 2048)
	for g := range 6 {
		fix.failedEvents(t, w, fmt.Sprintf("/app/%d", g), cwEvents(g*100, 20, 150))
	}
	fix.failedEvents(t, w, "/app/big", cwEvents(1000, 1, 9000)) // chunked
	r := newReplayRun(t, fix)
	// The domain takes the first requests, then answers 503 to everything.
	r.os.SetFaults(fakeopensearch.Faults{Request: func(n int) fakeopensearch.RequestFault {
		if n > 2 {
			return fakeopensearch.RequestFault{Status: 503}
		}
		return fakeopensearch.RequestFault{}
	}})
	res := r.exec()
	if res.code != ExitFailed || !strings.Contains(res.stderr, "STOPPED") || !strings.Contains(res.stderr, "503") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	left := fix.sqs.Remaining()
	all := fix.sqs.Messages()
	if len(left) == 0 || len(left) == len(all) || fix.sqs.InFlight() != 0 {
		t.Fatalf("%d of %d messages left (%d in flight): the fault did not land mid-way", len(left), len(all), fix.sqs.InFlight())
	}
	// Every deleted message's events are in OpenSearch.
	remaining := map[string]bool{}
	for _, m := range left {
		remaining[m.MessageID] = true
	}
	locs := r.os.Locations()
	for _, m := range all {
		if remaining[m.MessageID] {
			continue
		}
		c, err := dlq.Read([]string{m.Body})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Incomplete) > 0 {
			t.Fatalf("a chunk was deleted before its whole record was indexed")
		}
		for _, e := range c.Events {
			if len(locs[e.ID]) != 1 {
				t.Fatalf("message %s deleted but its event %s is not indexed", m.MessageID, e.ID)
			}
		}
	}

	r.os.SetFaults(fakeopensearch.Faults{})
	res = r.exec()
	if res.code != ExitOK || len(fix.sqs.Remaining()) != 0 {
		t.Fatalf("second run: exit %d, %d left\n%s", res.code, len(fix.sqs.Remaining()), res.stderr)
	}
	assertReplayed(t, r.os, fix.events)
}

func TestReplayChunkedRecordNeedsAllParts(t *testing.T) {
	fix := newDLQFixture(t)
	w := fix.writer(t, 4096)
	fix.failedEvents(t, w, "/app/web", cwEvents(0, 1, 30000)) // about 11 chunks
	parts := len(fix.sqs.Messages())
	if parts < 5 {
		t.Fatalf("only %d messages: the record was not chunked", parts)
	}
	r := newReplayRun(t, fix)
	res := r.exec("--max-messages", "3")
	if res.code != ExitFailed || !strings.Contains(res.stderr, "INCOMPLETE: 1 chunked records") || !strings.Contains(res.stderr, "--max-messages 3") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if len(fix.sqs.Remaining()) != parts || r.os.Count() != 0 || fix.sqs.InFlight() != 0 {
		t.Fatalf("a partial record was handled: %d of %d parts left, %d documents", len(fix.sqs.Remaining()), parts, r.os.Count())
	}
	res = r.exec()
	if res.code != ExitOK || len(fix.sqs.Remaining()) != 0 {
		t.Fatalf("full run: exit %d\n%s", res.code, res.stderr)
	}
	assertReplayed(t, r.os, fix.events)
}

func TestReplayInterruptedLeavesTheRest(t *testing.T) {
	fix := newDLQFixture(t)
	w := fix.writer(t, 2048)
	fix.failedEvents(t, w, "/app/web", cwEvents(0, 200, 150))
	r := newReplayRun(t, fix)
	stop, interrupt := context.WithCancel(context.Background())
	r.os.SetFaults(fakeopensearch.Faults{Request: func(n int) fakeopensearch.RequestFault {
		if n == 2 {
			interrupt() // Ctrl-C while a batch is being indexed
		}
		return fakeopensearch.RequestFault{}
	}})
	r.stop = stop
	res := r.exec()
	if res.code != ExitInterrupted || !strings.Contains(res.stderr, "INTERRUPTED") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if n := len(fix.sqs.Remaining()); n == 0 || fix.sqs.InFlight() != 0 {
		t.Fatalf("%d left, %d in flight\n%s", n, fix.sqs.InFlight(), res.stderr)
	}
	r.stop = nil
	r.os.SetFaults(fakeopensearch.Faults{})
	if res = r.exec(); res.code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s", res.code, res.stderr)
	}
	assertReplayed(t, r.os, fix.events)
}

func TestReplayUsageErrors(t *testing.T) {
	tests := []struct {
		args, want []string
	}{
		{[]string{"--queue-url", ""}, []string{"no queue", "DLQ_URL"}},
		{[]string{"--queue-url", "logsearch-dlq"}, []string{"not a queue URL"}},
		{[]string{"somewhere"}, []string{"takes no SOURCE"}},
		{[]string{"--visibility-timeout", "0s"}, []string{"--visibility-timeout"}},
		{[]string{"--wait", "30s"}, []string{"--wait", "20s"}},
		{[]string{"--max-messages", "-1"}, []string{"--max-messages"}},
		{[]string{"--timezone", "Mars/Olympus"}, []string{"--timezone"}},
		{[]string{"--endpoint", ""}, []string{"no OpenSearch endpoint"}},
	}
	fix := &dlqFixture{sqs: &fakesqs.Server{URL: "http://127.0.0.1:9"}}
	for _, tt := range tests {
		r := &replayRun{t: t, dir: t.TempDir(), os: &fakeopensearch.Server{URL: "http://127.0.0.1:9"}, fix: fix}
		res := r.exec(tt.args...)
		if res.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", tt.args, res.code, ExitUsage, res.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(res.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tt.args, w, res.stderr)
			}
		}
	}
	// The region comes from the queue URL when none is set.
	o, err := ParseReplayArgs([]string{"--dry-run", "--queue-url", testQueue}, func(string) string { return "" }, &bytes.Buffer{})
	if err != nil || o.Region != "ap-northeast-1" || o.VisibilityTimeout != defaultDryRunVisibility {
		t.Fatalf("options %+v, %v", o, err)
	}
}

// Events kept in the DLQ for a mapping conflict (the day's index mapped
// user as a keyword and count as a long before they came) were refused
// the same way on replay until the day rolled over. Replay now demotes
// the clashing fields as the ingest function does, and indexes them.
func TestReplayDLQDemotesMappingConflicts(t *testing.T) {
	fix := newDLQFixture(t)
	at := time.Date(2024, 5, 31, 12, 0, 0, 0, time.UTC).UnixMilli()
	evs := []cwlogs.LogEvent{
		{ID: cwlogstest.EventID(700), Timestamp: at, Message: "user.name:x\tseq:1"},
		{ID: cwlogstest.EventID(701), Timestamp: at, Message: `{"count":"many","seq":2}`},
	}
	fix.failedEvents(t, fix.writer(t, 4096), "/app/web", evs)
	r := newReplayRun(t, fix)
	seed := `{"index":{"_index":"cwl-2024.05.31","_id":"seed"}}` + "\n" + `{"user":"bob","count":3}` + "\n"
	resp, err := http.Post(r.os.URL+"/_bulk", "application/x-ndjson", strings.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	res := r.exec()
	if res.code != ExitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	for id, want := range map[string]map[string]any{evs[0].ID: {"user.name": "x"}, evs[1].ID: {"count": "many"}} {
		raw, ok := r.os.Doc("cwl-2024.05.31", id)
		var doc struct {
			Invalid map[string]any `json:"@invalid"`
		}
		if !ok || json.Unmarshal(raw, &doc) != nil {
			t.Fatalf("event %s not indexed: %s", id, res.stderr)
		}
		for k, v := range want {
			if doc.Invalid[k] != v {
				t.Errorf("event %s: @invalid[%q] = %v, want %v: %s", id, k, doc.Invalid[k], v, raw)
			}
		}
	}
	if left := fix.sqs.Remaining(); len(left) != 0 {
		t.Errorf("%d messages left in the queue", len(left))
	}
}
