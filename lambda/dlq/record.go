package dlq

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/cwlogs"
)

// Version marks the record layout; readers check it.
const Version = 1

// Record kinds.
const (
	// KindFailedEvents holds log events that could not be indexed, as a
	// CloudWatch Logs subscription payload ("payload", replayable as is)
	// plus one entry per event in "errors".
	KindFailedEvents = "failed-events"
	// KindUndecodable holds an invocation payload that could not be
	// decoded, base64-encoded byte for byte, and the reason.
	KindUndecodable = "undecodable-payload"
	// KindChunk is one part of a record too big for one SQS message:
	// concatenate the base64-decoded "data" of parts 1..parts (same
	// "chunk_of") to get the record back.
	KindChunk = "chunk"
)

// Source is where failed events came from: the subscription payload's
// envelope.
type Source struct {
	Owner               string
	LogGroup            string
	LogStream           string
	SubscriptionFilters []string
}

// FailedEvent is one log event that will not be indexed, and why.
type FailedEvent struct {
	ID        string
	Timestamp int64 // ms since the Unix epoch, as CloudWatch sent it
	Message   string
	// Status is the HTTP status OpenSearch gave (0 for none).
	Status int
	Error  string
}

// The JSON shapes. Field names of payload (cwlogs.PayloadFields) and
// logEvents are CloudWatch's, so payload can be gzipped, base64-encoded and
// replayed to the function.

type wireEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
	// MessageBase64 keeps a message that is not valid UTF-8 exactly; JSON
	// can only carry it with replacement characters.
	MessageBase64 string `json:"message_base64,omitempty"`
}

type wireError struct {
	ID     string `json:"id"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error"`
}

type header struct {
	Version   int    `json:"logsearch_dlq"`
	Kind      string `json:"kind"`
	RequestID string `json:"request_id,omitempty"`
}

type undecodableRecord struct {
	header
	Reason           string `json:"reason"`
	InvocationBase64 string `json:"invocation_base64"`
}

type chunkRecord struct {
	header
	ChunkOf string `json:"chunk_of"`
	Part    int    `json:"part"`
	Parts   int    `json:"parts"`
	Data    string `json:"data"`
}

// marshal encodes v as JSON that SQS accepts: SQS allows only XML
// characters, and encoding/json leaves U+FFFE and U+FFFF unescaped.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // <, > and & are fine in SQS and easier to read
	if err := enc.Encode(v); err != nil {
		panic(err) // only strings, ints and slices of them
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	// In JSON text these bytes can only be inside strings, where the
	// escape means the same character.
	out = bytes.ReplaceAll(out, []byte("\uFFFE"), []byte(`\ufffe`))
	return bytes.ReplaceAll(out, []byte("\uFFFF"), []byte(`\uffff`))
}

func encodeEvent(e FailedEvent) []byte {
	w := wireEvent{ID: e.ID, Timestamp: e.Timestamp, Message: e.Message}
	if !utf8.ValidString(e.Message) {
		w.MessageBase64 = base64.StdEncoding.EncodeToString([]byte(e.Message))
	}
	return marshal(w)
}

func encodeError(e FailedEvent) []byte {
	return marshal(wireError{ID: e.ID, Status: e.Status, Error: e.Error})
}

// failedEventsFrame is the text around the event and error lists of a
// failed-events record.
type failedEventsFrame struct {
	head, middle, tail []byte
}

func newFrame(requestID string, src Source) failedEventsFrame {
	h := marshal(header{Version: Version, Kind: KindFailedEvents, RequestID: requestID})
	filters := src.SubscriptionFilters
	if filters == nil {
		filters = []string{}
	}
	p := marshal(cwlogs.PayloadFields{MessageType: cwlogs.MessageTypeData, Owner: src.Owner, LogGroup: src.LogGroup, LogStream: src.LogStream, SubscriptionFilters: filters})
	var head []byte
	head = append(head, h[:len(h)-1]...) // drop "}"
	head = append(head, `,"payload":`...)
	head = append(head, p[:len(p)-1]...)
	head = append(head, `,"logEvents":[`...)
	return failedEventsFrame{head: head, middle: []byte(`]},"errors":[`), tail: []byte(`]}`)}
}

func (f failedEventsFrame) size() int { return len(f.head) + len(f.middle) + len(f.tail) }

// build writes the record for events and errors (pre-encoded, in order).
func (f failedEventsFrame) build(events, errs [][]byte) []byte {
	out := append([]byte(nil), f.head...)
	out = appendList(out, events)
	out = append(out, f.middle...)
	out = appendList(out, errs)
	return append(out, f.tail...)
}

func appendList(dst []byte, items [][]byte) []byte {
	for k, it := range items {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, it...)
	}
	return dst
}

func undecodable(requestID string, invocation []byte, reason string) []byte {
	return marshal(undecodableRecord{
		header:           header{Version: Version, Kind: KindUndecodable, RequestID: requestID},
		Reason:           reason,
		InvocationBase64: base64.StdEncoding.EncodeToString(invocation),
	})
}

// chunks splits a record into chunk records of at most limit bytes each.
func chunks(requestID string, record []byte, limit int) [][]byte {
	sum := sha256.Sum256(record)
	id := hex.EncodeToString(sum[:])
	// The frame without data, with generous room for the part numbers.
	frame := len(marshal(chunkRecord{header: header{Version: Version, Kind: KindChunk, RequestID: requestID}, ChunkOf: id, Part: 1 << 30, Parts: 1 << 30}))
	per := (limit - frame) / 4 * 3 // raw bytes whose base64 fits
	if per < 3 {
		panic("dlq: message limit too small for a chunk")
	}
	parts := (len(record) + per - 1) / per
	out := make([][]byte, 0, parts)
	for p := range parts {
		data := record[p*per : min(len(record), (p+1)*per)]
		out = append(out, marshal(chunkRecord{
			header:  header{Version: Version, Kind: KindChunk, RequestID: requestID},
			ChunkOf: id, Part: p + 1, Parts: parts,
			Data: base64.StdEncoding.EncodeToString(data),
		}))
	}
	return out
}
