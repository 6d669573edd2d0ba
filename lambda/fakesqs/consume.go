package fakesqs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The consumer side of the queue: ReceiveMessage, DeleteMessage(Batch) and
// ChangeMessageVisibility(Batch), with SQS's visibility rules. A received
// message is hidden for its visibility timeout and then comes back with a
// new receipt handle; only the latest handle deletes it (SQS accepts an
// older one but deletes nothing, which this fake reproduces). Receives
// return at once: the fake never waits out WaitTimeSeconds.

// DefaultVisibilityTimeout is SQS's default for a queue.
const DefaultVisibilityTimeout = 30 * time.Second

type consumerState struct {
	// by message id; absent means never received.
	state map[string]*delivery
	seq   int
}

type delivery struct {
	receipt   string
	hiddenTo  time.Time
	deleted   bool
	received  int
	everKnown map[string]bool // every receipt handle handed out
}

type consumeEntry struct {
	ID                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}

type consumeRequest struct {
	QueueURL            string         `json:"QueueUrl"`
	MaxNumberOfMessages *int           `json:"MaxNumberOfMessages"`
	VisibilityTimeout   *int           `json:"VisibilityTimeout"`
	ReceiptHandle       string         `json:"ReceiptHandle"`
	Entries             []consumeEntry `json:"Entries"`
}

// consume serves the consumer operations; false means target is not one.
func (s *Server) consume(w http.ResponseWriter, target string, body []byte) bool {
	var req consumeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", "body is not JSON: "+err.Error())
		return true
	}
	switch target {
	case "AmazonSQS.ReceiveMessage":
		s.receive(w, req)
	case "AmazonSQS.DeleteMessage":
		if code, msg := s.deleteOne(req.QueueURL, req.ReceiptHandle); code != "" {
			writeError(w, http.StatusBadRequest, code, msg)
			return true
		}
		writeJSON(w, map[string]any{})
	case "AmazonSQS.DeleteMessageBatch":
		s.batch(w, req, func(e consumeEntry) (string, string) { return s.deleteOne(req.QueueURL, e.ReceiptHandle) })
	case "AmazonSQS.ChangeMessageVisibility":
		if code, msg := s.changeVisibility(req.QueueURL, req.ReceiptHandle, req.VisibilityTimeout); code != "" {
			writeError(w, http.StatusBadRequest, code, msg)
			return true
		}
		writeJSON(w, map[string]any{})
	case "AmazonSQS.ChangeMessageVisibilityBatch":
		s.batch(w, req, func(e consumeEntry) (string, string) {
			return s.changeVisibility(req.QueueURL, e.ReceiptHandle, e.VisibilityTimeout)
		})
	default:
		return false
	}
	return true
}

func (s *Server) receive(w http.ResponseWriter, req consumeRequest) {
	n := 1
	if req.MaxNumberOfMessages != nil {
		n = *req.MaxNumberOfMessages
	}
	if n < 1 || n > MaxBatchEntries {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("MaxNumberOfMessages must be 1 to %d, got %d", MaxBatchEntries, n))
		return
	}
	hide := DefaultVisibilityTimeout
	if req.VisibilityTimeout != nil {
		if *req.VisibilityTimeout < 0 || *req.VisibilityTimeout > 43200 {
			writeError(w, http.StatusBadRequest, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds")
			return
		}
		hide = time.Duration(*req.VisibilityTimeout) * time.Second
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.consumer
	if c.state == nil {
		c.state = map[string]*delivery{}
	}
	var out []map[string]any
	for _, m := range s.messages {
		if len(out) == n {
			break
		}
		if m.QueueURL != req.QueueURL {
			continue
		}
		d := c.state[m.MessageID]
		if d == nil {
			d = &delivery{everKnown: map[string]bool{}}
			c.state[m.MessageID] = d
		}
		if d.deleted || now.Before(d.hiddenTo) {
			continue
		}
		c.seq++
		d.receipt = fmt.Sprintf("rh-%s-%d", m.MessageID, c.seq)
		d.everKnown[d.receipt] = true
		d.hiddenTo = now.Add(hide)
		d.received++
		out = append(out, map[string]any{
			"MessageId": m.MessageID, "ReceiptHandle": d.receipt, "MD5OfBody": md5hex(m.Body), "Body": m.Body,
			"Attributes": map[string]string{"ApproximateReceiveCount": strconv.Itoa(d.received)},
		})
	}
	resp := map[string]any{}
	if out != nil {
		resp["Messages"] = out
	}
	writeJSON(w, resp)
}

// find returns the delivery a receipt handle was issued for.
func (s *Server) find(queue, receipt string) *delivery {
	for _, m := range s.messages {
		if m.QueueURL != queue {
			continue
		}
		if d := s.consumer.state[m.MessageID]; d != nil && d.everKnown[receipt] {
			return d
		}
	}
	return nil
}

func (s *Server) deleteOne(queue, receipt string) (code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.find(queue, receipt)
	switch {
	case d == nil:
		return "ReceiptHandleIsInvalid", "the receipt handle " + strconv.Quote(receipt) + " is not valid for this queue"
	case d.receipt == receipt:
		d.deleted = true
	}
	// A handle superseded by a later receive: SQS answers success and
	// deletes nothing.
	return "", ""
}

func (s *Server) changeVisibility(queue, receipt string, seconds *int) (code, msg string) {
	if seconds == nil || *seconds < 0 || *seconds > 43200 {
		return "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.find(queue, receipt)
	now := time.Now()
	switch {
	case d == nil:
		return "ReceiptHandleIsInvalid", "the receipt handle " + strconv.Quote(receipt) + " is not valid for this queue"
	case d.deleted || d.receipt != receipt || !now.Before(d.hiddenTo):
		return "MessageNotInflight", "the message is not in flight under this receipt handle"
	}
	d.hiddenTo = now.Add(time.Duration(*seconds) * time.Second)
	return "", ""
}

// batch applies op to each entry of a *Batch request, with SQS's rules.
func (s *Server) batch(w http.ResponseWriter, req consumeRequest, op func(consumeEntry) (code, msg string)) {
	if !checkBatch(w, req.Entries) {
		return
	}
	var res batchResult
	for _, e := range req.Entries {
		if code, msg := op(e); code != "" {
			res.fail(e.ID, true, code, msg)
			continue
		}
		res.ok = append(res.ok, map[string]any{"Id": e.ID})
	}
	res.write(w)
}

// Remaining returns the messages not deleted, in order, whether visible or
// in flight.
func (s *Server) Remaining() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if d := s.consumer.state[m.MessageID]; d == nil || !d.deleted {
			out = append(out, m)
		}
	}
	return out
}

// InFlight is how many remaining messages are hidden by a receive now.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, now := 0, time.Now()
	for _, d := range s.consumer.state {
		if !d.deleted && now.Before(d.hiddenTo) {
			n++
		}
	}
	return n
}

// Received is how many times the message with this id was received.
func (s *Server) Received(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.consumer.state[messageID]; d != nil {
		return d.received
	}
	return 0
}
