package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/logsearch/logsearch/lambda/fakesqs"
	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

const queue = "https://sqs.eu-west-1.amazonaws.com/123456789012/logsearch-dlq"

// newWriter points a real SQS client at a fake queue the way the function
// does: through AWS_ENDPOINT_URL_SQS and static credentials.
func newWriter(t *testing.T, cfg Config) (*Writer, *fakesqs.Server) {
	t.Helper()
	fake, err := fakesqs.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	t.Setenv("AWS_ENDPOINT_URL_SQS", fake.URL)
	awstest.StaticCredentials(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	cfg.QueueURL = queue
	cfg.Sleep = func(context.Context, time.Duration) error { return nil }
	w, err := New(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w, fake
}

var src = Source{Owner: "123456789012", LogGroup: "/app/web", LogStream: "i-0abc", SubscriptionFilters: []string{"logsearch"}}

func events(n, size int) []FailedEvent {
	out := make([]FailedEvent, n)
	for i := range out {
		out[i] = FailedEvent{
			ID: fmt.Sprintf("3%055d", i), Timestamp: 1700000000000 + int64(i),
			Message: fmt.Sprintf("status:abc\tn:%d\tpad:%s", i, strings.Repeat("p", size)),
			Status:  400, Error: "mapper_parsing_exception: failed to parse field [status]",
		}
	}
	return out
}

func bodies(fake *fakesqs.Server) []string {
	var out []string
	for _, m := range fake.Messages() {
		out = append(out, m.Body)
	}
	return out
}

// readBack checks the queue holds exactly want, in order, and returns the
// message bodies.
func readBack(t *testing.T, fake *fakesqs.Server, want []FailedEvent) []string {
	t.Helper()
	b := bodies(fake)
	c, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Incomplete) > 0 {
		t.Fatalf("incomplete chunks %v", c.Incomplete)
	}
	if len(c.Events) != len(want) {
		t.Fatalf("read %d events, sent %d", len(c.Events), len(want))
	}
	for k, e := range c.Events {
		if e.FailedEvent != want[k] {
			t.Fatalf("event %d:\n got %+v\nwant %+v", k, e.FailedEvent, want[k])
		}
		if e.LogGroup != src.LogGroup || e.LogStream != src.LogStream || e.Owner != src.Owner || e.RequestID != "req-1" {
			t.Fatalf("event %d source %+v", k, e)
		}
	}
	return b
}

func TestPacking(t *testing.T) {
	tests := []struct {
		name                 string
		maxMsg               int
		events               []FailedEvent
		wantMsgs, wantChunks int
	}{
		{"one message", 0, events(50, 100), 1, 0},
		{"several messages", 10 << 10, events(100, 900), 13, 0},
		{"event bigger than a message is chunked", 64 << 10, events(1, 200<<10), 5, 5},
		{"chunked event among small ones", 64 << 10, append(events(3, 10), events(1, 200<<10)...), 6, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, fake := newWriter(t, Config{MaxMessageBytes: tt.maxMsg})
			n, err := w.FailedEvents(context.Background(), "req-1", src, tt.events)
			if err != nil {
				t.Fatal(err)
			}
			b := readBack(t, fake, tt.events)
			if n != len(b) || n != tt.wantMsgs {
				t.Errorf("sent %d messages, queue has %d, want %d", n, len(b), tt.wantMsgs)
			}
			chunks := 0
			for _, m := range b {
				if len(m) > w.cfg.MaxMessageBytes {
					t.Errorf("message of %d bytes over the %d limit", len(m), w.cfg.MaxMessageBytes)
				}
				if strings.Contains(m, `"kind":"chunk"`) {
					chunks++
				}
			}
			if chunks != tt.wantChunks {
				t.Errorf("chunks = %d, want %d", chunks, tt.wantChunks)
			}
		})
	}
}

func TestBatchLimits(t *testing.T) {
	// 25 messages of ~100 kB: 10 per call by count would be 1 MB, over the
	// batch limit, so calls carry at most 10 entries and 1 MiB.
	w, fake := newWriter(t, Config{MaxMessageBytes: 100 << 10})
	evs := events(25, 95<<10)
	n, err := w.FailedEvents(context.Background(), "req-1", src, evs)
	if err != nil {
		t.Fatal(err)
	}
	readBack(t, fake, evs)
	if n != 25 || fake.Calls() < 3 {
		t.Errorf("messages %d, calls %d", n, fake.Calls())
	}
	batches := w.batches(make([][]byte, 25))
	if len(batches) != 3 || len(batches[0]) != 10 || len(batches[2]) != 5 {
		t.Errorf("batches by count: %d", len(batches))
	}
	big := make([][]byte, 12)
	for k := range big {
		big[k] = make([]byte, 300<<10)
	}
	for _, b := range w.batches(big) {
		total := 0
		for _, m := range b {
			total += len(m)
		}
		if total > DefaultMaxBatchBytes || len(b) > MaxBatchEntries {
			t.Errorf("batch of %d entries, %d bytes", len(b), total)
		}
	}
}

func TestAwkwardCharactersSurvive(t *testing.T) {
	w, fake := newWriter(t, Config{})
	evs := []FailedEvent{
		{ID: "1", Timestamp: 1, Message: "nul\x00 bel\x07 tab\t cr\r lf\n del\x7f", Error: "e"},
		{ID: "2", Timestamp: 2, Message: "nonchars \uFFFE \uFFFF and html <a href='x'>&amp;</a>", Error: "e\uFFFF"},
		{ID: "3", Timestamp: 3, Message: "invalid utf-8 \xff\xfe\xc3( kept", Status: 400, Error: "e"},
		{ID: "4", Timestamp: 4, Message: "日本語 and emoji 🎉", Error: "e"},
	}
	if _, err := w.FailedEvents(context.Background(), "req-1", src, evs); err != nil {
		t.Fatal(err) // the fake rejects characters SQS rejects
	}
	readBack(t, fake, evs)
}

func TestUndecodable(t *testing.T) {
	for _, size := range []int{10, 3 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			w, fake := newWriter(t, Config{})
			inv := make([]byte, size)
			for k := range inv {
				inv[k] = byte(k * 7)
			}
			if _, err := w.Undecodable(context.Background(), "req-9", inv, "decoding: gzip: invalid header"); err != nil {
				t.Fatal(err)
			}
			c, err := Read(bodies(fake))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Payloads) != 1 || string(c.Payloads[0].Invocation) != string(inv) ||
				c.Payloads[0].Reason != "decoding: gzip: invalid header" || c.Payloads[0].RequestID != "req-9" {
				t.Fatalf("payloads %d, incomplete %v", len(c.Payloads), c.Incomplete)
			}
		})
	}
}

func TestTransientEntryFailuresAreRetried(t *testing.T) {
	w, fake := newWriter(t, Config{MaxMessageBytes: 4 << 10})
	fake.SetFaults(fakesqs.Faults{Entry: func(_ string, attempt int) bool { return attempt < 3 }})
	evs := events(30, 1000)
	n, err := w.FailedEvents(context.Background(), "req-1", src, evs)
	if err != nil {
		t.Fatal(err)
	}
	readBack(t, fake, evs) // in order, no duplicates
	if n != len(fake.Messages()) {
		t.Errorf("reported %d, queue has %d", n, len(fake.Messages()))
	}
}

func TestUnsendableIsAnError(t *testing.T) {
	w, fake := newWriter(t, Config{})
	fake.SetFaults(fakesqs.Faults{Call: func(int) int { return 500 }})
	n, err := w.FailedEvents(context.Background(), "req-1", src, events(3, 10))
	if err == nil || n != 0 || !strings.Contains(err.Error(), "1 of 1 messages not sent") {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if fake.Calls() != 4 {
		t.Errorf("calls = %d, want 4 attempts", fake.Calls())
	}
}

func TestRecordShapeIsReplayable(t *testing.T) {
	w, fake := newWriter(t, Config{})
	evs := events(2, 5)
	if _, err := w.FailedEvents(context.Background(), "req-1", src, evs); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Version int    `json:"logsearch_dlq"`
		Kind    string `json:"kind"`
		Payload struct {
			MessageType string `json:"messageType"`
			LogGroup    string `json:"logGroup"`
			LogEvents   []struct {
				ID        string `json:"id"`
				Timestamp int64  `json:"timestamp"`
				Message   string `json:"message"`
			} `json:"logEvents"`
		} `json:"payload"`
		Errors []struct {
			ID     string `json:"id"`
			Status int    `json:"status"`
			Error  string `json:"error"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(fake.Messages()[0].Body), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Version != 1 || rec.Kind != KindFailedEvents || rec.Payload.MessageType != "DATA_MESSAGE" ||
		rec.Payload.LogGroup != "/app/web" || len(rec.Payload.LogEvents) != 2 || rec.Errors[1].ID != evs[1].ID || rec.Errors[1].Status != 400 {
		t.Errorf("record %+v", rec)
	}
}

// hangingSQS never answers a SendMessageBatch until its context ends.
type hangingSQS struct{}

func (hangingSQS) SendMessageBatch(ctx context.Context, _ *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestHangingSQSIsBoundedByTheInvocation: an SQS that never answers must
// not use up the invocation. Lambda ends an invocation at its deadline
// without a word from the function
// (https://docs.aws.amazon.com/lambda/latest/dg/golang-context.html:
// Deadline "Returns the date that the execution times out"), so the writes give
// up a margin before it and say why: the function then logs the failure
// and fails the invocation, and Lambda retries the payload.
func TestHangingSQSIsBoundedByTheInvocation(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *Writer, ctx context.Context) error
	}{
		{"failed events", func(w *Writer, ctx context.Context) error {
			_, err := w.FailedEvents(ctx, "req-1", src, events(3, 10))
			return err
		}},
		{"undecodable payload", func(w *Writer, ctx context.Context) error {
			_, err := w.Undecodable(ctx, "req-1", []byte("x"), "not gzip")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(hangingSQS{}, Config{QueueURL: queue, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			budget := DefaultMargin + 2*time.Second
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			start := time.Now()
			err = tt.write(w, ctx)
			took := time.Since(start)
			if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "SQS did not answer by 1s before the invocation's deadline") {
				t.Fatalf("err %v, want a timeout that says why", err)
			}
			if ctx.Err() != nil || took >= budget {
				t.Errorf("the write took %s of the invocation's %s; it must leave time to report the failure", took, budget)
			}
		})
	}
}

// TestBatchLimitBelowTheWriters: where SQS allows less per batch than
// MaxBatchBytes (the AWS China regions document 256 KiB for "the maximum
// total payload size (the sum of the individual lengths of all of the
// batched messages)":
// https://docs.amazonaws.cn/en_us/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html),
// a batch refused with BatchRequestTooLong is sent again in smaller
// batches instead of failing the dead-letter write.
func TestBatchLimitBelowTheWriters(t *testing.T) {
	w, fake := newWriter(t, Config{})
	fake.SetFaults(fakesqs.Faults{BatchBytes: 256 << 10})
	evs := events(6, 150<<10) // six messages of about 150 kB: about 900 kB in one batch
	n, err := w.FailedEvents(context.Background(), "req-1", src, evs)
	if err != nil {
		t.Fatal(err)
	}
	if b := readBack(t, fake, evs); n != len(b) || n != 6 {
		t.Errorf("sent %d messages, queue holds %d, want 6", n, len(b))
	}
}

// refusingSQS refuses every SendMessageBatch with one API error.
type refusingSQS struct{ code string }

func (r refusingSQS) SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return nil, &smithy.GenericAPIError{Code: r.code, Message: "refused", Fault: smithy.FaultClient}
}

// TestRefusalsNameTheFix: a dead-letter write SQS refuses for good says
// what to change. The codes are SendMessageBatch's errors
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html#API_SendMessageBatch_Errors),
// AccessDenied as IAM answers, and the query-protocol name of a missing
// queue that older endpoints still send.
func TestRefusalsNameTheFix(t *testing.T) {
	for code, want := range map[string]string{
		"AccessDenied":      "sqs:SendMessage",
		"KmsAccessDenied":   "KMS key",
		"KmsDisabled":       "KMS key",
		"QueueDoesNotExist": "DLQ_URL",
		"AWS.SimpleQueueService.NonExistentQueue": "DLQ_URL",
	} {
		t.Run(code, func(t *testing.T) {
			w, err := New(refusingSQS{code: code}, Config{QueueURL: queue, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.FailedEvents(context.Background(), "req-1", src, events(1, 10))
			if err == nil || !strings.Contains(err.Error(), "(fix: ") || !strings.Contains(err.Error(), want) {
				t.Errorf("err %v, want a fix naming %q", err, want)
			}
		})
	}
}
