package domainsetup

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

// assertGlobalIsDefaultTenant checks that every user starts in the tenant
// of the landing dashboard, that private tenants are still there for the
// staff's own objects, and that the fields setup does not own were kept.
func assertGlobalIsDefaultTenant(t *testing.T, f *fakeDomain) {
	t.Helper()
	for k, want := range map[string]any{
		"default_tenant": domainstate.DefaultTenant, "multitenancy_enabled": true,
		"private_tenant_enabled": true, "sign_in_options": []any{"BASIC"},
	} {
		if got := f.tenancy[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("tenancy config %s = %v, want %v", k, got, want)
		}
	}
}

// A hand change to the tenancy config (Security → Tenancy → Configure) is
// put back on the next apply, which then is the only change; fields setup
// does not own stay as the engineer set them, and the apply after that
// writes nothing.
func TestDefaultTenantHandEditsAreReverted(t *testing.T) {
	tests := []struct {
		name string
		edit map[string]any
	}{
		{"default tenant Private", map[string]any{"default_tenant": "Private"}},
		{"no default tenant", map[string]any{"default_tenant": ""}},
		{"private tenants disabled", map[string]any{"private_tenant_enabled": false}},
		{"multi-tenancy disabled", map[string]any{"multitenancy_enabled": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeDomain(t)
			req := request(srv, f)
			run(t, srv, req)
			for k, v := range tt.edit {
				f.tenancy[k] = v
			}
			f.tenancy["preferred_tenants"] = []any{"Global", "Private"}

			res := run(t, srv, req)
			if got := actions(res); got[tenancyObject] != Updated || res.Changed != 1 {
				t.Errorf("outcomes %+v: want only the default tenant updated", res.Outcomes)
			}
			assertGlobalIsDefaultTenant(t, f)
			if got := f.tenancy["preferred_tenants"]; !reflect.DeepEqual(got, []any{"Global", "Private"}) {
				t.Errorf("preferred_tenants %v: an engineer's setting was dropped", got)
			}
			assertConverged(t, f, srv, req)
		})
	}
}

// An engine older than 2.7 has no tenancy config API: setup says so in the
// outcome and still configures everything else.
func TestDefaultTenantIsSkippedOnEnginesWithoutTheAPI(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.tenancy = nil
	res := run(t, srv, request(srv, f))
	var tenancy Outcome
	for _, o := range res.Outcomes {
		if o.Object == tenancyObject {
			tenancy = o
		}
	}
	if tenancy.Action != Skipped || !strings.Contains(tenancy.Detail, "OpenSearch_2.7 or later") {
		t.Errorf("outcome %+v: want it skipped, naming the engine version that has the API", tenancy)
	}
	if res.Changed != len(res.Outcomes)-1 {
		t.Errorf("changed %d of %d objects: a skipped object counts as a change", res.Changed, len(res.Outcomes))
	}
	if got := actions(res); got[auditObject] != Updated || got["Dashboards default route"] != Created {
		t.Errorf("outcomes %+v: the steps around the default tenant must still run", res.Outcomes)
	}
	for _, w := range f.writes {
		if strings.Contains(w, "tenancy") {
			t.Errorf("wrote %s to an engine without the API", w)
		}
	}
}

// The fake refuses what the security plugin refuses, so a body setup sends
// that the real API would reject cannot pass the tests above.
func TestFakeTenancyAPIRefusesLikeTheSecurityPlugin(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"setup's body", jsonOf(domainstate.TenancyConfigBody()), 200, `"default_tenant":"Global"`},
		{"tenant names ignore case", `{"default_tenant":"global"}`, 200, `"default_tenant":"global"`},
		{"an existing custom tenant", `{"default_tenant":"Support"}`, 200, `"default_tenant":"Support"`},
		{"unknown field", `{"default_tenant":"Global","landing":"x"}`, 400, `"invalid_keys":{"keys":"landing"}`},
		{"wrong type", `{"private_tenant_enabled":"yes"}`, 400, `"wrong_datatypes"`},
		{"unknown tenant", `{"default_tenant":"Sales"}`, 400, "Sales can not be set to default tenant"},
		{"private default without private tenants", `{"default_tenant":"Private","private_tenant_enabled":false}`, 400, "Private tenant can not be disabled if it is the default tenant."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeDomain(t)
			f.tenants = []string{"Support"}
			before := jsonOf(f.tenancy)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/"+tenancyPath, bytes.NewReader([]byte(tt.body)))
			req.SetBasicAuth(f.user, f.password)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			var got any
			_ = json.NewDecoder(resp.Body).Decode(&got)
			if resp.StatusCode != tt.status || !strings.Contains(jsonOf(got), tt.want) {
				t.Errorf("answered %d %s, want %d with %s", resp.StatusCode, jsonOf(got), tt.status, tt.want)
			}
			if tt.status != 200 && jsonOf(f.tenancy) != before {
				t.Errorf("a refused request changed the config to %s", jsonOf(f.tenancy))
			}
		})
	}
}
