// Package conflict reads why OpenSearch refused a document for its mapping
// (a field whose value does not fit the type the day's index already gave
// it, a value where an object is mapped or the reverse, an index with no
// room for another field) and keeps, per event, which fields to demote
// when the event is built again (document.Demotion), so that the event is
// indexed instead of refused until the day's index rolls over.
//
// The reasons are matched on OpenSearch's message texts, not on the error
// type: OpenSearch 2.x raises all of them as mapper_parsing_exception or
// illegal_argument_exception, Elasticsearch 8 and some proxies say
// document_parsing_exception and prefix the reason with "[line:column] ".
package conflict

import (
	"slices"
	"strings"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/document"
)

// Conflict is what one refusal says about the document.
type Conflict struct {
	// Fields are the full paths the refusal names, in the order found.
	Fields []string
	// NoRoom: the index has no room for another field (total fields or
	// depth limit), whichever field the document would add.
	NoRoom bool
	// InvalidObject: the index maps the objects under @invalid as
	// keywords (a template from before its @invalid rule was limited to
	// strings), so a dotted name there fails the document with a
	// ClassCastException that names no field.
	InvalidObject bool
}

// invalidObjectPatterns are the texts of that ClassCastException
// (DocumentParser.getDynamicParentMapper casts the template's mapper to
// ObjectMapper), in the JDK 11+ form and the older one.
var invalidObjectPatterns = []string{
	"cannot be cast to class org.opensearch.index.mapper.ObjectMapper",
	"cannot be cast to org.opensearch.index.mapper.ObjectMapper",
}

// fieldPatterns are the messages that name a field the document's value
// does not fit, each as the text before and after the field's full path.
// Sources (OpenSearch 2.x, server/src/main/java/org/opensearch/index/mapper/):
//   - FieldMapper.parse: "failed to parse field [n] of type [long] in document with id '1'. Preview of field's value: 'x'"
//   - DocumentParser.parseObjectOrNested: "object mapping for [a] tried to parse field [a] as object, but found a concrete value"
//   - DocumentParser.getDynamicParentMapper: "Could not dynamically add mapping for field [a.b]. Existing mapping for [a] must be of type object but found [keyword]."
//     (the first bracket is relative to the enclosing object, the second
//     is the full path, so the second is used)
//   - ObjectMapper/FieldMapper merge of concurrent dynamic updates:
//     "mapper [n] cannot be changed from type [long] to [float]" and
//     "can't merge a non object mapping [a] with an object mapping"
var fieldPatterns = []struct{ before, after string }{
	{"failed to parse field [", "] of type ["},
	{"object mapping for [", "] tried to parse field ["},
	{"Existing mapping for [", "] must be of type object"},
	{"mapper [", "] cannot be changed from type ["},
	{"can't merge a non object mapping [", "] with an object mapping"},
	{"can't merge a non-object mapping [", "] with an object mapping"},
}

// noRoomPatterns are MapperService.checkTotalFieldsLimit and
// checkDepthLimit ("Limit of total fields [1000] has been exceeded",
// "Limit of mapping depth [20] has been exceeded"), and the depth checks
// of the document itself, which OpenSearch 2.x makes while parsing, before
// the mapping's (ParseContext.checkFieldDepthLimit and
// checkFieldArrayDepthLimit: "The depth of the field has exceeded the
// allowed limit of [20]", "The depth of the nested array field has ...").
var noRoomPatterns = []string{"Limit of total fields [", "Limit of mapping depth [",
	"The depth of the field has exceeded the allowed limit of [",
	"The depth of the nested array field has exceeded the allowed limit of ["}

// Parse reads a refused item's reason (as the bulk package renders it,
// caused_by chain included) and reports whether it is a mapping conflict
// that building the document differently can avoid.
func Parse(reason string) (Conflict, bool) {
	var c Conflict
	for _, p := range noRoomPatterns {
		if strings.Contains(reason, p) {
			c.NoRoom = true
		}
	}
	for _, p := range invalidObjectPatterns {
		if strings.Contains(reason, p) {
			c.InvalidObject = true
		}
	}
	for _, p := range fieldPatterns {
		rest := reason
		for {
			i := strings.Index(rest, p.before)
			if i < 0 {
				break
			}
			rest = rest[i+len(p.before):]
			j := strings.Index(rest, p.after)
			if j <= 0 {
				break
			}
			c.add(rest[:j])
			rest = rest[j:]
		}
	}
	return c, c.NoRoom || c.InvalidObject || len(c.Fields) > 0
}

func (c *Conflict) add(field string) {
	if !slices.Contains(c.Fields, field) {
		c.Fields = append(c.Fields, field)
	}
}

// MaxRebuilds bounds how often one event is built again in an invocation.
// OpenSearch names only the first conflicting field of a document, so an
// event with several needs several rounds; the last round also moves every
// undeclared field under @unmapped, which no mapping can refuse.
const MaxRebuilds = 3

// Tracker keeps the demotions of the events of one batch, by their number.
// The zero value is ready; it is not safe for concurrent use.
type Tracker struct {
	byRef map[int]*entry
}

type entry struct {
	d       document.Demotion
	rebuilt int
}

// Reset forgets every event, keeping the map's memory.
func (t *Tracker) Reset() { clear(t.byRef) }

// Demotion is what to demote when building event ref, nil for nothing.
func (t *Tracker) Demotion(ref int) *document.Demotion {
	if e := t.byRef[ref]; e != nil {
		return &e.d
	}
	return nil
}

// Refused records that event ref was refused for good with status and
// reason, and reports whether building it again with the demotion now
// recorded can help: the refusal is a 400 mapping conflict and the event
// was rebuilt fewer than MaxRebuilds times.
func (t *Tracker) Refused(ref, status int, reason string) bool {
	if status != 400 {
		return false
	}
	c, ok := Parse(reason)
	if !ok {
		return false
	}
	if t.byRef == nil {
		t.byRef = map[int]*entry{}
	}
	e := t.byRef[ref]
	if e == nil {
		e = &entry{}
		t.byRef[ref] = e
	}
	if e.rebuilt >= MaxRebuilds {
		return false
	}
	grew := false
	if c.InvalidObject && !e.d.DottedUnmapped {
		e.d.DottedUnmapped, grew = true, true
	}
	for _, f := range c.Fields {
		if !slices.Contains(e.d.Fields, f) {
			e.d.Fields = append(e.d.Fields, f)
			grew = true
		}
	}
	if !grew && e.d.Unmapped {
		return false // the event would come out the same
	}
	e.rebuilt++
	if c.NoRoom || !grew || e.rebuilt == MaxRebuilds {
		e.d.Unmapped = true
	}
	return true
}

// Rebuilder builds again, with their demotions, the events of a batch
// that the domain refused for their mapping: its Rebuild is the Rebuild of
// bulk.Item for callers that prepare a batch's items up front (backfill
// and replay-dlq), as the ingest function's event source does for its own.
type Rebuilder struct {
	Builder *document.Builder
	// Event returns the payload and the event of the item ref.
	Event   func(ref int) (*cwlogs.Payload, *cwlogs.LogEvent)
	tracker Tracker
}

// Reset starts a new batch.
func (r *Rebuilder) Reset() { r.tracker.Reset() }

// Rebuild builds the event ref again with the fields its refusal names
// demoted, when Tracker.Refused says that can help.
func (r *Rebuilder) Rebuild(ref, status int, reason string) ([]byte, bool) {
	if !r.tracker.Refused(ref, status, reason) {
		return nil, false
	}
	p, ev := r.Event(ref)
	body, info := r.Builder.AppendDemotedItem(nil, p, ev, r.tracker.Demotion(ref))
	return body, info.Refused == ""
}
