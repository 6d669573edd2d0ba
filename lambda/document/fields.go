package document

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/jsonwrite"
	"github.com/logsearch/logsearch/lambda/ltsv"
)

type format int

const (
	formatPlain format = iota
	formatLTSV
	formatJSON
)

// member is one top-level field of the document to be.
type member struct {
	key  string // the label or key as the log wrote it
	name string // field name as written: the label or key, made safe
	kind byte   // '"' string, '0' number, 't' true/false, 'n' null, '{' object, '[' array
	str  string // the decoded value for strings
	raw  string // the value's JSON text (JSON values only)
	hash uint   // nameHash(name)
	// t is the declared type of name, "" if none.
	t   fieldtypes.Type
	dup bool // a later member has the same name: last wins
	// plain marks names that need no JSON escaping (LTSV labels).
	plain bool
	// prefix, when not empty, is `,"name":`, written ahead of the value.
	prefix string
}

// parse classifies line and fills b.members.
func (b *Builder) parse(line string) format {
	if len(b.shape) > 0 && ltsv.SameLabels(line, b.shape, b.values) {
		// b.members still holds the last line's members, whose labels
		// this line repeats: only the values change.
		for i, v := range b.values {
			b.members[i].str = v
		}
		return formatLTSV
	}
	b.shape = b.shape[:0]
	b.members = b.members[:0]
	if start := trimBlanks(line); start != "" && start[0] == '{' {
		if b.parseJSON(start) {
			b.markDuplicates(b.members)
			return formatJSON
		}
		b.members = b.members[:0]
		return formatPlain
	}
	var ok bool
	b.fields, ok = ltsv.Parse(b.fields[:0], line)
	if !ok {
		return formatPlain
	}
	// Fill in place: appending whole structs costs more than the parse.
	b.members = slices.Grow(b.members, len(b.fields))[:len(b.fields)]
	for i := range b.fields {
		m := &b.members[i]
		m.key, m.kind, m.str, m.raw, m.dup, m.plain = b.fields[i].Label, '"', b.fields[i].Value, "", false, true
		m.name, m.hash, m.prefix = b.labels.name(i, m.key)
		m.t = b.types.lookup(m.name, m.hash)
	}
	b.markDuplicates(b.members)
	b.rememberShape()
	return formatLTSV
}

// rememberShape keeps the labels of the LTSV line just parsed, so that
// parse can take the next line with the same labels by its values alone.
// Only a line whose every label labelNames remembers qualifies: the
// members then point to its copies, not into the line's buffer.
func (b *Builder) rememberShape() {
	if len(b.members) > len(b.labels) {
		return
	}
	for i := range b.members {
		if b.labels[i].label != b.members[i].key {
			return
		}
	}
	for i := range b.members {
		b.members[i].key = b.labels[i].label
		b.shape = append(b.shape, b.labels[i].label)
	}
	b.values = slices.Grow(b.values[:0], len(b.shape))[:len(b.shape)]
}

// labelNames remembers the stored name of each position's label in the
// last LTSV line: the lines of one log share their labels, in order, so
// the checks that make a label a safe field name run once per format
// rather than once per field.
type labelNames []labelName

type labelName struct {
	label, name string // copies: labels alias buffers reused later
	hash        uint
	prefix      string // `,"name":`
}

// What is copied is bounded: real labels are short, and real lines have
// dozens of them, not thousands.
const (
	maxRememberedLabel  = 64
	maxRememberedLabels = 256
)

// name is fieldName(label, true), its nameHash and, when remembered, the
// member's prefix `,"name":` (label characters need no JSON escaping).
func (l *labelNames) name(i int, label string) (name string, hash uint, prefix string) {
	if i < len(*l) && (*l)[i].label == label {
		e := &(*l)[i]
		return e.name, e.hash, e.prefix
	}
	if len(label) > maxRememberedLabel || i > len(*l) || i >= maxRememberedLabels {
		name := fieldName(label, true)
		return name, nameHash(name), ""
	}
	own := strings.Clone(label)
	name = fieldName(own, true) // from the copy, so that it aliases no reused buffer
	e := labelName{label: own, name: name, hash: nameHash(name), prefix: `,"` + name + `":`}
	if i == len(*l) {
		*l = append(*l, e)
	} else {
		(*l)[i] = e
	}
	return e.name, e.hash, e.prefix
}

// trimBlanks is strings.TrimLeft(line, " \t") without building the cut
// set anew for every line.
func trimBlanks(line string) string {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return line[i:]
}

// eventTime reads @timestamp from the time field, if present, parsable
// and within the accepted range. It compares the name the log wrote, so a
// time field that is renamed when stored (@timestamp becomes _@timestamp)
// still matches, and it notes the member for appendMembers.
func (b *Builder) eventTime() (time.Time, bool) {
	b.timeMember = -1
	if b.timeField == "" {
		return time.Time{}, false
	}
	for i := range b.members {
		m := &b.members[i]
		if m.dup || m.key != b.timeField {
			continue
		}
		b.timeMember = i
		text := m.raw
		if m.kind == '"' {
			text = m.str
		} else if m.kind != '0' {
			b.fieldTime = parsedTime{}
			return time.Time{}, false
		}
		b.fieldTime = b.times.parse(text)
		return b.fieldTime.t, b.fieldTime.ok && b.times.inRange(b.fieldTime.t)
	}
	return time.Time{}, false
}

// appendMembers writes the parsed fields, coerced, and collects values
// that do not fit their type in b.invalid.
//
// plainValues says that string values need no JSON escaping.
func (b *Builder) appendMembers(dst []byte, info *ItemInfo, plainValues bool) []byte {
	for i := range b.members {
		m := &b.members[i]
		if m.dup || m.kind == 'n' || (m.kind == '"' && m.str == "-") {
			continue // "-" and null mean no value
		}
		t := m.t
		if i == b.timeMember {
			t = fieldtypes.Date // the time field is always a date
		}
		if b.demotion != nil {
			if b.demote(m, b.demotion.dotted(m.name, b.demotion.destination(m.name, t != ""))) {
				info.Demoted++
				continue
			}
		}
		mark := len(dst)
		if m.prefix != "" {
			dst = append(dst, m.prefix...)
		} else if m.plain {
			dst = append(dst, ',', '"')
			dst = append(dst, m.name...)
			dst = append(dst, '"', ':')
		} else {
			dst = jsonwrite.Member(dst, m.name)
		}
		var ok bool
		switch {
		case t == "" && m.kind == '"' && plainValues:
			dst, ok = jsonwrite.Plain(dst, m.str), true
		case t == "" && m.kind == '"':
			dst, ok = jsonwrite.String(dst, m.str), true
		case t == "" && (m.kind == '{' || m.kind == '['):
			dst, ok = b.appendJSON(dst, m.raw)
		case t == "":
			dst, ok = append(dst, m.raw...), true
		case m.kind == '{' || m.kind == '[':
			ok = false
		default:
			text := m.raw
			if m.kind == '"' {
				text = m.str
			}
			if text == "" && t != fieldtypes.Keyword && t != fieldtypes.Text {
				dst = dst[:mark] // an empty number, date, ... is no value
				continue
			}
			if i == b.timeMember {
				// Parsed already, for @timestamp.
				dst, ok = b.times.appendQuoted(dst, b.fieldTime)
			} else {
				dst, ok = appendCoerced(dst, t, text, b.loc)
			}
		}
		if !ok {
			dst = dst[:mark]
			info.CoercionFailures++
			b.demote(m, b.demotion.dotted(m.name, toInvalid))
		}
	}
	return dst
}

// demote writes m where a demotion sends it and reports whether it did.
// Under @invalid a value is a string, as a coercion failure is; under
// @unmapped, which is never mapped, it keeps its JSON form.
func (b *Builder) demote(m *member, to destination) bool {
	switch to {
	case toInvalid:
		b.invalid = jsonwrite.Member(b.invalid, m.name)
		b.invalid = jsonwrite.String(b.invalid, m.rawOrStr())
	case toUnmapped:
		mark := len(b.unmapped)
		b.unmapped = jsonwrite.Member(b.unmapped, m.name)
		var ok bool
		switch m.kind {
		case '"':
			b.unmapped, ok = jsonwrite.String(b.unmapped, m.str), true
		case '{', '[':
			b.unmapped, ok = b.appendJSON(b.unmapped, m.raw)
		default:
			b.unmapped, ok = append(b.unmapped, m.raw...), true
		}
		if !ok {
			b.unmapped = jsonwrite.String(jsonwrite.Member(b.unmapped[:mark], m.name), m.raw)
		}
	default:
		return false
	}
	return true
}

// rawOrStr is the verbatim value for @invalid: the decoded string for a
// string, the JSON text otherwise.
func (m *member) rawOrStr() string {
	if m.kind == '"' {
		return m.str
	}
	return m.raw
}

// markDuplicates flags every member that a later one of the same name
// overrides: OpenSearch rejects documents with duplicate keys, and "last
// wins" matches what JSON parsers do with duplicate keys. Walking from the
// end, a 64-bit set of name hashes rules out most names without comparing
// strings; larger field sets use a map.
func (b *Builder) markDuplicates(ms []member) {
	if len(ms) <= 64 {
		var seen uint64
		for i := len(ms) - 1; i >= 0; i-- {
			bit := uint64(1) << (ms[i].hash & 63)
			if seen&bit != 0 {
				for j := i + 1; j < len(ms); j++ {
					if ms[j].name == ms[i].name {
						ms[i].dup = true
						break
					}
				}
			}
			seen |= bit
		}
		return
	}
	if b.seen == nil {
		b.seen = make(map[string]int)
	}
	clear(b.seen)
	for i := range ms {
		if prev, ok := b.seen[ms[i].name]; ok {
			ms[prev].dup = true
		}
		b.seen[ms[i].name] = i
	}
}

// nameHash is a cheap hash of a field name (length and two bytes), good
// enough to tell a dozen log field names apart.
func nameHash(s string) uint {
	if s == "" {
		return 0
	}
	return uint(len(s))*31 + uint(s[0])*7 + uint(s[len(s)-1])
}

// metadataFields are OpenSearch's document metadata fields; a document
// that contains one at the top level is rejected.
var metadataFields = []string{
	"_id", "_index", "_source", "_routing", "_field_names", "_ignored", "_seq_no",
	"_primary_term", "_version", "_type", "_size", "_meta", "_doc_count",
	"_data_stream_timestamp", "_tier", "_nested_path", "_uid", "_parent", "_all",
}

// isAddedField reports whether name is one of the @ fields logsearch adds.
func isAddedField(name string) bool {
	return slices.Contains(docfields.All, name)
}

// fieldName makes a label or key safe as an OpenSearch field name. At the
// top level, a name logsearch adds (@timestamp, ...) or OpenSearch reserves
// (_id, ...) gets an extra leading '_', so the log's own value is kept
// beside ours: "_@timestamp", "__id". So does a dotted name whose first
// segment is one of them ("@timestamp.x", "_id.x", "message.x"):
// OpenSearch reads the dots as a path into that field, which is no object.
// Invalid UTF-8 is repaired first, as jsonwrite writes it (one U+FFFD per
// bad byte). At any level, an empty name becomes "_", a name whose dots
// would make an empty or whitespace-only path segment (".a", "a.", "a..b",
// "a. .b") has its dots replaced by '_', and a name of whitespace only gets a
// leading '_': OpenSearch rejects them all (DocumentParser
// .splitAndValidatePath, which it applies to every key and to the full
// path of every field it maps, so " " inside an object is refused too).
func fieldName(name string, top bool) string {
	if name == "" {
		return "_"
	}
	// Compared (duplicates, demotions) as it will be written: keys that
	// differ only in invalid UTF-8 bytes are written as one.
	name = jsonwrite.Repaired(name)
	if top && reservedTop(name) {
		name = "_" + name
	}
	if hasDot(name) && (name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") || blankSegment(name)) {
		name = strings.ReplaceAll(name, ".", "_")
	}
	if blank(name) {
		name = "_" + name
	}
	return name
}

// blankSegment reports whether a segment between name's dots is all
// whitespace.
func blankSegment(name string) bool {
	for seg := range strings.SplitSeq(name, ".") {
		if seg != "" && blank(seg) {
			return true
		}
	}
	return false
}

// blank reports whether s is all whitespace, as Java's
// Character.isWhitespace (which OpenSearch's Strings.hasText uses) or
// Go's unicode.IsSpace sees it: the wider of the two, since a name renamed
// without need loses nothing, and one sent as is would be refused. Names
// start with a letter almost always, so the loop ends at once.
func blank(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			// The ASCII whitespace of both: TAB to CR, the four
			// separators 0x1c-0x1f, and the space; without the table
			// lookups, which cost more than the rest of a name's checks.
			if r != ' ' && (r < '\t' || r > '\r') && (r < 0x1c || r > 0x1f) {
				return false
			}
			continue
		}
		if !unicode.IsSpace(r) && !unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) {
			return false
		}
	}
	return s != ""
}

// reservedTop reports whether a top-level name would land in, or under, a
// field logsearch or OpenSearch owns.
func reservedTop(name string) bool {
	if name[0] != '@' && name[0] != '_' && name[0] != 'm' {
		return false
	}
	first, _, dotted := strings.Cut(name, ".")
	if first == "" {
		return false
	}
	if dotted && first == docfields.PlainMessage {
		return true
	}
	return (first[0] == '@' || first[0] == '_') && (isAddedField(first) || slices.Contains(metadataFields, first))
}

// StoredName is the name a top-level log field is stored under.
func StoredName(name string) string { return fieldName(name, true) }

// hasDot is strings.IndexByte(s, '.') >= 0 without a call: names are short.
func hasDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// typeTable finds a field's declared type: a small hash table indexed by
// nameHash, cheaper than a Go map lookup for the dozen labels of a line.
type typeTable struct {
	buckets [64][]typedField
}

type typedField struct {
	name string
	t    fieldtypes.Type
}

func newTypeTable(m fieldtypes.Map) typeTable {
	var tt typeTable
	for name, t := range m {
		h := nameHash(name) & 63
		tt.buckets[h] = append(tt.buckets[h], typedField{name, t})
	}
	return tt
}

// lookup finds name, whose nameHash is hash.
func (tt *typeTable) lookup(name string, hash uint) fieldtypes.Type {
	for _, f := range tt.buckets[hash&63] {
		if f.name == name {
			return f.t
		}
	}
	return ""
}
