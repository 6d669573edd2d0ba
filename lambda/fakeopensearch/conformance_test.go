package fakeopensearch

// The conformance run: the fake against facts taken from OpenSearch's own
// tests and source, not from this project. Each case names where its
// expected outcome comes from. Paths are in opensearch-project/OpenSearch
// (2.x line; the REST YAML tests under
// rest-api-spec/src/main/resources/rest-api-spec/test/, the Java tests under
// server/src/test/java/org/opensearch/index/mapper/), or in the plugin
// repositories named. The cases are written here; no file of those
// repositories is copied.
//
// `go test -v -run '^TestConformance$' ./lambda/fakeopensearch` prints
// passed/skipped/failed per group; .ci/run runs it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// step is one request and what OpenSearch answers to it.
type step struct {
	method, path, body string
	// status is the HTTP status of the answer.
	status int
	// items, for _bulk, is per item the status and, for a refusal, a part
	// of its error (type, reason or caused_by).
	items []string
	// contains is a part of the answer's body.
	contains string
}

// conformanceCase is one fact about OpenSearch and the requests that
// check the fake against it.
type conformanceCase struct {
	group, name string
	// cite is where the fact comes from: file, test name.
	cite string
	// template, when set, is installed first (PUT /_index_template/t).
	template string
	// disk, when set, gives the server a disk model (SetDisk) first: the
	// storage APIs exist only with one.
	disk  *Disk
	steps []step
	// skip, when set, is why the fake is not checked: an API it does not
	// implement, or a feature logsearch never uses.
	skip string
}

const (
	restTests = "rest-api-spec/src/main/resources/rest-api-spec/test/"
	javaTests = "server/src/test/java/org/opensearch/index/mapper/"
	javaMain  = "server/src/main/java/org/opensearch/index/mapper/"
)

// bulkDocs is a _bulk body indexing each doc into index, ids "0", "1", ...
func bulkDocs(index string, docs ...string) string {
	return bulkDocsFrom(0, index, docs...)
}

func bulkDocsFrom(first int, index string, docs ...string) string {
	var b strings.Builder
	for i, d := range docs {
		fmt.Fprintf(&b, `{"index":{"_index":%q,"_id":"%d"}}`+"\n%s\n", index, first+i, d)
	}
	return b.String()
}

// docs is one _bulk step per document, each seeing the mapping the
// previous ones made, with want[i] its item's outcome.
func docs(index string, docsAndWants ...string) []step {
	var out []step
	for i := 0; i+1 < len(docsAndWants); i += 2 {
		out = append(out, step{method: http.MethodPost, path: "/_bulk", status: 200,
			body: bulkDocsFrom(i/2, index, docsAndWants[i]), items: []string{docsAndWants[i+1]}})
	}
	return out
}

// nested is a document of depth objects, itself included, the innermost
// holding key: leaf.
func nested(key string, depth int, leaf string) string {
	return strings.Repeat(`{"`+key+`":`, depth-1) + `{"` + key + `":` + leaf + strings.Repeat("}", depth)
}

// templateWith is a composable template for logs-* with these mappings
// (and settings).
func templateWith(mappings, settings string) string {
	if settings == "" {
		settings = "{}"
	}
	return `{"index_patterns":["logs-*"],"priority":1,"template":{"settings":` + settings + `,"mappings":` + mappings + `}}`
}

// invalidRule is a dynamic template like logsearch's @invalid rule,
// with or without match_mapping_type.
func invalidRule(matchMappingType string) string {
	mmt := ""
	if matchMappingType != "" {
		mmt = `"match_mapping_type":"` + matchMappingType + `",`
	}
	return templateWith(`{"dynamic_templates":[{"inv":{"path_match":"@invalid.*",`+mmt+`"mapping":{"type":"keyword"}}}]}`, "")
}

var conformanceCases = []conformanceCase{
	// --- mapping: dynamic templates -------------------------------------
	{group: "mapping", name: "template without match_mapping_type matches the object of a dotted name: ClassCastException",
		cite:     javaMain + "DocumentParser.java getDynamicParentMapper ((ObjectMapper) builder.build(...)); " + javaMain + "DynamicTemplate.java match (no match_mapping_type matches every type)",
		template: invalidRule(""),
		steps:    docs("logs-a", `{"@invalid":{"user.id":"7"}}`, "400 class_cast_exception")},
	{group: "mapping", name: "template limited to strings leaves the object to dynamic mapping",
		cite:     javaMain + "DynamicTemplate.java match (match_mapping_type compared with the value's type)",
		template: invalidRule("string"),
		steps:    docs("logs-a", `{"@invalid":{"user.id":"7","log.level":"x"}}`, "201", `{"@invalid":{"user":"flat"}}`, "400 tried to parse field [user] as object")},
	{group: "mapping", name: "template with a keyword mapping on an object value fails the field",
		cite:     javaMain + "DocumentParser.java parseObject (template builder used for the object, then parseObjectOrField)",
		template: invalidRule(""),
		steps:    docs("logs-a", `{"@invalid":{"user":{"id":"7"}}}`, "400 failed to parse field [@invalid.user] of type [keyword]")},
	{group: "mapping", name: "match_mapping_type string maps strings, not numbers",
		cite:     javaTests + "DynamicTemplatesTests.java testMatchTypeOnly",
		template: templateWith(`{"dynamic_templates":[{"s":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}]}`, ""),
		steps:    docs("logs-a", `{"s":"x","l":1}`, "201", `{"l":"word"}`, "400 failed to parse field [l] of type [long]", `{"s":5}`, "201")},

	// --- mapping: field names -------------------------------------------
	{group: "mapping", name: "whitespace-only segment", cite: javaMain + "DocumentParser.java splitAndValidatePath",
		steps: docs("logs-a", `{"a. .b":1}`, "400 object field cannot contain only whitespace: ['a. .b']")},
	{group: "mapping", name: "blank key inside an object: the full path has a blank segment",
		cite:  javaTests + "DocumentParserTests.java testDynamicFieldsEmptyName",
		steps: docs("logs-a", `{"top.":[{"aoeu":{"a":1," ":2}}]}`, "400 object field cannot contain only whitespace: ['top.aoeu. ']")},
	{group: "mapping", name: "blank key at the top is a field", cite: javaMain + "DocumentParser.java splitAndValidatePath (no dot: only the empty name is refused)",
		steps: docs("logs-a", `{" ":1}`, "201")},
	{group: "mapping", name: "trailing dot is dropped, but kept in the path of a field under an existing one",
		cite: javaTests + "DocumentParserTests.java testDynamicFieldsStartingAndEndingWithDot",
		steps: docs("logs-a", `{"top.":[{"foo.":[{"thing":"bah"}]}]}`, "201",
			`{"top.":[{"foo.":[{"bar.":{"aoeu":{"a":1,"b":2}}}]}]}`, "400 makes object resolution ambiguous: [top..foo..bar]")},
	{group: "mapping", name: "empty name", cite: javaTests + "DocumentParserTests.java testBlankFieldNames",
		steps: docs("logs-a", `{"":"foo"}`, "400 field name cannot be an empty string", `{"foo":{"":"bar"}}`, "400 field name cannot be an empty string")},
	{group: "mapping", name: "dots only", cite: javaTests + "DocumentParserTests.java testDynamicFieldsWithOnlyDot",
		steps: docs("logs-a", `{".":"1234"}`, "400 field name cannot contain only", `{"top":[{"inner":{".":2}}]}`, "400 field name cannot contain only")},
	{group: "mapping", name: "leading and double dots", cite: javaMain + "DocumentParser.java splitAndValidatePath",
		steps: docs("logs-a", `{".a":1}`, "400 makes object resolution ambiguous: [.a]", `{"a..b":1}`, "400 makes object resolution ambiguous: [a..b]")},
	{group: "mapping", name: "metadata field inside a document", cite: javaTests + "DocumentParserTests.java testDocumentContainsMetadataField",
		steps: docs("logs-a", `{"_id":"x"}`, "400 is a metadata field")},

	// --- mapping: numbers -------------------------------------------------
	{group: "mapping", name: "integer beyond long maps as long and is refused",
		cite:  javaMain + "DocumentParser.java createBuilderFromDynamicValue (BIG_INTEGER -> long); " + javaMain + "NumberFieldMapper.java LONG.parse",
		steps: docs("logs-a", `{"n":9223372036854775808}`, "400 failed to parse field [n] of type [long]", `{"m":9223372036854775807}`, "201", `{"m":-9223372036854775809}`, "400 of type [long]")},
	{group: "mapping", name: "out-of-range values of declared integer types",
		cite:     javaTests + "NumberFieldTypeTests.java (\"Value [2147483648] is out of range for an integer\", \"... for a short\")",
		template: templateWith(`{"properties":{"i":{"type":"integer"},"s":{"type":"short"}}}`, ""),
		steps:    docs("logs-a", `{"i":2147483648}`, "400 out of range for an integer", `{"i":"2147483647","s":32767}`, "201", `{"s":65536}`, "400 out of range for a short", `{"i":1.9}`, "201")},
	{group: "mapping", name: "non-finite floats", cite: javaMain + "NumberFieldMapper.java NumberType.FLOAT/DOUBLE validateParsed (\"supports only finite values\")",
		template: templateWith(`{"properties":{"f":{"type":"float"},"d":{"type":"double"}}}`, ""),
		steps: docs("logs-a", `{"f":"NaN"}`, "400 supports only finite values", `{"d":"Infinity"}`, "400 supports only finite values",
			`{"f":1e39}`, "400 [float] supports only finite values", `{"d":1e39}`, "201", `{"x":1e400}`, "400 of type [float]")},

	// --- mapping: limits ------------------------------------------------
	{group: "mapping", name: "document depth", cite: javaTests + "DocumentParserTests.java testDocumentContainsDeepNestedFieldParsingFail; ParseContext.java checkFieldDepthLimit",
		steps: docs("logs-a", nested("a", 21, "1"), "400 The depth of the field has exceeded the allowed limit of [20]", nested("b", 20, "1"), "201")},
	{group: "mapping", name: "array depth", cite: javaTests + "DocumentParserTests.java testDocumentContainsDeepNestedFieldParsingShouldFail; ParseContext.java checkFieldArrayDepthLimit",
		steps: docs("logs-a", `{"a":`+strings.Repeat("[", 21)+"0"+strings.Repeat("]", 21)+`}`, "400 The depth of the nested array field has exceeded")},
	{group: "mapping", name: "mapping depth through dotted names", cite: "server/src/main/java/org/opensearch/index/mapper/MapperService.java checkDepthLimit (depth = dots + 2)",
		steps: docs("logs-a", `{"`+strings.Repeat("a.", 20)+`x":1}`, "400 Limit of mapping depth [20] has been exceeded due to object field", `{"`+strings.Repeat("b.", 19)+`x":1}`, "201")},
	{group: "mapping", name: "depth limit from the template's settings", cite: "MapperService.java INDEX_MAPPING_DEPTH_LIMIT_SETTING (index.mapping.depth.limit)",
		template: templateWith(`{}`, `{"index":{"mapping":{"depth":{"limit":"3"}}}}`),
		steps:    docs("logs-a", nested("a", 4, "1"), "400 limit of [3]", nested("b", 3, "1"), "201")},
	{group: "mapping", name: "total fields limit", cite: "MapperService.java checkTotalFieldsLimit (index.mapping.total_fields.limit)",
		template: templateWith(`{}`, `{"index":{"mapping":{"total_fields":{"limit":"3"}}}}`),
		steps:    docs("logs-a", `{"a":1,"b":2,"c":3}`, "201", `{"d":4}`, "400 Limit of total fields [3] has been exceeded", `{"o":{"x":1}}`, "400 Limit of total fields [3]")},

	// --- mapping: JSON --------------------------------------------------
	{group: "mapping", name: "duplicate keys", cite: "libs/x-content/src/main/java/org/opensearch/common/xcontent/json/JsonXContent.java (STRICT_DUPLICATE_DETECTION on)",
		steps: docs("logs-a", `{"a":1,"a":2}`, "400 Duplicate field 'a'", `{"o":{"k":1,"k":1}}`, "400 Duplicate field 'k'", `{"a":1,"o":{"a":2}}`, "201")},
	{group: "mapping", name: "invalid UTF-8", cite: "JsonXContent.java (Jackson UTF-8 parser); DocumentParser.java wrapInMapperParsingException",
		steps: docs("logs-a", "{\"a\":\"\xff\"}", "400 failed to parse", "{\"\xc3\":1}", "400 failed to parse", `{"a":"é"}`, "201")},
	{group: "mapping", name: "comments in the source", cite: "JsonXContent.java (ALLOW_COMMENTS on)",
		skip: "feature logsearch never uses: its documents are written by jsonwrite, never with comments; the fake's decoder refuses them"},

	// --- mapping: arrays and conflicts ----------------------------------
	{group: "mapping", name: "arrays of mixed types: the first element maps the field",
		cite: javaMain + "DocumentParser.java parseArray/parseNonDynamicArray (elements parsed one by one)",
		steps: docs("logs-a", `{"a":[1,"x"]}`, "400 failed to parse field [a] of type [long]", `{"b":["x",1,true]}`, "201",
			`{"c":[1,1.5]}`, "201", `{"d":[true,"x"]}`, "400 of type [boolean]", `{"e":[{"k":1},2]}`, "400 tried to parse field [e] as object, but found a concrete value", `{"f":[]}`, "201")},
	{group: "mapping", name: "dotted name under a leaf", cite: javaTests + "DocumentParserTests.java testDynamicDottedFieldNameWithFieldAlias (message form)",
		steps: docs("logs-a", `{"a":"x"}`, "201", `{"a.b":"y"}`, "400 Could not dynamically add mapping for field [a.b]. Existing mapping for [a] must be of type object but found [text].")},
	{group: "mapping", name: "value where an object is mapped", cite: javaMain + "DocumentParser.java parseObjectOrNested",
		steps: docs("logs-a", `{"o":{"k":1}}`, "201", `{"o":"flat"}`, "400 object mapping for [o] tried to parse field [o] as object, but found a concrete value")},
	{group: "mapping", name: "disabled object: content never parsed",
		cite:     javaMain + "DocumentParser.java parseObjectOrNested (skipChildren when not enabled); https://docs.opensearch.org/latest/field-types/mapping-parameters/enabled/",
		template: templateWith(`{"properties":{"u":{"type":"object","enabled":false}}}`, ""),
		steps: docs("logs-a", `{"u":{"a. .b":1,"":2,"n":1}}`, "201", `{"u":{"n":"word"}}`, "201", `{"u.x":1}`, "201",
			// The key is split and checked before the disabled object is
			// seen (innerParseObject, then containsDisabledObjectMapper).
			`{"u.x. .y":1}`, "400 object field cannot contain only whitespace")},

	// --- bulk -----------------------------------------------------------
	{group: "bulk", name: "Array of objects", cite: restTests + "bulk/10_basic.yml \"Array of objects\"",
		steps: []step{{method: http.MethodPost, path: "/_bulk", status: 200,
			body:  `{"index":{"_index":"test_index","_id":"test_id"}}` + "\n" + `{"f1":"v1","f2":42}` + "\n" + `{"index":{"_index":"test_index","_id":"test_id2"}}` + "\n" + `{"f1":"v2","f2":47}` + "\n",
			items: []string{"201", "201"}}}},
	{group: "bulk", name: "Empty _id", cite: restTests + "bulk/10_basic.yml \"Empty _id\" (its third item, without _id, is auto-id: logsearch always sends _id)",
		steps: []step{{method: http.MethodPost, path: "/_bulk", status: 200, contains: `"errors":true`,
			body:  `{"index":{"_index":"test","_id":""}}` + "\n" + `{"f":1}` + "\n" + `{"index":{"_index":"test","_id":"id"}}` + "\n" + `{"f":2}` + "\n",
			items: []string{"400 if _id is specified it must not be empty", "201"}}}},
	{group: "bulk", name: "empty action", cite: restTests + "bulk/10_basic.yml \"empty action\"",
		steps: []step{{method: http.MethodPost, path: "/_bulk", status: 400, contains: "Malformed action/metadata line [3], expected FIELD_NAME",
			body: `{"index":{"_index":"test_index","_id":"test_id"}}` + "\n" + `{"f1":"v1","f2":42}` + "\n{}\n"}}},
	{group: "bulk", name: "create an existing id", cite: restTests + "create/10_with_id.yml \"Create with ID\" (second create: 409)",
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: `{"create":{"_index":"test_1","_id":"1"}}` + "\n" + `{"foo":"bar"}` + "\n", items: []string{"201"}},
			{method: http.MethodPost, path: "/_bulk", status: 200, body: `{"create":{"_index":"test_1","_id":"1"}}` + "\n" + `{"foo":"bar"}` + "\n", items: []string{"409 version_conflict_engine_exception"}},
			{method: http.MethodPost, path: "/_bulk", status: 200, body: `{"index":{"_index":"test_1","_id":"1"}}` + "\n" + `{"foo":"baz"}` + "\n", items: []string{"200"}}}},
	{group: "bulk", name: "bad index name fails the item", cite: restTests + "indices.create/10_basic.yml; server/src/main/java/org/opensearch/cluster/metadata/MetadataCreateIndexService.java validateIndexOrAliasName",
		steps: docs("Logs-A", `{"a":1}`, "400 invalid_index_name_exception")},
	{group: "bulk", name: "list of strings, big strings, _source, refresh, pipeline, require_alias",
		cite: restTests + "bulk/20_list_of_strings.yml, 30_big_string.yml, 40_source.yml, 50_refresh.yml, 90_pipeline.yml, 10_basic.yml require_alias",
		skip: "feature logsearch never uses: its _bulk carries one action and one document per line, with no per-item parameters"},

	// --- index templates ------------------------------------------------
	{group: "index_template", name: "Index template priority", cite: restTests + "indices.put_index_template/15_composition.yml \"Index template priority\" (the higher priority wins)",
		steps: []step{
			{method: http.MethodPut, path: "/_index_template/my-template", status: 200, body: `{"index_patterns":["foo","bar-*"],"priority":400,"template":{"mappings":{"properties":{"x":{"type":"keyword"}}}}}`},
			{method: http.MethodPut, path: "/_index_template/another-template", status: 200, body: `{"index_patterns":["bar-*"],"priority":405,"template":{"mappings":{"properties":{"x":{"type":"long"}}}}}`},
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("bar-baz", `{"x":"word"}`), items: []string{"400 of type [long]"}},
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("foo", `{"x":"word"}`), items: []string{"201"}}}},
	{group: "index_template", name: "Index template without component templates", cite: restTests + "indices.put_index_template/15_composition.yml \"Index template without component templates\"",
		steps: []step{{method: http.MethodPut, path: "/_index_template/my-template", status: 200, contains: `"acknowledged":true`, body: `{"index_patterns":["eggplant"],"template":{"settings":{"number_of_shards":3}}}`}}},
	{group: "index_template", name: "component templates (composed_of), get/delete/exists template",
		cite: restTests + "indices.put_index_template/15_composition.yml \"Component and index template composition\"; indices.get_index_template/*",
		skip: "API the fake does not implement: logsearch's setup installs one composable template with no component templates"},

	// --- indices --------------------------------------------------------
	{group: "indices", name: "delete an index", cite: restTests + "indices.delete/10_basic.yml",
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("index_one", `{"a":1}`), items: []string{"201"}},
			{method: http.MethodDelete, path: "/index_one", status: 200, contains: `"acknowledged":true`},
			{method: http.MethodDelete, path: "/index_one", status: 404, contains: "index_not_found_exception"}}},
	{group: "indices", name: "delete by query (terms on one field)", cite: restTests + "delete_by_query/10_basic.yml (in modules/reindex)",
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("test", `{"k":"a"}`, `{"k":"b"}`), items: []string{"201", "201"}},
			{method: http.MethodPost, path: "/test/_delete_by_query", status: 200, contains: `"deleted":1`, body: `{"query":{"terms":{"k":["a"]}}}`},
			{method: http.MethodPost, path: "/missing/_delete_by_query", status: 404, contains: "index_not_found_exception", body: `{"query":{"terms":{"k":["a"]}}}`}}},
	{group: "indices", name: "indices.create, indices.exists, get/put mapping, get/put settings",
		cite: restTests + "indices.create/*, indices.exists/*, indices.get_mapping/*, indices.put_mapping/*, indices.get_settings/*, indices.put_settings/*",
		skip: "API the fake does not implement: indices are auto-created by _bulk from the template; setup's requests go to lambda/domainsetup's own fake domain"},
	{group: "read", name: "count (terms on one field) and refresh, as backfill reports what the domain holds",
		cite: restTests + "indices.refresh/10_basic.yml \"Indices refresh test _all\" (_shards in the answer); rest-api-spec/src/main/resources/rest-api-spec/api/count.json, indices.refresh.json (paths and methods)",
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("test", `{"k":"a"}`, `{"k":"b"}`, `{"k":"a"}`), items: []string{"201", "201", "201"}},
			{method: http.MethodPost, path: "/test/_refresh", status: 200, contains: `"failed":0`},
			{method: http.MethodGet, path: "/test/_count", status: 200, contains: `"count":3`},
			{method: http.MethodPost, path: "/test/_count", status: 200, contains: `"count":2`, body: `{"query":{"terms":{"k":["a"]}}}`},
			{method: http.MethodGet, path: "/missing/_count", status: 404, contains: "index_not_found_exception"},
			{method: http.MethodPost, path: "/missing/_refresh", status: 404, contains: "index_not_found_exception"}}},
	{group: "read", name: "get, search", cite: restTests + "get/*, search/*",
		skip: "API the fake does not implement: the function and backfill read nothing but counts; tests read the fake's state through its Go methods"},
	{group: "cluster", name: "cluster.health, cat.indices", cite: restTests + "cluster.health/*, cat.indices/*",
		skip: "API the fake does not implement: no code of logsearch calls it (the storage guard reads nodes.stats and cat.shards)"},
	{group: "storage", name: "nodes stats: each node's roles and fs.total in bytes",
		cite:  restTests + "nodes.stats/11_indices_metrics.yml (the _nodes/stats answer: nodes.<id>.<metric>); server/src/main/java/org/opensearch/monitor/fs/FsInfo.java (total_in_bytes, free_in_bytes, available_in_bytes)",
		disk:  &Disk{Nodes: 2, VolumeBytes: 10 << 30},
		steps: []step{{method: http.MethodGet, path: "/_nodes/stats/fs", status: 200, contains: `"available_in_bytes":`}}},
	{group: "storage", name: "cat shards as JSON: one row per copy, store in bytes",
		cite: restTests + "cat.shards/10_basic.yml (columns index, shard, prirep, state, store, node)",
		disk: &Disk{Nodes: 2, VolumeBytes: 10 << 30, Replicas: 1},
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("logs-2024.05.01", `{"a":1}`), items: []string{"201"}},
			{method: http.MethodGet, path: "/_cat/shards/logs-*?format=json&bytes=b", status: 200, contains: `"prirep":"r"`}}},
	{group: "storage", name: "the write block: set and lifted with null, read back, missing index",
		cite: restTests + "indices.put_settings/all_path_options.yml (PUT <index>/_settings acknowledged); server/src/main/java/org/opensearch/cluster/routing/allocation/DiskThresholdMonitor.java (index.blocks.read_only_allow_delete)",
		disk: &Disk{Nodes: 1, VolumeBytes: 10 << 30},
		steps: []step{
			{method: http.MethodPost, path: "/_bulk", status: 200, body: bulkDocs("logs-2024.05.01", `{"a":1}`), items: []string{"201"}},
			{method: http.MethodPut, path: "/logs-2024.05.01/_settings", status: 200, contains: `"acknowledged":true`, body: `{"index.blocks.read_only_allow_delete":true}`},
			{method: http.MethodGet, path: "/logs-2024.05.01/_settings", status: 200, contains: `"index.blocks.read_only_allow_delete":"true"`},
			{method: http.MethodPut, path: "/logs-2024.05.01/_settings", status: 200, contains: `"acknowledged":true`, body: `{"index.blocks.read_only_allow_delete":null}`},
			{method: http.MethodPut, path: "/missing/_settings", status: 404, contains: "index_not_found_exception", body: `{"index.blocks.read_only_allow_delete":null}`}}},
	{group: "plugins", name: "security plugin roles, role mappings, audit, tenancy",
		cite: "opensearch-project/security src/integrationTest/java/org/opensearch/security/api/ (Java REST tests)",
		skip: "API the fake does not implement: setup's security requests are served by lambda/domainsetup's fake domain"},
	{group: "plugins", name: "ISM policies and change_policy",
		cite: "opensearch-project/index-management src/test/kotlin/org/opensearch/indexmanagement/indexstatemanagement/resthandler/ (Kotlin REST tests)",
		skip: "API the fake does not implement: setup's ISM requests are served by lambda/domainsetup's fake domain"},
}

// runCase runs c against a fresh server and returns what disagreed.
func runCase(t *testing.T, c conformanceCase, off map[rule]bool) []string {
	t.Helper()
	s := startServer(t)
	s.off = off
	if c.disk != nil {
		s.SetDisk(*c.disk)
	}
	if c.template != "" {
		if err := s.PutIndexTemplate("t", json.RawMessage(c.template)); err != nil {
			return []string{err.Error()}
		}
	}
	var bad []string
	for i, st := range c.steps {
		req, err := http.NewRequest(st.method, s.URL+st.path, strings.NewReader(st.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&raw)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != st.status {
			bad = append(bad, fmt.Sprintf("step %d: status %d, want %d: %s", i, resp.StatusCode, st.status, raw))
			continue
		}
		if st.contains != "" && !strings.Contains(string(raw), st.contains) {
			bad = append(bad, fmt.Sprintf("step %d: answer lacks %q: %s", i, st.contains, raw))
		}
		if st.items == nil {
			continue
		}
		var out struct {
			Items []map[string]item `json:"items"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || len(out.Items) != len(st.items) {
			bad = append(bad, fmt.Sprintf("step %d: items %s, want %d", i, raw, len(st.items)))
			continue
		}
		for k, it := range out.Items {
			for _, res := range it {
				got := strconv.Itoa(res.Status)
				if res.Error != nil {
					b, _ := json.Marshal(res.Error)
					got += " " + string(b)
				}
				code, part, _ := strings.Cut(st.items[k], " ")
				if !strings.HasPrefix(got, code) || (part != "" && !strings.Contains(got, part) && !strings.Contains(got, strings.ReplaceAll(part, `'`, `\u0027`))) {
					bad = append(bad, fmt.Sprintf("step %d item %d: got %s, want %s", i, k, got, st.items[k]))
				}
			}
		}
	}
	return bad
}

// TestConformance checks the fake against every case and prints the
// count of passed, skipped and failed cases per group.
func TestConformance(t *testing.T) {
	type tally struct{ passed, skipped, failed int }
	groups := map[string]*tally{}
	for _, c := range conformanceCases {
		g := groups[c.group]
		if g == nil {
			g = &tally{}
			groups[c.group] = g
		}
		t.Run(c.group+"/"+c.name, func(t *testing.T) {
			if c.skip != "" {
				g.skipped++
				t.Skip(c.skip + " [" + c.cite + "]")
			}
			bad := runCase(t, c, nil)
			if len(bad) > 0 {
				g.failed++
				t.Errorf("disagrees with %s:\n  %s", c.cite, strings.Join(bad, "\n  "))
				return
			}
			g.passed++
		})
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	var total tally
	for _, n := range names {
		g := groups[n]
		t.Logf("group %-15s passed %3d  skipped %3d  failed %3d", n, g.passed, g.skipped, g.failed)
		total.passed += g.passed
		total.skipped += g.skipped
		total.failed += g.failed
	}
	t.Logf("total %-15s passed %3d  skipped %3d  failed %3d", "", total.passed, total.skipped, total.failed)
}

// Every skip has a reason of one of the two accepted kinds, and no route
// the fake answers (everything logsearch's tests can send it) lacks a
// passing case: what is skipped is only what the fake answers 404.
func TestConformanceCoversEveryRoute(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range conformanceCases {
		if c.skip != "" {
			if !strings.HasPrefix(c.skip, "API the fake does not implement") && !strings.HasPrefix(c.skip, "feature logsearch never uses") {
				t.Errorf("%s/%s: skip reason %q is neither an API the fake does not implement nor a feature logsearch never uses", c.group, c.name, c.skip)
			}
			continue
		}
		s := startServer(t)
		if c.disk != nil {
			s.SetDisk(*c.disk)
		}
		if c.template != "" {
			if err := s.PutIndexTemplate("t", json.RawMessage(c.template)); err != nil {
				t.Fatal(err)
			}
		}
		for _, st := range c.steps {
			req, _ := http.NewRequest(st.method, s.URL+st.path, strings.NewReader(st.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
		}
		for name := range s.Served() {
			covered[name] = true
		}
	}
	for _, rt := range allRoutes {
		if !covered[rt.name] && rt.name != "info" {
			t.Errorf("route %s has no conformance case", rt.name)
		}
	}
}
