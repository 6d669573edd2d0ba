// Package metrics writes CloudWatch metrics in the embedded metric format
// (EMF): one JSON log line per invocation that CloudWatch Logs turns into
// metrics, with no API call and no extra latency.
package metrics

import (
	"encoding/json"
	"io"
	"time"
)

// Namespace is where the ingest function's metrics appear in CloudWatch.
const Namespace = "logsearch"

// Dimension is the one dimension every metric carries. Log groups are not
// a dimension: one per log group would multiply the metric count (and
// cost); LogGroup is a plain property of the line instead, searchable in
// Logs Insights.
const Dimension = "FunctionName"

// Metric names as they appear in CloudWatch under Namespace. Alarms and
// dashboards (infra/logsearch/alarms.go) refer to these constants, so a rename here
// cannot leave them watching a metric nobody writes.
const (
	EventsIn            = "EventsIn"            // log events received (Count)
	Indexed             = "Indexed"             // documents OpenSearch accepted (Count)
	Retried             = "Retried"             // bulk item sends after the first (Count)
	CoercedInvalid      = "CoercedInvalid"      // field values that did not fit their declared type (Count)
	FieldsDemoted       = "FieldsDemoted"       // field values moved under @invalid or @unmapped because the day's index refused them (Count)
	SentToDLQ           = "SentToDLQ"           // events given up on and kept in the dead-letter queue (Count)
	UndecodablePayloads = "UndecodablePayloads" // invocation payloads kept whole in the dead-letter queue (Count)
	Unresolved          = "Unresolved"          // events left for Lambda to retry (Count)
	BulkBytes           = "BulkBytes"           // one _bulk request body, uncompressed (Bytes)
	BulkLatency         = "BulkLatency"         // one _bulk round trip (Milliseconds)
)

// maxValues is EMF's limit of values per metric in one line.
const maxValues = 100

// Invocation accumulates one invocation's figures.
type Invocation struct {
	EventsIn       int
	Indexed        int
	Retried        int
	CoercedInvalid int
	// FieldsDemoted counts the field values moved under @invalid or
	// @unmapped after the day's index refused the event for its mapping.
	FieldsDemoted int
	SentToDLQ     int
	// Undecodable counts payloads kept whole in the DLQ.
	Undecodable int
	// Unresolved counts events left for Lambda to retry.
	Unresolved  int
	bulkBytes   []float64
	bulkLatency []float64
}

// AddRequest records one _bulk round trip.
func (m *Invocation) AddRequest(bytes int, latency time.Duration) {
	m.bulkBytes = appendCapped(m.bulkBytes, float64(bytes))
	m.bulkLatency = appendCapped(m.bulkLatency, float64(latency.Microseconds())/1000)
}

// appendCapped keeps at most maxValues values: later ones are dropped,
// which only thins the sample of an unusually long invocation.
func appendCapped(s []float64, v float64) []float64 {
	if len(s) >= maxValues {
		return s
	}
	return append(s, v)
}

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type awsMeta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Write emits the EMF line for m. function is the FunctionName dimension;
// logGroup and requestID are searchable properties (either may be empty).
func (m *Invocation) Write(w io.Writer, now time.Time, function, logGroup, requestID string) error {
	line := map[string]any{Dimension: function}
	var defs []metricDef
	add := func(name, unit string, v any) {
		defs = append(defs, metricDef{Name: name, Unit: unit})
		line[name] = v
	}
	add(EventsIn, "Count", m.EventsIn)
	add(Indexed, "Count", m.Indexed)
	add(Retried, "Count", m.Retried)
	add(CoercedInvalid, "Count", m.CoercedInvalid)
	add(FieldsDemoted, "Count", m.FieldsDemoted)
	add(SentToDLQ, "Count", m.SentToDLQ)
	add(UndecodablePayloads, "Count", m.Undecodable)
	add(Unresolved, "Count", m.Unresolved)
	// A metric with no values is left out: EMF rejects an empty array.
	if len(m.bulkBytes) > 0 {
		add(BulkBytes, "Bytes", m.bulkBytes)
		add(BulkLatency, "Milliseconds", m.bulkLatency)
	}
	line["_aws"] = awsMeta{
		Timestamp:         now.UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{{Dimension}}, Metrics: defs}},
	}
	if logGroup != "" {
		line["LogGroup"] = logGroup
	}
	if requestID != "" {
		line["requestId"] = requestID
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
