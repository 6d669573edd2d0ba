// Package replay re-indexes what the ingest function could not: it drains
// the dead-letter queue, recognises the three kinds of message found there
// (lambda/dlq records, chunked ones included; Lambda on-failure destination
// records; raw invocations from Lambda's own dead-letter queue), and sends
// their events through the ingest function's document builder and bulk
// client, with the CloudWatch event id as _id so a replay never
// duplicates.
//
// A message is deleted only once every one of its events is indexed, or
// refused for good and written to the rejects file; the parts of a chunked
// record only once the whole record is. Payloads that cannot be decoded
// are written to the rejects file and kept in the queue unless the caller
// asks to drop them. Whatever is left is made visible again at the end, so
// the next run sees it at once.
package replay

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/logsearch/logsearch/lambda/backfill/pipeline"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/conflict"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/dlq"
	"github.com/logsearch/logsearch/lambda/document"
)

// Queue is the part of the SQS client a replay uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// SQS limits (aws-sdk-go-v2 sqs v1.52 API documentation).
const (
	maxReceive  = 10 // messages per ReceiveMessage and entries per batch call
	maxWait     = 20 * time.Second
	maxHideTime = 12 * time.Hour
)

// Config is what a replay does.
type Config struct {
	QueueURL string
	// Document configures the shared Builder, as in the ingest function.
	Document document.Config
	// DryRun receives and decodes everything but indexes, deletes and
	// writes nothing; the summary says what a real run would do.
	DryRun bool
	// DropUndecodable deletes payloads that cannot be decoded, once they
	// are in the rejects file.
	DropUndecodable bool
	// MaxMessages stops receiving after this many distinct messages
	// (0: until the queue is drained).
	MaxMessages int
	// VisibilityTimeout hides received messages from other consumers (and
	// from this run's next receives) while they are handled.
	VisibilityTimeout time.Duration
	// Wait is how long one receive long-polls for messages (at most 20 s).
	// The run ends at the first receive that brings nothing new.
	Wait time.Duration
	// OnBatch, if set, is called after each received batch is handled.
	OnBatch func(*Summary)
}

// Deps are the replay's collaborators; Sender and Rejects are unused (and
// may be nil) in a dry run.
type Deps struct {
	Queue   Queue
	Sender  pipeline.Sender
	Rejects *rejects.Writer
	Now     func() time.Time
}

// Summary is what a replay did (in a dry run: would do).
type Summary struct {
	Messages int          // distinct messages received
	ByKind   map[Kind]int // messages per kind
	// Reasons counts what the queue says went wrong: events per recorded
	// error, messages per Lambda failure or decoding problem.
	Reasons     map[string]int
	Events      int64 // events found in decodable messages
	Indexed     int64 // events indexed (in a dry run: that would be)
	Rejected    int64 // events refused for good, moved to the rejects file
	PerIndex    map[string]int64
	Undecodable int // records that cannot be decoded
	Dropped     int // messages of undecodable records deleted (DropUndecodable)
	Deleted     int // messages deleted (in a dry run: that would be)
	// Incomplete counts chunked records not all of whose parts were
	// received; their parts stay in the queue.
	Incomplete int
	Left       int // messages received and left in the queue
	// LimitReached is set when MaxMessages stopped the run.
	LimitReached bool
	Interrupted  bool
	// DeliveryFailed: OpenSearch could not take the events; the run stopped.
	DeliveryFailed error
	// QueueFailed: receiving, deleting or releasing failed.
	QueueFailed error
}

// OK reports whether every message received was replayed and deleted,
// with no event refused and nothing dropped.
func (s *Summary) OK() bool {
	return s.Left == 0 && s.Rejected == 0 && s.Dropped == 0 && !s.Interrupted && s.DeliveryFailed == nil && s.QueueFailed == nil
}

// Run replays the queue. Cancelling stop ends it after the batch in hand
// (stop also cuts a long poll short); cancelling ctx abandons requests.
// The error is for local failures (the rejects file); the summary is
// returned in every case.
func Run(ctx, stop context.Context, cfg Config, deps Deps) (*Summary, error) {
	if cfg.QueueURL == "" {
		return nil, errors.New("replay: no queue URL")
	}
	if !cfg.DryRun && (deps.Sender == nil || deps.Rejects == nil) {
		return nil, errors.New("replay: Sender and Rejects are required outside a dry run")
	}
	cfg.VisibilityTimeout = min(max(cfg.VisibilityTimeout, time.Second), maxHideTime)
	cfg.Wait = min(max(cfg.Wait, 0), maxWait)
	if deps.Now == nil {
		deps.Now = time.Now
	}
	b, err := document.NewBuilder(cfg.Document)
	if err != nil {
		return nil, err
	}
	sum := &Summary{ByKind: map[Kind]int{}, Reasons: map[string]int{}, PerIndex: map[string]int64{}}
	r := &runner{cfg: cfg, deps: deps, sum: sum, builder: b, classifier: newClassifier(sum.Reasons),
		seen: map[string]*message{}, chunks: map[string]*chunkGroup{}}
	r.loop(ctx, stop)
	r.finish(ctx)
	return sum, r.fatal
}

type runner struct {
	cfg     Config
	deps    Deps
	sum     *Summary
	builder *document.Builder
	*classifier

	seen   map[string]*message // by message id
	order  []*message
	chunks map[string]*chunkGroup
	fatal  error

	body []byte
}

// chunkGroup gathers the parts of one chunked record.
type chunkGroup struct {
	parts  int
	byPart map[int][]*message // a part sent twice comes twice
}

func (r *runner) loop(ctx, stop context.Context) {
	for {
		if stop.Err() != nil {
			r.sum.Interrupted = true
			return
		}
		n := maxReceive
		if r.cfg.MaxMessages > 0 {
			if len(r.order) >= r.cfg.MaxMessages {
				r.sum.LimitReached = true
				return
			}
			n = min(n, r.cfg.MaxMessages-len(r.order))
		}
		out, err := r.deps.Queue.ReceiveMessage(stop, &sqs.ReceiveMessageInput{
			QueueUrl:              aws.String(r.cfg.QueueURL),
			MaxNumberOfMessages:   int32(n),
			VisibilityTimeout:     int32(r.cfg.VisibilityTimeout / time.Second),
			WaitTimeSeconds:       int32(r.cfg.Wait / time.Second),
			MessageAttributeNames: []string{"ErrorMessage"},
		})
		if err != nil {
			if stop.Err() != nil {
				r.sum.Interrupted = true
			} else {
				r.sum.QueueFailed = fmt.Errorf("receiving from %s: %w: check --queue-url, --region and your permission to sqs:ReceiveMessage", r.cfg.QueueURL, err)
			}
			return
		}
		fresh := r.admit(out.Messages)
		if len(fresh) == 0 {
			return // drained: nothing new came
		}
		r.handle(ctx, r.records(fresh))
		if r.cfg.OnBatch != nil {
			r.cfg.OnBatch(r.sum)
		}
		if r.fatal != nil || r.sum.DeliveryFailed != nil || r.sum.QueueFailed != nil {
			return
		}
	}
}

// admit records received messages and returns those not seen before. A
// message seen before is back because its visibility timeout ran out:
// only its new receipt handle can delete it.
func (r *runner) admit(msgs []types.Message) []*message {
	var fresh []*message
	for _, m := range msgs {
		id := aws.ToString(m.MessageId)
		if old, ok := r.seen[id]; ok {
			old.receipt = aws.ToString(m.ReceiptHandle)
			continue
		}
		msg := &message{id: id, receipt: aws.ToString(m.ReceiptHandle), body: aws.ToString(m.Body)}
		if a, ok := m.MessageAttributes["ErrorMessage"]; ok {
			msg.errorMessage = aws.ToString(a.StringValue)
		}
		r.seen[id] = msg
		r.order = append(r.order, msg)
		r.sum.Messages++
		fresh = append(fresh, msg)
	}
	return fresh
}

// records classifies fresh messages; chunks wait for their siblings.
func (r *runner) records(fresh []*message) []*record {
	var out []*record
	for _, m := range fresh {
		h, ok := dlq.Peek(m.body)
		if !ok || h.Kind != dlq.KindChunk {
			out = append(out, r.single(m))
			r.sum.ByKind[m.kind]++
			continue
		}
		g := r.chunks[h.ChunkOf]
		if problem := chunkProblem(h, g); problem != "" {
			out = append(out, r.malformedChunk(m, problem))
			continue
		}
		m.kind = KindChunk
		r.sum.ByKind[KindChunk]++
		if g == nil {
			g = &chunkGroup{parts: h.Parts, byPart: map[int][]*message{}}
			r.chunks[h.ChunkOf] = g
		}
		g.byPart[h.Part] = append(g.byPart[h.Part], m)
		if len(g.byPart) < g.parts {
			continue
		}
		delete(r.chunks, h.ChunkOf)
		rec := &record{}
		bodies := make([]string, 0, g.parts)
		for p := 1; p <= g.parts; p++ {
			bodies = append(bodies, g.byPart[p][0].body)
			rec.msgs = append(rec.msgs, g.byPart[p]...)
		}
		r.fromDLQ(rec, bodies)
		out = append(out, rec)
	}
	return out
}

// chunkProblem says why a chunk's header cannot belong to a record that
// lambda/dlq wrote (parts numbered 1..parts, the same parts in every
// chunk of a record), or "" when it can. Trusting such a header would
// index outside the record's parts.
func chunkProblem(h dlq.Header, g *chunkGroup) string {
	switch {
	case h.ChunkOf == "":
		return "chunk without chunk_of"
	case h.Parts < 1:
		return fmt.Sprintf("chunk with parts %d (at least 1)", h.Parts)
	case h.Part < 1 || h.Part > h.Parts:
		return fmt.Sprintf("chunk part %d outside 1..%d", h.Part, h.Parts)
	case g != nil && g.parts != h.Parts:
		return fmt.Sprintf("chunk says its record has %d parts, an earlier chunk of %s said %d", h.Parts, h.ChunkOf, g.parts)
	}
	return ""
}

// malformedChunk is a message that looks like a chunk but cannot be one:
// something else wrote it. Like any unrecognised message it goes to the
// rejects file and stays in the queue (unless DropUndecodable).
func (r *runner) malformedChunk(m *message, problem string) *record {
	m.kind = KindUnknown
	r.sum.ByKind[KindUnknown]++
	r.reasons["malformed logsearch DLQ chunk"]++
	rec := &record{msgs: []*message{m}}
	rec.fail([]byte(m.body), problem+": not a chunk the ingest function writes; inspect the payload in the rejects file")
	return rec
}

// handle indexes the records' events in one go, files what cannot be
// indexed, and deletes the messages of every record fully handled.
func (r *runner) handle(ctx context.Context, recs []*record) {
	var events []*event
	var done []*record
	r.body = r.body[:0]
	var ends []int
	var indices []string
	for _, rec := range recs {
		if rec.failure != "" {
			if r.undecodable(rec) {
				done = append(done, rec)
			}
			continue
		}
		r.sum.Events += int64(len(rec.events))
		for i := range rec.events {
			e := &rec.events[i]
			var info document.ItemInfo
			r.body, info = r.builder.AppendBulkItem(r.body, e.src, &e.ev)
			if info.Refused != "" {
				continue // cannot be indexed as sent (id or time): its record stays in the queue
			}
			ends = append(ends, len(r.body))
			indices = append(indices, info.Index)
			events = append(events, e)
		}
	}
	if r.cfg.DryRun || len(events) == 0 {
		for _, idx := range indices {
			r.sum.PerIndex[idx]++
		}
		r.sum.Indexed += int64(len(events))
		r.delete(ctx, append(done, decodable(recs)...))
		return
	}
	// A record kept for a mapping conflict is demoted as the ingest
	// function would now have done, instead of refused again until the
	// day's index rolls over.
	rb := &conflict.Rebuilder{Builder: r.builder, Event: func(ref int) (*cwlogs.Payload, *cwlogs.LogEvent) {
		return events[ref].src, &events[ref].ev
	}}
	rebuild := rb.Rebuild
	items := make([]bulk.Item, len(events))
	start := 0
	for i, end := range ends {
		items[i] = bulk.Item{ID: events[i].ev.ID, Body: r.body[start:end], Ref: i, Rebuild: rebuild}
		start = end
	}
	res := r.deps.Sender.IndexSource(ctx, bulk.Items(items)) // each Ref is the item's position
	settled := make(map[*record]int, len(recs))
	for _, ref := range res.Indexed {
		settled[events[ref].rec]++
		r.sum.PerIndex[indices[ref]]++
	}
	r.sum.Indexed += int64(len(res.Indexed))
	if err := pipeline.DeliveryError(res); err != nil {
		r.sum.DeliveryFailed = err
	} else {
		for _, f := range res.Failed {
			e := events[f.Ref]
			if !r.reject(rejects.Reject{Index: indices[f.Ref], Status: f.Status, Error: f.Reason,
				QueueMessages: ids(e.rec.msgs), EventID: e.ev.ID, Timestamp: e.ev.Timestamp,
				LogGroup: e.src.LogGroup, LogStream: e.src.LogStream, Owner: e.src.Owner, Message: &e.ev.Message}) {
				break
			}
			settled[e.rec]++
			r.sum.Rejected++
		}
		if r.fatal == nil {
			r.syncRejects()
		}
	}
	for _, rec := range decodable(recs) {
		if settled[rec] == len(rec.events) && r.fatal == nil {
			done = append(done, rec)
			continue
		}
		for _, m := range rec.msgs {
			m.state = unsettled
		}
	}
	r.delete(ctx, done)
}

func decodable(recs []*record) []*record {
	var out []*record
	for _, rec := range recs {
		if rec.failure == "" {
			out = append(out, rec)
		}
	}
	return out
}

// undecodable files a record that cannot be decoded, and says whether it
// may be deleted.
func (r *runner) undecodable(rec *record) bool {
	r.sum.Undecodable++
	if !r.cfg.DryRun {
		if !r.reject(rejects.Reject{Error: rec.failure, QueueMessages: ids(rec.msgs), PayloadBase64: base64.StdEncoding.EncodeToString(rec.payload)}) {
			return false
		}
		if r.cfg.DropUndecodable && !r.syncRejects() {
			return false
		}
	}
	if r.cfg.DropUndecodable {
		r.sum.Dropped += len(rec.msgs)
		return true
	}
	for _, m := range rec.msgs {
		m.state = kept
	}
	return false
}

func (r *runner) reject(rj rejects.Reject) bool {
	if r.fatal != nil {
		return false
	}
	rj.Time, rj.Source = r.deps.Now().UTC(), r.cfg.QueueURL
	if err := r.deps.Rejects.Write(rj); err != nil {
		r.fatal = err
		return false
	}
	return true
}

// syncRejects makes the rejects durable before the queue forgets them.
func (r *runner) syncRejects() bool {
	if err := r.deps.Rejects.Sync(); err != nil {
		r.fatal = err
		return false
	}
	return true
}

func ids(msgs []*message) []string {
	out := make([]string, len(msgs))
	for k, m := range msgs {
		out[k] = m.id
	}
	return out
}

// delete removes the records' messages from the queue, ten per call.
func (r *runner) delete(ctx context.Context, recs []*record) {
	var msgs []*message
	for _, rec := range recs {
		msgs = append(msgs, rec.msgs...)
	}
	if r.cfg.DryRun {
		for _, m := range msgs {
			m.state = deleted
		}
		r.sum.Deleted += len(msgs)
		return
	}
	r.eachBatch(msgs, func(batch []*message) {
		entries := make([]types.DeleteMessageBatchRequestEntry, len(batch))
		for k, m := range batch {
			entries[k] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(k)), ReceiptHandle: aws.String(m.receipt)}
		}
		out, err := r.deps.Queue.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.cfg.QueueURL), Entries: entries})
		if err != nil {
			r.queueFailed(fmt.Errorf("deleting %d handled messages from %s: %w (they stay in the queue; replaying them again is harmless)", len(batch), r.cfg.QueueURL, err))
			for _, m := range batch {
				m.state = unsettled
			}
			return
		}
		for _, e := range out.Successful {
			if m := entry(batch, e.Id); m != nil && m.state != deleted {
				m.state = deleted
				r.sum.Deleted++
			}
		}
		for _, f := range out.Failed {
			if m := entry(batch, f.Id); m != nil {
				m.state = unsettled
			}
			r.queueFailed(fmt.Errorf("deleting a handled message from %s: %s: %s (it stays in the queue; replaying it again is harmless)", r.cfg.QueueURL, aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	})
}

// eachBatch calls f on msgs in groups of ten.
func (r *runner) eachBatch(msgs []*message, f func([]*message)) {
	for len(msgs) > 0 {
		n := min(len(msgs), maxReceive)
		f(msgs[:n])
		msgs = msgs[n:]
	}
}

// entry finds the batch message of a batch entry id (its position).
func entry(batch []*message, id *string) *message {
	k, err := strconv.Atoi(aws.ToString(id))
	if err != nil || k < 0 || k >= len(batch) {
		return nil
	}
	return batch[k]
}

// queueFailed keeps the first queue error.
func (r *runner) queueFailed(err error) {
	if r.sum.QueueFailed == nil {
		r.sum.QueueFailed = err
	}
}

// finish counts what is left and makes it visible again at once, so the
// next run (or a look with the AWS CLI) sees it without waiting out the
// visibility timeout. A dry run releases everything it received.
func (r *runner) finish(ctx context.Context) {
	for _, g := range r.chunks {
		r.sum.Incomplete++
		for _, ms := range g.byPart {
			for _, m := range ms {
				m.state = kept
			}
		}
	}
	var release []*message
	for _, m := range r.order {
		if r.cfg.DryRun || m.state != deleted {
			release = append(release, m)
		}
		if m.state != deleted {
			r.sum.Left++
		}
	}
	// Released even after a second Ctrl-C: otherwise the messages stay
	// hidden for the whole visibility timeout.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	r.eachBatch(release, func(batch []*message) {
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(batch))
		for k, m := range batch {
			entries[k] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(k)), ReceiptHandle: aws.String(m.receipt), VisibilityTimeout: 0}
		}
		// Failed entries are messages whose visibility timeout already
		// ran out: visible anyway.
		if _, err := r.deps.Queue.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(r.cfg.QueueURL), Entries: entries}); err != nil {
			r.queueFailed(fmt.Errorf("making %d messages visible again in %s: %w (they return by themselves after --visibility-timeout)", len(batch), r.cfg.QueueURL, err))
		}
	})
}
