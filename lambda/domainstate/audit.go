package domainstate

import "sort"

// Audit logging is off in a new domain even when it publishes AUDIT_LOGS:
// the security plugin writes audit events only once its audit config says
// so. Setup owns the fields below and keeps every other field (ignored
// users and requests, request bodies, compliance settings) as the service
// or an engineer set it.

// AuditDisabledCategories are left out on both layers: every valid request
// is AUTHENTICATED and GRANTED_PRIVILEGES, so logging them would write one
// event per bulk request and per search, drowning the events that matter
// (failed logins, missing privileges, security and index changes). It is
// also the plugin's and AWS's recommended default.
var AuditDisabledCategories = []string{"AUTHENTICATED", "GRANTED_PRIVILEGES"}

// auditCategoryLists are the audit fields that hold AuditDisabledCategories.
var auditCategoryLists = []string{"disabled_rest_categories", "disabled_transport_categories"}

// AuditConfigBody is the body to PUT to _plugins/_security/api/audit/config
// given current, the "config" object of GET _plugins/_security/api/audit
// (nil when the domain has none). It turns audit logging on for the REST
// and transport layers and changes nothing else, so a second run finds it
// equal to current. The master user is deliberately not ignored: engineers
// sign in as it, and their admin actions are what an audit must show.
func AuditConfigBody(current Body) Body {
	out := Body{"enabled": true}
	// The API accepts only these top-level keys; anything else the domain
	// returns is not ours to send back.
	for _, k := range []string{"audit", "compliance"} {
		if m, ok := current[k].(map[string]any); ok {
			out[k] = shallowCopy(m)
		}
	}
	audit, _ := out["audit"].(Body)
	if audit == nil {
		audit = Body{}
		out["audit"] = audit
	}
	audit["enable_rest"] = true
	audit["enable_transport"] = true
	for _, k := range auditCategoryLists {
		audit[k] = keepIfSameSet(audit[k], AuditDisabledCategories)
	}
	return out
}

// keepIfSameSet returns current when it holds exactly the strings of want in
// any order (the plugin returns categories in its own order), else want
// sorted: an order-only difference must not count as a change.
func keepIfSameSet(current any, want []string) any {
	arr, _ := current.([]any)
	got := stringList(current)
	if len(arr) == len(got) && sameSet(got, want) {
		return current
	}
	sorted := append([]string{}, want...)
	sort.Strings(sorted)
	return toAny(sorted)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
		if seen[s] < 0 {
			return false
		}
	}
	return true
}

func shallowCopy(m map[string]any) Body {
	out := make(Body, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
