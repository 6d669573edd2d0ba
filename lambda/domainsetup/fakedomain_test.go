package domainsetup

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeDomain answers like the OpenSearch APIs setup uses, including what the
// real ones add or reformat (string settings, reserved/hidden flags, ISM's
// retry defaults and timestamps, Dashboards' field list) so the tests prove
// the comparison copes with it, and their errors in their own body shapes.
type fakeDomain struct {
	mu       sync.Mutex
	user     string
	password string

	templates map[string]map[string]any
	roles     map[string]map[string]any
	mappings  map[string]map[string]any
	policies  map[string]*storedPolicy
	objects   map[string]map[string]any // "<tenant>/<type>/<id>" -> the stored saved object
	settings  map[string]map[string]any // tenant -> advanced settings
	indices   []string                  // daily indices ISM manages
	seqNo     int64
	audit     map[string]any // the audit "config" object
	readonly  []string       // audit fields only a TLS admin may change
	tenancy   map[string]any // the multi-tenancy config; nil: an engine older than 2.7
	tenants   []string       // tenants created besides Global and Private

	writes        []string           // "METHOD /path" of every accepted write
	changePolicy  []string           // bodies of change_policy calls
	faults        map[string][]fault // "METHOD /path" -> answers to give first
	beforeISMPut  func()             // runs just before an ISM PUT is judged
	requestBodies []string           // every request body, to look for secrets
}

type storedPolicy struct {
	seqNo, primaryTerm int64
	policy             map[string]any
}

type fault struct {
	status int
	body   string
}

func newFakeDomain(t *testing.T) (*fakeDomain, *httptest.Server) {
	f := &fakeDomain{
		user: "master", password: "s3cr3t-Pa55!",
		templates: map[string]map[string]any{},
		roles:     map[string]map[string]any{},
		mappings: map[string]map[string]any{
			// What Amazon OpenSearch Service creates for the master user.
			"all_access":       {"users": []any{"master"}, "backend_roles": []any{}, "hosts": []any{}},
			"security_manager": {"users": []any{"master"}, "backend_roles": []any{}, "hosts": []any{}},
		},
		policies: map[string]*storedPolicy{},
		objects:  map[string]map[string]any{},
		settings: map[string]map[string]any{},
		faults:   map[string][]fault{},
		seqNo:    10,
		// What a new domain answers: audit logging off, the plugin's
		// defaults around it.
		audit: map[string]any{
			"enabled": false,
			"audit": map[string]any{
				"enable_rest": true, "enable_transport": false,
				"disabled_rest_categories":      []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"},
				"disabled_transport_categories": []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"},
				"resolve_bulk_requests":         false, "log_request_body": true, "resolve_indices": true,
				"exclude_sensitive_headers": true, "ignore_users": []any{"kibanaserver"}, "ignore_requests": []any{},
			},
			"compliance": map[string]any{
				"enabled": true, "internal_config": true, "external_config": false,
				"read_metadata_only": true, "read_watched_fields": map[string]any{}, "read_ignore_users": []any{"kibanaserver"},
				"write_metadata_only": true, "write_log_diffs": false, "write_watched_indices": []any{}, "write_ignore_users": []any{"kibanaserver"},
			},
		},
		readonly: []string{"/audit/exclude_sensitive_headers", "/compliance/internal_config", "/compliance/external_config"},
		// A new domain: multi-tenancy on, no default tenant, so Dashboards
		// asks each user to pick one.
		tenancy: map[string]any{"default_tenant": "", "private_tenant_enabled": true, "multitenancy_enabled": true, "sign_in_options": []any{"BASIC"}},
	}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeDomain) addFault(method, path string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := method + " " + path
	f.faults[key] = append(f.faults[key], fault{status, body})
}

func (f *fakeDomain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	f.requestBodies = append(f.requestBodies, string(raw))
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if s, ok := v.(string); ok {
			_, _ = io.WriteString(w, s)
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != f.user || p != f.password {
		reply(401, `Unauthorized`)
		return
	}
	key := r.Method + " " + r.URL.Path
	if q := f.faults[key]; len(q) > 0 {
		f.faults[key] = q[1:]
		reply(q[0].status, q[0].body)
		return
	}
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			reply(400, map[string]any{"error": map[string]any{"type": "parse_exception", "reason": "request body is not JSON"}, "status": 400})
			return
		}
	}
	accept := func(status int, v any) {
		f.writes = append(f.writes, key)
		reply(status, v)
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "_index_template":
		name := parts[1]
		switch r.Method {
		case http.MethodGet:
			t, ok := f.templates[name]
			if !ok {
				reply(404, map[string]any{"error": map[string]any{"type": "resource_not_found_exception", "reason": "index template matching [" + name + "] not found"}, "status": 404})
				return
			}
			reply(200, map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": t}}})
		case http.MethodPut:
			if _, ok := body["index_patterns"]; !ok {
				reply(400, map[string]any{"error": map[string]any{"type": "action_request_validation_exception", "reason": "index patterns are missing"}, "status": 400})
				return
			}
			stored := copyJSON(body)
			tpl, _ := stored["template"].(map[string]any)
			if tpl != nil {
				tpl["settings"] = stringScalars(tpl["settings"]) // as OpenSearch returns settings
				if m, ok := tpl["mappings"].(map[string]any); ok {
					tpl["mappings"] = stringBools(m)
				}
			}
			stored["composed_of"] = []any{}
			f.templates[name] = stored
			accept(200, map[string]any{"acknowledged": true})
		}
	case len(parts) == 5 && parts[1] == "_security" && (parts[3] == "roles" || parts[3] == "rolesmapping"):
		store := f.roles
		if parts[3] == "rolesmapping" {
			store = f.mappings
		}
		name := parts[4]
		switch r.Method {
		case http.MethodGet:
			cur, ok := store[name]
			if !ok {
				reply(404, map[string]any{"status": "NOT_FOUND", "message": "Resource '" + name + "' not found."})
				return
			}
			out := copyJSON(cur)
			out["reserved"], out["hidden"] = false, false
			if parts[3] == "roles" {
				out["static"] = false
				for _, p := range asSlice(out["index_permissions"]) {
					p.(map[string]any)["fls"], p.(map[string]any)["masked_fields"] = []any{}, []any{}
				}
			} else {
				out["and_backend_roles"] = []any{}
			}
			reply(200, map[string]any{name: out})
		case http.MethodPut:
			allowed := map[string]bool{"description": true, "cluster_permissions": true, "index_permissions": true, "tenant_permissions": true}
			if parts[3] == "rolesmapping" {
				allowed = map[string]bool{"description": true, "backend_roles": true, "and_backend_roles": true, "hosts": true, "users": true}
			}
			for k := range body {
				if !allowed[k] {
					reply(400, map[string]any{"status": "error", "reason": "Invalid configuration", "invalid_keys": map[string]any{"keys": k}})
					return
				}
			}
			_, existed := store[name]
			store[name] = copyJSON(body)
			if existed {
				accept(200, map[string]any{"status": "OK", "message": "'" + name + "' updated."})
			} else {
				accept(201, map[string]any{"status": "CREATED", "message": "'" + name + "' created."})
			}
		}
	case r.URL.Path == "/_plugins/_security/api/audit" && r.Method == http.MethodGet:
		reply(200, map[string]any{"_readonly": toAnySlice(f.readonly), "config": copyJSON(f.audit)})
	case r.URL.Path == "/_plugins/_security/api/audit/config" && r.Method == http.MethodPut:
		f.putAudit(body, reply, accept)
	case r.URL.Path == "/_plugins/_security/api/tenancy/config" && f.tenancy == nil:
		// OpenSearch before 2.7: no plugin registered the path
		// (RestController.handleBadRequest).
		reply(400, map[string]any{"error": "no handler found for uri [" + r.URL.Path + "] and method [" + r.Method + "]"})
	case r.URL.Path == "/_plugins/_security/api/tenancy/config" && r.Method == http.MethodGet:
		reply(200, copyJSON(f.tenancy))
	case r.URL.Path == "/_plugins/_security/api/tenancy/config" && r.Method == http.MethodPut:
		f.putTenancy(body, reply, accept)
	case len(parts) == 4 && parts[1] == "_ism" && parts[2] == "policies":
		f.servePolicy(r, parts[3], body, reply, accept)
	case len(parts) == 4 && parts[1] == "_ism" && parts[2] == "change_policy":
		f.changePolicy = append(f.changePolicy, string(raw))
		if len(f.indices) == 0 {
			// ISM 2.19 multi-gets the metadata of zero indices, which
			// MultiGetRequest.validate refuses (see noIndexToChange).
			const reason = "Validation Failed: 1: no documents to get;"
			reply(400, map[string]any{"error": map[string]any{
				"root_cause": []any{map[string]any{"type": "action_request_validation_exception", "reason": reason}},
				"type":       "action_request_validation_exception", "reason": reason,
			}, "status": 400})
			return
		}
		accept(200, map[string]any{"updated_indices": len(f.indices), "failures": false, "failed_indices": []any{}})
	case len(parts) == 5 && parts[0] == "_dashboards" && parts[2] == "saved_objects":
		f.serveSavedObject(r, parts[3], parts[4], body, reply, accept)
	case r.URL.Path == "/_dashboards/api/opensearch-dashboards/settings":
		tenant := r.Header.Get("securitytenant")
		if f.settings[tenant] == nil {
			f.settings[tenant] = map[string]any{"buildNum": map[string]any{"userValue": 7000}}
		}
		if r.Method == http.MethodPost {
			if r.Header.Get("osd-xsrf") == "" {
				reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "Request must contain a osd-xsrf header."})
				return
			}
			changes := body["changes"].(map[string]any)
			// Dashboards validates defaultRoute as a relative URL
			// (src/core/server/ui_settings/settings/navigation.ts).
			if route, ok := changes["defaultRoute"].(string); ok && !strings.HasPrefix(route, "/") {
				reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "[validation [defaultRoute]]: Must be a relative URL."})
				return
			}
			for k, v := range changes {
				f.settings[tenant][k] = map[string]any{"userValue": v}
			}
			accept(200, map[string]any{"settings": f.settings[tenant]})
			return
		}
		reply(200, map[string]any{"settings": f.settings[tenant]})
	default:
		reply(400, map[string]any{"error": map[string]any{"type": "illegal_argument_exception", "reason": "no handler for " + key}, "status": 400})
	}
}

func (f *fakeDomain) servePolicy(r *http.Request, id string, body map[string]any, reply, accept func(int, any)) {
	cur, exists := f.policies[id]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			reply(404, map[string]any{"error": map[string]any{"type": "status_exception", "reason": "Policy not found"}, "status": 404})
			return
		}
		p := copyJSON(cur.policy)
		p["policy_id"], p["last_updated_time"], p["schema_version"], p["error_notification"] = id, 1700000000000, 21, nil
		for _, t := range asSlice(p["ism_template"]) {
			t.(map[string]any)["last_updated_time"] = 1700000000000
		}
		reply(200, map[string]any{"_id": id, "_version": 3, "_seq_no": cur.seqNo, "_primary_term": cur.primaryTerm, "policy": p})
	case http.MethodPut:
		if f.beforeISMPut != nil {
			f.beforeISMPut()
			cur, exists = f.policies[id]
		}
		q := r.URL.Query()
		conflict := map[string]any{"error": map[string]any{"type": "version_conflict_engine_exception", "reason": "[" + id + "]: version conflict, required seqNo [" + q.Get("if_seq_no") + "]"}, "status": 409}
		if exists && (q.Get("if_seq_no") != strconv.FormatInt(cur.seqNo, 10) || q.Get("if_primary_term") != strconv.FormatInt(cur.primaryTerm, 10)) {
			reply(409, conflict)
			return
		}
		policy := copyJSON(body["policy"].(map[string]any))
		for _, st := range asSlice(policy["states"]) {
			for _, a := range asSlice(st.(map[string]any)["actions"]) {
				if _, ok := a.(map[string]any)["retry"]; !ok {
					a.(map[string]any)["retry"] = map[string]any{"count": 3, "backoff": "exponential", "delay": "1m"}
				}
			}
		}
		f.seqNo++
		f.policies[id] = &storedPolicy{seqNo: f.seqNo, primaryTerm: 1, policy: policy}
		status := 201
		if exists {
			status = 200
		}
		accept(status, map[string]any{"_id": id, "_seq_no": f.seqNo, "_primary_term": 1})
	}
}

// auditCategoryOrder is the security plugin's AuditCategory enum order,
// in which it returns the disabled categories whatever order they were
// sent in.
var auditCategoryOrder = []string{"BAD_HEADERS", "FAILED_LOGIN", "MISSING_PRIVILEGES", "GRANTED_PRIVILEGES",
	"OPENDISTRO_SECURITY_INDEX_ATTEMPT", "SSL_EXCEPTION", "AUTHENTICATED", "INDEX_EVENT"}

// putAudit validates like the security plugin's AuditApiAction: only
// enabled/audit/compliance, only known categories, no change to a
// read-only field by a non-admin.
func (f *fakeDomain) putAudit(body map[string]any, reply, accept func(int, any)) {
	for k := range body {
		if k != "enabled" && k != "audit" && k != "compliance" {
			reply(400, map[string]any{"status": "error", "reason": "Invalid configuration", "invalid_keys": map[string]any{"keys": k}})
			return
		}
	}
	stored := copyJSON(body)
	audit, _ := stored["audit"].(map[string]any)
	for _, k := range []string{"disabled_rest_categories", "disabled_transport_categories"} {
		if audit == nil || audit[k] == nil {
			continue
		}
		sent := map[string]bool{}
		for _, c := range asSlice(audit[k]) {
			sent[fmt.Sprint(c)] = true
		}
		var ordered []any
		for _, c := range auditCategoryOrder {
			if sent[c] {
				ordered = append(ordered, c)
				delete(sent, c)
			}
		}
		if len(sent) > 0 {
			reply(400, map[string]any{"status": "error", "reason": "Could not parse content of request."})
			return
		}
		audit[k] = ordered
	}
	for _, path := range f.readonly {
		if jsonOf(pointer(f.audit, path)) != jsonOf(pointer(stored, path)) {
			reply(409, map[string]any{"status": "CONFLICT", "message": "Attempted to update read-only property."})
			return
		}
	}
	f.audit = stored
	accept(200, map[string]any{"status": "OK", "message": "'config' updated."})
}

// tenancyKeys are the fields the tenancy config API accepts, with the JSON
// type each must have (MultiTenancyConfigApiAction.allowedKeys).
var tenancyKeys = map[string]string{
	"default_tenant": "string", "private_tenant_enabled": "bool", "multitenancy_enabled": "bool",
	"sign_in_options": "array", "preferred_tenants": "array",
}

// putTenancy validates like the security plugin's
// MultiTenancyConfigApiAction (opensearch-project/security,
// src/main/java/org/opensearch/security/dlic/rest/api/MultiTenancyConfigApiAction.java):
// unknown keys and wrong types are refused by its RequestContentValidator;
// the default tenant must be Global, Private or the empty name (any case,
// ConfigConstants.TENANCY_*_TENANT_NAME) or an existing tenant, and Private
// cannot be the default while private tenants are disabled. Nothing is
// stored from a refused request.
func (f *fakeDomain) putTenancy(body map[string]any, reply, accept func(int, any)) {
	for k, v := range body {
		want, known := tenancyKeys[k]
		if !known {
			reply(400, map[string]any{"status": "error", "reason": "Invalid configuration", "invalid_keys": map[string]any{"keys": k}})
			return
		}
		var is bool
		switch want {
		case "string":
			_, is = v.(string)
		case "bool":
			_, is = v.(bool)
		case "array":
			_, is = v.([]any)
		}
		if !is {
			reply(400, map[string]any{"status": "error", "reason": "Invalid configuration", "wrong_datatypes": map[string]any{k: want + " expected"}})
			return
		}
	}
	next := copyJSON(f.tenancy)
	for k, v := range body {
		next[k] = v
	}
	badRequest := func(msg string) { reply(400, map[string]any{"status": "BAD_REQUEST", "message": msg}) }
	tenant := strings.ToLower(fmt.Sprint(next["default_tenant"]))
	if next["private_tenant_enabled"] == false && tenant == "private" {
		badRequest("Private tenant can not be disabled if it is the default tenant.")
		return
	}
	known := tenant == "" || tenant == "global" || tenant == "private"
	for _, t := range f.tenants {
		known = known || strings.ToLower(t) == tenant
	}
	if !known {
		badRequest(fmt.Sprint(next["default_tenant"]) + " can not be set to default tenant. Default tenant should be selected from one of the available tenants.")
		return
	}
	f.tenancy = next
	accept(200, copyJSON(next))
}

// pointer resolves a JSON pointer of object keys.
func pointer(v any, path string) any {
	for _, k := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// editPolicy stands in for someone else changing the policy.
func (f *fakeDomain) editPolicy(id, minAge string) {
	p := f.policies[id]
	f.seqNo++
	p.seqNo = f.seqNo
	p.policy = copyJSON(p.policy)
	asSlice(asSlice(p.policy["states"])[0].(map[string]any)["transitions"])[0].(map[string]any)["conditions"] = map[string]any{"min_index_age": minAge}
}

func copyJSON(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func stringScalars(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = stringScalars(e)
		}
		return t
	case float64, bool:
		return fmt.Sprint(t)
	}
	return v
}

func stringBools(v any) map[string]any {
	m := v.(map[string]any)
	for k, e := range m {
		switch t := e.(type) {
		case bool:
			m[k] = fmt.Sprint(t)
		case map[string]any:
			m[k] = stringBools(t)
		}
	}
	return m
}

// savedObjectTypes are the types the fake knows; Dashboards answers 400 for
// a type no plugin registered.
var savedObjectTypes = map[string]bool{"index-pattern": true, "search": true, "visualization": true, "dashboard": true}

// serveSavedObject answers like the Dashboards saved objects API
// (src/core/server/saved_objects/routes/{get,create}.ts): 404 for a
// missing object, 409 when creating over an existing one without
// overwrite=true, 400 without the osd-xsrf header or with keys the create
// body schema does not allow. What it stores differs from what was sent the
// way Dashboards' differs: the index pattern gains its field list, JSON
// held in strings is re-serialised (migrations parse and stringify
// visState), and the object gains version, updated_at and
// migrationVersion.
func (f *fakeDomain) serveSavedObject(r *http.Request, typ, id string, body map[string]any, reply, accept func(int, any)) {
	if !savedObjectTypes[typ] {
		reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "Unsupported saved object type: '" + typ + "': Bad Request"})
		return
	}
	key := r.Header.Get("securitytenant") + "/" + typ + "/" + id
	switch r.Method {
	case http.MethodGet:
		obj, ok := f.objects[key]
		if !ok {
			reply(404, map[string]any{"statusCode": 404, "error": "Not Found", "message": "Saved object [" + typ + "/" + id + "] not found"})
			return
		}
		reply(200, copyJSON(obj))
	case http.MethodPost:
		if r.Header.Get("osd-xsrf") == "" {
			reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "Request must contain a osd-xsrf header."})
			return
		}
		for k := range body {
			if k != "attributes" && k != "references" && k != "migrationVersion" && k != "initialNamespaces" && k != "workspaces" {
				reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "[request body." + k + "]: definition for this key is missing"})
				return
			}
		}
		attrs, ok := body["attributes"].(map[string]any)
		if !ok {
			reply(400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "[request body.attributes]: expected value of type [object]"})
			return
		}
		if _, ok := f.objects[key]; ok && r.URL.Query().Get("overwrite") != "true" {
			reply(409, map[string]any{"statusCode": 409, "error": "Conflict", "message": "Saved object [" + typ + "/" + id + "] conflict"})
			return
		}
		attrs = copyJSON(attrs)
		for k, v := range attrs {
			attrs[k] = reserialize(v)
		}
		if typ == "index-pattern" {
			attrs["fields"] = "[]"
		}
		refs, _ := body["references"].([]any)
		if refs == nil {
			refs = []any{}
		}
		obj := map[string]any{"id": id, "type": typ, "version": "WzEsMV0=", "updated_at": "2026-01-01T00:00:00.000Z",
			"migrationVersion": map[string]any{typ: "7.10.0"}, "attributes": attrs, "references": refs}
		f.objects[key] = copyJSON(obj)
		accept(200, obj)
	}
}

// reserialize rewrites a string holding a JSON object or array the way
// JavaScript's JSON.stringify(JSON.parse(s)) after a migration can: same
// value, different bytes (here: indented).
func reserialize(v any) any {
	s, isString := v.(string)
	if !isString {
		return v
	}
	parsed := jsonValue(s)
	if _, still := parsed.(string); still {
		return v
	}
	b, _ := json.MarshalIndent(parsed, "", " ")
	return string(b)
}

// savedObject is what the fake stores for one object of the global tenant.
func (f *fakeDomain) savedObject(typ, id string) map[string]any {
	obj, _ := f.objects["global/"+typ+"/"+id]
	return obj
}
