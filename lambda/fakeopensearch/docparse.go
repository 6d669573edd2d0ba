package fakeopensearch

// How OpenSearch 2.x parses one document against an index mapping, rule by
// rule. Each rule cites the source that decides it; the conformance cases
// (conformance_test.go) cite the tests that state it. Sources are read in
// opensearch-project/OpenSearch:
//   - server/src/main/java/org/opensearch/index/mapper/DocumentParser.java
//   - server/src/main/java/org/opensearch/index/mapper/ParseContext.java
//   - server/src/main/java/org/opensearch/index/mapper/DynamicTemplate.java
//   - server/src/main/java/org/opensearch/index/mapper/NumberFieldMapper.java
//   - server/src/main/java/org/opensearch/index/mapper/MapperService.java
//   - libs/x-content/src/main/java/org/opensearch/common/xcontent/json/JsonXContent.java

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rule names one OpenSearch rule the fake applies. A rule can be switched
// off only inside this package, to build a deliberately wrong fake: the
// mutation checks (mutation_test.go) prove that the conformance cases
// notice each one missing.
type rule string

const (
	// ruleFieldNames: DocumentParser.splitAndValidatePath, on every key
	// and on the full name of every field a document adds.
	ruleFieldNames rule = "field names"
	// ruleTemplateObjects: dynamic templates are consulted for the objects
	// a dotted name creates, and a template that maps them as a leaf
	// fails the document (ClassCastException).
	ruleTemplateObjects rule = "templates on intermediate objects"
	// ruleDuplicateKeys: Jackson's STRICT_DUPLICATE_DETECTION.
	ruleDuplicateKeys rule = "duplicate keys"
	// ruleUTF8: Jackson refuses bytes that are not UTF-8.
	ruleUTF8 rule = "invalid UTF-8"
	// ruleNumberRange: integers beyond a long map as long and are refused;
	// floats must be finite.
	ruleNumberRange rule = "number range"
	// ruleDepth: index.mapping.depth.limit, on the document and the mapping.
	ruleDepth rule = "depth limit"
	// ruleTotalFields: index.mapping.total_fields.limit.
	ruleTotalFields rule = "total fields limit"
	// ruleLeafTypes: a value must fit the type its field has.
	ruleLeafTypes rule = "leaf types"
	// ruleObjectLeaf: an object where a leaf is mapped, and the reverse.
	ruleObjectLeaf rule = "object/leaf conflicts"
)

// allRules lists every rule, for the mutation checks.
var allRules = []rule{ruleFieldNames, ruleTemplateObjects, ruleDuplicateKeys, ruleUTF8, ruleNumberRange,
	ruleDepth, ruleTotalFields, ruleLeafTypes, ruleObjectLeaf}

// DefaultDepthLimit is index.mapping.depth.limit when neither the index
// nor its template sets it (MapperService.INDEX_MAPPING_DEPTH_LIMIT_SETTING).
const DefaultDepthLimit = 20

// parseDocument checks doc against the index mapping and, when every
// value fits, applies the dynamic mapping updates it brings. Nothing is
// applied for a refused document.
func (ix *index) parseDocument(id string, doc []byte) *itemError {
	if ix.on(ruleUTF8) && !utf8.Valid(doc) {
		// Jackson reads the source as UTF-8 and stops at the first byte
		// that is not (JsonXContent's parser; wrapped by
		// DocumentParser.wrapInMapperParsingException).
		return parseFailure("json_parse_exception", "Invalid UTF-8 start byte")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec, ix.on(ruleDuplicateKeys))
	if err == nil {
		if _, end := dec.Token(); end != io.EOF {
			err = fmt.Errorf("unexpected content after the document")
		}
	}
	if err != nil {
		return parseFailure("json_parse_exception", err.Error())
	}
	obj, isObj := v.([]member)
	if !isObj {
		return mappingError("mapper_parsing_exception", "Malformed content, must start with an object", nil)
	}
	root := ix.root.clone()
	p := docParser{ix: ix, id: id}
	if e := p.object(root, "", obj); e != nil {
		return e
	}
	if ix.on(ruleDepth) {
		if path := deepObject(root, "", ix.depthLimit); path != "" {
			// MapperService.checkDepthLimit: an object at path has depth
			// (number of dots) + 2.
			return mappingError("illegal_argument_exception", fmt.Sprintf("Limit of mapping depth [%d] has been exceeded due to object field [%s]", ix.depthLimit, path), nil)
		}
	}
	if n := root.countFields(); ix.on(ruleTotalFields) && n > ix.fieldsLimit {
		return mappingError("illegal_argument_exception", fmt.Sprintf("Limit of total fields [%d] has been exceeded", ix.fieldsLimit), nil)
	}
	ix.root = root
	return nil
}

// on reports whether r applies (every rule does, but in a mutation check).
func (ix *index) on(r rule) bool { return !ix.off[r] }

// parseFailure is DocumentParser.wrapInMapperParsingException: any
// exception that is not a MapperParsingException becomes "failed to
// parse" with it as the cause.
func parseFailure(typ, reason string) *itemError {
	return mappingError("mapper_parsing_exception", "failed to parse", map[string]any{"type": typ, "reason": reason})
}

// deepObject returns an object path of m whose depth is over limit.
func deepObject(m *mapper, path string, limit int) string {
	for name, c := range m.props {
		if c.props == nil {
			continue
		}
		full := join(path, name)
		if strings.Count(full, ".")+2 > limit {
			return full
		}
		if p := deepObject(c, full, limit); p != "" {
			return p
		}
	}
	return ""
}

// openSearchError is an error in OpenSearch's (or Jackson's) own words,
// capital letter included.
type openSearchError string

func (e openSearchError) Error() string { return string(e) }

// member is a JSON object member, in document order: the order decides
// which of two conflicting fields maps first.
type member struct {
	key   string
	value any
}

// readValue reads one JSON value: []member for objects, []any for arrays,
// json.Number, string, bool or nil. With strict, a key repeated in one
// object fails, as Jackson's STRICT_DUPLICATE_DETECTION does, which
// JsonXContent turns on.
func readValue(dec *json.Decoder, strict bool) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var out []member
		var seen map[string]bool
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := k.(string)
			if strict {
				if seen == nil {
					seen = map[string]bool{}
				}
				if seen[key] {
					return nil, openSearchError(fmt.Sprintf("Duplicate field '%s'", key))
				}
				seen[key] = true
			}
			v, err := readValue(dec, strict)
			if err != nil {
				return nil, err
			}
			out = append(out, member{key, v})
		}
		_, err := dec.Token()
		return out, err
	case json.Delim('['):
		out := []any{}
		for dec.More() {
			v, err := readValue(dec, strict)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		_, err := dec.Token()
		return out, err
	}
	return tok, nil
}

type docParser struct {
	ix *index
	id string
	// depth is ParseContext's currentFieldDepth: the objects open, the
	// document itself included; arrays is currentArrayDepth.
	depth, arrays int
}

// splitPath is DocumentParser.splitAndValidatePath. Java's String.split
// drops trailing empty strings, so "a." is the field "a" and only a dot
// before or between segments leaves an empty one.
func splitPath(key string) ([]string, string) {
	if !strings.Contains(key, ".") {
		if key == "" {
			return nil, "field name cannot be an empty string"
		}
		return []string{key}, ""
	}
	parts := strings.Split(key, ".")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return nil, "field name cannot contain only the character [.]"
	}
	for _, p := range parts {
		if strings.TrimFunc(p, javaWhitespace) == "" {
			if p != "" {
				return nil, "object field cannot contain only whitespace: ['" + key + "']"
			}
			return nil, "object field starting or ending with a [.] makes object resolution ambiguous: [" + key + "]"
		}
	}
	return parts, ""
}

// javaWhitespace is Java's Character.isWhitespace, which
// Strings.hasText uses: space, line and paragraph separators other than
// the non-breaking ones, and the ASCII controls \t \n \v \f \r and
// U+001C to U+001F.
func javaWhitespace(r rune) bool {
	switch {
	case r == '\u00a0' || r == '\u2007' || r == '\u202f':
		return false
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x1f:
		return true
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// checkNewName applies splitAndValidatePath to the full name of a field
// or object the document adds: DocumentParser.createDynamicUpdate does,
// outside the parse's exception wrapping, so the refusal is a bare
// illegal_argument_exception (DocumentParserTests.testDynamicFieldsEmptyName).
func (p *docParser) checkNewName(full string) *itemError {
	if !p.ix.on(ruleFieldNames) {
		return nil
	}
	if _, why := splitPath(full); why != "" {
		return mappingError("illegal_argument_exception", why, nil)
	}
	return nil
}

// object parses the members of an object mapped by m. path is
// ParseContext.path as DocumentParser builds it: a member that resolves to
// an existing mapper adds its key as written, a new one its split
// segments (DocumentParserTests.testDynamicFieldsStartingAndEndingWithDot).
func (p *docParser) object(m *mapper, path string, members []member) *itemError {
	p.depth++
	defer func() { p.depth-- }()
	if p.ix.on(ruleDepth) && p.depth > p.ix.depthLimit {
		// ParseContext.checkFieldDepthLimit, from innerParseObject.
		return parseFailure("parse_exception", fmt.Sprintf(
			"The depth of the field has exceeded the allowed limit of [%d]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.", p.ix.depthLimit))
	}
	for _, mb := range members {
		parts, why := splitPath(mb.key)
		if why != "" {
			if p.ix.on(ruleFieldNames) {
				return parseFailure("illegal_argument_exception", why)
			}
			parts = strings.Split(mb.key, ".")
		}
		if path == "" && strings.HasPrefix(mb.key, "_") && slices.Contains(metadataFields, mb.key) {
			return mappingError("mapper_parsing_exception", "Field ["+mb.key+"] is a metadata field and cannot be added inside a document. Use the index API request parameters.", nil)
		}
		if containsDisabled(m, parts) {
			continue // DocumentParser.containsDisabledObjectMapper
		}
		if holder := lookupParent(m, parts); holder != nil && holder.props[parts[len(parts)-1]] != nil {
			name := parts[len(parts)-1]
			if e := p.value(holder.props[name], holder, join(path, mb.key), name, mb.value); e != nil {
				return e
			}
			continue
		}
		at, atPath, e := p.dynamicParent(m, path, mb.key, parts)
		if e != nil {
			return e
		}
		name := parts[len(parts)-1]
		if e := p.value(at.props[name], at, join(atPath, name), name, mb.value); e != nil {
			return e
		}
	}
	return nil
}

// lookupParent is DocumentParser.getMapper's walk: the existing object
// that holds a (dotted) key's last segment, nil when any step before it
// is missing or no object.
func lookupParent(m *mapper, parts []string) *mapper {
	for _, part := range parts[:len(parts)-1] {
		m = m.props[part]
		if m == nil || m.props == nil {
			return nil
		}
	}
	return m
}

// containsDisabled reports whether a dotted key runs through a disabled
// object, whose content is never parsed.
func containsDisabled(m *mapper, parts []string) bool {
	for _, part := range parts[:len(parts)-1] {
		m = m.props[part]
		if m == nil || m.props == nil {
			return false
		}
		if m.disabled {
			return true
		}
	}
	return false
}

// dynamicParent is DocumentParser.getDynamicParentMapper: it walks the
// objects before a dotted key's last segment, creating the missing ones.
// A missing object is first offered to the dynamic templates as an
// object; a template whose mapping is a leaf type makes OpenSearch cast a
// field mapper to ObjectMapper, and the document fails with
// class_cast_exception. That is what a template without
// match_mapping_type does to every dotted name under its path_match.
func (p *docParser) dynamicParent(m *mapper, path, key string, parts []string) (*mapper, string, *itemError) {
	at, atPath := m, path
	for _, part := range parts[:len(parts)-1] {
		full := join(atPath, part)
		next := at.props[part]
		switch {
		case next != nil && next.props == nil:
			if !p.ix.on(ruleObjectLeaf) {
				return at, atPath, nil
			}
			// The first name is the key as the document wrote it, the
			// second a full path (DocumentParserTests
			// .testDynamicDottedFieldNameWithFieldAlias).
			return nil, "", mappingError("mapper_parsing_exception", fmt.Sprintf(
				"Could not dynamically add mapping for field [%s]. Existing mapping for [%s] must be of type object but found [%s].",
				key, full, next.typ), nil)
		case next == nil:
			if e := p.checkNewName(full); e != nil {
				return nil, "", e
			}
			next = &mapper{typ: "object", props: map[string]*mapper{}}
			if t := p.ix.template("object", full, part); t != nil {
				built, err := mapperFrom(t.mapping)
				if err == nil && built.props == nil && p.ix.on(ruleTemplateObjects) {
					return nil, "", parseFailure("class_cast_exception", "class org.opensearch.index.mapper."+mapperClass(built.typ)+
						" cannot be cast to class org.opensearch.index.mapper.ObjectMapper")
				}
				if err == nil && built.props != nil {
					next = built
				}
			}
			at.props[part] = next
		}
		at, atPath = next, full
	}
	return at, atPath, nil
}

// mapperClass is the Java class of a field type's mapper, for the
// ClassCastException's text.
func mapperClass(typ string) string {
	switch typ {
	case "keyword":
		return "KeywordFieldMapper"
	case "text":
		return "TextFieldMapper"
	case "date":
		return "DateFieldMapper"
	case "boolean":
		return "BooleanFieldMapper"
	case "ip":
		return "IpFieldMapper"
	}
	return "NumberFieldMapper"
}

// metadataFields are refused at the top of a document
// (https://docs.opensearch.org/latest/field-types/metadata-fields/index/).
var metadataFields = []string{"_id", "_index", "_source", "_routing", "_field_names", "_ignored", "_seq_no", "_primary_term", "_version", "_type", "_size", "_meta", "_doc_count", "_data_stream_timestamp", "_nested_path"}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// value parses v, the value of field name under parent; m is its mapper,
// nil for a new field; full is the field's path.
func (p *docParser) value(m, parent *mapper, full, name string, v any) *itemError {
	if arr, ok := v.([]any); ok {
		// parseArray: each element is parsed as if it stood alone, so
		// the first one maps a new field and the later ones must fit it.
		p.arrays++
		defer func() { p.arrays-- }()
		if p.ix.on(ruleDepth) && p.arrays > p.ix.depthLimit {
			return parseFailure("parse_exception", fmt.Sprintf(
				"The depth of the nested array field has exceeded the allowed limit of [%d]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.", p.ix.depthLimit))
		}
		for _, el := range arr {
			if e := p.value(parent.props[name], parent, full, name, el); e != nil {
				return e
			}
		}
		return nil
	}
	if v == nil {
		return nil // null adds no field
	}
	if m == nil {
		if e := p.checkNewName(full); e != nil {
			return e
		}
		m = p.dynamicMapper(full, name, v)
		if m == nil {
			return nil
		}
		parent.props[name] = m
	}
	if m.disabled {
		return nil
	}
	if obj, ok := v.([]member); ok {
		if m.props == nil {
			if !p.ix.on(ruleObjectLeaf) {
				return nil
			}
			return p.fieldError(full, m.typ, v, map[string]any{"type": "illegal_state_exception", "reason": "Can't get text on a START_OBJECT"})
		}
		return p.object(m, full, obj)
	}
	if m.props != nil {
		if !p.ix.on(ruleObjectLeaf) {
			return nil
		}
		return mappingError("mapper_parsing_exception", "object mapping for ["+full+"] tried to parse field ["+name+"] as object, but found a concrete value", nil)
	}
	if cause := p.checkLeaf(m, v); cause != nil {
		return p.fieldError(full, m.typ, v, cause)
	}
	return nil
}

// fieldError is FieldMapper.parse's wrapping of a value that does not fit
// (server/src/main/java/org/opensearch/index/mapper/FieldMapper.java).
func (p *docParser) fieldError(full, typ string, v any, cause map[string]any) *itemError {
	return mappingError("mapper_parsing_exception", fmt.Sprintf(
		"failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'", full, typ, p.id, preview(v)), cause)
}

func preview(v any) string {
	switch x := v.(type) {
	case []member:
		var parts []string
		for _, m := range x {
			parts = append(parts, m.key+"="+preview(m.value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// isIntegerLiteral reports whether a JSON number has neither fraction nor
// exponent: Jackson's INT, LONG or BIG_INTEGER, which
// createBuilderFromDynamicValue maps as long however large.
func isIntegerLiteral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// dynamicMapper maps a new field from its first value, as
// DocumentParser.createBuilderFromDynamicValue does: a string that parses
// as a number is never a date; otherwise, with date_detection on, the
// first dynamic_date_formats entry that parses it makes it a date; integer
// literals become long (beyond a long's range too), other numbers float,
// true/false boolean, objects object; dynamic templates are consulted with
// the detected type first
// (https://docs.opensearch.org/latest/field-types/dynamic/).
func (p *docParser) dynamicMapper(full, name string, v any) *mapper {
	var kind string
	var def *mapper
	switch x := v.(type) {
	case []member:
		kind, def = "object", &mapper{typ: "object", props: map[string]*mapper{}}
	case bool:
		kind, def = "boolean", &mapper{typ: "boolean"}
	case json.Number:
		if isIntegerLiteral(x) || !p.ix.on(ruleNumberRange) && fitsLong(string(x)) {
			kind, def = "long", &mapper{typ: "long"}
		} else {
			kind, def = "double", &mapper{typ: "float"}
		}
	case string:
		_, errLong := strconv.ParseInt(x, 10, 64)
		_, errFloat := strconv.ParseFloat(x, 64)
		switch {
		case errLong == nil && p.ix.numericDetection:
			kind, def = "long", &mapper{typ: "long"}
		case errFloat == nil && p.ix.numericDetection:
			kind, def = "double", &mapper{typ: "float"}
		case errLong != nil && errFloat != nil && p.ix.dateDetection:
			for _, f := range p.ix.dateFormats {
				if parseDate(f, x) {
					kind, def = "date", &mapper{typ: "date", format: f}
					break
				}
			}
		}
		if def == nil {
			// No template: text with a keyword sub-field (two fields).
			kind, def = "string", &mapper{typ: "text", multiFields: 1}
		}
	default:
		return nil
	}
	if t := p.ix.template(kind, full, name); t != nil {
		m, err := mapperFrom(t.mapping)
		if err != nil {
			return def
		}
		if m.typ == "date" && t.mapping["format"] == nil {
			m.format = def.format
		}
		return m
	}
	return def
}

// fitsLong reports whether a JSON number without exponent is a long.
func fitsLong(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// template is RootObjectMapper.findTemplate: the first dynamic template
// that matches, in order.
func (ix *index) template(kind, full, name string) *dynamicTemplate {
	for i := range ix.templates {
		if ix.templates[i].matches(kind, full, name) {
			return &ix.templates[i]
		}
	}
	return nil
}

// matches is DynamicTemplate.match: without match_mapping_type (or with
// "*") a template matches every type, objects included.
func (t dynamicTemplate) matches(kind, full, name string) bool {
	switch {
	case t.matchMappingType != "" && t.matchMappingType != "*" && t.matchMappingType != kind:
		return false
	case t.match != "" && !simpleMatch(t.match, name):
		return false
	case t.unmatch != "" && simpleMatch(t.unmatch, name):
		return false
	case t.pathMatch != "" && !simpleMatch(t.pathMatch, full):
		return false
	case t.pathUnmatch != "" && simpleMatch(t.pathUnmatch, full):
		return false
	}
	return true
}

// integerLimits are the bounds of the integer field types
// (NumberFieldMapper.NumberType).
var integerLimits = map[string]*big.Int{
	"long": big.NewInt(math.MaxInt64), "integer": big.NewInt(math.MaxInt32),
	"short": big.NewInt(math.MaxInt16), "byte": big.NewInt(math.MaxInt8),
}

// checkLeaf returns the caused_by of a value that a field of m's type
// refuses, nil when it fits.
func (p *docParser) checkLeaf(m *mapper, v any) map[string]any {
	if !p.ix.on(ruleLeafTypes) {
		return nil
	}
	text := fmt.Sprint(v)
	illegal := func(reason string) map[string]any {
		return map[string]any{"type": "illegal_argument_exception", "reason": reason}
	}
	_, isBool := v.(bool)
	switch m.typ {
	case "keyword", "text":
		return nil
	case "date":
		if n, ok := v.(json.Number); ok {
			text = string(n)
		} else if _, ok := v.(string); !ok {
			return illegal("failed to parse date field [" + text + "] with format [" + m.format + "]")
		}
		if !parseDate(m.format, text) {
			return illegal("failed to parse date field [" + text + "] with format [" + m.format + "]")
		}
	case "long", "integer", "short", "byte":
		if isBool {
			return illegal("Current token (VALUE_" + strings.ToUpper(text) + ") not numeric, can not use numeric value accessors")
		}
		return p.checkInteger(m.typ, strings.TrimSpace(text))
	case "double", "float", "half_float":
		if isBool {
			return illegal("Current token (VALUE_" + strings.ToUpper(text) + ") not numeric, can not use numeric value accessors")
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil && !errorIsRange(err) {
			return map[string]any{"type": "number_format_exception", "reason": `For input string: "` + text + `"`}
		}
		// NumberFieldMapper.NumberType.{HALF_FLOAT,FLOAT,DOUBLE}
		// .validateParsed: only finite values, after the narrowing.
		switch m.typ {
		case "float":
			f = float64(float32(f))
		case "half_float":
			if math.Abs(f) >= 65520 {
				f = math.Inf(1)
			}
		}
		if p.ix.on(ruleNumberRange) && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return illegal("[" + m.typ + "] supports only finite values, but got [" + text + "]")
		}
	case "boolean":
		if isBool || text == "true" || text == "false" || text == "" {
			return nil
		}
		return illegal("Failed to parse value [" + text + "] as only [true] or [false] are allowed.")
	case "ip":
		if !isIP(text) {
			return illegal("'" + text + "' is not an IP string literal.")
		}
	}
	return nil
}

func errorIsRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// checkInteger is NumberFieldMapper's integer parse with coerce on (the
// default): a decimal is truncated, and the result must be in range.
func (p *docParser) checkInteger(typ, text string) map[string]any {
	outOfRange := map[string]any{"type": "illegal_argument_exception", "reason": "Value [" + text + "] is out of range for " + map[string]string{"long": "a long", "integer": "an integer", "short": "a short", "byte": "a byte"}[typ]}
	lim := integerLimits[typ]
	if n, ok := new(big.Int).SetString(text, 10); ok {
		if p.ix.on(ruleNumberRange) && (n.Cmp(lim) > 0 || n.Cmp(new(big.Int).Neg(new(big.Int).Add(lim, big.NewInt(1)))) < 0) {
			return outOfRange
		}
		return nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errorIsRange(err) {
		return map[string]any{"type": "number_format_exception", "reason": `For input string: "` + text + `"`}
	}
	if !p.ix.on(ruleNumberRange) {
		return nil
	}
	limF, _ := new(big.Float).SetInt(lim).Float64()
	if math.IsNaN(f) || math.Trunc(f) > limF || math.Trunc(f) < -limF-1 {
		return outOfRange
	}
	return nil
}
