package domainstate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// TestLandingObjectsMatchGoldenFiles holds the exact request bodies, one
// file per object, in the shapes the Dashboards saved objects API and the
// sample data sets use (opensearch-project/OpenSearch-Dashboards,
// src/plugins/home/server/services/sample_data/data_sets/logs/saved_objects.ts).
func TestLandingObjectsMatchGoldenFiles(t *testing.T) {
	for _, o := range exampleSpec().LandingObjects() {
		name := "saved_object_" + o.Type + "_" + strings.TrimPrefix(o.ID, exampleSpec().IndexPrefix+"-")
		t.Run(name, func(t *testing.T) { assertGolden(t, name, o.Body()) })
	}
}

func TestIsStatusField(t *testing.T) {
	for _, tt := range []struct {
		name string
		typ  fieldtypes.Type
		want bool
	}{
		{"status", fieldtypes.Integer, true},
		{"http_status", fieldtypes.Long, true},
		{"Status-Code", fieldtypes.Integer, true},
		{"statuscode", fieldtypes.Integer, true},
		{"upstream.status", fieldtypes.Integer, true},
		{"http_status_code", fieldtypes.Integer, true},
		{"status", fieldtypes.Keyword, false},
		{"status", fieldtypes.Text, false},
		{"status_ms", fieldtypes.Integer, false},
		{"statuses", fieldtypes.Integer, false},
		{"zip_code", fieldtypes.Integer, false},
		{"substatus", fieldtypes.Integer, false},
	} {
		if got := IsStatusField(tt.name, tt.typ); got != tt.want {
			t.Errorf("IsStatusField(%q, %s) = %v, want %v", tt.name, tt.typ, got, tt.want)
		}
	}
}

// TestLandingDashboardReferencesEveryObject: each panel names a reference
// that points at an object setup writes before the dashboard, and every
// visualization and the search reach the index pattern by reference.
func TestLandingDashboardReferencesEveryObject(t *testing.T) {
	for _, s := range []Spec{exampleSpec(), {IndexPrefix: "x", FieldTypes: fieldtypes.Map{}}} {
		objs := s.LandingObjects()
		dash := objs[len(objs)-1]
		if dash.Type != TypeDashboard || dash.ID != s.LandingDashboardID() {
			t.Fatalf("last object %s/%s, want the dashboard", dash.Type, dash.ID)
		}
		var panels []map[string]any
		if err := json.Unmarshal([]byte(dash.Attributes["panelsJSON"].(string)), &panels); err != nil {
			t.Fatal(err)
		}
		if len(panels) != len(objs)-1 || len(dash.References) != len(panels) {
			t.Fatalf("%d panels, %d references for %d objects", len(panels), len(dash.References), len(objs)-1)
		}
		written := map[string]bool{}
		for _, o := range objs[:len(objs)-1] {
			written[o.Type+"/"+o.ID] = true
			for _, r := range o.References {
				if r.Type != TypeIndexPattern || r.ID != s.IndexPatternID() {
					t.Errorf("%s references %+v, want the index pattern", o.ID, r)
				}
			}
		}
		for i, p := range panels {
			r := dash.References[i]
			if p["panelRefName"] != r.Name || !written[r.Type+"/"+r.ID] {
				t.Errorf("panel %v: reference %+v is not a landing object", p, r)
			}
			g := p["gridData"].(map[string]any)
			if g["x"].(float64)+g["w"].(float64) > 48 {
				t.Errorf("panel %v overflows the 48-column grid", p)
			}
		}
		if !strings.HasPrefix(s.LandingRoute(), "/") || !strings.HasSuffix(s.LandingRoute(), dash.ID) {
			t.Errorf("route %q: want a relative URL to the dashboard", s.LandingRoute())
		}
	}
}

func TestLandingObjectsFollowTheSpec(t *testing.T) {
	s := exampleSpec()
	ids := map[string]bool{}
	for _, o := range s.LandingObjects() {
		ids[o.ID] = true
	}
	for _, id := range []string{"logs-events", "logs-events-by-log-group", "logs-status-status", "logs-status-upstream_status", "logs-lookup", "logs-landing"} {
		if !ids[id] {
			t.Errorf("no object %s among %v", id, ids)
		}
	}
	s.LookupFields, s.FieldTypes = nil, fieldtypes.Map{"status": fieldtypes.Keyword}
	for _, o := range s.LandingObjects() {
		if o.ID == "logs-lookup" || strings.HasPrefix(o.ID, "logs-status-") {
			t.Errorf("object %s without a lookup or integer status field", o.ID)
		}
	}
	cols := exampleSpec().eventsSearch().Attributes["columns"].([]any)
	for _, c := range []any{"@log_group", "device_id", "customer_id", "status", "@message"} {
		if !slices.Contains(cols, c) {
			t.Errorf("events columns %v lack %v", cols, c)
		}
	}
}
