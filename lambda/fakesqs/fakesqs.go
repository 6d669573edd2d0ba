// Package fakesqs is a local Amazon SQS stand-in for tests: an HTTP server
// on 127.0.0.1 speaking the AWS JSON 1.0 protocol that aws-sdk-go-v2 uses
// for SendMessage and SendMessageBatch (and, in consume.go, for receiving,
// deleting and changing visibility). It enforces SQS's batch rules and
// size limits, records every message, and can fail whole calls or single
// entries. Point the SDK at it with AWS_ENDPOINT_URL_SQS (or
// sqs.Options.BaseEndpoint) and any static credentials.
package fakesqs

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits SQS applies (aws-sdk-go-v2 sqs v1.52 API documentation).
const (
	MaxMessageBytes = 1 << 20 // one message body
	MaxBatchBytes   = 1 << 20 // all bodies of one SendMessageBatch
	MaxBatchEntries = 10
)

// Message is a message the fake queue accepted.
type Message struct {
	QueueURL  string
	MessageID string
	Body      string
}

// Faults decides which calls or entries fail. Nil functions fail nothing.
type Faults struct {
	// Call, when it returns a status other than 0, fails the whole call
	// (1-based call number) with it, e.g. 500 InternalError.
	Call func(n int) int
	// Entry, when true, reports the entry in the batch's Failed list with
	// SenderFault false (a transient server-side failure). attempt counts
	// the calls that carried the same body, from 1.
	Entry func(body string, attempt int) bool
	// BatchBytes, when not 0, lowers the limit on all bodies of one
	// SendMessageBatch from MaxBatchBytes, as in the regions that still
	// allow 256 KiB per batch.
	BatchBytes int
}

// Server is a running fake SQS endpoint.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port.
	URL string

	srv *http.Server

	mu       sync.Mutex
	faults   Faults
	calls    int
	messages []Message
	attempts map[string]int
	seq      int
	consumer consumerState // consume.go
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakesqs: listen on 127.0.0.1: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), attempts: map[string]int{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// SetFaults replaces the faults to inject from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Reset forgets messages, counters and faults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.calls, s.messages, s.attempts = Faults{}, 0, nil, map[string]int{}
	s.consumer = consumerState{}
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls is the number of API calls received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type entry struct {
	ID          string `json:"Id"`
	MessageBody string `json:"MessageBody"`
}

type request struct {
	QueueURL    string  `json:"QueueUrl"`
	MessageBody string  `json:"MessageBody"`
	Entries     []entry `json:"Entries"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.calls++
	n := s.calls
	faults := s.faults
	s.mu.Unlock()
	if faults.Call != nil {
		if status := faults.Call(n); status != 0 {
			writeError(w, status, "InternalError", "injected fault")
			return
		}
	}
	if r.Method != http.MethodPost || r.Header.Get("Authorization") == "" {
		writeError(w, http.StatusForbidden, "MissingAuthenticationToken", "requests must be signed POSTs")
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", "body is not JSON: "+err.Error())
		return
	}
	if req.QueueURL == "" {
		writeError(w, http.StatusBadRequest, "MissingParameter", "QueueUrl is required")
		return
	}
	switch target {
	case "AmazonSQS.SendMessage":
		if code, msg := checkBody(req.MessageBody); code != "" {
			writeError(w, http.StatusBadRequest, code, msg)
			return
		}
		m := s.store(req.QueueURL, req.MessageBody)
		writeJSON(w, map[string]any{"MessageId": m.MessageID, "MD5OfMessageBody": md5hex(m.Body)})
	case "AmazonSQS.SendMessageBatch":
		s.sendBatch(w, req, faults)
	default:
		if !s.consume(w, target, body) {
			writeError(w, http.StatusBadRequest, "UnknownOperationException", "fakesqs does not implement "+target)
		}
	}
}

func (s *Server) sendBatch(w http.ResponseWriter, req request, faults Faults) {
	if !checkBatch(w, req.Entries) {
		return
	}
	total := 0
	for _, e := range req.Entries {
		total += len(e.MessageBody)
	}
	limit := MaxBatchBytes
	if faults.BatchBytes > 0 {
		limit = faults.BatchBytes
	}
	if total > limit {
		writeError(w, http.StatusBadRequest, "BatchRequestTooLong", fmt.Sprintf("batch requests cannot be longer than %d bytes, got %d", limit, total))
		return
	}
	var res batchResult
	for _, e := range req.Entries {
		if code, msg := checkBody(e.MessageBody); code != "" {
			res.fail(e.ID, true, code, msg)
			continue
		}
		s.mu.Lock()
		s.attempts[e.MessageBody]++
		attempt := s.attempts[e.MessageBody]
		s.mu.Unlock()
		if faults.Entry != nil && faults.Entry(e.MessageBody, attempt) {
			res.fail(e.ID, false, "InternalError", "injected entry fault")
			continue
		}
		m := s.store(req.QueueURL, e.MessageBody)
		res.ok = append(res.ok, map[string]any{"Id": e.ID, "MessageId": m.MessageID, "MD5OfMessageBody": md5hex(e.MessageBody)})
	}
	res.write(w)
}

// batchEntry is an entry of any *Batch request.
type batchEntry interface{ batchID() string }

func (e entry) batchID() string        { return e.ID }
func (e consumeEntry) batchID() string { return e.ID }

// checkBatch applies the rules SQS has for every *Batch request (1 to
// MaxBatchEntries entries, distinct ids); it answers a request that breaks
// one and returns false.
func checkBatch[E batchEntry](w http.ResponseWriter, entries []E) bool {
	if len(entries) == 0 {
		writeError(w, http.StatusBadRequest, "EmptyBatchRequest", "the batch request doesn't contain any entries")
		return false
	}
	if len(entries) > MaxBatchEntries {
		writeError(w, http.StatusBadRequest, "TooManyEntriesInBatchRequest", fmt.Sprintf("maximum number of entries per request are %d, got %d", MaxBatchEntries, len(entries)))
		return false
	}
	ids := map[string]bool{}
	for _, e := range entries {
		id := e.batchID()
		if ids[id] {
			writeError(w, http.StatusBadRequest, "BatchEntryIdsNotDistinct", "id "+id+" repeated")
			return false
		}
		ids[id] = true
	}
	return true
}

// batchResult is the answer to a *Batch request, entry by entry.
type batchResult struct{ ok, failed []map[string]any }

func (r *batchResult) fail(id string, senderFault bool, code, msg string) {
	r.failed = append(r.failed, map[string]any{"Id": id, "SenderFault": senderFault, "Code": code, "Message": msg})
}

// write sends the answer; like SQS, it leaves out an empty list.
func (r *batchResult) write(w http.ResponseWriter) {
	out := map[string]any{}
	if r.ok != nil {
		out["Successful"] = r.ok
	}
	if r.failed != nil {
		out["Failed"] = r.failed
	}
	writeJSON(w, out)
}

func (s *Server) store(queue, body string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m := Message{QueueURL: queue, MessageID: "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", s.seq), Body: body}
	s.messages = append(s.messages, m)
	return m
}

// checkBody applies SQS's size and character rules to one message body.
func checkBody(b string) (code, msg string) {
	switch {
	case b == "":
		return "MissingParameter", "the request must contain the parameter MessageBody"
	case len(b) > MaxMessageBytes:
		return "InvalidParameterValue", "message must be shorter than " + strconv.Itoa(MaxMessageBytes) + " bytes"
	case !utf8.ValidString(b):
		return "InvalidMessageContents", "invalid UTF-8"
	}
	for _, r := range b {
		if !allowed(r) {
			return "InvalidMessageContents", fmt.Sprintf("invalid character %U", r)
		}
	}
	return "", ""
}

// allowed is the character set SQS accepts in a message (W3C XML chars).
func allowed(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService."+code+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}
