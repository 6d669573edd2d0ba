package domainstate

import (
	"reflect"
	"slices"
	"testing"
)

// TestStorageGuardRoleIsLeastPrivilege: the guard reads node and index
// stats and settings, deletes and unblocks <prefix>-* indices, and can do
// nothing else: no write, no read of documents, no other index, no
// cluster settings. The action names are OpenSearch's
// (NodesStatsAction "cluster:monitor/nodes/stats", ClusterStateAction
// "cluster:monitor/state", IndicesStatsAction "indices:monitor/stats",
// GetSettingsAction "indices:monitor/settings/get", DeleteIndexAction
// "indices:admin/delete", UpdateSettingsAction
// "indices:admin/settings/update"; server/src/main/java/org/opensearch/
// action/admin/...).
func TestStorageGuardRoleIsLeastPrivilege(t *testing.T) {
	s := exampleSpec()
	body := s.StorageGuardRoleBody()
	cluster := stringList(body["cluster_permissions"])
	for _, a := range []string{"cluster:monitor/nodes/stats", "cluster:monitor/state"} {
		if !allows(cluster, a) {
			t.Errorf("the guard may not %s", a)
		}
	}
	for _, a := range []string{"cluster:admin/settings/update", "indices:data/write/bulk", "cluster:admin/opendistro/ism/policy/write"} {
		if allows(cluster, a) {
			t.Errorf("the guard may %s", a)
		}
	}
	perms := body["index_permissions"].([]any)
	if len(perms) != 1 {
		t.Fatalf("index permissions %v: want one entry, on the daily indices", perms)
	}
	entry := perms[0].(Body)
	if !reflect.DeepEqual(entry["index_patterns"], []any{s.IndexPattern()}) {
		t.Errorf("index patterns %v, want only %s", entry["index_patterns"], s.IndexPattern())
	}
	actions := stringList(entry["allowed_actions"])
	for _, a := range []string{"indices:monitor/stats", "indices:monitor/settings/get", "indices:admin/delete", "indices:admin/settings/update"} {
		if !allows(actions, a) {
			t.Errorf("the guard may not %s on %s", a, s.IndexPattern())
		}
	}
	for _, a := range []string{"indices:data/read/search", "indices:data/write/index", "indices:data/write/bulk[s]", "indices:admin/create", "indices:admin/close", "indices:admin/mapping/put"} {
		if allows(actions, a) {
			t.Errorf("the guard may %s", a)
		}
	}
}

func TestStorageGuardMappingIsExact(t *testing.T) {
	s := exampleSpec()
	s.StorageGuardBackendRoles = []string{"arn:aws:iam::123456789012:role/guard"}
	i := slices.IndexFunc(s.RoleMappings("master"), func(m RoleMapping) bool { return m.Role == StorageGuardRole })
	if i < 0 {
		t.Fatal("no storage guard mapping")
	}
	m := s.RoleMappings("master")[i]
	got := m.Desired(Body{"backend_roles": []any{"arn:aws:iam::123456789012:role/intruder"}, "users": []any{"mallory"}})
	want := Body{"backend_roles": []any{"arn:aws:iam::123456789012:role/guard"}, "hosts": []any{}, "users": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mapping %v, want %v: only the guard's role", got, want)
	}
}
