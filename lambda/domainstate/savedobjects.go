package domainstate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// SavedObject is one Dashboards saved object setup owns, in the shape of the
// saved objects API (POST /api/saved_objects/<type>/<id>):
// https://opensearch.org/docs/latest/dashboards/management/saved-objects-apis/create/
// Its ID is fixed and derived from the index prefix, so every apply writes
// the same object and users' own objects (other IDs) are never touched.
type SavedObject struct {
	Type       string
	ID         string
	Attributes Body
	References []Reference
}

// Reference links a saved object to another by name, as Dashboards stores
// every index-pattern, search or visualization link since 7.0.
type Reference struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Body is the create request's body. An object without references has no
// "references" key, which is how the index pattern was always written.
func (o SavedObject) Body() Body {
	b := Body{"attributes": o.Attributes}
	if len(o.References) > 0 {
		refs := make([]any, len(o.References))
		for i, r := range o.References {
			refs[i] = Body{"name": r.Name, "type": r.Type, "id": r.ID}
		}
		b["references"] = refs
	}
	return b
}

// Name is how setup's outcome names the object.
func (o SavedObject) Name() string {
	title, _ := o.Attributes["title"].(string)
	return "Dashboards " + strings.ReplaceAll(o.Type, "-", " ") + " " + title
}

// Saved-object types, as Dashboards names them.
const (
	TypeIndexPattern  = "index-pattern"
	TypeSearch        = "search"
	TypeVisualization = "visualization"
	TypeDashboard     = "dashboard"
)

// LandingTimeFrom is the time range the landing dashboard opens with: the
// usual support question is about the last hour.
const LandingTimeFrom = "now-1h"

// MaxLookupFields caps ingest.lookupFields: each is a drop-down that runs a
// terms query whenever the dashboard opens.
const MaxLookupFields = 10

// indexRef is the reference name Dashboards uses for a search source's
// index pattern (searchSourceJSON.indexRefName).
const indexRef = "kibanaSavedObjectMeta.searchSourceJSON.index"

// IndexPatternObject is the Dashboards index pattern support staff search.
func (s Spec) IndexPatternObject() SavedObject {
	return SavedObject{Type: TypeIndexPattern, ID: s.IndexPatternID(), Attributes: Body{
		"title": s.IndexPattern(), "timeFieldName": docfields.Timestamp,
	}}
}

// Landing object IDs: fixed per index prefix.
func (s Spec) eventsSearchID() string      { return s.IndexPrefix + "-events" }
func (s Spec) logGroupHistogramID() string { return s.IndexPrefix + "-events-by-log-group" }
func (s Spec) lookupControlsID() string    { return s.IndexPrefix + "-lookup" }
func (s Spec) statusBreakdownID(field string) string {
	return s.IndexPrefix + "-status-" + field
}

// LandingDashboardID is the landing dashboard's id.
func (s Spec) LandingDashboardID() string { return s.IndexPrefix + "-landing" }

// LandingRoute is the Dashboards route of the landing dashboard, the value
// of the defaultRoute advanced setting ("must be a relative URL"):
// https://opensearch.org/docs/latest/dashboards/management/advanced-settings/
func (s Spec) LandingRoute() string { return "/app/dashboards#/view/" + s.LandingDashboardID() }

// DefaultRouteBody makes the landing dashboard the page Dashboards opens.
func (s Spec) DefaultRouteBody() Body {
	return Body{"changes": Body{"defaultRoute": s.LandingRoute()}}
}

// statusName is the rule for "a field named like a status": status or
// anything ending in _status, optionally followed by code or _code
// (status, http_status, statuscode, status_code, http_status_code),
// compared in lower case with - and . read as _. Only integer and long
// declarations count: a breakdown of a free-text status would have a
// bucket per message.
var statusName = regexp.MustCompile(`^(.*_)?status(_?code)?$`)

// IsStatusField reports whether a declared field gets a breakdown on the
// landing dashboard.
func IsStatusField(name string, t fieldtypes.Type) bool {
	if t != fieldtypes.Integer && t != fieldtypes.Long {
		return false
	}
	n := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(name))
	return statusName.MatchString(n)
}

// StatusFields are the declared status fields, sorted.
func (s Spec) StatusFields() []string {
	var out []string
	for f, t := range s.FieldTypes {
		if IsStatusField(f, t) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// LandingObjects are the saved objects of the landing dashboard, the ones it
// references first so each write finds its references in place.
func (s Spec) LandingObjects() []SavedObject {
	objs := []SavedObject{s.eventsSearch(), s.logGroupHistogram()}
	for _, f := range s.StatusFields() {
		objs = append(objs, s.statusBreakdown(f))
	}
	if len(s.LookupFields) > 0 {
		objs = append(objs, s.lookupControls())
	}
	return append(objs, s.landingDashboard(objs))
}

// description ends every landing object's description with the note that
// the next apply reverts a hand edit, and how to keep one's own.
func description(what string) string {
	return what + " " + managedNote + " To keep your own version, open it and use Save as new with another title."
}

// jsonString is v as the JSON-in-a-string Dashboards stores visState,
// panelsJSON and searchSourceJSON as.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain maps, slices and strings
	}
	return string(b)
}

// searchSource is a search source over the index pattern with an empty
// query: the dashboard's filters and time range apply.
func searchSource() Body {
	return Body{"searchSourceJSON": jsonString(Body{
		"query": Body{"query": "", "language": "kuery"}, "filter": []any{}, "indexRefName": indexRef,
	})}
}

func (s Spec) indexPatternRef(name string) Reference {
	return Reference{Name: name, Type: TypeIndexPattern, ID: s.IndexPatternID()}
}

// eventsSearch is the Discover view: every log group, newest first, with the
// log group, the lookup and status fields and the raw line as columns.
func (s Spec) eventsSearch() SavedObject {
	columns := []any{docfields.LogGroup}
	for _, f := range s.LookupFields {
		columns = append(columns, f)
	}
	for _, f := range s.StatusFields() {
		columns = append(columns, f)
	}
	columns = append(columns, docfields.Message)
	return SavedObject{Type: TypeSearch, ID: s.eventsSearchID(), Attributes: Body{
		"title":                 "Log events",
		"description":           description("Every log group, newest first."),
		"hits":                  0,
		"columns":               columns,
		"sort":                  []any{[]any{docfields.Timestamp, "desc"}},
		"version":               1,
		"kibanaSavedObjectMeta": searchSource(),
	}, References: []Reference{s.indexPatternRef(indexRef)}}
}

// visualization is a standard aggregation-based visualization of the index
// pattern. Params not given take the type's defaults when Dashboards loads
// it.
func (s Spec) visualization(id, title, what string, state Body) SavedObject {
	state["title"] = title
	return SavedObject{Type: TypeVisualization, ID: id, Attributes: Body{
		"title":                 title,
		"description":           description(what),
		"visState":              jsonString(state),
		"uiStateJSON":           "{}",
		"version":               1,
		"kibanaSavedObjectMeta": searchSource(),
	}, References: []Reference{s.indexPatternRef(indexRef)}}
}

var countMetric = Body{"id": "1", "enabled": true, "type": "count", "schema": "metric", "params": Body{}}

func termsAgg(id, schema, field string, size int) Body {
	return Body{"id": id, "enabled": true, "type": "terms", "schema": schema, "params": Body{
		"field": field, "size": size, "order": "desc", "orderBy": "1",
		"otherBucket": true, "otherBucketLabel": "Other", "missingBucket": false, "missingBucketLabel": "Missing",
	}}
}

// logGroupHistogram counts events over time, one stacked colour per log
// group.
func (s Spec) logGroupHistogram() SavedObject {
	return s.visualization(s.logGroupHistogramID(), "Events over time by log group", "Event count per time bucket, split by @log_group.", Body{
		"type":   "histogram",
		"params": Body{"type": "histogram", "addTooltip": true, "addLegend": true, "legendPosition": "right"},
		"aggs": []any{
			countMetric,
			Body{"id": "2", "enabled": true, "type": "date_histogram", "schema": "segment", "params": Body{
				"field": docfields.Timestamp, "interval": "auto", "min_doc_count": 1, "extended_bounds": Body{},
			}},
			termsAgg("3", "group", docfields.LogGroup, 10),
		},
	})
}

// statusBreakdown is a donut of a status field's values.
func (s Spec) statusBreakdown(field string) SavedObject {
	return s.visualization(s.statusBreakdownID(field), "Events by "+field, "Event count per "+field+" value.", Body{
		"type":   "pie",
		"params": Body{"type": "pie", "addTooltip": true, "addLegend": true, "legendPosition": "right", "isDonut": true},
		"aggs":   []any{countMetric, termsAgg("2", "segment", field, 20)},
	})
}

// lookupControls is one drop-down per lookup field (an input control
// visualization): support staff pick or type a device or customer and the
// whole dashboard filters to it, without writing a query. The control and
// its options are those the editor creates for a list control, with
// dynamicOptions so typing searches every value, not only the top ones
// (opensearch-project/OpenSearch-Dashboards,
// src/plugins/input_control_vis/public/editor_utils.ts; the index pattern
// goes by reference as its saved-object migration extracts it).
func (s Spec) lookupControls() SavedObject {
	controls := make([]any, len(s.LookupFields))
	refs := make([]Reference, len(s.LookupFields))
	for i, f := range s.LookupFields {
		ref := fmt.Sprintf("control_%d_index_pattern", i)
		controls[i] = Body{
			"id": fmt.Sprint(i + 1), "fieldName": f, "label": f, "type": "list", "parent": "",
			"options":             Body{"type": "terms", "multiselect": true, "dynamicOptions": true, "size": 10, "order": "desc"},
			"indexPatternRefName": ref,
		}
		refs[i] = s.indexPatternRef(ref)
	}
	title := "Look up " + strings.Join(s.LookupFields, ", ")
	state := Body{"title": title, "type": "input_control_vis", "aggs": []any{}, "params": Body{
		"controls": controls, "updateFiltersOnChange": true, "useTimeFilter": true, "pinFilters": false,
	}}
	return SavedObject{Type: TypeVisualization, ID: s.lookupControlsID(), Attributes: Body{
		"title":       title,
		"description": description("Pick a value to filter the whole dashboard to it."),
		"visState":    jsonString(state),
		"uiStateJSON": "{}",
		"version":     1,
		"kibanaSavedObjectMeta": Body{"searchSourceJSON": jsonString(Body{
			"query": Body{"query": "", "language": "kuery"}, "filter": []any{},
		})},
	}, References: refs}
}

// panelVersion is the panel format version the panels are written in, the
// one Dashboards' own sample dashboards and 7.10-era exports use.
const panelVersion = "7.10.0"

// landingDashboard lays out the other landing objects: the lookup controls
// on top, the histogram, the status breakdowns two per row, the events
// table at the bottom (the grid is 48 columns wide).
func (s Spec) landingDashboard(objs []SavedObject) SavedObject {
	ordered := make([]SavedObject, 0, len(objs))
	for _, o := range objs {
		if o.ID == s.lookupControlsID() {
			ordered = append([]SavedObject{o}, ordered...)
		} else if o.Type != TypeSearch {
			ordered = append(ordered, o)
		}
	}
	for _, o := range objs {
		if o.Type == TypeSearch {
			ordered = append(ordered, o)
		}
	}
	var panels []any
	var refs []Reference
	y, col := 0, 0
	for i, o := range ordered {
		w, h := 48, 15
		switch {
		case o.ID == s.lookupControlsID():
			h = 6
		case o.Type == TypeSearch:
			h = 25
		case strings.HasPrefix(o.ID, s.statusBreakdownID("")):
			w = 24
		}
		if col+w > 48 {
			y, col = y+15, 0
		}
		ref := fmt.Sprintf("panel_%d", i)
		panels = append(panels, Body{
			"version": panelVersion, "panelIndex": fmt.Sprint(i + 1), "panelRefName": ref, "embeddableConfig": Body{},
			"gridData": Body{"x": col, "y": y, "w": w, "h": h, "i": fmt.Sprint(i + 1)},
		})
		refs = append(refs, Reference{Name: ref, Type: o.Type, ID: o.ID})
		col += w
		if col >= 48 {
			y, col = y+h, 0
		}
	}
	return SavedObject{Type: TypeDashboard, ID: s.LandingDashboardID(), Attributes: Body{
		"title":           "Logs: last hour",
		"description":     description("The page Dashboards opens with."),
		"hits":            0,
		"panelsJSON":      jsonString(panels),
		"optionsJSON":     jsonString(Body{"hidePanelTitles": false, "useMargins": true}),
		"version":         1,
		"timeRestore":     true,
		"timeFrom":        LandingTimeFrom,
		"timeTo":          "now",
		"refreshInterval": Body{"pause": true, "value": 0},
		"kibanaSavedObjectMeta": Body{"searchSourceJSON": jsonString(Body{
			"query": Body{"query": "", "language": "kuery"}, "filter": []any{},
		})},
	}, References: refs}
}
