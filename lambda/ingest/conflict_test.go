package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/conflict"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fakeopensearch"
)

// conflictDay is one day of events whose fields clash under OpenSearch's
// mapping rules in ways no template prevents: each later event is
// refused by the mapping the earlier ones gave the day's index. demoted
// is where each event's clashing values must end up.
func conflictDay(t0 time.Time) (evs []cwlogs.LogEvent, demoted map[int]map[string]map[string]any) {
	wide := func(prefix string) string {
		var b strings.Builder
		for k := range 600 {
			if k > 0 {
				b.WriteByte('\t')
			}
			fmt.Fprintf(&b, "%s%d:v", prefix, k)
		}
		return b.String()
	}
	lines := []string{
		"a:x\tseq:0",                   // 0: a is a keyword
		"a.b:y\tseq:1",                 // 1: a must be an object
		`{"n":1}`,                      // 2: n is a long
		`{"n":"word"}`,                 // 3: a word in a long
		`{"o":{"k":1}}`,                // 4: o is an object
		`{"o":"flat"}`,                 // 5: a value where an object is mapped
		`{"f":true}`,                   // 6: f is a boolean
		`{"f":"maybe"}`,                // 7: a word in a boolean
		`{"n":"w2","o":"f2","keep":1}`, // 8: two clashes, one reported at a time
		"status:abc\tseq:9",            // 9: kept under @invalid.status (declared integer)
		"status.x:1\tseq:10",           // 10: clashes with status, then with @invalid.status
		wide("p"),                      // 11: 600 new fields
		wide("q"),                      // 12: 600 more: over total_fields.limit
		wide("r"),                      // 13: likewise
	}
	for i, l := range lines {
		evs = append(evs, cwlogs.LogEvent{ID: cwlogstest.EventID(900000 + i), Timestamp: t0.Add(time.Duration(i) * time.Second).UnixMilli(), Message: l})
	}
	all := func(prefix string) map[string]any {
		m := map[string]any{}
		for k := range 600 {
			m[fmt.Sprintf("%s%d", prefix, k)] = "v"
		}
		return m
	}
	demoted = map[int]map[string]map[string]any{
		1:  {"@invalid": {"a.b": "y"}},
		3:  {"@invalid": {"n": "word"}},
		5:  {"@invalid": {"o": "flat"}},
		7:  {"@invalid": {"f": "maybe"}},
		8:  {"@invalid": {"n": "w2", "o": "f2"}},
		10: {"@unmapped": {"status.x": "1"}},
		12: {"@unmapped": all("q")},
		13: {"@unmapped": all("r")},
	}
	return evs, demoted
}

// Mapping conflicts that the template cannot prevent (object vs value,
// a word after a number, a bool then a word, the total fields limit) used
// to send the later events of the day to the dead-letter queue, and replay
// failed the same way. Each is now indexed once, its clashing values under
// @invalid or @unmapped, counted in FieldsDemoted.
func TestHandlerDemotesMappingConflicts(t *testing.T) {
	var logs, emf bytes.Buffer
	h, env := inProcess(t, &logs, &emf)
	evs, demoted := conflictDay(time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC))
	for i, d := range indexedDocs(t, h, env, evs) {
		ev, doc, raw := evs[i], d.doc, d.raw
		for field, want := range demoted[i] {
			got, _ := doc[field].(map[string]any)
			for k, v := range want {
				if got[k] != v {
					t.Errorf("event %d %q: %s[%q] = %v, want %v; document %s", i, ev.Message[:min(len(ev.Message), 40)], field, k, got[k], v, raw)
				}
			}
		}
		if demoted[i]["@unmapped"] != nil && strings.HasPrefix(ev.Message, "q0:") && doc["q0"] != nil {
			t.Errorf("event %d: q0 both mapped and under @unmapped", i)
		}
	}
	if want := `"FieldsDemoted":1207`; !strings.Contains(emf.String(), want) {
		t.Errorf("metrics lack %s: %s", want, emf.String())
	}
	if !strings.Contains(emf.String(), `"SentToDLQ":0`) || !strings.Contains(emf.String(), `"CoercedInvalid":1,`) {
		t.Errorf("metrics: %s", emf.String())
	}
}

// An event refused again after every rebuild goes to the dead-letter
// queue as before, with the reason of each refusal.
func TestHandlerKeepsEveryRefusalAfterDemotion(t *testing.T) {
	var logs, emf bytes.Buffer
	h, env := inProcess(t, &logs, &emf)
	evs := scenarioEvents(7, 3)
	always := evs[1].ID
	env.os.SetFaults(fakeopensearch.Faults{MappingError: func(id string, _ []byte) bool { return id == always }})
	if _, err := h.Invoke(context.Background(), cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); err != nil {
		t.Fatal(err)
	}
	o := collect(t, env)
	checkAccounted(t, env, o, evs, map[string]bool{always: true})
	r := o.dlq[always].Error
	if n := strings.Count(r, "failed to parse field [status]"); n < 2 || n > 1+conflict.MaxRebuilds || !strings.Contains(r, "; rebuilt, then: ") {
		t.Errorf("DLQ reason %q, want the first refusal and one per rebuild (at most %d)", r, conflict.MaxRebuilds)
	}
}

// A dotted name demoted under @invalid needs the object @invalid.<first
// segment>, and a name with a whitespace-only segment is refused outright
// by OpenSearch 2.x (DocumentParser.getDynamicParentMapper and
// splitAndValidatePath). Both used to reach the dead-letter queue, and
// every replay failed the same way: the template's @invalid rule matched
// that object as a keyword (class_cast_exception).
func TestHandlerIndexesDottedDemotionsAndBlankSegments(t *testing.T) {
	t.Run("current template", func(t *testing.T) { testDottedDemotions(t, false) })
	// Indices made from the template as it was (its @invalid rule without
	// match_mapping_type) live until retention deletes them, and replays
	// go to them: there the dotted names go under @unmapped instead.
	t.Run("index from the earlier template", func(t *testing.T) { testDottedDemotions(t, true) })
}

func testDottedDemotions(t *testing.T, oldTemplate bool) {
	var logs, emf bytes.Buffer
	extra := map[string]string{"FIELD_TYPES": `{"http.status":"integer","status":"integer"}`}
	h, env := inProcessWith(t, &logs, &emf, extra)
	invalid := "@invalid"
	if oldTemplate {
		vars := baseEnv(env.os.URL, env.sqs.URL)
		maps.Copy(vars, extra)
		spec := templateSpec(t, vars)
		body := spec.IndexTemplateBody()
		for _, dt := range body["template"].(domainstate.Body)["mappings"].(domainstate.Body)["dynamic_templates"].([]any) {
			if rule, ok := dt.(domainstate.Body)["invalid_values_as_keyword"].(domainstate.Body); ok {
				delete(rule, "match_mapping_type")
			}
		}
		if err := env.os.PutIndexTemplate(spec.TemplateName(), body); err != nil {
			t.Fatal(err)
		}
		invalid = "@unmapped"
	}
	t0 := time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC)
	lines := []string{
		"user:bob\tseq:0",         // user is a keyword
		"user.id:7\tseq:1",        // demoted after the conflict: @invalid.user.id
		`{"log":"x"}`,             // log is a keyword
		`{"log.level":"info"}`,    // demoted: @invalid.log.level
		"http.status:abc\tseq:4",  // bad value of a declared field: @invalid.http.status
		`{"a. .b":1,"c":{" ":2}}`, // whitespace-only segments
	}
	want := []map[string]any{
		nil,
		{invalid: map[string]any{"user.id": "7"}},
		nil,
		{invalid: map[string]any{"log.level": "info"}},
		{invalid: map[string]any{"http.status": "abc"}},
		{"a_ _b": json.Number("1"), "c": map[string]any{"_ ": json.Number("2")}},
	}
	var evs []cwlogs.LogEvent
	for i, l := range lines {
		evs = append(evs, cwlogs.LogEvent{ID: cwlogstest.EventID(910000 + i), Timestamp: t0.Add(time.Duration(i) * time.Second).UnixMilli(), Message: l})
	}
	for i, d := range indexedDocs(t, h, env, evs) {
		ev, doc, raw := evs[i], d.doc, d.raw
		for k, v := range want[i] {
			if got, _ := json.Marshal(doc[k]); string(got) != mustJSON(t, v) {
				t.Errorf("event %d %q: %s = %s, want %s; document %s", i, ev.Message, k, got, mustJSON(t, v), raw)
			}
		}
	}
}

// storedDoc is an event's document as the domain stores it.
type storedDoc struct {
	doc map[string]any // numbers as json.Number
	raw []byte
}

// indexedDocs invokes h once with evs, checks that every event is indexed
// exactly once, and returns the stored document of each event that is,
// by its index in evs.
func indexedDocs(t *testing.T, h *handler, env e2eEnv, evs []cwlogs.LogEvent) map[int]storedDoc {
	t.Helper()
	if _, err := h.Invoke(context.Background(), cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))); err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, env, collect(t, env), evs, nil)
	locs := env.os.Locations()
	docs := map[int]storedDoc{}
	for i, ev := range evs {
		if len(locs[ev.ID]) != 1 {
			continue // reported by checkAccounted
		}
		raw, _ := env.os.Doc(locs[ev.ID][0], ev.ID)
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		docs[i] = storedDoc{doc: doc, raw: raw}
	}
	return docs
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
