package domainstate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// awsAuditConfig is the "config" object of GET _plugins/_security/api/audit
// on a domain where nobody has touched audit logging yet: disabled, with
// the plugin's settings around it that setup must keep. The categories are
// in the plugin's own order, not ours.
func awsAuditConfig() Body {
	var b Body
	if err := json.Unmarshal([]byte(`{
	  "enabled": false,
	  "audit": {
	    "enable_rest": true,
	    "disabled_rest_categories": ["GRANTED_PRIVILEGES", "AUTHENTICATED"],
	    "enable_transport": false,
	    "disabled_transport_categories": ["GRANTED_PRIVILEGES", "AUTHENTICATED"],
	    "resolve_bulk_requests": false,
	    "log_request_body": true,
	    "resolve_indices": true,
	    "exclude_sensitive_headers": true,
	    "ignore_users": ["kibanaserver"],
	    "ignore_requests": []
	  },
	  "compliance": {
	    "enabled": true,
	    "internal_config": true,
	    "external_config": false,
	    "read_metadata_only": true,
	    "read_watched_fields": {},
	    "read_ignore_users": ["kibanaserver"],
	    "write_metadata_only": true,
	    "write_log_diffs": false,
	    "write_watched_indices": [],
	    "write_ignore_users": ["kibanaserver"]
	  }
	}`), &b); err != nil {
		panic(err)
	}
	return b
}

func TestAuditConfigBodyMatchesGoldenFile(t *testing.T) {
	assertGolden(t, "audit_config", AuditConfigBody(awsAuditConfig()))
}

func TestAuditConfigBodyTurnsAuditingOnAndKeepsTheRest(t *testing.T) {
	current := awsAuditConfig()
	got := AuditConfigBody(current)
	audit := got["audit"].(Body)
	if got["enabled"] != true || audit["enable_rest"] != true || audit["enable_transport"] != true {
		t.Errorf("audit logging not switched on for both layers: %v", got)
	}
	for _, k := range []string{"ignore_users", "log_request_body", "resolve_bulk_requests", "exclude_sensitive_headers"} {
		if !reflect.DeepEqual(audit[k], current["audit"].(map[string]any)[k]) {
			t.Errorf("audit.%s changed from %v to %v", k, current["audit"].(map[string]any)[k], audit[k])
		}
	}
	if !reflect.DeepEqual(got["compliance"], current["compliance"]) {
		t.Errorf("compliance changed: %v", got["compliance"])
	}
	if current["enabled"] != false || current["audit"].(map[string]any)["enable_transport"] != false {
		t.Error("AuditConfigBody modified its argument")
	}
}

func TestAuditConfigBodyIsAFixedPoint(t *testing.T) {
	once := AuditConfigBody(awsAuditConfig())
	twice := AuditConfigBody(once)
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("applying the body again changes it:\n%v\n%v", once, twice)
	}
}

func TestAuditCategoriesCompareAsSets(t *testing.T) {
	tests := []struct {
		name    string
		current any
		want    any
	}{
		{"plugin order kept", []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"}, []any{"GRANTED_PRIVILEGES", "AUTHENTICATED"}},
		{"our order kept", []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
		{"extra category removed", []any{"AUTHENTICATED", "GRANTED_PRIVILEGES", "FAILED_LOGIN"}, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
		{"missing category added", []any{"GRANTED_PRIVILEGES"}, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
		{"duplicate is not the set", []any{"AUTHENTICATED", "AUTHENTICATED"}, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
		{"absent", nil, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
		{"not strings", []any{1.0, 2.0}, []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AuditConfigBody(Body{"audit": map[string]any{"disabled_rest_categories": tt.current}})
			if v := got["audit"].(Body)["disabled_rest_categories"]; !reflect.DeepEqual(v, tt.want) {
				t.Errorf("got %v, want %v", v, tt.want)
			}
		})
	}
}

func TestAuditConfigBodyWithoutCurrentConfig(t *testing.T) {
	got := AuditConfigBody(nil)
	want := Body{"enabled": true, "audit": Body{
		"enable_rest": true, "enable_transport": true,
		"disabled_rest_categories":      []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"},
		"disabled_transport_categories": []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, ok := AuditConfigBody(Body{"_readonly": []any{"/audit/x"}, "config_version": 2.0})["_readonly"]; ok {
		t.Error("keys the PUT API rejects are sent back")
	}
}

// staticActionGroups are the security plugin's built-in action groups the
// writer role uses (src/main/resources/static_config/static_action_groups.yml).
var staticActionGroups = map[string][]string{
	"create_index": {"indices:admin/create", "indices:admin/mapping/put"},
	"index":        {"indices:data/write/index*", "indices:data/write/update*", "indices:admin/mapping/put", "indices:data/write/bulk*"},
	"read":         {"indices:data/read*", "indices:admin/mappings/fields/get*", "indices:admin/resolve/index"},
	// The storage guard role's.
	"cluster_monitor": {"cluster:monitor/*"},
	"indices_monitor": {"indices:monitor/*"},
	"cluster_composite_ops": {"indices:data/write/bulk", "indices:admin/aliases*", "indices:data/write/reindex",
		"indices:data/read/mget", "indices:data/read/msearch", "indices:data/read/mtv", "indices:admin/aliases/exists*",
		"indices:admin/aliases/get*", "indices:data/read/scroll", "indices:admin/resolve/index"},
}

// allows reports whether the action groups and action patterns in granted
// allow action, expanding the static groups one level as the plugin does.
func allows(granted []string, action string) bool {
	if alias, ok := evaluatedAs[action]; ok {
		action = alias
	}
	for _, a := range granted {
		patterns := []string{a}
		if g, ok := staticActionGroups[a]; ok {
			patterns = g
		}
		for _, p := range patterns {
			if p == action || (strings.HasSuffix(p, "*") && strings.HasPrefix(action, strings.TrimSuffix(p, "*"))) {
				return true
			}
		}
	}
	return false
}

// The built-in kibana_user has cluster_composite_ops (security plugin,
// src/main/resources/static_config/static_roles.yml at 2.19): Dashboards'
// saved-object import goes through _bulk. The reader role matches it, and
// its index permissions still refuse every write to the log indices.
func TestReaderRoleMatchesKibanaUser(t *testing.T) {
	body := exampleSpec().ReaderRoleBody()
	cluster := stringList(body["cluster_permissions"])
	if !reflect.DeepEqual(cluster, []string{"cluster_composite_ops"}) {
		t.Errorf("cluster permissions %v, want kibana_user's [cluster_composite_ops]", cluster)
	}
	if !allows(cluster, "indices:data/write/bulk") {
		t.Error("the reader cannot send _bulk, which Dashboards' saved-object import uses")
	}
	logs := stringList(body["index_permissions"].([]any)[0].(Body)["allowed_actions"])
	for _, a := range []string{"indices:data/write/index", "indices:data/write/bulk[s]", "indices:data/write/delete", "indices:admin/create", "indices:admin/mapping/put"} {
		if allows(logs, a) {
			t.Errorf("the reader may %s on the log indices", a)
		}
	}
	if !allows(logs, "indices:data/read/search") {
		t.Error("the reader cannot search the log indices")
	}
}

// evaluatedAs is how PrivilegesEvaluator.evaluate renames the actions a bulk
// request triggers internally before it checks them against a role.
var evaluatedAs = map[string]string{
	"indices:admin/auto_create":      "indices:admin/create",
	"indices:admin/mapping/auto_put": "indices:admin/mapping/put",
}

func TestWriterRoleCoversIngestActions(t *testing.T) {
	body := exampleSpec().WriterRoleBody()
	var patterns []string
	for _, a := range stringList(body["index_permissions"].([]any)[0].(Body)["allowed_actions"]) {
		if g, ok := staticActionGroups[a]; ok {
			patterns = append(patterns, g...)
		} else {
			patterns = append(patterns, a)
		}
	}
	allowed := func(action string) bool { return allows(patterns, action) }
	for _, a := range []string{
		"indices:data/write/bulk[s]",     // the per-shard part of _bulk
		"indices:data/write/index",       // each document
		"indices:admin/auto_create",      // the day's first document
		"indices:admin/mapping/auto_put", // a new LTSV label or JSON key
	} {
		if !allowed(a) {
			t.Errorf("the writer role does not allow %s, which ingestion needs", a)
		}
	}
	for _, a := range []string{"indices:data/read/search", "indices:data/write/delete", "indices:admin/delete", "indices:admin/settings/update"} {
		if allowed(a) {
			t.Errorf("the writer role allows %s", a)
		}
	}
	if !reflect.DeepEqual(body["cluster_permissions"], []any{"indices:data/write/bulk"}) {
		t.Errorf("cluster permissions %v: want only indices:data/write/bulk", body["cluster_permissions"])
	}
}

func TestTemplateSetsSlowLogThresholds(t *testing.T) {
	index := exampleSpec().IndexTemplateBody()["template"].(Body)["settings"].(Body)["index"].(Body)
	for path, want := range map[string]string{
		"search.slowlog.threshold.query.warn":   SlowQueryWarn,
		"search.slowlog.threshold.query.info":   SlowQueryInfo,
		"search.slowlog.threshold.fetch.warn":   SlowFetchWarn,
		"search.slowlog.threshold.fetch.info":   SlowFetchInfo,
		"indexing.slowlog.threshold.index.warn": SlowIndexWarn,
		"indexing.slowlog.threshold.index.info": SlowIndexInfo,
	} {
		var v any = index
		for _, k := range strings.Split(path, ".") {
			v = v.(Body)[k]
		}
		if v != want {
			t.Errorf("index.%s = %v, want %s", path, v, want)
		}
	}
}
