package domainstate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// FieldNamePattern is a log field name usable as a plain JSON key, in index
// templates and in Dashboards field lists.
var FieldNamePattern = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_@.-]{0,99}$`)

// backendRolePattern accepts identity-provider group names and IDs (Okta
// names with spaces, Entra ID object IDs, LDAP DNs, ARNs) and refuses what
// the security plugin would read as a pattern rather than a name: * and ?
// are wildcards and /.../ a regular expression in role mappings
// (opensearch-project/security, WildcardMatcher as used by
// securityconf/ConfigModelV7.java), which would grant the role to every
// matching group.
var backendRolePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _.@:/=+,&()'-]{0,254}[A-Za-z0-9_.@:/=+,&()'-]$|^[A-Za-z0-9]$`)

// ListProblem is one refused entry of a config list, with its fix. Index
// is -1 when the list as a whole is refused.
type ListProblem struct {
	Index   int
	Value   string
	Problem string
}

// listErrors names each problem by key[index] and the value.
func listErrors(key string, ps []ListProblem) []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		if p.Index < 0 {
			errs[i] = fmt.Errorf("%s: %s", key, p.Problem)
		} else {
			errs[i] = fmt.Errorf("%s[%d] %q: %s", key, p.Index, p.Value, p.Problem)
		}
	}
	return errs
}

// CheckBackendRoles reports each empty, malformed or repeated backend role.
func CheckBackendRoles(roles []string) []ListProblem {
	var ps []ListProblem
	seen := map[string]bool{}
	for i, r := range roles {
		switch {
		case strings.TrimSpace(r) == "":
			ps = append(ps, ListProblem{i, r, "is empty: remove it or give a group name"})
		case !backendRolePattern.MatchString(r):
			ps = append(ps, ListProblem{i, r, "use the group's exact name (letters, digits, spaces and _ . @ : / = + , & ( ) ' -, starting with a letter or digit, no surrounding spaces, at most 256 characters); wildcards * ? and /regex/ are refused because they would map every matching group"})
		case seen[r]:
			ps = append(ps, ListProblem{i, r, "is listed twice: remove the repeat"})
		}
		seen[r] = true
	}
	return ps
}

// CheckLookupFields reports each lookup field that cannot be a ready filter:
// a malformed name, a field logsearch or OpenSearch owns, a declared type
// other than keyword (a terms drop-down of a text or number field is
// useless), a repeat, or too many.
func CheckLookupFields(fields []string, types fieldtypes.Map) []ListProblem {
	var ps []ListProblem
	if len(fields) > MaxLookupFields {
		ps = append(ps, ListProblem{-1, "", fmt.Sprintf("lists %d fields: keep at most %d, each is a drop-down that queries the domain when the dashboard opens", len(fields), MaxLookupFields)})
	}
	seen := map[string]bool{}
	for i, f := range fields {
		t, declared := types[f]
		switch {
		case !FieldNamePattern.MatchString(f):
			ps = append(ps, ListProblem{i, f, "must be a field name of letters, digits, _ @ . - (e.g. device_id)"})
		case f[0] == '@' || f[0] == '_':
			ps = append(ps, ListProblem{i, f, "names starting with @ or _ belong to logsearch or OpenSearch; name one of the log's own fields"})
		case declared && t != fieldtypes.Keyword:
			ps = append(ps, ListProblem{i, f, fmt.Sprintf("is declared %q in fieldTypes; a lookup field must be a keyword: declare it keyword or leave it undeclared (undeclared strings are mapped as keywords)", t)})
		case seen[f]:
			ps = append(ps, ListProblem{i, f, "is listed twice: remove the repeat"})
		}
		seen[f] = true
	}
	return ps
}

// managedMarker starts the part of a shared role mapping's description
// where setup records the backend roles it added, so that a group removed
// from the config is removed from the mapping while entries added by hand
// in the Security UI stay.
const managedMarker = "logsearch setup manages backend roles: "

// managedBackendRoles reads the backend roles a previous apply recorded.
func managedBackendRoles(description string) []string {
	i := strings.LastIndex(description, managedMarker)
	if i < 0 {
		return nil
	}
	var roles []string
	if json.Unmarshal([]byte(description[i+len(managedMarker):]), &roles) != nil {
		return nil
	}
	return roles
}

// withManagedBackendRoles is description with its record replaced by roles.
func withManagedBackendRoles(description string, roles []string) string {
	if i := strings.LastIndex(description, managedMarker); i >= 0 {
		description = description[:i]
	}
	b, _ := json.Marshal(roles) // strings only
	return strings.TrimSpace(strings.TrimSpace(description) + " " + managedMarker + string(b))
}

// without is a minus b.
func without(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
