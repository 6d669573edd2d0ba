package conflict

import (
	"slices"
	"strings"
	"testing"
)

// The reasons as the bulk package renders an item's error ("type: reason
// (caused by type: reason)"), in the shapes OpenSearch 2.x writes them
// (server/src/main/java/org/opensearch/index/mapper/DocumentParser.java,
// FieldMapper.java, MapperService.java), Elasticsearch 8's
// document_parsing_exception with its "[line:col] " prefix, and the
// fake domain's (lambda/fakeopensearch/mapping.go).
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		fields       []string
		noRoom, ok   bool
	}{
		{"leaf where an object is needed",
			"mapper_parsing_exception: Could not dynamically add mapping for field [a.b]. Existing mapping for [a] must be of type object but found [keyword].",
			[]string{"a"}, false, true},
		{"nested: the first bracket is relative, the second the full path",
			"mapper_parsing_exception: Could not dynamically add mapping for field [app.kubernetes.io/component]. Existing mapping for [kubernetes.labels.app] must be of type object but found [text].",
			[]string{"kubernetes.labels.app"}, false, true},
		{"value where an object is mapped",
			"mapper_parsing_exception: object mapping for [o] tried to parse field [o] as object, but found a concrete value",
			[]string{"o"}, false, true},
		{"Elasticsearch 8 shape",
			"document_parsing_exception: [1:117] object mapping for [user.name] tried to parse field [name] as object, but found a concrete value",
			[]string{"user.name"}, false, true},
		{"word in a long",
			`mapper_parsing_exception: failed to parse field [n] of type [long] in document with id '1'. Preview of field's value: 'word' (caused by number_format_exception: For input string: "word")`,
			[]string{"n"}, false, true},
		{"object in a keyword",
			"mapper_parsing_exception: failed to parse field [k] of type [keyword] in document with id 'x'. Preview of field's value: '{a=1}' (caused by illegal_state_exception: Can't get text on a START_OBJECT at 1:7)",
			[]string{"k"}, false, true},
		{"field name with brackets and spaces",
			"mapper_parsing_exception: failed to parse field [x [1] y] of type [date] in document with id 'q'",
			[]string{"x [1] y"}, false, true},
		{"dynamic update race",
			"illegal_argument_exception: mapper [n] cannot be changed from type [long] to [float]",
			[]string{"n"}, false, true},
		{"object merged with a leaf",
			"illegal_argument_exception: can't merge a non object mapping [a] with an object mapping",
			[]string{"a"}, false, true},
		{"total fields", "illegal_argument_exception: Limit of total fields [1000] has been exceeded", nil, true, true},
		{"total fields while adding a field",
			"illegal_argument_exception: Limit of total fields [1000] in index [cwl-2024.05.01] has been exceeded",
			nil, true, true},
		{"depth", "illegal_argument_exception: Limit of mapping depth [20] has been exceeded due to object field [a.b]", nil, true, true},
		{"document depth (checked while parsing, before the mapping's)",
			"mapper_parsing_exception: failed to parse (caused by parse_exception: The depth of the field has exceeded the allowed limit of [20]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.)",
			nil, true, true},
		{"array depth",
			"mapper_parsing_exception: failed to parse (caused by parse_exception: The depth of the nested array field has exceeded the allowed limit of [20]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.)",
			nil, true, true},
		{"not a mapping conflict", "version_conflict_engine_exception: [1]: version conflict", nil, false, false},
		{"metadata field (renamed before sending, never demotable)",
			"mapper_parsing_exception: Field [_id] is a metadata field and cannot be added inside a document.", nil, false, false},
		{"truncated reason", "mapper_parsing_exception: failed to parse field [n", nil, false, false},
		{"empty", "", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := Parse(tc.reason)
			if ok != tc.ok || c.NoRoom != tc.noRoom || c.InvalidObject || !slices.Equal(c.Fields, tc.fields) {
				t.Errorf("Parse = %+v, %v; want fields %q noRoom %v ok %v", c, ok, tc.fields, tc.noRoom, tc.ok)
			}
		})
	}
}

// An event is rebuilt while each refusal names something new, and at most
// MaxRebuilds times; the last round, and any refusal for room, moves every
// undeclared field under @unmapped.
// An index made from the template as it was before its @invalid rule
// was limited to strings refuses a dotted name under @invalid with a
// ClassCastException that names no field (DocumentParser
// .getDynamicParentMapper). The rebuild sends dotted names bound for
// @invalid under @unmapped instead, once.
func TestTrackerInvalidObject(t *testing.T) {
	for _, reason := range []string{
		"mapper_parsing_exception: failed to parse (caused by class_cast_exception: class org.opensearch.index.mapper.KeywordFieldMapper cannot be cast to class org.opensearch.index.mapper.ObjectMapper (org.opensearch.index.mapper.KeywordFieldMapper and org.opensearch.index.mapper.ObjectMapper are in unnamed module of loader 'app'))",
		"mapper_parsing_exception: failed to parse (caused by class_cast_exception: org.opensearch.index.mapper.KeywordFieldMapper cannot be cast to org.opensearch.index.mapper.ObjectMapper)",
	} {
		c, ok := Parse(reason)
		if !ok || !c.InvalidObject || c.NoRoom || len(c.Fields) != 0 {
			t.Errorf("Parse(%q) = %+v, %v; want InvalidObject only", reason, c, ok)
		}
		var tr Tracker
		if !tr.Refused(1, 400, reason) || tr.Demotion(1) == nil || !tr.Demotion(1).DottedUnmapped || tr.Demotion(1).Unmapped {
			t.Errorf("first refusal: demotion %+v, want DottedUnmapped only", tr.Demotion(1))
		}
	}
}

func TestTrackerBoundsRebuilds(t *testing.T) {
	const longN = "mapper_parsing_exception: failed to parse field [n] of type [long] in document with id '1'"
	const objO = "mapper_parsing_exception: object mapping for [o] tried to parse field [o] as object, but found a concrete value"
	const room = "illegal_argument_exception: Limit of total fields [1000] has been exceeded"
	var tr Tracker
	if tr.Refused(0, 429, longN) || tr.Refused(0, 400, "version conflict") || tr.Demotion(0) != nil {
		t.Fatal("a retryable status or a refusal that is no conflict must not be rebuilt")
	}
	if !tr.Refused(0, 400, longN) || tr.Demotion(0).Unmapped || !slices.Equal(tr.Demotion(0).Fields, []string{"n"}) {
		t.Fatalf("first refusal: %+v", tr.Demotion(0))
	}
	if !tr.Refused(0, 400, objO) || tr.Demotion(0).Unmapped {
		t.Fatalf("second refusal: %+v", tr.Demotion(0))
	}
	if !tr.Refused(0, 400, objO) || !tr.Demotion(0).Unmapped {
		t.Fatalf("a refusal naming nothing new must move the undeclared fields: %+v", tr.Demotion(0))
	}
	if tr.Refused(0, 400, room) {
		t.Fatal("rebuilt past MaxRebuilds")
	}
	if !tr.Refused(1, 400, room) || !tr.Demotion(1).Unmapped {
		t.Fatalf("no room: %+v", tr.Demotion(1))
	}
	if tr.Refused(1, 400, room) {
		t.Fatal("rebuilt although the event would come out the same")
	}
	tr.Reset()
	if tr.Demotion(0) != nil {
		t.Fatal("Reset kept a demotion")
	}
}

// Any reason, however cut or crafted, parses without panicking, and every
// field found is text of the reason.
func FuzzParse(f *testing.F) {
	f.Add("mapper_parsing_exception: failed to parse field [n] of type [long] in document with id '1'")
	f.Add("Could not dynamically add mapping for field [a]. Existing mapping for [] must be of type object but found [x].")
	f.Add("object mapping for [[a]] tried to parse field [ as object")
	f.Fuzz(func(t *testing.T, reason string) {
		c, ok := Parse(reason)
		if ok != (c.NoRoom || len(c.Fields) > 0) {
			t.Fatalf("ok %v for %+v", ok, c)
		}
		for _, field := range c.Fields {
			if field == "" || !strings.Contains(reason, "["+field+"]") {
				t.Fatalf("field %q not in %q", field, reason)
			}
		}
	})
}
