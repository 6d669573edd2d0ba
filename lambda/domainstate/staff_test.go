package domainstate

import (
	"reflect"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

func TestCheckBackendRoles(t *testing.T) {
	for _, tt := range []struct {
		roles []string
		want  string // "" for accepted
	}{
		{[]string{"support", "Support Staff", "a", "CN=ops,OU=groups,DC=example,DC=com", "0b5c2f1e-9d7a-4c1b-8e55-1f2a3b4c5d6e", "arn:aws:iam::123456789012:role/x", "R&D Support (EU)", "O'Brien's team"}, ""},
		{[]string{""}, "is empty"},
		{[]string{"  "}, "is empty"},
		{[]string{"ops*"}, "wildcards"},
		{[]string{"/ops.*/"}, "wildcards"},
		{[]string{"ops?"}, "wildcards"},
		{[]string{" ops"}, "exact name"},
		{[]string{"ops "}, "exact name"},
		{[]string{"ops\n"}, "exact name"},
		{[]string{strings.Repeat("a", 257)}, "at most 256"},
		{[]string{strings.Repeat("a", 256)}, ""},
		{[]string{"ops", "ops"}, "listed twice"},
	} {
		errs := listErrors("readers", CheckBackendRoles(tt.roles))
		switch {
		case tt.want == "" && len(errs) > 0:
			t.Errorf("%q refused: %v", tt.roles, errs)
		case tt.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) || !strings.Contains(errs[0].Error(), "readers[")):
			t.Errorf("%q: errors %v, want one naming the entry and %q", tt.roles, errs, tt.want)
		}
	}
}

func TestCheckLookupFields(t *testing.T) {
	types := fieldtypes.Map{"device_id": fieldtypes.Keyword, "status": fieldtypes.Integer, "msg": fieldtypes.Text}
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{[]string{"device_id", "customer_id", "req.id"}, ""},
		{[]string{"status"}, `declared "integer"`},
		{[]string{"msg"}, `declared "text"`},
		{[]string{"@log_group"}, "belong to logsearch"},
		{[]string{"_id"}, "belong to logsearch"},
		{[]string{"device id"}, "field name"},
		{[]string{""}, "field name"},
		{[]string{"device_id", "device_id"}, "listed twice"},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, "at most 10"},
	} {
		errs := listErrors("lookupFields", CheckLookupFields(tt.fields, types))
		switch {
		case tt.want == "" && len(errs) > 0:
			t.Errorf("%q refused: %v", tt.fields, errs)
		case tt.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want)):
			t.Errorf("%q: errors %v, want one saying %q", tt.fields, errs, tt.want)
		}
	}
}

// TestSharedMappingRemovesOnlyWhatSetupAdded: a group dropped from the
// config leaves the mapping; a group an admin added by hand stays, and so
// does the admin's description.
func TestSharedMappingRemovesOnlyWhatSetupAdded(t *testing.T) {
	s := exampleSpec()
	s.StaffReaderBackendRoles = []string{"support", "night-shift"}
	reader := s.RoleMappings("master")[1]
	first := reader.Desired(Body{"backend_roles": []any{"by-hand"}, "users": []any{"alice"}, "description": "Support desk."})
	if got := stringList(first["backend_roles"]); !reflect.DeepEqual(got, []string{"by-hand", "logsearch_reader", "night-shift", "support"}) {
		t.Fatalf("first apply: backend roles %v", got)
	}

	s.StaffReaderBackendRoles = []string{"support"}
	second := s.RoleMappings("master")[1].Desired(first)
	if got := stringList(second["backend_roles"]); !reflect.DeepEqual(got, []string{"by-hand", "logsearch_reader", "support"}) {
		t.Errorf("after removing night-shift: backend roles %v", got)
	}
	if got := stringList(second["users"]); !reflect.DeepEqual(got, []string{"alice"}) {
		t.Errorf("users %v: alice must stay", got)
	}
	if d := second["description"].(string); !strings.HasPrefix(d, "Support desk. ") || !strings.HasSuffix(d, `["logsearch_reader","support"]`) {
		t.Errorf("description %q: want the admin's text and the new record", d)
	}
	if third := s.RoleMappings("master")[1].Desired(second); !reflect.DeepEqual(third, second) {
		t.Errorf("third apply %v differs from second %v: not converged", third, second)
	}
}

func TestStaffAdminsGetBothAdminRoles(t *testing.T) {
	s := exampleSpec()
	s.StaffAdminBackendRoles = []string{"platform"}
	for _, m := range s.RoleMappings("master")[2:4] { // all_access, security_manager
		if got := stringList(m.Desired(nil)["backend_roles"]); !reflect.DeepEqual(got, []string{AdminBackendRole, "platform"}) {
			t.Errorf("%s: backend roles %v", m.Role, got)
		}
	}
	if got := stringList(s.RoleMappings("master")[1].Desired(nil)["backend_roles"]); !reflect.DeepEqual(got, []string{ReaderBackendRole}) {
		t.Errorf("reader: backend roles %v, admins must not be added", got)
	}
}

func TestSpecValidateCoversStaffKeys(t *testing.T) {
	s := exampleSpec()
	s.StaffReaderBackendRoles = []string{"*"}
	s.StaffAdminBackendRoles = []string{""}
	s.LookupFields = []string{"status"}
	err := s.Validate()
	for _, want := range []string{"staffReaderBackendRoles[0]", "staffAdminBackendRoles[0]", "lookupFields[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %s", err, want)
		}
	}
}
