package fakeopensearch

// The mapping rules of OpenSearch 2.x that decide whether a bulk item is
// indexed or refused with 400. Each rule names the document or source file
// it follows; where the documentation and the source disagree, the source
// wins, because that is what a domain does.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// DefaultTotalFieldsLimit is index.mapping.total_fields.limit when neither
// the index nor its template sets it
// (https://docs.opensearch.org/latest/install-and-configure/configuring-opensearch/index-settings/).
const DefaultTotalFieldsLimit = 1000

// maxIndexNameBytes is MetadataCreateIndexService.MAX_INDEX_NAME_BYTES.
const maxIndexNameBytes = 255

// defaultDateFormat is the format of a date field that names none
// (DateFieldMapper.DEFAULT_DATE_TIME_FORMATTER;
// https://docs.opensearch.org/latest/field-types/supported-field-types/date/).
const defaultDateFormat = "strict_date_optional_time||epoch_millis"

// defaultDynamicDateFormats are RootObjectMapper.Defaults.
// DYNAMIC_DATE_TIME_FORMATTERS in the OpenSearch source
// (server/src/main/java/org/opensearch/index/mapper/RootObjectMapper.java).
// The documentation lists the second one as "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z";
// the source, which is what runs, has no zone and adds epoch_millis.
var defaultDynamicDateFormats = []string{defaultDateFormat, "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"}

// indexTemplate is a composable index template (PUT /_index_template/<name>).
type indexTemplate struct {
	name     string
	patterns []string
	priority int
	settings map[string]any
	mappings map[string]any
}

// mapper is one node of an index mapping: an object with properties, or a
// leaf field.
type mapper struct {
	typ         string // "object" or the field type
	format      string // date fields
	multiFields int    // sub-fields under "fields", each counted as a field
	props       map[string]*mapper
	// disabled is an object with "enabled": false: its content is kept in
	// _source and never parsed nor mapped, whatever its shape.
	disabled bool
}

// dynamicTemplate is one entry of mappings.dynamic_templates
// (https://docs.opensearch.org/latest/field-types/dynamic/#dynamic-templates).
type dynamicTemplate struct {
	matchMappingType, match, unmatch, pathMatch, pathUnmatch string
	mapping                                                  map[string]any
}

// index is the mapping state of one index.
type index struct {
	root             *mapper
	dateDetection    bool
	numericDetection bool
	dateFormats      []string
	templates        []dynamicTemplate
	fieldsLimit      int
}

// itemError is a refused bulk item in OpenSearch's error shape.
type itemError struct {
	status int
	body   map[string]any
}

func mappingError(typ, reason string, cause map[string]any) *itemError {
	e := map[string]any{"type": typ, "reason": reason}
	if cause != nil {
		e["caused_by"] = cause
	}
	return &itemError{status: http.StatusBadRequest, body: e}
}

// checkIndexName applies MetadataCreateIndexService.validateIndexOrAliasName
// and validateIndexName (server/src/main/java/org/opensearch/cluster/
// metadata/MetadataCreateIndexService.java;
// https://docs.opensearch.org/latest/api-reference/index-apis/create-index/#index-naming-restrictions):
// an auto-created index with a bad name fails its item with
// invalid_index_name_exception.
func checkIndexName(name string) *itemError {
	bad := func(why string) *itemError {
		e := mappingError("invalid_index_name_exception", "Invalid index name ["+name+"], "+why, nil)
		e.body["index"], e.body["index_uuid"] = name, "_na_"
		return e
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case strings.ContainsAny(name, "\\/*?\"<>| ,"):
		return bad(`must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`)
	case strings.Contains(name, "#"):
		return bad("must not contain '#'")
	case strings.Contains(name, ":"):
		return bad("must not contain ':'")
	case strings.ContainsAny(name[:1], "_-+"):
		return bad("must not start with '_', '-', or '+'")
	case len(name) > maxIndexNameBytes:
		return bad(fmt.Sprintf("index name is too long, (%d > %d)", len(name), maxIndexNameBytes))
	case name == "." || name == "..":
		return bad("must not be '.' or '..'")
	case strings.ToLower(name) != name:
		return bad("must be lowercase")
	}
	return nil
}

// PutIndexTemplate installs a composable index template the way the setup
// function does, by PUT /_index_template/<name> with body (any value that
// encodes to the template's JSON).
func (s *Server) PutIndexTemplate(name string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	// Straight to the route, as an operator's setup would, past the
	// request signature check that guards the function's traffic.
	req := httptest.NewRequest(http.MethodPut, "/_index_template/"+name, bytes.NewReader(raw))
	rec := httptest.NewRecorder()
	s.putIndexTemplate(rec, req, name)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("PUT /_index_template/%s: %d %s", name, rec.Code, rec.Body.Bytes())
	}
	return nil
}

// putIndexTemplate stores a composable template.
func (s *Server) putIndexTemplate(w http.ResponseWriter, r *http.Request, name string) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	t, err := parseIndexTemplate(name, raw)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("mapper_parsing_exception", err.Error()))
		return
	}
	s.mu.Lock()
	s.templates[name] = t
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func parseIndexTemplate(name string, raw []byte) (*indexTemplate, error) {
	var body struct {
		IndexPatterns []string `json:"index_patterns"`
		Priority      int      `json:"priority"`
		Template      struct {
			Settings map[string]any `json:"settings"`
			Mappings map[string]any `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("index template [%s]: %v", name, err)
	}
	if len(body.IndexPatterns) == 0 {
		return nil, fmt.Errorf("index template [%s]: index_patterns is missing", name)
	}
	t := &indexTemplate{name: name, patterns: body.IndexPatterns, priority: body.Priority,
		settings: body.Template.Settings, mappings: body.Template.Mappings}
	if _, err := newIndex(t); err != nil {
		return nil, fmt.Errorf("index template [%s]: %v", name, err)
	}
	return t, nil
}

// templateFor picks the template a new index is created from: of those
// whose index_patterns match, the one with the highest priority; only one
// composable template applies
// (https://docs.opensearch.org/latest/im-plugin/index-templates/#composable-index-templates).
func (s *Server) templateFor(name string) *indexTemplate {
	var best *indexTemplate
	names := make([]string, 0, len(s.templates))
	for n := range s.templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := s.templates[n]
		if slices.ContainsFunc(t.patterns, func(p string) bool { return simpleMatch(p, name) }) &&
			(best == nil || t.priority > best.priority) {
			best = t
		}
	}
	return best
}

// indexFor returns the index, creating it from its template on first use
// as a bulk item's auto-create does.
func (s *Server) indexFor(name string) (*index, *itemError) {
	if ix := s.indices[name]; ix != nil {
		return ix, nil
	}
	if e := checkIndexName(name); e != nil {
		return nil, e
	}
	ix, err := newIndex(s.templateFor(name))
	if err != nil {
		return nil, mappingError("mapper_parsing_exception", err.Error(), nil)
	}
	s.indices[name] = ix
	return ix, nil
}

// newIndex builds an index's mapping from t (nil: no template).
func newIndex(t *indexTemplate) (*index, error) {
	ix := &index{root: &mapper{typ: "object", props: map[string]*mapper{}}, dateDetection: true,
		dateFormats: defaultDynamicDateFormats, fieldsLimit: DefaultTotalFieldsLimit}
	if t == nil {
		return ix, nil
	}
	settings := map[string]string{}
	flattenSettings("", t.settings, settings)
	for _, k := range []string{"index.mapping.total_fields.limit", "mapping.total_fields.limit"} {
		if v, ok := settings[k]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("failed to parse value [%s] for setting [index.mapping.total_fields.limit]", v)
			}
			ix.fieldsLimit = n
		}
	}
	m := t.mappings
	if v, ok := m["date_detection"].(bool); ok {
		ix.dateDetection = v
	}
	if v, ok := m["numeric_detection"].(bool); ok {
		ix.numericDetection = v
	}
	if v, ok := m["dynamic_date_formats"].([]any); ok {
		ix.dateFormats = nil
		for _, f := range v {
			ix.dateFormats = append(ix.dateFormats, fmt.Sprint(f))
		}
	}
	if v, ok := m["dynamic_templates"].([]any); ok {
		for _, entry := range v {
			for _, def := range entry.(map[string]any) {
				d := def.(map[string]any)
				str := func(k string) string { s, _ := d[k].(string); return s }
				mapping, _ := d["mapping"].(map[string]any)
				ix.templates = append(ix.templates, dynamicTemplate{
					matchMappingType: str("match_mapping_type"), match: str("match"), unmatch: str("unmatch"),
					pathMatch: str("path_match"), pathUnmatch: str("path_unmatch"), mapping: mapping,
				})
			}
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		if err := addProperties(ix.root, props); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

func flattenSettings(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, sub := range m {
			flattenSettings(prefix+k+".", sub, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = fmt.Sprint(v)
}

// addProperties reads explicit mappings. A dotted name is a path of objects.
func addProperties(parent *mapper, props map[string]any) error {
	for name, def := range props {
		d, ok := def.(map[string]any)
		if !ok {
			return fmt.Errorf("expected map for property [%s]", name)
		}
		m, err := mapperFrom(d)
		if err != nil {
			return fmt.Errorf("%v on field [%s]", err, name)
		}
		at := parent
		parts := strings.Split(name, ".")
		for _, p := range parts[:len(parts)-1] {
			next := at.props[p]
			if next == nil {
				next = &mapper{typ: "object", props: map[string]*mapper{}}
				at.props[p] = next
			}
			at = next
		}
		at.props[parts[len(parts)-1]] = m
	}
	return nil
}

// knownTypes are the field types the fake can check values against.
var knownTypes = []string{"object", "keyword", "text", "date", "long", "integer", "short", "byte", "double", "float", "half_float", "boolean", "ip"}

func mapperFrom(d map[string]any) (*mapper, error) {
	typ, _ := d["type"].(string)
	if typ == "" {
		typ = "object"
	}
	if !slices.Contains(knownTypes, typ) {
		return nil, fmt.Errorf("no handler for type [%s] declared", typ)
	}
	m := &mapper{typ: typ}
	if typ == "date" {
		m.format, _ = d["format"].(string)
		if m.format == "" {
			m.format = defaultDateFormat
		}
	}
	if f, ok := d["fields"].(map[string]any); ok {
		m.multiFields = len(f)
	}
	if typ == "object" {
		// https://docs.opensearch.org/latest/field-types/mapping-parameters/enabled/;
		// DocumentParser.parseObjectOrNested skips the children of a
		// disabled object before it looks at the value.
		m.disabled = d["enabled"] == false
		m.props = map[string]*mapper{}
		if props, ok := d["properties"].(map[string]any); ok {
			if err := addProperties(m, props); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *mapper) clone() *mapper {
	c := *m
	if m.props != nil {
		c.props = make(map[string]*mapper, len(m.props))
		for k, v := range m.props {
			c.props[k] = v.clone()
		}
	}
	return &c
}

// countFields counts as MappingLookup.checkFieldLimit does: every field
// mapper (multi-fields included) and every object mapper but the root
// (server/src/main/java/org/opensearch/index/mapper/MappingLookup.java).
func (m *mapper) countFields() int {
	n := 0
	for _, c := range m.props {
		n += 1 + c.multiFields
		if c.props != nil {
			n += c.countFields()
		}
	}
	return n
}

// parseDocument checks doc against the index mapping and, when every
// value fits, applies the dynamic mapping updates it brings. Nothing is
// applied for a refused document.
func (ix *index) parseDocument(id string, doc []byte) *itemError {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec)
	if err == nil {
		if _, end := dec.Token(); end != io.EOF {
			err = fmt.Errorf("unexpected content after the document")
		}
	}
	obj, isObj := v.([]member)
	if err != nil || !isObj {
		return mappingError("mapper_parsing_exception", "failed to parse", map[string]any{"type": "json_parse_exception", "reason": fmt.Sprint(err)})
	}
	root := ix.root.clone()
	p := docParser{ix: ix, id: id}
	if e := p.object(root, "", obj); e != nil {
		return e
	}
	if n := root.countFields(); n > ix.fieldsLimit {
		return mappingError("illegal_argument_exception", fmt.Sprintf("Limit of total fields [%d] has been exceeded", ix.fieldsLimit), nil)
	}
	ix.root = root
	return nil
}

// member is a JSON object member, in document order: the order decides
// which of two conflicting fields maps first.
type member struct {
	key   string
	value any
}

// readValue reads one JSON value: []member for objects, []any for arrays,
// json.Number, string, bool or nil.
func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var out []member
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			out = append(out, member{k.(string), v})
		}
		_, err := dec.Token()
		return out, err
	case json.Delim('['):
		out := []any{}
		for dec.More() {
			v, err := readValue(dec)
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
}

// object parses the members of an object mapped by m at path.
// DocumentParser.parseObjectOrField and friends
// (server/src/main/java/org/opensearch/index/mapper/DocumentParser.java).
func (p *docParser) object(m *mapper, path string, members []member) *itemError {
	for _, mb := range members {
		if mb.key == "" || strings.HasPrefix(mb.key, ".") || strings.HasSuffix(mb.key, ".") || strings.Contains(mb.key, "..") {
			return mappingError("mapper_parsing_exception", "object field starting or ending with a [.] makes object resolution ambiguous: ["+mb.key+"]", nil)
		}
		if path == "" && strings.HasPrefix(mb.key, "_") && slices.Contains(metadataFields, mb.key) {
			return mappingError("mapper_parsing_exception", "Field ["+mb.key+"] is a metadata field and cannot be added inside a document. Use the index API request parameters.", nil)
		}
		parts := strings.Split(mb.key, ".")
		at, atPath := m, path
		disabled := false
		for _, part := range parts[:len(parts)-1] {
			full := join(atPath, part)
			next := at.props[part]
			switch {
			case next != nil && next.disabled:
				disabled = true
			case next == nil:
				next = &mapper{typ: "object", props: map[string]*mapper{}}
				at.props[part] = next
			case next.props == nil:
				// The first name is the dotted key as the document wrote
				// it, relative to its object; the second is a full path
				// (DocumentParser.getDynamicParentMapper; DocumentParserTests
				// expects "field [field.bar.baz]. Existing mapping for [field]").
				return mappingError("mapper_parsing_exception", fmt.Sprintf(
					"Could not dynamically add mapping for field [%s]. Existing mapping for [%s] must be of type object but found [%s].",
					mb.key, full, next.typ), nil)
			}
			if disabled {
				break
			}
			at, atPath = next, full
		}
		if disabled {
			continue
		}
		if e := p.value(at, atPath, parts[len(parts)-1], mb.value); e != nil {
			return e
		}
	}
	return nil
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

// value parses the value of field name under parent (at parentPath).
func (p *docParser) value(parent *mapper, parentPath, name string, v any) *itemError {
	full := join(parentPath, name)
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if e := p.value(parent, parentPath, name, el); e != nil {
				return e
			}
		}
		return nil
	}
	if v == nil {
		return nil // null adds no field
	}
	m := parent.props[name]
	if m == nil {
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
			return p.fieldError(full, m.typ, v, map[string]any{"type": "illegal_state_exception", "reason": "Can't get text on a START_OBJECT"})
		}
		return p.object(m, full, obj)
	}
	if m.props != nil {
		return mappingError("mapper_parsing_exception", "object mapping for ["+full+"] tried to parse field ["+name+"] as object, but found a concrete value", nil)
	}
	if cause := checkLeaf(m, v); cause != nil {
		return p.fieldError(full, m.typ, v, cause)
	}
	return nil
}

// fieldError is FieldMapper.parse's wrapping of a value that does not fit
// (server/src/main/java/org/opensearch/index/mapper/FieldMapper.java).
func (p *docParser) fieldError(full, typ string, v any, cause map[string]any) *itemError {
	preview := preview(v)
	return mappingError("mapper_parsing_exception", fmt.Sprintf(
		"failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'", full, typ, p.id, preview), cause)
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

// dynamicMapper maps a new field from its first value, as
// DocumentParser.createBuilderFromDynamicValue does: a string that parses
// as a number is never a date; otherwise, with date_detection on, the
// first dynamic_date_formats entry that parses it makes it a date; numbers
// become long or float, true/false boolean, objects object; dynamic
// templates are consulted with the detected type first
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
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
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
	for _, t := range p.ix.templates {
		if t.matches(kind, full, name) {
			m, err := mapperFrom(t.mapping)
			if err != nil {
				return def
			}
			if kind == "object" && m.props == nil {
				return m
			}
			if m.typ == "date" && t.mapping["format"] == nil {
				m.format = def.format
			}
			return m
		}
	}
	return def
}

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

// checkLeaf returns the caused_by of a value that a field of m's type
// refuses, nil when it fits.
func checkLeaf(m *mapper, v any) map[string]any {
	text := fmt.Sprint(v)
	illegal := func(reason string) map[string]any {
		return map[string]any{"type": "illegal_argument_exception", "reason": reason}
	}
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
		if _, isBool := v.(bool); isBool {
			return illegal("Current token (VALUE_" + strings.ToUpper(text) + ") not numeric, can not use numeric value accessors")
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return map[string]any{"type": "number_format_exception", "reason": `For input string: "` + text + `"`}
		}
		lim := map[string]float64{"long": 1 << 63, "integer": 1 << 31, "short": 1 << 15, "byte": 1 << 7}[m.typ]
		if f >= lim || f < -lim {
			return illegal("Value [" + text + "] is out of range for " + m.typ)
		}
	case "double", "float", "half_float":
		if _, isBool := v.(bool); isBool {
			return illegal("Current token (VALUE_" + strings.ToUpper(text) + ") not numeric, can not use numeric value accessors")
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err != nil {
			return map[string]any{"type": "number_format_exception", "reason": `For input string: "` + text + `"`}
		}
	case "boolean":
		if _, ok := v.(bool); ok || text == "true" || text == "false" || text == "" {
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

// simpleMatch is OpenSearch's Regex.simpleMatch: '*' matches any run of
// characters, everything else itself.
func simpleMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	rest, s := pattern[star+1:], s[star:]
	if rest == "" {
		return true
	}
	for i := 0; i <= len(s); i++ {
		if simpleMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// Mapping lists the mapped fields of index by full path, each with its type
// (and date format), so tests can see what dynamic mapping made.
func (s *Server) Mapping(indexName string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	ix := s.indices[indexName]
	if ix == nil {
		return out
	}
	var walk func(m *mapper, path string)
	walk = func(m *mapper, path string) {
		for name, c := range m.props {
			full := join(path, name)
			out[full] = c.typ
			if c.typ == "date" {
				out[full] += " " + c.format
			}
			if c.props != nil {
				walk(c, full)
			}
		}
	}
	walk(ix.root, "")
	return out
}
