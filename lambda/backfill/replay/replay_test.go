package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/document"
)

func TestClassify(t *testing.T) {
	inv := string(cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app", "s", []cwlogs.LogEvent{{ID: "1", Timestamp: 1, Message: "a:b"}, {ID: "2", Timestamp: 2, Message: "c"}})))
	tests := []struct {
		name, body string
		kind       Kind
		events     int
		failure    string // substring; "" means decodable
	}{
		{"raw invocation", inv, KindInvocation, 2, ""},
		{"raw invocation with whitespace", " \n" + inv + "\n", KindInvocation, 2, ""},
		{"destination record", `{"requestContext":{"condition":"RetriesExhausted"},"requestPayload":` + inv + `,"responsePayload":{"errorMessage":"boom"}}`, KindDestination, 2, ""},
		{"destination without payload", `{"requestContext":{"condition":"EventAgeExceeded"}}`, KindDestination, 0, "without requestPayload"},
		{"destination with a bad payload", `{"requestContext":{},"requestPayload":{"awslogs":{"data":"!!"}}}`, KindDestination, 0, "base64"},
		{"invocation that is not gzip", `{"awslogs":{"data":"aGVsbG8="}}`, KindInvocation, 0, "gzip"},
		{"dlq record of a future kind", `{"logsearch_dlq":1,"kind":"teleported-events"}`, KindUnknown, 0, "unknown kind"},
		{"corrupt dlq record", `{"logsearch_dlq":1,"kind":"failed-events","payload":{"logEvents":[{"id":"1"}]},"errors":[]}`, KindFailedEvents, 0, "cannot be read"},
		{"plain text", "hello", KindUnknown, 0, "not a logsearch DLQ record"},
		{"other JSON", `{"Records":[]}`, KindUnknown, 0, "not a logsearch DLQ record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClassifier(reasonCounts{})
			m := &message{id: "m", body: tt.body}
			rec := c.single(m)
			if m.kind != tt.kind || len(rec.events) != tt.events {
				t.Errorf("kind %s with %d events, want %s with %d", m.kind, len(rec.events), tt.kind, tt.events)
			}
			if (tt.failure == "") != (rec.failure == "") || !strings.Contains(rec.failure, tt.failure) {
				t.Errorf("failure %q, want %q", rec.failure, tt.failure)
			}
			if rec.failure != "" && len(rec.payload) == 0 {
				t.Error("an undecodable record keeps no payload for the rejects file")
			}
		})
	}
}

// memQueue is an in-memory queue whose deletes can fail.
type memQueue struct {
	bodies     []string
	next       int
	deleted    map[string]bool
	released   int
	failDelete func(receipt string) bool
	deleteErr  error
}

func (q *memQueue) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out := &sqs.ReceiveMessageOutput{}
	for ; q.next < len(q.bodies) && len(out.Messages) < int(in.MaxNumberOfMessages); q.next++ {
		id := strconv.Itoa(q.next)
		out.Messages = append(out.Messages, types.Message{MessageId: aws.String(id), ReceiptHandle: aws.String("rh-" + id), Body: aws.String(q.bodies[q.next])})
	}
	return out, nil
}

func (q *memQueue) DeleteMessageBatch(_ context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if q.deleteErr != nil {
		return nil, q.deleteErr
	}
	out := &sqs.DeleteMessageBatchOutput{}
	for _, e := range in.Entries {
		if q.failDelete != nil && q.failDelete(*e.ReceiptHandle) {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected")})
			continue
		}
		q.deleted[*e.ReceiptHandle] = true
		out.Successful = append(out.Successful, types.DeleteMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

func (q *memQueue) ChangeMessageVisibilityBatch(_ context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	q.released += len(in.Entries)
	return &sqs.ChangeMessageVisibilityBatchOutput{}, nil
}

// indexAll accepts every item.
type indexAll struct{ n int }

func (s *indexAll) IndexSource(_ context.Context, src bulk.Source) bulk.Result {
	var r bulk.Result
	for i := range src.Len() {
		r.Indexed = append(r.Indexed, i)
	}
	s.n += src.Len()
	return r
}

// replayInto replays q into sender with the default document settings.
func replayInto(t *testing.T, q *memQueue, sender *indexAll) (*Summary, error) {
	return Run(context.Background(), context.Background(),
		Config{QueueURL: "q", Document: document.Config{IndexPrefix: "cwl", Location: time.UTC, TimeField: "time"}},
		Deps{Queue: q, Sender: sender, Rejects: rejects.NewWriter(t.TempDir() + "/r.ndjson")})
}

func TestDeleteFailuresLeaveMessages(t *testing.T) {
	var bodies []string
	for i := range 25 {
		bodies = append(bodies, string(cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app", "s",
			[]cwlogs.LogEvent{{ID: cwlogstest.EventID(i), Timestamp: 1717200000000, Message: "n:" + strconv.Itoa(i)}}))))
	}
	tests := []struct {
		name       string
		failDelete func(string) bool
		deleteErr  error
		// A failed delete stops the run after its batch of ten: every
		// further message would be indexed and then fail to delete too.
		wantLeft, wantIndexed int
	}{
		{"all deleted", nil, nil, 0, 25},
		{"entries refused", func(rh string) bool { return rh == "rh-3" || rh == "rh-7" }, nil, 2, 10},
		{"call fails", nil, errors.New("throttled"), 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &memQueue{bodies: bodies, deleted: map[string]bool{}, failDelete: tt.failDelete, deleteErr: tt.deleteErr}
			sender := &indexAll{}
			sum, err := replayInto(t, q, sender)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Left != tt.wantLeft || sum.Deleted != tt.wantIndexed-tt.wantLeft || len(q.deleted) != sum.Deleted || q.released != tt.wantLeft {
				t.Errorf("left %d deleted %d (queue deleted %d, released %d), want %d left", sum.Left, sum.Deleted, len(q.deleted), q.released, tt.wantLeft)
			}
			if sender.n != tt.wantIndexed || sum.Indexed != int64(tt.wantIndexed) {
				t.Errorf("indexed %d/%d", sender.n, sum.Indexed)
			}
			if (tt.wantLeft > 0) != (sum.QueueFailed != nil) || sum.OK() != (tt.wantLeft == 0) {
				t.Errorf("queue error %v, OK %v", sum.QueueFailed, sum.OK())
			}
		})
	}
}

func TestShort(t *testing.T) {
	if got := short("a\n  b\tc"); got != "a b c" {
		t.Errorf("short = %q", got)
	}
	if got := short(strings.Repeat("é", 200)); len([]rune(got)) != 121 {
		t.Errorf("short kept %d runes", len([]rune(got)))
	}
	if got := failedEventReason(400, "mapper_parsing_exception: failed to parse"); got != "HTTP 400 mapper_parsing_exception" {
		t.Errorf("reason %q", got)
	}
}

// A message shaped like a chunk whose numbering no lambda/dlq record can
// have is unrecognised: it goes to the rejects file and stays in the
// queue, and the messages around it are replayed as usual.
func TestMalformedChunksAreUnrecognised(t *testing.T) {
	chunk := func(of string, part, parts int) string {
		return fmt.Sprintf(`{"logsearch_dlq":1,"kind":"chunk","chunk_of":%q,"part":%d,"parts":%d,"data":"e30="}`, of, part, parts)
	}
	inv := string(cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app", "s", []cwlogs.LogEvent{{ID: "1", Timestamp: 1717200000000, Message: "a:b"}})))
	tests := []struct {
		name      string
		malformed []string
		// incomplete counts well-formed chunks waiting for siblings.
		unrecognised, incomplete int
	}{
		{"part above parts", []string{chunk("x", 2, 1)}, 1, 0},
		{"part far above parts", []string{chunk("x", 1<<20, 3)}, 1, 0},
		{"part 0", []string{chunk("x", 0, 1)}, 1, 0},
		{"negative part", []string{chunk("x", -1, 2)}, 1, 0},
		{"parts 0", []string{chunk("x", 1, 0)}, 1, 0},
		{"negative parts", []string{chunk("x", 1, -5)}, 1, 0},
		{"no chunk_of", []string{chunk("", 1, 1)}, 1, 0},
		{"parts disagree within a record", []string{chunk("x", 1, 2), chunk("x", 2, 3)}, 1, 1},
		{"huge parts never completes", []string{chunk("x", 1, 1<<30)}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bodies := append([]string{inv}, tt.malformed...)
			bodies = append(bodies, inv)
			q := &memQueue{bodies: bodies, deleted: map[string]bool{}}
			sender := &indexAll{}
			sum, err := replayInto(t, q, sender)
			if err != nil {
				t.Fatal(err)
			}
			if sum.ByKind[KindUnknown] != tt.unrecognised || sum.Incomplete != tt.incomplete {
				t.Errorf("unrecognised %d, incomplete %d; want %d, %d", sum.ByKind[KindUnknown], sum.Incomplete, tt.unrecognised, tt.incomplete)
			}
			if sum.Left != len(tt.malformed) || sum.Deleted != 2 || sum.Indexed != 2 {
				t.Errorf("left %d deleted %d indexed %d: want the malformed messages left and the two invocations replayed", sum.Left, sum.Deleted, sum.Indexed)
			}
		})
	}
}

// Any part/parts numbering, in any order, is handled without a panic.
func TestChunkNumberingNeverPanics(t *testing.T) {
	nums := []int{-1 << 31, -1, 0, 1, 2, 3, 1 << 30}
	for _, a := range nums {
		for _, b := range nums {
			bodies := []string{
				fmt.Sprintf(`{"logsearch_dlq":1,"kind":"chunk","chunk_of":"x","part":%d,"parts":%d,"data":"e30="}`, a, b),
				fmt.Sprintf(`{"logsearch_dlq":1,"kind":"chunk","chunk_of":"x","part":%d,"parts":%d,"data":"e30="}`, b, a),
				`{"logsearch_dlq":1,"kind":"chunk","chunk_of":"x","part":1,"parts":2,"data":"e30="}`,
			}
			q := &memQueue{bodies: bodies, deleted: map[string]bool{}}
			sum, err := replayInto(t, q, &indexAll{})
			if err != nil || sum.Messages != 3 || sum.Left+sum.Deleted != 3 {
				t.Fatalf("part %d parts %d: %+v, %v", a, b, sum, err)
			}
		}
	}
}
