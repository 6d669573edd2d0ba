// Package document turns one CloudWatch log event into an OpenSearch _bulk
// "index" action and a typed JSON document, written straight into the
// caller's buffer.
//
// A message is parsed as LTSV, as a JSON object, or kept as plain text;
// values are coerced to the declared field types; @timestamp comes from the
// time field when it parses and from CloudWatch's event time otherwise.
// docs/ingestion.md describes the rules for users.
package document

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/jsonwrite"
	"github.com/logsearch/logsearch/lambda/ltsv"
	"github.com/logsearch/logsearch/lambda/timeparse"
)

// Config says how documents are named, timed and typed.
type Config struct {
	// IndexPrefix starts every index name: <prefix>-YYYY.MM.DD.
	IndexPrefix string
	// Location is the time zone whose calendar day picks the index, and in
	// which times without a UTC offset are read. nil means UTC.
	Location *time.Location
	// TimeField names the field @timestamp is read from. Empty means always
	// use the CloudWatch event time.
	TimeField string
	// FieldTypes declares the types fields are coerced to; others stay
	// strings (LTSV) or keep their JSON type (JSON).
	FieldTypes fieldtypes.Map
}

// ItemInfo describes the item AppendBulkItem wrote.
type ItemInfo struct {
	// Index is the index the document goes to. It is an ordinary,
	// immutable string (shared between items of the same day).
	Index string
	// CoercionFailures counts the values kept under @invalid because they
	// did not match their declared type.
	CoercionFailures int
	// TimeFromField reports that @timestamp came from the time field
	// rather than the event's CloudWatch timestamp.
	TimeFromField bool
	// Refused, when not empty, says why the event cannot be indexed as
	// sent (its id or its time); nothing was written. Keep the event in
	// the dead-letter queue with this reason.
	Refused string
	// Demoted counts the values AppendDemotedItem moved under @invalid or
	// @unmapped.
	Demoted int
}

// Demotion says what to keep out of the index mapping when an event that
// the domain refused for its mapping is built again (package conflict
// reads it from the refusal).
type Demotion struct {
	// Fields are full field paths from the refusal. A top-level field
	// that holds one (its name is the path, leads to it, or lies under
	// it) is written as a string of its value under @invalid instead; a
	// path under @invalid itself (a value kept there clashing with
	// another) sends that value under @unmapped.
	Fields []string
	// Unmapped moves every field that is neither declared in the field
	// types nor the time field under @unmapped, which the index template
	// stores in the document but never maps: it holds any number of
	// fields of any shape.
	Unmapped bool
	// DottedUnmapped sends a dotted name bound for @invalid under
	// @unmapped instead. An index created from logsearch's template before
	// its @invalid rule was limited to strings maps the object a dotted
	// name needs there ("user.id" needs @invalid.user) as a keyword, and
	// OpenSearch refuses the document (class_cast_exception); such indices
	// live on until retention deletes them, and replays go to them.
	DottedUnmapped bool
}

// dotted applies DottedUnmapped to to, the destination of the field name.
// A nil Demotion changes nothing.
func (d *Demotion) dotted(name string, to destination) destination {
	if to == toInvalid && d != nil && d.DottedUnmapped && hasDot(name) {
		return toUnmapped
	}
	return to
}

// Where appendMembers writes a field.
type destination int

const (
	inPlace destination = iota
	toInvalid
	toUnmapped
)

// destination is where d sends the field name; declared says it has a
// declared type or is the time field.
func (d *Demotion) destination(name string, declared bool) destination {
	for _, f := range d.Fields {
		if under, ok := strings.CutPrefix(f, docfields.Invalid+"."); ok && holds(name, under) {
			return toUnmapped
		}
	}
	if d.Unmapped && !declared {
		return toUnmapped
	}
	for _, f := range d.Fields {
		if holds(name, f) {
			return toInvalid
		}
	}
	return inPlace
}

// holds reports whether the top-level field name holds the field at path:
// it is the path ("n"), an object on the way to it ("a" for "a.b"), or,
// written with dots, a field under it ("a.b" for "a").
func holds(name, path string) bool {
	return name == path ||
		(len(path) > len(name) && path[len(name)] == '.' && path[:len(name)] == name) ||
		(len(name) > len(path) && name[len(path)] == '.' && name[:len(path)] == path)
}

// Builder writes bulk items. It reuses its scratch buffers, so it must be
// used by one goroutine at a time; make one per worker.
type Builder struct {
	loc       *time.Location
	prefix    string
	timeField string
	types     typeTable

	fields []ltsv.Field
	labels labelNames
	// shape holds the labels of the last LTSV line while members holds
	// its members (see parse); values is SameLabels' scratch.
	shape, values []string
	source        sourceFields
	members       []member // top-level fields of the current message
	// timeMember is the index in members of the time field, -1 if none;
	// fieldTime is what its value parsed to.
	timeMember int
	fieldTime  parsedTime
	times      timeCache
	nested     []member // stack of nested JSON objects' members
	seen       map[string]int
	invalid    []byte
	// unmapped collects the fields a demotion sends under @unmapped.
	unmapped []byte
	// demotion is AppendDemotedItem's, nil when building as usual.
	demotion *Demotion

	// The index name of the last day seen, reused while the day holds:
	// from dayStart to dayEnd, in the index time zone.
	day              [3]int
	index            string
	dayStart, dayEnd time.Time
}

// NewBuilder checks cfg and returns a Builder for it. The error lists
// every problem with its fix.
func NewBuilder(cfg Config) (*Builder, error) {
	var errs []error
	if err := checkIndexPrefix(cfg.IndexPrefix); err != nil {
		errs = append(errs, err)
	}
	for name, t := range cfg.FieldTypes {
		if _, err := fieldtypes.Parse(string(t)); err != nil {
			errs = append(errs, fmt.Errorf("field type of %q: %w", name, err))
		}
		if isAddedField(name) {
			errs = append(errs, fmt.Errorf("field %q is added by logsearch and cannot be declared: remove it from the field types", name))
		}
	}
	if err := CheckTimeField(cfg.TimeField, cfg.FieldTypes); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Builder{
		loc:        loc,
		prefix:     cfg.IndexPrefix,
		timeField:  cfg.TimeField,
		types:      newTypeTable(cfg.FieldTypes),
		day:        [3]int{-1},
		timeMember: -1,
		times:      timeCache{loc: loc},
	}, nil
}

// maxIndexPrefix leaves room for "-YYYY.MM.DD" within OpenSearch's 255-byte
// index name limit.
const maxIndexPrefix = 255 - len("-2006.01.02")

// checkIndexPrefix applies OpenSearch's index naming rules.
func checkIndexPrefix(p string) error {
	const fix = "use lowercase letters, digits and '-', for example \"cwl\""
	switch {
	case p == "":
		return errors.New("index prefix is empty: " + fix)
	case len(p) > maxIndexPrefix:
		return fmt.Errorf("index prefix is %d bytes, over the %d allowed: shorten it", len(p), maxIndexPrefix)
	case strings.ContainsAny(p[:1], "_-+"):
		return fmt.Errorf("index prefix %q starts with %q, which OpenSearch forbids: %s", p, p[:1], fix)
	case p != strings.ToLower(p):
		return fmt.Errorf("index prefix %q has uppercase letters, which OpenSearch forbids: %s", p, fix)
	case strings.ContainsAny(p, "\\/*?\"<>| ,#:"):
		return fmt.Errorf("index prefix %q contains one of \\ / * ? \" < > | space , # : which OpenSearch forbids: %s", p, fix)
	case p == "." || p == "..":
		return fmt.Errorf("index prefix %q is not allowed: %s", p, fix)
	}
	return nil
}

// Keys of the fields every document starts with, pre-encoded.
var (
	keyTimestamp = `{"` + docfields.Timestamp + `":"`
	keyID        = `","` + docfields.ID + `":`
	keyLogGroup  = `,"` + docfields.LogGroup + `":`
	keyLogStream = `,"` + docfields.LogStream + `":`
	keyOwner     = `,"` + docfields.Owner + `":`
	keyMessage   = `,"` + docfields.Message + `":`
	keyInvalid   = `,"` + docfields.Invalid + `":{`
	keyUnmapped  = `,"` + docfields.Unmapped + `":{`
)

// AppendDemotedItem is AppendBulkItem for an event the domain refused for
// its mapping: the fields d names are written under @invalid or
// @unmapped, counted in ItemInfo.Demoted. A nil d builds the event as
// AppendBulkItem does.
func (b *Builder) AppendDemotedItem(dst []byte, p *cwlogs.Payload, ev *cwlogs.LogEvent, d *Demotion) ([]byte, ItemInfo) {
	b.demotion = d
	dst, info := b.AppendBulkItem(dst, p, ev)
	b.demotion = nil
	return dst, info
}

// AppendBulkItem appends the two NDJSON lines of ev's bulk "index" item to
// dst, each ending in "\n" (unless it refuses the event, see below):
//
//	{"index":{"_index":"<prefix>-YYYY.MM.DD","_id":"<ev.ID>"}}
//	{<document>}
//
// It never fails: a message that is not LTSV or a JSON object is kept as
// plain text and a value that does not fit its type is kept under
// @invalid. When the time field does not parse, @timestamp is ev.Timestamp;
// a Timestamp of 0 (possible in synthetic events) gives
// 1970-01-01T00:00:00.000Z, deterministic so a re-run rewrites the same
// document.
//
// It refuses, writing nothing and saying why in ItemInfo.Refused, an event
// whose id cannot be an OpenSearch _id (CheckID) or whose time, from the
// field or else from CloudWatch, is outside the accepted range (InRange).
func (b *Builder) AppendBulkItem(dst []byte, p *cwlogs.Payload, ev *cwlogs.LogEvent) ([]byte, ItemInfo) {
	var info ItemInfo
	digitsID := digitsID(ev.ID)
	if !digitsID {
		if err := CheckID(ev.ID); err != nil {
			info.Refused = err.Error()
			return dst, info
		}
	}
	line := ltsv.TrimEOL(ev.Message)
	format := b.parse(line)

	t, fromField := b.eventTime()
	if !fromField {
		t = time.UnixMilli(ev.Timestamp)
		if !b.times.inRange(t) {
			info.Refused = fmt.Sprintf("event timestamp %d ms is outside the accepted range (years %04d to %04d, in UTC and in the index time zone %s) and the time field gives no time in range; correct the sender's timestamps, then replay",
				ev.Timestamp, MinYear, MaxYear, b.loc)
			return dst, info
		}
	}
	info.TimeFromField = fromField
	info.Index = b.indexFor(t)

	dst = append(dst, `{"index":{"_index":"`...)
	dst = append(dst, info.Index...)
	dst = append(dst, `","_id":`...)
	dst = appendID(dst, ev.ID, digitsID)
	dst = append(dst, "}}\n"...)

	dst = append(dst, keyTimestamp...)
	dst = b.times.appendUTC(dst, t)
	dst = append(dst, keyID...)
	dst = appendID(dst, ev.ID, digitsID)
	dst = b.source.append(dst, p)
	dst = append(dst, keyMessage...)
	// When the line needed no escaping but its TABs, its LTSV values
	// (which hold no TAB) need none either.
	var escaped bool
	if ev.MessageJSON != "" {
		dst = jsonwrite.Plain(dst, ev.MessageJSON)
		escaped = !ev.MessageSafe
	} else {
		dst, escaped = jsonwrite.StringSep(dst, ev.Message, '\t')
	}

	if format == formatPlain {
		dst = jsonwrite.Member(dst, docfields.PlainMessage)
		dst = jsonwrite.String(dst, line)
	} else {
		b.invalid, b.unmapped = b.invalid[:0], b.unmapped[:0]
		dst = b.appendMembers(dst, &info, format == formatLTSV && !escaped)
		if len(b.invalid) > 0 {
			dst = append(dst, keyInvalid...)
			dst = append(dst, b.invalid...)
			dst = append(dst, '}')
		}
		if len(b.unmapped) > 0 {
			dst = append(dst, keyUnmapped...)
			dst = append(dst, b.unmapped...)
			dst = append(dst, '}')
		}
	}
	return append(dst, "}\n"...), info
}

// sourceFields writes the fields every document of a payload shares,
// @log_group, @log_stream and @owner, escaping them once per payload
// rather than once per event.
type sourceFields struct {
	group, stream, owner string // copies: a payload's strings alias buffers reused later
	json                 []byte
}

func (f *sourceFields) append(dst []byte, p *cwlogs.Payload) []byte {
	if f.json == nil || p.LogGroup != f.group || p.LogStream != f.stream || p.Owner != f.owner {
		f.group, f.stream, f.owner = strings.Clone(p.LogGroup), strings.Clone(p.LogStream), strings.Clone(p.Owner)
		f.json = append(f.json[:0], keyLogGroup...)
		f.json = jsonwrite.String(f.json, f.group)
		f.json = append(f.json, keyLogStream...)
		f.json = jsonwrite.String(f.json, f.stream)
		f.json = append(f.json, keyOwner...)
		f.json = jsonwrite.String(f.json, f.owner)
	}
	return append(dst, f.json...)
}

// indexFor names t's daily index, reusing the name while the day holds.
func (b *Builder) indexFor(t time.Time) string {
	if b.index != "" && !t.Before(b.dayStart) && t.Before(b.dayEnd) {
		return b.index
	}
	y, m, d := t.In(b.loc).Date()
	b.dayStart = time.Date(y, m, d, 0, 0, 0, 0, b.loc)
	b.dayEnd = b.dayStart.AddDate(0, 0, 1)
	if day := [3]int{y, int(m), d}; day != b.day {
		buf := make([]byte, 0, len(b.prefix)+len("-2006.01.02"))
		buf = append(buf, b.prefix...)
		buf = append(buf, '-')
		b.index = string(timeparse.AppendDay(buf, t, b.loc))
		b.day = day
	}
	return b.index
}

// The accepted event times: years MinYear to MaxYear both in UTC and in the
// index time zone. @timestamp is written as yyyy-MM-dd'T'HH:mm:ss.SSSZ,
// which OpenSearch's date format strict_date_optional_time reads only with
// a four-digit year
// (https://docs.opensearch.org/latest/field-types/supported-field-types/date/),
// and the index name ends in the four-digit year of the index time zone's
// day; a fifth digit would put ':' (the byte after '9') into the name,
// which OpenSearch forbids
// (https://docs.opensearch.org/latest/api-reference/index-apis/create-index/#index-naming-restrictions).
const (
	MinYear = 0
	MaxYear = 9999
)

// InRange reports whether t is an accepted event time.
func InRange(t time.Time, loc *time.Location) bool {
	u, l := t.UTC().Year(), t.In(loc).Year()
	return u >= MinYear && u <= MaxYear && l >= MinYear && l <= MaxYear
}

// MaxIDBytes is the longest _id OpenSearch accepts; a longer one fails the
// whole bulk request's validation (IndexRequest.validate: "id [...] is too
// long, must be no longer than 512 bytes").
const MaxIDBytes = 512

// digitsID reports whether id is digits only and no longer than
// MaxIDBytes, as CloudWatch's event ids are: such an id passes CheckID
// and needs no JSON escaping.
func digitsID(id string) bool {
	if id == "" || len(id) > MaxIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// appendID writes id as a JSON string; digits says digitsID(id).
func appendID(dst []byte, id string, digits bool) []byte {
	if digits {
		return jsonwrite.Plain(dst, id)
	}
	return jsonwrite.String(dst, id)
}

// CheckID says why id cannot be a document _id: CloudWatch's ids are
// digits, so only hand-made payloads fail. Invalid UTF-8 would be repaired
// when written, so OpenSearch would answer for another _id than the one
// sent.
func CheckID(id string) error {
	switch {
	case id == "":
		return errors.New("event id is empty; OpenSearch needs a non-empty _id")
	case len(id) > MaxIDBytes:
		return fmt.Errorf("event id is %d bytes; OpenSearch accepts an _id of at most %d bytes", len(id), MaxIDBytes)
	case !utf8.ValidString(id):
		return fmt.Errorf("event id %q is not valid UTF-8; OpenSearch would store another _id than the one sent", id)
	}
	return nil
}

// CheckTimeField says why name cannot be the time field. The time field is
// compared with the names as logs write them, so any name can match a JSON
// key except one that is not valid UTF-8 (messages are valid UTF-8 once
// decoded). The field plain-text lines are stored in cannot be it either:
// it is mapped as text, and the time field as date. It must not be
// declared with another type than date.
func CheckTimeField(name string, types fieldtypes.Map) error {
	if name == "" {
		return nil
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("time field %q is not valid UTF-8, so no log field can ever match it: name a field of your logs, such as \"time\"", name)
	}
	if name == docfields.PlainMessage {
		return fmt.Errorf("time field %q is where logsearch stores plain-text lines, mapped as text; the time field is mapped as date: name another field, such as \"time\"", name)
	}
	for _, n := range []string{name, StoredName(name)} {
		if t, ok := types[n]; ok && t != fieldtypes.Date {
			return fmt.Errorf("time field %q is declared %q in the field types; the time field is always a date: remove the declaration or declare it date", n, t)
		}
	}
	return nil
}
