package domainsetup

import (
	"reflect"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// staffRequest is a stack with support-staff groups and lookup fields.
func staffRequest(r Request) Request {
	r.Spec.FieldTypes = fieldtypes.Map{"status": fieldtypes.Integer, "client": fieldtypes.IP, "device_id": fieldtypes.Keyword}
	r.Spec.LookupFields = []string{"device_id", "customer_id"}
	r.Spec.StaffReaderBackendRoles = []string{"support", "night-shift"}
	r.Spec.StaffAdminBackendRoles = []string{"platform"}
	return r
}

func TestLandingDashboardIsCreatedAndIsTheDefaultRoute(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := staffRequest(request(srv, f))
	run(t, srv, req)

	for _, o := range req.Spec.LandingObjects() {
		got := f.savedObject(o.Type, o.ID)
		if got == nil {
			t.Errorf("%s/%s missing after setup", o.Type, o.ID)
			continue
		}
		if !same(got["references"], o.Body()["references"]) {
			t.Errorf("%s/%s references %v", o.Type, o.ID, got["references"])
		}
	}
	if got := f.savedObject("visualization", "logs-lookup"); got == nil || !strings.Contains(got["attributes"].(map[string]any)["visState"].(string), `"fieldName": "customer_id"`) {
		t.Errorf("lookup controls %v: want a control for customer_id", got)
	}
	if got := f.settings["global"]["defaultRoute"]; !reflect.DeepEqual(got, map[string]any{"userValue": "/app/dashboards#/view/logs-landing"}) {
		t.Errorf("defaultRoute %v", got)
	}
}

// TestLandingDashboardConverges: a hand edit of a landing object is
// overwritten on the next apply (which needs overwrite=true: the fake
// answers 409 otherwise), a second apply then writes nothing, and a
// dashboard of the user's own beside it is never touched.
func TestLandingDashboardConverges(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := staffRequest(request(srv, f))
	run(t, srv, req)
	f.objects["global/dashboard/mine"] = map[string]any{"id": "mine", "type": "dashboard", "attributes": map[string]any{"title": "My copy"}}
	f.savedObject("dashboard", "logs-landing")["attributes"].(map[string]any)["timeFrom"] = "now-15m"
	f.settings["global"]["defaultRoute"] = map[string]any{"userValue": "/app/home"}

	res := run(t, srv, req)
	want := map[string]bool{"Dashboards dashboard Logs: last hour": true, "Dashboards default route": true}
	for _, o := range res.Outcomes {
		if (o.Action != Unchanged) != want[o.Object] {
			t.Errorf("%s: %s", o.Object, o.Action)
		}
	}
	if got := f.savedObject("dashboard", "logs-landing")["attributes"].(map[string]any)["timeFrom"]; got != domainstate.LandingTimeFrom {
		t.Errorf("timeFrom %v: the hand edit was kept", got)
	}
	if got := f.objects["global/dashboard/mine"]["attributes"]; !reflect.DeepEqual(got, map[string]any{"title": "My copy"}) {
		t.Errorf("the user's own dashboard changed: %v", got)
	}

	assertConverged(t, f, srv, req)
}

func TestSavedObjectRefusalsFailSetup(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.addFault("POST", "/_dashboards/api/saved_objects/dashboard/logs-landing", 403,
		`{"statusCode":403,"error":"Forbidden","message":"no permissions for [indices:data/write/index] and User [name=master]"}`)
	_, err := Run(t.Context(), request(srv, f), srv.Client(), noWait)
	if err == nil || !strings.Contains(err.Error(), "Dashboards dashboard Logs: last hour") || !strings.Contains(err.Error(), "no permissions") {
		t.Errorf("error %v: want the object and the domain's message", err)
	}
}

// TestStaffGroupsMapAndUnmap: the groups in the config are mapped; a group
// dropped from the config loses its mapping, a group an admin mapped by
// hand keeps it, and the fixed backend roles stay.
func TestStaffGroupsMapAndUnmap(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := staffRequest(request(srv, f))
	run(t, srv, req)
	for role, want := range map[string][]any{
		"logsearch_reader": {"logsearch_reader", "night-shift", "support"},
		"all_access":       {"logsearch_admin", "platform"},
		"security_manager": {"logsearch_admin", "platform"},
	} {
		if got := f.mappings[role]["backend_roles"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s mapped to %v, want %v", role, got, want)
		}
	}

	f.mappings["logsearch_reader"]["backend_roles"] = append(f.mappings["logsearch_reader"]["backend_roles"].([]any), "by-hand")
	req.Spec.StaffReaderBackendRoles = []string{"support"}
	req.Spec.StaffAdminBackendRoles = nil
	res := run(t, srv, req)
	if got := f.mappings["logsearch_reader"]["backend_roles"]; !reflect.DeepEqual(got, []any{"by-hand", "logsearch_reader", "support"}) {
		t.Errorf("reader mapped to %v: night-shift must go, by-hand stay", got)
	}
	for _, role := range []string{"all_access", "security_manager"} {
		if got := f.mappings[role]; !reflect.DeepEqual(got["backend_roles"], []any{"logsearch_admin"}) || !reflect.DeepEqual(got["users"], []any{"master"}) {
			t.Errorf("%s mapping %v: platform must go, the master user stay", role, got)
		}
	}
	if got := actions(res); got["role mapping logsearch_writer"] != Unchanged || got["index template logs"] != Unchanged {
		t.Errorf("outcomes %+v: only mappings should change", res.Outcomes)
	}
	if res := run(t, srv, req); res.Changed != 0 {
		t.Errorf("apply after the removal changed %+v", res.Outcomes)
	}
}

func TestCovers(t *testing.T) {
	for _, tt := range []struct {
		name             string
		current, desired any
		want             bool
	}{
		{"equal", map[string]any{"a": 1.0, "b": []any{"x"}}, map[string]any{"a": 1, "b": []any{"x"}}, true},
		{"extra key added by Dashboards", map[string]any{"a": "1", "params": map[string]any{"x": true, "added": "y"}}, map[string]any{"a": 1, "params": map[string]any{"x": true}}, true},
		{"extra key in an array element", []any{map[string]any{"id": "1", "added": 2}}, []any{map[string]any{"id": "1"}}, true},
		{"declared value changed", map[string]any{"timeFrom": "now-15m"}, map[string]any{"timeFrom": "now-1h"}, false},
		{"declared key missing", map[string]any{}, map[string]any{"title": "x"}, false},
		{"panel added", []any{"a", "b"}, []any{"a"}, false},
		{"panel removed", []any{"a"}, []any{"a", "b"}, false},
		{"object replaced by a scalar", "x", map[string]any{"a": 1}, false},
		{"empty declared values need nothing", map[string]any{}, map[string]any{"embeddableConfig": map[string]any{}, "filter": []any{}}, true},
	} {
		if got := covers(tt.current, tt.desired); got != tt.want {
			t.Errorf("%s: covers = %v, want %v", tt.name, got, tt.want)
		}
	}
}
