// Package cwlogstest builds real CloudWatch Logs subscription payloads
// (JSON, gzip, base64, invocation envelope) for tests and benchmarks.
package cwlogstest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// wirePayload is the JSON CloudWatch Logs sends, with its field names.
type wirePayload struct {
	cwlogs.PayloadFields
	LogEvents []wireEvent `json:"logEvents"`
}

type wireEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// JSON is the payload as CloudWatch Logs writes it, before gzip.
func JSON(p *cwlogs.Payload) []byte {
	w := wirePayload{
		PayloadFields: cwlogs.PayloadFields{
			MessageType: p.MessageType, Owner: p.Owner, LogGroup: p.LogGroup, LogStream: p.LogStream,
			SubscriptionFilters: p.SubscriptionFilters,
		},
		LogEvents: make([]wireEvent, len(p.LogEvents)),
	}
	for i, e := range p.LogEvents {
		w.LogEvents[i] = wireEvent{ID: e.ID, Timestamp: e.Timestamp, Message: e.Message}
	}
	b, err := json.Marshal(w)
	if err != nil {
		panic(err) // strings and ints always marshal
	}
	return b
}

// Data is the awslogs.data value for p: base64 of gzip of its JSON.
func Data(p *cwlogs.Payload) []byte {
	return DataFromJSON(JSON(p))
}

// DataFromJSON gzips and base64-encodes raw payload JSON, valid or not.
func DataFromJSON(raw []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(raw); err != nil {
		panic(err)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(z.Len()))
	base64.StdEncoding.Encode(out, z.Bytes())
	return out
}

// BuildInvocation is the Lambda invocation payload CloudWatch Logs sends
// for p: {"awslogs":{"data":"<base64>"}}.
func BuildInvocation(p *cwlogs.Payload) []byte {
	return InvocationFromData(Data(p))
}

// InvocationFromData wraps an awslogs.data value in the invocation envelope.
func InvocationFromData(data []byte) []byte {
	return []byte(`{"awslogs":{"data":"` + string(data) + `"}}`)
}

// DataPayload is a DATA_MESSAGE payload from account 123456789012 carrying
// events.
func DataPayload(logGroup, logStream string, events []cwlogs.LogEvent) *cwlogs.Payload {
	return &cwlogs.Payload{
		MessageType:         cwlogs.MessageTypeData,
		Owner:               "123456789012",
		LogGroup:            logGroup,
		LogStream:           logStream,
		SubscriptionFilters: []string{"logsearch"},
		LogEvents:           events,
	}
}

// EventID is a CloudWatch-shaped event id (a 56-digit decimal string)
// unique for each n.
func EventID(n int) string {
	return fmt.Sprintf("3%055d", n)
}

// NginxEvents returns n realistic nginx access-log events in LTSV, one per
// 10 ms from start, about 280 bytes each with 13 fields: time, host,
// forwardedfor, req, method, uri, protocol, status, size, referer, ua,
// reqtime, apptime. NginxFieldTypes types some of them.
func NginxEvents(n int, start time.Time) []cwlogs.LogEvent {
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	paths := []string{"/", "/api/v1/orders", "/api/v1/orders/12345/items", "/static/app.js", "/login", "/search?q=shoes&page=2"}
	statuses := []string{"200", "200", "200", "201", "304", "404", "500", "502"}
	uas := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"curl/8.5.0",
	}
	events := make([]cwlogs.LogEvent, n)
	for i := range events {
		t := start.Add(time.Duration(i) * 10 * time.Millisecond)
		method, path := methods[i%len(methods)], paths[i%len(paths)]
		size := "-"
		if i%7 != 0 {
			size = strconv.Itoa(100 + i*37%90000)
		}
		msg := "time:" + t.Format("02/Jan/2006:15:04:05 -0700") +
			"\thost:10.0." + strconv.Itoa(i/256%256) + "." + strconv.Itoa(i%256) +
			"\tforwardedfor:-" +
			"\treq:" + method + " " + path + " HTTP/1.1" +
			"\tmethod:" + method +
			"\turi:" + path +
			"\tprotocol:HTTP/1.1" +
			"\tstatus:" + statuses[i%len(statuses)] +
			"\tsize:" + size +
			"\treferer:https://shop.example.com/products?id=" + strconv.Itoa(i%1000) +
			"\tua:" + uas[i%len(uas)] +
			"\treqtime:0." + fmt.Sprintf("%03d", i*13%1000) +
			"\tapptime:0." + fmt.Sprintf("%03d", i*7%1000)
		events[i] = cwlogs.LogEvent{ID: EventID(i), Timestamp: t.UnixMilli(), Message: msg}
	}
	return events
}

// NginxFieldTypes is the FIELD_TYPES declaration that matches NginxEvents.
var NginxFieldTypes = fieldtypes.Map{
	"status": fieldtypes.Integer, "size": fieldtypes.Long, "reqtime": fieldtypes.Double,
	"apptime": fieldtypes.Double, "host": fieldtypes.IP,
}
