// Package dlq keeps what the ingest function cannot index in an SQS
// dead-letter queue, as self-describing JSON records an operator can read
// and replay: log events with the error each got, and payloads that could
// not be decoded at all, byte for byte.
//
// Events are packed many to a message and messages ten to a
// SendMessageBatch call, within SQS's size limits; a record too big for
// one message is split into chunks rather than trimmed, so nothing is ever
// lost. Anything that still cannot be sent is reported as an error, which
// the caller must turn into a failed invocation.
package dlq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/logsearch/logsearch/lambda/backoff"
)

// SQS limits (aws-sdk-go-v2 sqs v1.52: 1 MiB per message and per batch,
// ten entries per batch).
const (
	// DefaultMaxMessageBytes keeps each message at a quarter of SQS's
	// 1 MiB, so a queue still set to the old 256 KiB MaximumMessageSize
	// accepts every message, and one bad batch costs little to resend.
	DefaultMaxMessageBytes = 256 << 10
	DefaultMaxBatchBytes   = 1 << 20
	MaxBatchEntries        = 10
)

// API is the part of the SQS client the Writer uses.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Config tunes a Writer. Zero fields take the defaults.
type Config struct {
	QueueURL        string
	MaxMessageBytes int
	MaxBatchBytes   int
	// Attempts bounds the calls per batch (default 4), on top of the SDK's
	// own retries of throttling and 5xx.
	Attempts int
	Backoff  backoff.Backoff
	// Sleep waits d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Margin is how long before the context's deadline (the invocation's)
	// the writes give up (default DefaultMargin), so that the caller can
	// still log the failure and fail the invocation before Lambda ends it.
	Margin time.Duration
}

// DefaultMargin leaves the function time to log an SQS that did not
// answer and return its error.
const DefaultMargin = time.Second

// ErrTimeout marks writes that SQS did not answer before the margin.
var ErrTimeout = errors.New("dead-letter queue write timed out")

// Writer sends records to the queue.
type Writer struct {
	api API
	cfg Config
}

// New returns a Writer sending through api.
func New(api API, cfg Config) (*Writer, error) {
	if cfg.QueueURL == "" {
		return nil, errors.New("dlq: no queue URL: set DLQ_URL")
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if cfg.MaxBatchBytes < cfg.MaxMessageBytes {
		return nil, fmt.Errorf("dlq: batch limit %d is below the message limit %d", cfg.MaxBatchBytes, cfg.MaxMessageBytes)
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.Backoff.Base <= 0 || cfg.Backoff.Max <= 0 {
		cfg.Backoff = backoff.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = backoff.Sleep
	}
	if cfg.Margin <= 0 {
		cfg.Margin = DefaultMargin
	}
	return &Writer{api: api, cfg: cfg}, nil
}

// FailedEvents keeps events from src with their errors. It returns the
// number of messages sent; an error means some events are not in the queue.
func (w *Writer) FailedEvents(ctx context.Context, requestID string, src Source, events []FailedEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	return w.send(ctx, w.packEvents(requestID, src, events))
}

// Undecodable keeps a whole invocation payload that could not be decoded.
func (w *Writer) Undecodable(ctx context.Context, requestID string, invocation []byte, reason string) (int, error) {
	return w.send(ctx, w.fit(requestID, undecodable(requestID, invocation, reason)))
}

// packEvents fills messages with as many events as fit.
func (w *Writer) packEvents(requestID string, src Source, events []FailedEvent) [][]byte {
	frame := newFrame(requestID, src)
	var out [][]byte
	var evs, errs [][]byte
	size := frame.size()
	flush := func() {
		if len(evs) > 0 {
			out = append(out, w.fit(requestID, frame.build(evs, errs))...)
		}
		evs, errs, size = nil, nil, frame.size()
	}
	for _, e := range events {
		ev, er := encodeEvent(e), encodeError(e)
		n := len(ev) + len(er)
		if len(evs) > 0 {
			n += 2 // the commas
		}
		if len(evs) > 0 && size+n > w.cfg.MaxMessageBytes {
			flush()
			n = len(ev) + len(er)
		}
		evs, errs = append(evs, ev), append(errs, er)
		size += n
	}
	flush()
	return out
}

// fit returns record as one message, or as chunks when it is too big.
func (w *Writer) fit(requestID string, record []byte) [][]byte {
	if len(record) <= w.cfg.MaxMessageBytes {
		return [][]byte{record}
	}
	return chunks(requestID, record, w.cfg.MaxMessageBytes)
}

// send delivers every message or says how many it could not, giving up
// the margin before ctx's deadline.
func (w *Writer) send(ctx context.Context, messages [][]byte) (int, error) {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(ctx, deadline.Add(-w.cfg.Margin),
			fmt.Errorf("%w: SQS did not answer by %s before the invocation's deadline; failing the invocation so that Lambda retries it", ErrTimeout, w.cfg.Margin))
		defer cancel()
	}
	sent := 0
	var errs []error
	queue := w.batches(messages)
	for len(queue) > 0 {
		batch := queue[0]
		queue = queue[1:]
		n, unsent, err := w.sendBatch(ctx, batch)
		sent += n
		if err != nil && len(unsent) > 1 && batchTooLong(err) {
			// SQS allows less per batch here than MaxBatchBytes (256 KiB
			// in some regions): the halves go first.
			half := len(unsent) / 2
			queue = append([][][]byte{unsent[:half:half], unsent[half:]}, queue...)
			continue
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
			errs = append([]error{cause}, errs...)
		}
		return sent, fmt.Errorf("dead-letter queue %s: %d of %d messages not sent: %w%s", w.cfg.QueueURL, len(messages)-sent, len(messages), errors.Join(errs...), fixFor(errs))
	}
	return sent, nil
}

// batches groups messages by ten within the batch byte limit.
func (w *Writer) batches(messages [][]byte) [][][]byte {
	var out [][][]byte
	start, size := 0, 0
	for k, m := range messages {
		if k > start && (k-start == MaxBatchEntries || size+len(m) > w.cfg.MaxBatchBytes) {
			out = append(out, messages[start:k:k])
			start, size = k, 0
		}
		size += len(m)
	}
	if start < len(messages) {
		out = append(out, messages[start:])
	}
	return out
}

// fixFor names what to change when SQS refused a write for good: a
// permission, the queue's KMS key, or a queue that is gone. Other
// failures (throttling, SQS's own errors, timeouts) need nothing but
// Lambda's retry.
func fixFor(errs []error) string {
	for _, err := range errs {
		var api smithy.APIError
		if !errors.As(err, &api) {
			continue
		}
		switch code := api.ErrorCode(); {
		case strings.HasPrefix(code, "Kms"):
			return " (fix: allow the function's role kms:GenerateDataKey and kms:Decrypt on the queue's KMS key, and check that the key is enabled)"
		case strings.Contains(code, "AccessDenied"):
			return " (fix: allow the function's role sqs:SendMessage on the queue, in its IAM policy and in the queue policy)"
		case strings.Contains(code, "QueueDoesNotExist") || strings.Contains(code, "NonExistentQueue"):
			return " (fix: DLQ_URL names no queue: run pulumi up so that the stack creates the queue again and sets DLQ_URL)"
		}
	}
	return ""
}

// batchTooLong reports SQS refusing a batch for the sum of its bodies.
func batchTooLong(err error) bool {
	var tooLong *types.BatchRequestTooLong
	var api smithy.APIError
	return errors.As(err, &tooLong) || errors.As(err, &api) && strings.HasSuffix(api.ErrorCode(), "BatchRequestTooLong")
}

// sendBatch sends one batch, retrying the entries SQS failed on its side,
// and returns how many it sent and, on error, the messages not sent.
func (w *Writer) sendBatch(ctx context.Context, batch [][]byte) (int, [][]byte, error) {
	pending := make(map[string][]byte, len(batch))
	for k, m := range batch {
		pending[strconv.Itoa(k)] = m
	}
	sent := 0
	var lastErr error
	for attempt := 1; attempt <= w.cfg.Attempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			if err := w.cfg.Sleep(ctx, w.cfg.Backoff.Delay(attempt-1)); err != nil {
				lastErr = err
				break
			}
		}
		entries := make([]types.SendMessageBatchRequestEntry, 0, len(pending))
		for k := range batch { // keep the queue order stable
			id := strconv.Itoa(k)
			if m, ok := pending[id]; ok {
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(string(m))})
			}
		}
		out, err := w.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(w.cfg.QueueURL), Entries: entries})
		if err != nil {
			lastErr = err
			if batchTooLong(err) {
				break // the same batch is refused again: the caller splits it
			}
			continue
		}
		for _, s := range out.Successful {
			if _, ok := pending[aws.ToString(s.Id)]; ok {
				delete(pending, aws.ToString(s.Id))
				sent++
			}
		}
		for _, f := range out.Failed {
			lastErr = fmt.Errorf("entry rejected: %s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
			if f.SenderFault {
				// Resending the same bytes cannot succeed.
				return sent, unsentOf(batch, pending), fmt.Errorf("%w (a sender fault: not retried)", lastErr)
			}
		}
	}
	if len(pending) > 0 {
		if lastErr == nil {
			lastErr = errors.New("no answer for some entries")
		}
		return sent, unsentOf(batch, pending), lastErr
	}
	return sent, nil, nil
}

// unsentOf is the messages of batch still pending, in order.
func unsentOf(batch [][]byte, pending map[string][]byte) [][]byte {
	var out [][]byte
	for k := range batch {
		if m, ok := pending[strconv.Itoa(k)]; ok {
			out = append(out, m)
		}
	}
	return out
}
