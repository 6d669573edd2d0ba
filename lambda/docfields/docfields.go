// Package docfields names the fields logsearch adds to every document. The
// ingest function writes them and the domain setup maps them, so both import
// the names from here rather than spelling them twice.
package docfields

// Fields added to every indexed document.
const (
	// Timestamp is the event time: the TIME_FIELD value when it parses,
	// otherwise CloudWatch's event timestamp. Mapped as date.
	Timestamp = "@timestamp"
	// ID is the CloudWatch event id, also used as the document _id.
	ID = "@id"
	// LogGroup, LogStream and Owner come from the subscription payload.
	LogGroup  = "@log_group"
	LogStream = "@log_stream"
	Owner     = "@owner"
	// Message is the raw log line, kept so nothing is lost in parsing.
	Message = "@message"
	// Invalid holds, verbatim, each value that could not be coerced to its
	// declared type: {"@invalid": {"status": "abc"}}. Mapped as keywords.
	Invalid = "@invalid"
	// Unmapped holds, as they came, the fields of an event that the day's
	// index could not map (it had no room for more fields, or a value
	// clashed even under @invalid): {"@unmapped": {"k17": 3}}. Stored in
	// the document, never mapped ("enabled": false), so it never adds a
	// field to the index; search such values through @message.
	Unmapped = "@unmapped"
)

// PlainMessage is the field a line that is neither LTSV nor JSON lands in.
const PlainMessage = "message"

// All lists the added fields, for mappings and reserved-name checks.
var All = []string{Timestamp, ID, LogGroup, LogStream, Owner, Message, Invalid, Unmapped}
