package replay

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/dlq"
)

// Kind is what a queue message is.
type Kind string

// The kinds of message the dead-letter queue receives.
const (
	// KindFailedEvents: a record lambda/dlq wrote for events OpenSearch
	// refused for good.
	KindFailedEvents Kind = "failed-events"
	// KindUndecodableRecord: a record lambda/dlq wrote for an invocation
	// payload the function could not decode.
	KindUndecodableRecord Kind = "undecodable-payload"
	// KindChunk: one part of a lambda/dlq record too big for one message.
	KindChunk Kind = "chunk"
	// KindDestination: the invocation record Lambda's on-failure
	// destination writes after the last retry; requestPayload is the
	// original invocation.
	KindDestination Kind = "lambda-destination"
	// KindInvocation: a raw invocation payload, as Lambda's own
	// dead-letter queue (DeadLetterConfig) keeps it.
	KindInvocation Kind = "lambda-dlq-invocation"
	// KindUnknown: none of the above.
	KindUnknown Kind = "unrecognised"
)

// Kinds lists the kinds in the order summaries print them.
var Kinds = []Kind{KindFailedEvents, KindUndecodableRecord, KindChunk, KindDestination, KindInvocation, KindUnknown}

// message is one queue message received in this run.
type message struct {
	id, receipt, body string
	kind              Kind
	// errorMessage is the ErrorMessage attribute Lambda sets on its
	// dead-letter messages.
	errorMessage string
	state        state
}

type state int

const (
	pending   state = iota // being handled
	deleted                // handled and deleted (or, in a dry run, would be)
	kept                   // deliberately left: undecodable, or an incomplete chunked record
	unsettled              // left because delivery or deletion failed
)

// record is the unit of handling: the events of one or more messages (the
// parts of a chunked record), deleted together once all are handled.
type record struct {
	msgs   []*message
	events []event
	// failure, when set, says why the content cannot be decoded; payload
	// is then what the rejects file keeps of it.
	failure string
	payload []byte
}

// event is one log event to index, with its envelope.
type event struct {
	src *cwlogs.Payload // owner, log group and stream; no events
	ev  cwlogs.LogEvent
	rec *record
}

// reasonCounts counts the errors the queue records for what it holds.
type reasonCounts map[string]int

// classifier turns message bodies into records. It owns the decoder, whose
// output it copies, since the next decode overwrites it.
type classifier struct {
	decoder cwlogs.Decoder
	sources map[origin]*cwlogs.Payload
	reasons reasonCounts
}

func newClassifier(reasons reasonCounts) *classifier {
	return &classifier{reasons: reasons}
}

// single builds the record of a message that stands alone: anything but a
// chunk. It sets m.kind.
func (c *classifier) single(m *message) *record {
	rec := &record{msgs: []*message{m}}
	if h, ok := dlq.Peek(m.body); ok {
		m.kind = Kind(h.Kind)
		if m.kind != KindFailedEvents && m.kind != KindUndecodableRecord {
			m.kind = KindUnknown
			rec.fail([]byte(m.body), fmt.Sprintf("logsearch DLQ record of unknown kind %q: this replay-dlq is older than the ingest function that wrote it; update it", h.Kind))
			return rec
		}
		c.fromDLQ(rec, []string{m.body})
		return rec
	}
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(m.body), &top) == nil && top["requestContext"] != nil {
		m.kind = KindDestination
		c.fromDestination(rec, m.body)
		return rec
	}
	if top != nil && top["awslogs"] != nil {
		m.kind = KindInvocation
		reason := "Lambda dead-letter message"
		if m.errorMessage != "" {
			reason += ": " + short(m.errorMessage)
		}
		c.reasons[reason]++
		c.fromInvocation(rec, []byte(m.body), "")
		return rec
	}
	m.kind = KindUnknown
	c.reasons["unrecognised message"]++
	rec.fail([]byte(m.body), "not a logsearch DLQ record, a Lambda destination record or a CloudWatch Logs invocation ({\"awslogs\":{\"data\":...}}): "+
		"something else writes to this queue; inspect the payload in the rejects file")
	return rec
}

// fromDLQ reads a whole lambda/dlq record (its message, or its chunks in
// order).
func (c *classifier) fromDLQ(rec *record, bodies []string) {
	contents, err := dlq.Read(bodies)
	if err == nil && len(contents.Incomplete) > 0 {
		err = fmt.Errorf("chunks of %v do not join up", contents.Incomplete)
	}
	if err != nil {
		c.reasons["unreadable logsearch DLQ record"]++
		rec.fail([]byte(strings.Join(bodies, "\n")), "logsearch DLQ record cannot be read: "+err.Error())
		return
	}
	for _, k := range contents.Events {
		c.reasons[failedEventReason(k.Status, k.Error)]++
		rec.events = append(rec.events, event{src: c.source(k.Source), rec: rec,
			ev: cwlogs.LogEvent{ID: k.ID, Timestamp: k.Timestamp, Message: k.Message}})
	}
	for _, p := range contents.Payloads {
		c.reasons["undecodable payload: "+short(p.Reason)]++
		c.fromInvocation(rec, p.Invocation, p.Reason)
	}
}

// fromDestination reads a Lambda invocation record: requestPayload is the
// invocation that failed every attempt.
func (c *classifier) fromDestination(rec *record, body string) {
	var d struct {
		RequestContext struct {
			Condition string `json:"condition"`
		} `json:"requestContext"`
		RequestPayload  json.RawMessage `json:"requestPayload"`
		ResponsePayload json.RawMessage `json:"responsePayload"`
	}
	_ = json.Unmarshal([]byte(body), &d) // the fields are optional; absence is handled below
	reason := "Lambda " + d.RequestContext.Condition
	var resp struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(d.ResponsePayload, &resp) == nil && resp.ErrorMessage != "" {
		reason += ": " + short(resp.ErrorMessage)
	}
	c.reasons[reason]++
	if len(d.RequestPayload) == 0 || string(d.RequestPayload) == "null" {
		rec.fail([]byte(body), "Lambda destination record without requestPayload: the original invocation was not kept, so its events cannot be replayed from the queue; backfill that hour from the S3 archive")
		return
	}
	c.fromInvocation(rec, d.RequestPayload, "")
}

// fromInvocation decodes a CloudWatch Logs invocation payload. earlier is
// the reason the function gave when it could not decode it either.
func (c *classifier) fromInvocation(rec *record, inv []byte, earlier string) {
	p, err := c.decoder.DecodeEvent(inv)
	if err != nil {
		msg := err.Error()
		if earlier != "" && earlier != msg {
			msg = earlier + "; now: " + msg
		}
		rec.fail(inv, msg)
		return
	}
	if p.MessageType == cwlogs.MessageTypeControl {
		return // nothing to index
	}
	src := c.source(dlq.Source{Owner: p.Owner, LogGroup: p.LogGroup, LogStream: p.LogStream})
	for i := range p.LogEvents {
		e := &p.LogEvents[i]
		// The decoder's strings alias its buffers: copy them.
		rec.events = append(rec.events, event{src: src, rec: rec,
			ev: cwlogs.LogEvent{ID: strings.Clone(e.ID), Timestamp: e.Timestamp, Message: strings.Clone(e.Message)}})
	}
}

// origin is what a document says of where its event came from.
type origin struct{ owner, logGroup, logStream string }

// source returns one shared envelope per origin.
func (c *classifier) source(s dlq.Source) *cwlogs.Payload {
	if p, ok := c.sources[origin{s.Owner, s.LogGroup, s.LogStream}]; ok {
		return p
	}
	if c.sources == nil {
		c.sources = map[origin]*cwlogs.Payload{}
	}
	// The decoder's strings alias its buffers: the key must not.
	key := origin{strings.Clone(s.Owner), strings.Clone(s.LogGroup), strings.Clone(s.LogStream)}
	p := &cwlogs.Payload{MessageType: cwlogs.MessageTypeData, Owner: key.owner, LogGroup: key.logGroup, LogStream: key.logStream}
	c.sources[key] = p
	return p
}

func (r *record) fail(payload []byte, reason string) {
	r.failure, r.payload, r.events = reason, append([]byte(nil), payload...), nil
}

// failedEventReason groups an event's recorded error by status and error
// type: "HTTP 400 mapper_parsing_exception".
func failedEventReason(status int, err string) string {
	typ, _, _ := strings.Cut(err, ":")
	if status == 0 {
		return "no answer: " + short(typ)
	}
	return fmt.Sprintf("HTTP %d %s", status, short(typ))
}

// short keeps a reason to one readable line.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 120
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
