package domainsetup

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

const ingestRole = "arn:aws:iam::123456789012:role/logsearch-ingest"

// noWait retries at once so failure tests stay fast.
var noWait = Retry{Attempts: 3}

func request(srv *httptest.Server, f *fakeDomain) Request {
	return Request{
		Endpoint: srv.URL, MasterUserName: f.user, MasterPassword: f.password,
		Spec: domainstate.Spec{
			IndexPrefix: "logs", Shards: 2, Replicas: 1, RetentionDays: 30,
			FieldTypes:         fieldtypes.Map{"status": fieldtypes.Integer, "client": fieldtypes.IP},
			WriterBackendRoles: []string{ingestRole},
		},
	}
}

// assertConverged applies req once more and fails if that changed or wrote
// anything: setup has converged.
func assertConverged(t *testing.T, f *fakeDomain, srv *httptest.Server, req Request) {
	t.Helper()
	writes := len(f.writes)
	if res := run(t, srv, req); res.Changed != 0 || len(f.writes) != writes {
		t.Errorf("another apply changed %d objects and wrote %v", res.Changed, f.writes[writes:])
	}
}

func run(t *testing.T, srv *httptest.Server, req Request) Result {
	t.Helper()
	res, err := Run(context.Background(), req, srv.Client(), noWait)
	if err != nil {
		t.Fatalf("setup failed: %v", err)
	}
	return res
}

func actions(res Result) map[string]Action {
	out := map[string]Action{}
	for _, o := range res.Outcomes {
		out[o.Object] = o.Action
	}
	return out
}

func TestFirstRunConfiguresTheDomain(t *testing.T) {
	f, srv := newFakeDomain(t)
	res := run(t, srv, request(srv, f))

	want := map[string]Action{
		"index template logs":                                    Created,
		"ISM policy logs-retention":                              Created,
		"role logsearch_writer":                                  Created,
		"role logsearch_reader":                                  Created,
		"role mapping logsearch_writer":                          Created,
		"role mapping logsearch_reader":                          Created,
		"role mapping all_access":                                Updated,
		"role mapping security_manager":                          Updated,
		"role logsearch_storage_guard":                           Created,
		"role mapping logsearch_storage_guard":                   Created,
		"Dashboards index pattern logs-*":                        Created,
		"Dashboards default index pattern":                       Created,
		"Dashboards search Log events":                           Created,
		"Dashboards visualization Events over time by log group": Created,
		"Dashboards visualization Events by status":              Created,
		"Dashboards dashboard Logs: last hour":                   Created,
		"Dashboards default route":                               Created,
		"Dashboards default tenant":                              Updated,
		"audit logging":                                          Updated,
	}
	if got := actions(res); !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	if res.Changed != len(want) {
		t.Errorf("changed %d, want %d", res.Changed, len(want))
	}

	tpl := f.templates["logs"]
	props := tpl["template"].(map[string]any)["mappings"].(map[string]any)["properties"].(map[string]any)
	for field, typ := range map[string]string{"status": "integer", "client": "ip", "@timestamp": "date", "@message": "text", "@log_group": "keyword"} {
		if got := props[field].(map[string]any)["type"]; got != typ {
			t.Errorf("template maps %s as %v, want %s", field, got, typ)
		}
	}
	settings := tpl["template"].(map[string]any)["settings"].(map[string]any)["index"].(map[string]any)
	if got := settings["number_of_shards"]; got != "2" {
		t.Errorf("shards %v, want 2", got)
	}
	for path, want := range map[string]string{
		"/search/slowlog/threshold/query/warn":   domainstate.SlowQueryWarn,
		"/indexing/slowlog/threshold/index/warn": domainstate.SlowIndexWarn,
	} {
		if got := pointer(settings, path); got != want {
			t.Errorf("template setting index%s = %v, want %s: the slow-log groups would stay empty", path, got, want)
		}
	}
	assertAuditOn(t, f)
	assertGlobalIsDefaultTenant(t, f)
	policy := f.policies["logs-retention"].policy
	if got := jsonOf(policy["states"]); !strings.Contains(got, `"min_index_age":"30d"`) || !strings.Contains(got, `"delete":{}`) {
		t.Errorf("policy states %s do not delete after 30d", got)
	}
	if got := jsonOf(policy["ism_template"]); !strings.Contains(got, `"index_patterns":["logs-*"]`) {
		t.Errorf("policy does not attach itself to logs-*: %s", got)
	}
	if got := f.mappings["logsearch_writer"]["backend_roles"]; !reflect.DeepEqual(got, []any{ingestRole}) {
		t.Errorf("writer mapped to %v", got)
	}
	if got := f.mappings["logsearch_reader"]["backend_roles"]; !reflect.DeepEqual(got, []any{domainstate.ReaderBackendRole}) {
		t.Errorf("reader mapped to %v", got)
	}
	for _, role := range []string{"all_access", "security_manager"} {
		m := f.mappings[role]
		if !reflect.DeepEqual(m["users"], []any{"master"}) || !reflect.DeepEqual(m["backend_roles"], []any{domainstate.AdminBackendRole}) {
			t.Errorf("%s mapping %v: want the master user kept and %s added", role, m, domainstate.AdminBackendRole)
		}
	}
	if got := f.savedObject("index-pattern", "logs")["attributes"].(map[string]any); got["title"] != "logs-*" || got["timeFieldName"] != "@timestamp" {
		t.Errorf("global tenant index pattern %v", got)
	}
	if got := f.settings["global"]["defaultIndex"]; !reflect.DeepEqual(got, map[string]any{"userValue": "logs"}) {
		t.Errorf("default index %v", got)
	}
}

func TestSecondRunChangesNothing(t *testing.T) {
	f, srv := newFakeDomain(t)
	run(t, srv, request(srv, f))
	writes := len(f.writes)

	res := run(t, srv, request(srv, f))
	if res.Changed != 0 {
		t.Errorf("second run changed %d objects: %+v", res.Changed, res.Outcomes)
	}
	for _, o := range res.Outcomes {
		if o.Action != Unchanged {
			t.Errorf("%s: %s on the second run", o.Object, o.Action)
		}
	}
	if len(f.writes) != writes {
		t.Errorf("second run wrote %v", f.writes[writes:])
	}
}

func TestChangesTouchOnlyWhatChanged(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Request)
		changed []string
		check   func(*testing.T, *fakeDomain)
	}{
		{
			name:   "field type",
			change: func(r *Request) { r.Spec.FieldTypes["status"] = fieldtypes.Keyword },
			// status stops being an integer status field: its breakdown
			// leaves the events columns and the landing dashboard.
			changed: []string{"index template logs", "Dashboards search Log events", "Dashboards dashboard Logs: last hour"},
			check: func(t *testing.T, f *fakeDomain) {
				if !strings.Contains(jsonOf(f.templates["logs"]), `"status":{"ignore_above":1024,"type":"keyword"}`) {
					t.Error("template still maps status as integer")
				}
			},
		},
		{
			name:    "retention",
			change:  func(r *Request) { r.Spec.RetentionDays = 7 },
			changed: []string{"ISM policy logs-retention"},
			check: func(t *testing.T, f *fakeDomain) {
				if !strings.Contains(jsonOf(f.policies["logs-retention"].policy), `"min_index_age":"7d"`) {
					t.Error("policy still keeps 30 days")
				}
				if len(f.changePolicy) != 1 || !strings.Contains(f.changePolicy[0], `"policy_id":"logs-retention"`) {
					t.Errorf("existing indices not moved to the new policy version: %v", f.changePolicy)
				}
			},
		},
		{
			name:    "ingest role replaced",
			change:  func(r *Request) { r.Spec.WriterBackendRoles = []string{"arn:aws:iam::123456789012:role/new"} },
			changed: []string{"role mapping logsearch_writer"},
			check: func(t *testing.T, f *fakeDomain) {
				if got := f.mappings["logsearch_writer"]["backend_roles"]; !reflect.DeepEqual(got, []any{"arn:aws:iam::123456789012:role/new"}) {
					t.Errorf("writer mapped to %v: the old role must be gone", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeDomain(t)
			f.indices = []string{"logs-2024.01.01", "logs-2024.01.02"}
			req := request(srv, f)
			run(t, srv, req)
			tt.change(&req)
			res := run(t, srv, req)
			var changed []string
			for _, o := range res.Outcomes {
				if o.Action != Unchanged {
					changed = append(changed, o.Object)
				}
			}
			if !reflect.DeepEqual(changed, tt.changed) {
				t.Errorf("changed %v, want %v", changed, tt.changed)
			}
			tt.check(t, f)
		})
	}
}

func TestHandEditsAreReverted(t *testing.T) {
	f, srv := newFakeDomain(t)
	run(t, srv, request(srv, f))
	perms := f.roles["logsearch_reader"]["index_permissions"].([]any)
	perms[0].(map[string]any)["allowed_actions"] = []any{"read", "delete"}
	f.savedObject("index-pattern", "logs")["attributes"].(map[string]any)["timeFieldName"] = "other"

	res := run(t, srv, request(srv, f))
	got := actions(res)
	if got["role logsearch_reader"] != Updated || got["Dashboards index pattern logs-*"] != Updated || res.Changed != 2 {
		t.Errorf("outcomes %+v: want the reader role and the index pattern restored, nothing else", res.Outcomes)
	}
	if strings.Contains(jsonOf(f.roles["logsearch_reader"]), `"delete"]`) {
		t.Error("reader can still delete")
	}
}

func TestSharedMappingsKeepOtherPeoplesEntries(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.mappings["logsearch_reader"] = map[string]any{"users": []any{"alice"}, "backend_roles": []any{}, "hosts": []any{}}
	run(t, srv, request(srv, f))
	m := f.mappings["logsearch_reader"]
	if !reflect.DeepEqual(m["users"], []any{"alice"}) || !reflect.DeepEqual(m["backend_roles"], []any{domainstate.ReaderBackendRole}) {
		t.Errorf("reader mapping %v: alice must stay and the backend role be added", m)
	}
}

func TestISMConflictIsRetriedWithFreshSeqNo(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := request(srv, f)
	run(t, srv, req)
	req.Spec.RetentionDays = 14
	edits := 0
	f.beforeISMPut = func() { // someone edits once, between our GET and PUT
		if edits == 0 {
			f.editPolicy("logs-retention", "99d")
		}
		edits++
	}
	res := run(t, srv, req)
	if actions(res)["ISM policy logs-retention"] != Updated {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	if edits != 2 {
		t.Errorf("%d PUT attempts, want 2 (one 409, one success)", edits)
	}
	if !strings.Contains(jsonOf(f.policies["logs-retention"].policy), `"min_index_age":"14d"`) {
		t.Error("policy not updated after the conflict")
	}
}

func TestISMConflictThatPersistsFails(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := request(srv, f)
	run(t, srv, req)
	req.Spec.RetentionDays = 14
	f.beforeISMPut = func() { f.editPolicy("logs-retention", "99d") }
	_, err := Run(context.Background(), req, srv.Client(), noWait)
	if err == nil || !strings.Contains(err.Error(), "still conflicting after 3 attempts") || !strings.Contains(err.Error(), "version_conflict_engine_exception") {
		t.Fatalf("error %v: want the conflict named with the domain's message", err)
	}
}

func TestFailuresCarryTheDomainsMessage(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		body               string
		want               []string
	}{
		{"security plugin 500", "PUT", "/_plugins/_security/api/roles/logsearch_reader", 500,
			`{"status":"INTERNAL_SERVER_ERROR","message":"Security index not initialized"}`,
			[]string{"role logsearch_reader", "500 Internal Server Error", "Security index not initialized"}},
		{"bad mapping 400", "PUT", "/_index_template/logs", 400,
			`{"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":"No handler for type [flaot] declared on field [x]"}],"type":"mapper_parsing_exception","reason":"Failed to parse mapping [_doc]","caused_by":{}},"status":400}`,
			[]string{"index template logs", "400 Bad Request", "mapper_parsing_exception: Failed to parse mapping [_doc]", "No handler for type [flaot]"}},
		{"ISM 400", "PUT", "/_plugins/_ism/policies/logs-retention", 400,
			`{"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"Invalid state name"},"status":400}`,
			[]string{"ISM policy logs-retention", "illegal_argument_exception: Invalid state name"}},
		{"Dashboards 403", "POST", "/_dashboards/api/saved_objects/index-pattern/logs", 403,
			`{"statusCode":403,"error":"Forbidden","message":"no permissions for [indices:data/write/index]"}`,
			[]string{"Dashboards index pattern logs-*", "403 Forbidden", "no permissions for [indices:data/write/index]"}},
		{"read failure", "GET", "/_plugins/_security/api/rolesmapping/all_access", 500,
			`not json at all`,
			[]string{"role mapping all_access", "GET /_plugins/_security/api/rolesmapping/all_access", "not json at all"}},
		{"audit API refused by the access policy", "GET", "/_plugins/_security/api/audit", 403,
			`{"Message":"User: anonymous is not authorized to perform: es:ESHttpGet"}`,
			[]string{"audit logging: GET /_plugins/_security/api/audit", "403 Forbidden", "anonymous is not authorized", "publish AUDIT_LOGS", "run pulumi up again"}},
		{"audit update refused", "PUT", "/_plugins/_security/api/audit/config", 400,
			`{"status":"error","reason":"Could not parse content of request."}`,
			[]string{"audit logging: PUT /_plugins/_security/api/audit/config", "400 Bad Request", "Could not parse content of request.", "security_manager"}},
		{"tenancy config refused to a user without REST API access", "PUT", "/_plugins/_security/api/tenancy/config", 403,
			`{"status":"FORBIDDEN","message":"No permission to access REST API: User master with Security roles [all_access] does not have any role privileged for admin access"}`,
			[]string{"Dashboards default tenant: PUT /_plugins/_security/api/tenancy/config", "403 Forbidden", "No permission to access REST API"}},
		{"tenancy config 400 that is not a missing API", "GET", "/_plugins/_security/api/tenancy/config", 400,
			`{"status":"BAD_REQUEST","message":"Security index not initialized"}`,
			[]string{"Dashboards default tenant: GET /_plugins/_security/api/tenancy/config", "400 Bad Request", "Security index not initialized"}},
		{"still starting", "GET", "/_index_template/logs", 503,
			`{"error":{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]"},"status":503}`,
			[]string{"503 Service Unavailable", "state not recovered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeDomain(t)
			for range noWait.Attempts { // more than retries can absorb
				f.addFault(tt.method, tt.path, tt.status, tt.body)
			}
			res, err := Run(context.Background(), request(srv, f), srv.Client(), noWait)
			if err == nil {
				t.Fatalf("no error; outcomes %+v", res.Outcomes)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), f.password) {
				t.Error("the error contains the password")
			}
		})
	}
}

// assertAuditOn checks the domain logs audit events on both layers without
// the two per-request categories, and kept the settings setup does not own.
func assertAuditOn(t *testing.T, f *fakeDomain) {
	t.Helper()
	if f.audit["enabled"] != true {
		t.Error("audit logging is still disabled")
	}
	audit := f.audit["audit"].(map[string]any)
	for k, want := range map[string]any{
		"enable_rest": true, "enable_transport": true,
		"disabled_rest_categories":      []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"},
		"disabled_transport_categories": []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"},
		"ignore_users":                  []any{"kibanaserver"},
		"exclude_sensitive_headers":     true,
		"log_request_body":              true,
	} {
		if !reflect.DeepEqual(audit[k], want) {
			t.Errorf("audit.%s = %v, want %v", k, audit[k], want)
		}
	}
	if got := f.audit["compliance"].(map[string]any)["write_ignore_users"]; !reflect.DeepEqual(got, []any{"kibanaserver"}) {
		t.Errorf("compliance settings not kept: write_ignore_users = %v", got)
	}
}

func TestAuditEditsArePutBackAndOthersKept(t *testing.T) {
	f, srv := newFakeDomain(t)
	run(t, srv, request(srv, f))
	audit := f.audit["audit"].(map[string]any)
	f.audit["enabled"] = false
	audit["disabled_rest_categories"] = []any{"FAILED_LOGIN", "GRANTED_PRIVILEGES"}
	audit["ignore_users"] = []any{"kibanaserver", "loadtest"}

	res := run(t, srv, request(srv, f))
	if got := actions(res); got[auditObject] != Updated || res.Changed != 1 {
		t.Fatalf("outcomes %+v: want only audit logging updated", res.Outcomes)
	}
	audit = f.audit["audit"].(map[string]any)
	if f.audit["enabled"] != true || !reflect.DeepEqual(audit["disabled_rest_categories"], []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"}) {
		t.Errorf("audit config %v: want it enabled and FAILED_LOGIN logged again", f.audit)
	}
	if !reflect.DeepEqual(audit["ignore_users"], []any{"kibanaserver", "loadtest"}) {
		t.Errorf("ignore_users %v: an engineer's addition was dropped", audit["ignore_users"])
	}

	// The plugin returned the categories in its own order, not the one
	// setup sent: that must not count as a difference.
	assertConverged(t, f, srv, request(srv, f))
}

func TestAuditFieldOnlyAnAdminMayChangeFailsClearly(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.readonly = append(f.readonly, "/audit/enable_transport")
	res, err := Run(context.Background(), request(srv, f), srv.Client(), noWait)
	if err == nil || !strings.Contains(err.Error(), "409 Conflict") || !strings.Contains(err.Error(), "Attempted to update read-only property.") {
		t.Fatalf("error %v: want the domain's 409 message", err)
	}
	if got := actions(res); got["role mapping logsearch_writer"] != Created || got["index template logs"] != Created {
		t.Errorf("outcomes %+v: everything before audit logging must still be applied", res.Outcomes)
	}
	if f.audit["enabled"] != false {
		t.Error("the refused config was stored")
	}
}

func TestTransientAnswersAreRetried(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.addFault("GET", "/_index_template/logs", 503, `{"message":"starting"}`)
	f.addFault("PUT", "/_plugins/_security/api/roles/logsearch_writer", 429, `{"message":"slow down"}`)
	f.addFault("GET", "/_plugins/_security/api/audit", 502, `{"message":"bad gateway"}`)
	res := run(t, srv, request(srv, f))
	if want := len(res.Outcomes); res.Changed != want || want < 11 {
		t.Errorf("changed %d of %d objects, want every object created after retries", res.Changed, want)
	}
}

func TestWrongPasswordFails(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := request(srv, f)
	req.MasterPassword = "wrong-password"
	_, err := Run(context.Background(), req, srv.Client(), noWait)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("error %v, want a 401", err)
	}
}

func TestInvalidRequestNamesEveryProblem(t *testing.T) {
	_, err := Run(context.Background(), Request{Spec: domainstate.Spec{IndexPrefix: "logs"}}, nil, noWait)
	for _, want := range []string{"endpoint is empty", "masterUserName is empty", "masterPassword is empty", "shards 0", "retentionDays 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestPasswordStaysOutOfResultAndBodies(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := request(srv, f)
	res := run(t, srv, req)
	for _, s := range append([]string{jsonOf(res), req.String(), fmtV(req)}, f.requestBodies...) {
		if strings.Contains(s, f.password) {
			t.Errorf("password found in %q", s)
		}
	}
}

func TestEndpointForms(t *testing.T) {
	for in, want := range map[string]string{
		"vpc-logs-abc.eu-west-1.es.amazonaws.com": "https://vpc-logs-abc.eu-west-1.es.amazonaws.com/",
		"https://127.0.0.1:9200":                  "https://127.0.0.1:9200/",
		"https://127.0.0.1:9200/":                 "https://127.0.0.1:9200/",
	} {
		u, err := Request{Endpoint: in}.baseURL()
		if err != nil || u.String() != want {
			t.Errorf("%s: got %v, %v; want %s", in, u, err, want)
		}
	}
	if _, err := (Request{Endpoint: "https://"}).baseURL(); err == nil {
		t.Error("an endpoint without a host is accepted")
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fmtV(r Request) string { return fmt.Sprintf("%v %+v %#v %s", r, r, r, r) }

// Changing retentionDays before the first daily index exists: ISM answers
// change_policy with 400 "no documents to get" (see noIndexToChange).
func TestRetentionChangeBeforeTheFirstIndex(t *testing.T) {
	f, srv := newFakeDomain(t)
	req := request(srv, f)
	run(t, srv, req)
	req.Spec.RetentionDays++
	res := run(t, srv, req)
	found := false
	for _, o := range res.Outcomes {
		if o.Object == "ISM policy logs-retention" {
			found = true
			if o.Action != Updated || o.Detail != "no existing indices to move" {
				t.Errorf("outcome %+v, want updated with no existing indices to move", o)
			}
		}
	}
	if !found || len(f.changePolicy) != 1 {
		t.Errorf("policy outcome found %v, change_policy calls %d, want 1", found, len(f.changePolicy))
	}
}

// A proxy that echoes the request headers into its error page must not put
// the master password, in any form, into the error setup returns.
func TestEchoedCredentialsAreRedacted(t *testing.T) {
	f, srv := newFakeDomain(t)
	token := base64.StdEncoding.EncodeToString([]byte(f.user + ":" + f.password))
	echo := "<html>bad request; you sent Authorization: Basic " + token + " (password " + f.password + ")</html>"
	f.addFault(http.MethodGet, "/_index_template/logs", 400, echo)
	_, err := Run(context.Background(), request(srv, f), srv.Client(), noWait)
	if err == nil {
		t.Fatal("no error")
	}
	for _, secret := range []string{token, f.password} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
	if !strings.Contains(err.Error(), "you sent Authorization: [redacted] (password [redacted])") {
		t.Errorf("error %q lost the rest of the domain's answer", err)
	}
}

// A 404 on the Dashboards settings endpoint means no settings yet, whatever
// the body (here an HTML error page).
func TestDashboardsSettings404WithHTMLMeansNoSettings(t *testing.T) {
	f, srv := newFakeDomain(t)
	f.addFault(http.MethodGet, "/_dashboards/api/opensearch-dashboards/settings", 404, "<html><body>Not Found</body></html>")
	run(t, srv, request(srv, f))
	if got := jsonOf(f.settings["global"]["defaultIndex"]); got != `{"userValue":"logs"}` {
		t.Errorf("default index = %s, want it set", got)
	}
}

// TestEveryFormOfTheCredentialsIsRedacted: a proxy may echo the request in
// its error page re-encoded. Whatever the form, neither the password nor
// its Basic token reaches the error.
func TestEveryFormOfTheCredentialsIsRedacted(t *testing.T) {
	jsonString := func(s string, escapeHTML bool) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(s)
		return strings.TrimSpace(b.String())
	}
	// A password with characters every encoding changes, and whose
	// Basic token holds "/".
	password := ""
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("no password found whose token holds /")
		}
		password = `pa"ss<w>&rd/é+` + strings.Repeat("x", i) + "???"
		if tok := base64.StdEncoding.EncodeToString([]byte("master:" + password)); strings.Contains(tok, "/") {
			break
		}
	}
	token := base64.StdEncoding.EncodeToString([]byte("master:" + password))
	unicodeEscaped := ""
	for _, r := range password {
		unicodeEscaped += fmt.Sprintf(`\u%04x`, r)
	}
	for name, body := range map[string]string{
		"raw":                               "you sent Authorization: Basic " + token + " password " + password,
		"JSON-escaped token with \\/":       `{"error":{"reason":"header Authorization: Basic ` + strings.ReplaceAll(token, "/", `\/`) + `"}}`,
		"JSON-escaped password":             `{"message":"password was ` + strings.Trim(jsonString(password, true), `"`) + `"}`,
		"JSON-escaped password, plain HTML": `{"message":"password was ` + strings.Trim(jsonString(password, false), `"`) + `"}`,
		"JSON-decoded (every rune escaped)": `{"message":"password was ` + unicodeEscaped + `"}`,
		"HTML-escaped password":             "<p>password " + html.EscapeString(password) + "</p>",
		"HTML-escaped (template) password":  "<p>password " + template.HTMLEscapeString(password) + "</p>",
		"URL-encoded password":              "GET /?password=" + url.QueryEscape(password),
		"URL-encoded token":                 "token=" + url.QueryEscape(token),
		"base64url token":                   "token " + base64.URLEncoding.EncodeToString([]byte("master:"+password)),
	} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeDomain(t)
			f.password = password
			f.addFault(http.MethodGet, "/_index_template/logs", 400, body)
			_, err := Run(context.Background(), request(srv, f), srv.Client(), noWait)
			if err == nil {
				t.Fatal("no error")
			}
			for _, secret := range []string{password, token, "rd/é+", strings.ReplaceAll(token, "/", `\/`), html.EscapeString(password), url.QueryEscape(password)} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q: nothing redacted", err)
			}
		})
	}
}
