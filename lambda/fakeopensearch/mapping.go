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
	depthLimit       int
	// off are the rules a mutation check switched off.
	off map[rule]bool
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
	ix.off = s.off
	s.indices[name] = ix
	return ix, nil
}

// newIndex builds an index's mapping from t (nil: no template).
func newIndex(t *indexTemplate) (*index, error) {
	ix := &index{root: &mapper{typ: "object", props: map[string]*mapper{}}, dateDetection: true,
		dateFormats: defaultDynamicDateFormats, fieldsLimit: DefaultTotalFieldsLimit, depthLimit: DefaultDepthLimit}
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
	for _, k := range []string{"index.mapping.depth.limit", "mapping.depth.limit"} {
		if v, ok := settings[k]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("failed to parse value [%s] for setting [index.mapping.depth.limit]", v)
			}
			ix.depthLimit = n
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
