// Package cwlogs decodes the payload CloudWatch Logs hands a subscribed
// Lambda function: {"awslogs":{"data":"<base64 of gzip of JSON>"}}.
//
// Decoding is the first step of every invocation, so the Decoder reuses its
// buffers and gzip reader across calls and scans the JSON by hand: the
// envelope has a fixed, known shape and encoding/json alone would cost
// several times the base64 and gunzip work.
package cwlogs

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unsafe"

	"github.com/klauspost/compress/gzip"
)

// Message types CloudWatch Logs sends. Control messages only check that the
// destination is reachable and carry no log events.
const (
	MessageTypeData    = "DATA_MESSAGE"
	MessageTypeControl = "CONTROL_MESSAGE"
)

// LogEvent is one log event of a subscription payload.
type LogEvent struct {
	// ID is CloudWatch's unique event id; logsearch uses it as the document _id.
	ID string
	// Timestamp is the event time CloudWatch recorded, in milliseconds since
	// the Unix epoch.
	Timestamp int64
	// Message is the log line as the application wrote it.
	Message string
	// MessageJSON, when not empty, is Message JSON-escaped exactly as
	// CloudWatch sent it, checked valid: a writer may copy it between
	// quotes instead of escaping Message again. Decode sets it; it may be
	// left empty.
	MessageJSON string
	// MessageSafe reports that Message needs JSON escaping at most at its
	// TABs, so a TAB-free part of it (an LTSV value) can be written as is.
	// false is always correct, only slower.
	MessageSafe bool
}

// Payload is a decoded subscription payload.
type Payload struct {
	MessageType         string
	Owner               string
	LogGroup            string
	LogStream           string
	SubscriptionFilters []string
	LogEvents           []LogEvent
	// IDsAscend reports that each event's ID sorts after the one before
	// it, as CloudWatch's ids do within a payload, so no two are the
	// same. The Decoder compares them as it reads them, while they are
	// in the CPU's caches; false says nothing.
	IDsAscend bool
}

// PayloadFields are a payload's fields other than its log events, tagged
// with the JSON names CloudWatch Logs uses, for code that writes payloads
// in CloudWatch's own format (test builders, replayable dead-letter
// records). The Decoder reads the same names by hand, for speed.
type PayloadFields struct {
	MessageType         string   `json:"messageType"`
	Owner               string   `json:"owner"`
	LogGroup            string   `json:"logGroup"`
	LogStream           string   `json:"logStream"`
	SubscriptionFilters []string `json:"subscriptionFilters"`
}

// DefaultMaxDecompressedBytes bounds how far one payload may inflate. A
// CloudWatch invocation is at most 1 MB (about 750 KiB of gzip); real log
// batches inflate 5-30x, but a crafted or degenerate payload can inflate
// ~1000x, which would exhaust the function's memory instead of reaching
// the DLQ.
const DefaultMaxDecompressedBytes = 64 << 20

// Decoder decodes subscription payloads. The zero value is ready to use.
// A Decoder is not safe for concurrent use.
//
// The returned Payload, its LogEvents slice and every string in it alias
// the Decoder's internal buffers: they stay valid only until the next
// call to Decode or DecodeEvent on the same Decoder. Copy what must
// outlive that (for example with strings.Clone).
type Decoder struct {
	// MaxDecompressedBytes overrides DefaultMaxDecompressedBytes when > 0.
	MaxDecompressedBytes int

	compressed []byte
	json       []byte
	messages   []byte // unescaped messages; Message strings alias it
	misstated  bool   // the last payload's gzip trailer misstated its size
	ascending  bool   // every event's ID so far sorts after the one before
	zr         *gzip.Reader
	src        bytes.Reader
	payload    Payload
	events     []LogEvent
	filters    []string
}

// ErrUndecodable matches (with errors.Is) every error Decode and
// DecodeEvent return: the payload as a whole cannot be read, so it must go
// to the dead-letter queue untouched rather than be retried.
var ErrUndecodable = errors.New("CloudWatch Logs payload cannot be decoded")

// Stage names the decoding step that failed.
type Stage string

// The decoding steps, in order.
const (
	StageInvocation Stage = "invocation JSON"
	StageBase64     Stage = "base64"
	StageGzip       Stage = "gzip"
	StageJSON       Stage = "payload JSON"
	StageFields     Stage = "payload fields"
)

// DecodeError says which stage failed, what was wrong and how to fix it.
type DecodeError struct {
	Stage   Stage
	Problem string
	Fix     string
	Err     error // underlying error, if any
}

func (e *DecodeError) Error() string {
	msg := "decoding CloudWatch Logs payload: " + string(e.Stage) + ": " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Fix != "" {
		msg += " (fix: " + e.Fix + ")"
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes every DecodeError match ErrUndecodable.
func (e *DecodeError) Is(target error) bool { return target == ErrUndecodable }

// The fix for anything that is not a CloudWatch Logs subscription payload.
const fixSender = "the function must be invoked only by a CloudWatch Logs subscription filter; " +
	"inspect the payload kept in the DLQ to find the sender"

func decodeErr(stage Stage, err error, problem string, args ...any) error {
	return &DecodeError{Stage: stage, Problem: fmt.Sprintf(problem, args...), Fix: fixSender, Err: err}
}

// DecodeEvent decodes a raw Lambda invocation payload,
// {"awslogs":{"data":"<base64>"}}.
func (d *Decoder) DecodeEvent(invocation []byte) (*Payload, error) {
	data, err := awslogsData(invocation)
	if err != nil {
		return nil, err
	}
	return d.Decode(data)
}

// Decode decodes the base64 text of awslogs.data.
func (d *Decoder) Decode(data []byte) (p *Payload, err error) {
	defer func() {
		if err != nil || d.misstated {
			d.releaseOversized()
		}
	}()
	if err := d.inflate(data); err != nil {
		return nil, err
	}
	return d.parse()
}

// RetainBytes is the largest buffer a Decoder keeps after a payload it
// could not decode, or one whose gzip trailer misstated its size. A gzip bomb grows the inflate buffer to twice
// DefaultMaxDecompressedBytes before it is refused; kept, that would hold
// 128 MiB for the container's life. A payload that decodes keeps its
// buffers whatever their size (at most the inflation limit): the next
// payload of that size needs them again, and growing them anew each time
// would leave as much garbage as they hold, raising the invocation's peak
// memory.
const RetainBytes = 8 << 20

// releaseOversized drops the buffers that grew past RetainBytes. The
// Payload just returned may still alias them; the garbage collector frees
// them once the caller lets go of it.
func (d *Decoder) releaseOversized() {
	if cap(d.compressed) > RetainBytes {
		d.compressed = nil
	}
	if cap(d.json) > RetainBytes {
		d.json = nil
	}
	if cap(d.messages) > RetainBytes {
		d.messages = nil
	}
	if cap(d.events)*int(unsafe.Sizeof(LogEvent{})) > RetainBytes {
		d.events = nil
	}
}

// retainedBytes is the capacity the Decoder holds between calls.
func (d *Decoder) retainedBytes() int {
	return cap(d.compressed) + cap(d.json) + cap(d.messages) + cap(d.events)*int(unsafe.Sizeof(LogEvent{}))
}

// inflate base64-decodes and gunzips data into d.json.
func (d *Decoder) inflate(data []byte) error {
	n := base64.StdEncoding.DecodedLen(len(data))
	if cap(d.compressed) < n {
		d.compressed = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(d.compressed[:n], data)
	if err != nil {
		return decodeErr(StageBase64, err, "awslogs.data is not standard base64")
	}
	d.src.Reset(d.compressed[:n])
	if d.zr == nil {
		d.zr, err = gzip.NewReader(&d.src)
	} else {
		err = d.zr.Reset(&d.src)
	}
	if err != nil {
		return decodeErr(StageGzip, err, "awslogs.data is not gzip data")
	}
	limit := d.MaxDecompressedBytes
	if limit <= 0 {
		limit = DefaultMaxDecompressedBytes
	}
	stated := inflatedSize(d.compressed[:n])
	d.json, err = readAllLimited(d.zr, presize(d.json[:0], stated, limit), limit)
	// A stream whose trailer misstated its size may have sized the buffer
	// far beyond what it held: the buffer is not kept for the next payload.
	d.misstated = err == nil && stated != len(d.json)
	if errors.Is(err, errTooLarge) {
		return &DecodeError{Stage: StageGzip,
			Problem: fmt.Sprintf("payload inflates beyond %d bytes", limit),
			Fix:     "CloudWatch Logs never sends this much; inspect the payload kept in the DLQ, or raise the decoder limit if it is genuine"}
	}
	if err != nil {
		return decodeErr(StageGzip, err, "gzip stream is corrupt or truncated")
	}
	return nil
}

var errTooLarge = errors.New("too large")

// inflatedSize is the size a gzip stream says it inflates to: its
// trailer's ISIZE, the uncompressed length modulo 2^32 (RFC 1952, section
// 2.3.1). It is a hint, not a promise: a stream of several members states
// only its last member's size, and a crafted one may state anything.
func inflatedSize(gz []byte) int {
	if len(gz) < 18 { // the smallest gzip member: 10-byte header, empty deflate, 8-byte trailer
		return 0
	}
	return int(binary.LittleEndian.Uint32(gz[len(gz)-4:]))
}

// presize gives buf room for size bytes plus the one read that finds the
// end, when size is within limit, so that inflating fills one buffer of
// the right size: growing it by doubling would leave the smaller copies as
// garbage, up to twice the payload again at the invocation's peak. A wrong
// hint costs nothing but the growth it was meant to spare.
func presize(buf []byte, size, limit int) []byte {
	if size <= 0 || size > limit {
		return buf
	}
	return slices.Grow(buf, size+1)
}

// readAllLimited appends r's content to buf, reusing its capacity.
func readAllLimited(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit+1 {
				return buf, errTooLarge
			}
			buf = slices.Grow(buf, max(cap(buf), 64<<10))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
