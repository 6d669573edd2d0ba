package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/logsearch/logsearch/lambda/jsonwrite"
)

// The stack's own archive (lambda/archivewriter) writes objects in the
// events format, version EventsVersion: gzip'd NDJSON whose first line is a
// Header and every other line one Event. It keeps what a backfill needs to
// rebuild exactly the document the ingest function indexed: the CloudWatch
// event id (the _id), the event time (the @timestamp of a line without a
// time field, and so its daily index in any time zone), the log group,
// stream and owner, and the message whole (a multi-line event stays one
// event). docs/backfill.md describes the format for users.
//
// Objects written before it hold one message per line, like any other
// archive; they are still read, as plain lines.
const EventsVersion = 2

// headerMagic starts the first line of an events object, and no log line
// a reader would mistake for one: the key is logsearch's own.
const headerMagic = `{"logsearchArchive":`

// Header is the first line of an events object.
type Header struct {
	Version   int    `json:"logsearchArchive"`
	LogGroup  string `json:"logGroup"`
	LogStream string `json:"logStream"`
	Owner     string `json:"owner,omitempty"`
}

// Event is one line of an events object after its header.
type Event struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// AppendHeader appends h's line (with its newline) to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, headerMagic...)
	dst = strconv.AppendInt(dst, int64(h.Version), 10)
	dst = append(dst, `,"logGroup":`...)
	dst = jsonwrite.String(dst, h.LogGroup)
	dst = append(dst, `,"logStream":`...)
	dst = jsonwrite.String(dst, h.LogStream)
	if h.Owner != "" {
		dst = append(dst, `,"owner":`...)
		dst = jsonwrite.String(dst, h.Owner)
	}
	return append(dst, "}\n"...)
}

// AppendEvent appends e's line (with its newline) to dst. The message is
// JSON-escaped, so a message holding newlines stays on one line.
func AppendEvent(dst []byte, e Event) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonwrite.String(dst, e.ID)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, e.Timestamp, 10)
	dst = append(dst, `,"message":`...)
	dst = jsonwrite.String(dst, e.Message)
	return append(dst, "}\n"...)
}

// ParseHeader reads an object's first line: ok is false when it is not an
// events header (an older object of the stack's archive, or any other
// archive: the line is a log line). A header of a version this reader does
// not know is an error, so that no newer object is misread as log lines.
func ParseHeader(line []byte) (h Header, ok bool, err error) {
	if !bytes.HasPrefix(line, []byte(headerMagic)) {
		return Header{}, false, nil
	}
	if err := json.Unmarshal(line, &h); err != nil {
		return Header{}, false, nil // a log line that merely starts alike
	}
	if h.Version != EventsVersion {
		return h, true, fmt.Errorf("archive object format version %d is not known to this backfill (it reads version %d): build backfill from the same logsearch version as the stack that wrote the archive", h.Version, EventsVersion)
	}
	return h, true, nil
}

// ParseEvent reads one event line of an events object.
func ParseEvent(line []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, fmt.Errorf("not an archived event (the object's header says every line is one): %w", err)
	}
	if e.ID == "" {
		return Event{}, fmt.Errorf("archived event has no id")
	}
	return e, nil
}

// MaxEventLineBytes is the longest events-object line holding a message of
// at most maxMessage bytes: JSON escaping writes a control byte as 6
// (\u001f), plus the id, the time and the keys.
func MaxEventLineBytes(maxMessage int) int { return 6*maxMessage + 1024 }
