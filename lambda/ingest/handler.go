package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/opensearch-project/opensearch-go/v4/signer"

	"github.com/logsearch/logsearch/lambda/archivewriter"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/conflict"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/dlq"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/metrics"
	"github.com/logsearch/logsearch/lambda/settings"
)

// handler processes invocations one at a time (Lambda never overlaps them
// in one process), reusing its decoder, builder and buffers.
type handler struct {
	log        *slog.Logger
	metricsOut io.Writer
	function   string

	// mu serializes invocations: the decoder, builder and buffers below are
	// reused across them, and aws-lambda-go runs invocations side by side
	// when AWS_LAMBDA_MAX_CONCURRENCY > 1 (Lambda Managed Instances).
	mu sync.Mutex

	decoder cwlogs.Decoder
	builder *document.Builder
	indexer *bulk.Indexer
	dlq     *dlq.Writer
	archive *archivewriter.Writer // nil: the stack keeps no archive

	// built marks the events already built once in this invocation, so a
	// re-sent event's coercion failures are counted once.
	built []bool
	// dup marks the events whose id a later event of the payload repeats.
	dup     []bool
	seenIDs map[string]int
	// conflicts holds the demotions of the events the day's index refused
	// for their mapping; demoted counts the fields of each already counted
	// in FieldsDemoted.
	conflicts conflict.Tracker
	demoted   []int

	// The current invocation's metrics and logger, for onRequest.
	cur    *metrics.Invocation
	curLog *slog.Logger
}

// newHandler builds the handler from the environment. Any error stops the
// cold start.
func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger, metricsOut io.Writer) (*handler, error) {
	s, err := settings.Load(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration (region, credentials): %w", err)
	}
	var sign signer.Signer
	if s.Auth == settings.AuthSigV4 {
		if sign, err = bulk.NewSigV4(awsCfg, "es"); err != nil {
			return nil, fmt.Errorf("SigV4 signer: %w", err)
		}
	}
	client, err := bulk.NewClient(bulk.ClientConfig{Endpoint: s.Endpoint, Signer: sign, Compression: bulk.Compression(s.Compression)})
	if err != nil {
		return nil, err
	}
	h := &handler{log: log, metricsOut: metricsOut, function: getenv("AWS_LAMBDA_FUNCTION_NAME")}
	if h.builder, err = document.NewBuilder(s.Document); err != nil {
		return nil, err
	}
	if h.indexer, err = bulk.New(client, bulk.Config{MaxBytes: s.BulkMaxBytes, OnRequest: h.onRequest}); err != nil {
		return nil, err
	}
	if h.dlq, err = dlq.New(sqs.NewFromConfig(awsCfg), dlq.Config{QueueURL: s.DLQURL}); err != nil {
		return nil, err
	}
	if h.archive, err = archivewriter.FromEnv(getenv, s3.NewFromConfig(awsCfg)); err != nil {
		return nil, err
	}
	log.Info("cold start", "endpoint", s.Endpoint.Redacted(), "auth", s.Auth, "indexPrefix", s.Document.IndexPrefix,
		"timezone", s.Document.Location.String(), "timeField", s.Document.TimeField,
		"fieldTypes", s.Document.FieldTypes.EncodeJSON(), "bulkMaxBytes", s.BulkMaxBytes, "compression", s.Compression)
	return h, nil
}

// Invoke implements lambda.Handler on the raw payload, so that even a
// payload that is not JSON reaches the dead-letter queue.
func (h *handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	var m metrics.Invocation
	log := h.log.With("requestId", requestID)
	h.cur, h.curLog = &m, log
	logGroup := ""
	defer func() {
		if err := m.Write(h.metricsOut, time.Now(), h.function, logGroup, requestID); err != nil {
			log.Error("writing metrics", "error", err.Error())
		}
	}()

	p, err := h.decoder.DecodeEvent(payload)
	if err != nil {
		return nil, h.keepUndecodable(ctx, log, &m, requestID, payload, err)
	}
	if p.MessageType == cwlogs.MessageTypeControl {
		log.Info("control message ignored", "logGroup", p.LogGroup)
		return nil, nil
	}
	logGroup = p.LogGroup
	log = log.With("logGroup", p.LogGroup, "logStream", p.LogStream)
	h.curLog = log
	m.EventsIn = len(p.LogEvents)
	// Archived first: a payload the archive lacks is retried whole
	// (indexing is idempotent), so the archive never misses an event.
	if err := h.archive.Write(ctx, p); err != nil {
		log.Error("invocation failed", "error", err.Error())
		return nil, err
	}

	res := h.indexer.IndexSource(ctx, h.source(p, &m))
	m.Indexed, m.Retried = len(res.Indexed), res.Retried

	dlqErr := h.keepFailed(ctx, log, &m, requestID, p, res.Failed)
	lost := len(res.Unresolved)
	if dlqErr != nil {
		lost += len(res.Failed)
	}
	m.Unresolved = lost
	log.Info("invocation done", "eventsIn", m.EventsIn, "indexed", m.Indexed, "retried", m.Retried,
		"sentToDLQ", m.SentToDLQ, "unresolved", m.Unresolved, "coercedInvalid", m.CoercedInvalid,
		"rebuilt", res.Rebuilt, "fieldsDemoted", m.FieldsDemoted)

	if lost == 0 {
		return nil, nil
	}
	reason := ""
	if len(res.Unresolved) > 0 {
		reason = "; first retryable error: " + res.Unresolved[0].Reason
	}
	if dlqErr != nil {
		reason += "; dead-letter queue: " + dlqErr.Error()
	}
	err = fmt.Errorf("%d of %d events are neither indexed nor in the dead-letter queue%s; "+
		"failing the invocation so that Lambda retries it (indexing is idempotent) and, after the last retry, keeps it in the on-failure destination",
		lost, m.EventsIn, reason)
	log.Error("invocation failed", "error", err.Error())
	return nil, err
}

// eventSource builds each event's bulk item when the indexer asks for
// it, so only one request body is in memory at a time.
type eventSource struct {
	h *handler
	p *cwlogs.Payload
	m *metrics.Invocation
}

func (h *handler) source(p *cwlogs.Payload, m *metrics.Invocation) eventSource {
	h.built = append(h.built[:0], make([]bool, len(p.LogEvents))...)
	h.demoted = h.demoted[:0]
	h.conflicts.Reset()
	if h.seenIDs == nil {
		h.seenIDs = map[string]int{}
	}
	h.dup = markEarlierDuplicates(p.LogEvents, p.IDsAscend, h.dup, h.seenIDs)
	return eventSource{h: h, p: p, m: m}
}

func (s eventSource) Len() int { return len(s.p.LogEvents) }

// AppendItem refuses, for the dead-letter queue, an event whose id a later
// event repeats and one the builder cannot index (its id or its time).
func (s eventSource) AppendItem(dst []byte, i int) ([]byte, string, string) {
	if s.h.dup[i] {
		return dst, "", duplicateReason
	}
	ev := &s.p.LogEvents[i]
	d := s.h.conflicts.Demotion(i)
	dst, info := s.h.builder.AppendDemotedItem(dst, s.p, ev, d)
	if info.Refused != "" {
		return dst, "", info.Refused
	}
	if !s.h.built[i] {
		s.h.built[i] = true
		s.m.CoercedInvalid += info.CoercionFailures
	}
	if d != nil {
		s.countDemoted(i, info.Demoted)
	}
	return dst, ev.ID, ""
}

// Rebuild demotes the fields an event's refusal names, so that the event
// is sent again at once instead of kept in the dead-letter queue.
func (s eventSource) Rebuild(i, status int, reason string) bool {
	return s.h.conflicts.Refused(i, status, reason)
}

// countDemoted adds event i's newly demoted fields to FieldsDemoted: an
// item is built again for every send, and a later demotion of the same
// event only grows.
func (s eventSource) countDemoted(i, n int) {
	for len(s.h.demoted) <= i {
		s.h.demoted = append(s.h.demoted, 0)
	}
	if n > s.h.demoted[i] {
		s.m.FieldsDemoted += n - s.h.demoted[i]
		s.h.demoted[i] = n
	}
}

// keepUndecodable sends a payload that cannot be decoded to the DLQ whole.
// Success ends the invocation successfully: retrying cannot fix it.
func (h *handler) keepUndecodable(ctx context.Context, log *slog.Logger, m *metrics.Invocation, requestID string, payload []byte, decodeErr error) error {
	m.Undecodable = 1
	if _, err := h.dlq.Undecodable(ctx, requestID, payload, decodeErr.Error()); err != nil {
		err = fmt.Errorf("the payload cannot be decoded (%v) and could not be kept in the dead-letter queue: %w; failing the invocation so Lambda retries it", decodeErr, err)
		log.Error("invocation failed", "error", err.Error())
		return err
	}
	log.Warn("undecodable payload kept in the dead-letter queue", "reason", decodeErr.Error(), "bytes", len(payload))
	return nil
}

// keepFailed sends permanently failed events to the DLQ.
func (h *handler) keepFailed(ctx context.Context, log *slog.Logger, m *metrics.Invocation, requestID string, p *cwlogs.Payload, failed []bulk.Failure) error {
	if len(failed) == 0 {
		return nil
	}
	events := make([]dlq.FailedEvent, len(failed))
	for k, f := range failed {
		ev := &p.LogEvents[f.Ref]
		events[k] = dlq.FailedEvent{ID: ev.ID, Timestamp: ev.Timestamp, Message: ev.Message, Status: f.Status, Error: f.Reason}
	}
	src := dlq.Source{Owner: p.Owner, LogGroup: p.LogGroup, LogStream: p.LogStream, SubscriptionFilters: p.SubscriptionFilters}
	if _, err := h.dlq.FailedEvents(ctx, requestID, src, events); err != nil {
		return err
	}
	m.SentToDLQ = len(events)
	log.Warn("events kept in the dead-letter queue", "count", len(events), "firstStatus", failed[0].Status, "firstError", failed[0].Reason)
	return nil
}

// onRequest records each _bulk round trip.
func (h *handler) onRequest(s bulk.RequestStats) {
	h.cur.AddRequest(s.Bytes, s.Latency)
	switch {
	case s.Err != nil:
		h.curLog.Warn("bulk request failed", "items", s.Items, "bytes", s.Bytes, "latencyMs", s.Latency.Milliseconds(), "error", s.Err.Error())
	case s.Status >= 300:
		h.curLog.Warn("bulk request refused", "items", s.Items, "bytes", s.Bytes, "latencyMs", s.Latency.Milliseconds(), "status", s.Status)
	}
}
