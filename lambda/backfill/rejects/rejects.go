// Package rejects writes what a backfill or a dead-letter queue replay
// could not index to a local NDJSON file, one JSON object per line, so
// nothing is dropped silently: lines or events OpenSearch refused (mapping
// errors, ...), objects that could not be read at all (corrupt gzip,
// missing, access denied) and queue payloads that cannot be decoded.
package rejects

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// Reject is one line of the file.
type Reject struct {
	Time time.Time `json:"time"`
	// Source is the store (s3://bucket or file:///dir), or the
	// dead-letter queue's URL for replay-dlq.
	Source string `json:"source"`
	// Object is the key of the archived object.
	Object string `json:"object,omitempty"`
	// Line is the 1-based line number; 0 when the whole object (or its
	// remainder after Line) failed.
	Line int64 `json:"line,omitempty"`
	// Offset is where the line starts in the object's uncompressed text,
	// in bytes, for a line too long to index.
	Offset int64 `json:"offset,omitempty"`
	// Index and Status are OpenSearch's for a refused line.
	Index  string `json:"index,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error"`
	// Message is the raw line as archived, or the event's message.
	Message *string `json:"message,omitempty"`
	// MessageBase64 keeps Message byte for byte when it is not valid
	// UTF-8, which JSON can only carry with replacement characters.
	MessageBase64 string `json:"message_base64,omitempty"`

	// For replay-dlq: the queue messages the entry came from, the
	// CloudWatch event (id, timestamp in ms, log group and stream, owner),
	// and, for a payload that cannot be decoded, its bytes.
	QueueMessages []string `json:"sqs_message_ids,omitempty"`
	EventID       string   `json:"event_id,omitempty"`
	Timestamp     int64    `json:"timestamp,omitempty"`
	LogGroup      string   `json:"log_group,omitempty"`
	LogStream     string   `json:"log_stream,omitempty"`
	Owner         string   `json:"owner,omitempty"`
	PayloadBase64 string   `json:"payload_base64,omitempty"`
}

// Writer appends Rejects to a file it creates on the first one, so a clean
// run leaves no empty file behind. Safe for concurrent use.
type Writer struct {
	path string
	mu   sync.Mutex
	f    *os.File
	n    int64
}

// NewWriter writes to path (appending: earlier runs' rejects are kept).
func NewWriter(path string) *Writer { return &Writer{path: path} }

// Path is the file written.
func (w *Writer) Path() string { return w.path }

// Write appends r.
func (w *Writer) Write(r Reject) error {
	if r.Message != nil && !utf8.ValidString(*r.Message) && r.MessageBase64 == "" {
		r.MessageBase64 = base64.StdEncoding.EncodeToString([]byte(*r.Message))
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("opening rejects file %s: %w: pass a writable --rejects path", w.path, err)
		}
		w.f = f
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing rejects file %s: %w", w.path, err)
	}
	w.n++
	return nil
}

// Count is how many rejects were written.
func (w *Writer) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Sync flushes written rejects to disk; a run syncs before it records an
// object as done, so a crash cannot lose a reject of a finished object.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	return w.f.Sync()
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}
