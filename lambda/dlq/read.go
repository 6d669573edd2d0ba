package dlq

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/logsearch/logsearch/lambda/cwlogs"
)

// KeptEvent is a failed event read back from the queue.
type KeptEvent struct {
	Source
	FailedEvent
	RequestID string
}

// KeptPayload is an undecodable invocation read back from the queue.
type KeptPayload struct {
	RequestID  string
	Reason     string
	Invocation []byte
}

// Contents is what a set of queue messages holds.
type Contents struct {
	Events   []KeptEvent
	Payloads []KeptPayload
	// Incomplete lists chunk_of ids whose parts are not all present yet.
	Incomplete []string
}

// Read decodes message bodies received from the queue, joining chunked
// records whose parts are all present. Duplicates (a retried invocation
// may keep an event twice) are returned as they are.
func Read(bodies []string) (*Contents, error) {
	c := &Contents{}
	parts := map[string]map[int]chunkRecord{}
	for k, b := range bodies {
		var h header
		if err := json.Unmarshal([]byte(b), &h); err != nil || h.Version != Version {
			return nil, fmt.Errorf("message %d is not a logsearch DLQ record (version %d): %v", k, h.Version, err)
		}
		if h.Kind == KindChunk {
			var ch chunkRecord
			if err := json.Unmarshal([]byte(b), &ch); err != nil {
				return nil, fmt.Errorf("message %d: %w", k, err)
			}
			if parts[ch.ChunkOf] == nil {
				parts[ch.ChunkOf] = map[int]chunkRecord{}
			}
			parts[ch.ChunkOf][ch.Part] = ch
			continue
		}
		if err := c.add([]byte(b)); err != nil {
			return nil, fmt.Errorf("message %d: %w", k, err)
		}
	}
	ids := make([]string, 0, len(parts))
	for id := range parts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := parts[id]
		var record []byte
		complete := true
		for n := 1; complete && n <= len(p); n++ {
			ch, ok := p[n]
			if !ok || ch.Parts != len(p) {
				complete = false
				break
			}
			data, err := base64.StdEncoding.DecodeString(ch.Data)
			if err != nil {
				return nil, fmt.Errorf("chunk %s part %d: %w", id, n, err)
			}
			record = append(record, data...)
		}
		if !complete || len(p) != p[1].Parts {
			c.Incomplete = append(c.Incomplete, id)
			continue
		}
		if err := c.add(record); err != nil {
			return nil, fmt.Errorf("chunked record %s: %w", id, err)
		}
	}
	return c, nil
}

// add decodes one whole (unchunked) record.
func (c *Contents) add(b []byte) error {
	var h header
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	switch h.Kind {
	case KindUndecodable:
		var r undecodableRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		inv, err := base64.StdEncoding.DecodeString(r.InvocationBase64)
		if err != nil {
			return fmt.Errorf("invocation_base64: %w", err)
		}
		c.Payloads = append(c.Payloads, KeptPayload{RequestID: r.RequestID, Reason: r.Reason, Invocation: inv})
	case KindFailedEvents:
		var r struct {
			header
			Payload struct {
				cwlogs.PayloadFields
				LogEvents []wireEvent `json:"logEvents"`
			} `json:"payload"`
			Errors []wireError `json:"errors"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if len(r.Errors) != len(r.Payload.LogEvents) {
			return fmt.Errorf("%d events but %d errors", len(r.Payload.LogEvents), len(r.Errors))
		}
		p := r.Payload
		src := Source{Owner: p.Owner, LogGroup: p.LogGroup, LogStream: p.LogStream, SubscriptionFilters: p.SubscriptionFilters}
		for k, e := range p.LogEvents {
			msg := e.Message
			if e.MessageBase64 != "" {
				raw, err := base64.StdEncoding.DecodeString(e.MessageBase64)
				if err != nil {
					return fmt.Errorf("event %s message_base64: %w", e.ID, err)
				}
				msg = string(raw)
			}
			c.Events = append(c.Events, KeptEvent{Source: src, RequestID: r.RequestID, FailedEvent: FailedEvent{
				ID: e.ID, Timestamp: e.Timestamp, Message: msg, Status: r.Errors[k].Status, Error: r.Errors[k].Error,
			}})
		}
	default:
		return fmt.Errorf("unknown record kind %q", h.Kind)
	}
	return nil
}
