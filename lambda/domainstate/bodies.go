package domainstate

import (
	"fmt"
	"slices"
	"sort"

	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// Body is a JSON request body, built from plain maps and slices so it can be
// compared with what the domain returns after both pass through JSON.
type Body = map[string]any

// managedNote ends every description so whoever edits one by hand in the
// Security UI learns that the next setup run reverts it.
const managedNote = "Managed by logsearch setup (pulumi up): edits here are overwritten."

// dashboardsIndices are OpenSearch Dashboards' own saved-object indices
// (the names of the built-in kibana_user role).
var dashboardsIndices = []string{
	".kibana", ".kibana-6", ".kibana_*",
	".opensearch_dashboards", ".opensearch_dashboards-6", ".opensearch_dashboards_*",
}

// WriterRoleBody lets the ingest function create daily indices and
// bulk-index into them: no read, no delete, nothing outside <prefix>-*.
//
// The bulk requests auto-create the day's index (indices:admin/auto_create)
// and add a field to its mapping whenever a new LTSV label or JSON key shows
// up (indices:admin/mapping/auto_put). Neither needs its own grant: the
// security plugin's PrivilegesEvaluator checks them as indices:admin/create
// and indices:admin/mapping/put, which the create_index and index action
// groups contain (TestWriterRoleCoversIngestActions holds the expansion).
func (s Spec) WriterRoleBody() Body {
	return Body{
		"description":         "Ingest function: creates " + s.IndexPattern() + " indices and indexes log documents into them. " + managedNote,
		"cluster_permissions": []any{"indices:data/write/bulk"},
		"index_permissions": []any{
			Body{"index_patterns": []any{s.IndexPattern()}, "allowed_actions": []any{"create_index", "index"}},
		},
	}
}

// StorageGuardRoleBody lets the storage guard read the nodes' disk space
// and the daily indices' shards and settings, delete daily indices and
// lift their write block: nothing else, and nothing outside <prefix>-*.
// cluster_monitor (cluster:monitor/*) covers GET _nodes/stats/fs and the
// cluster state _cat/shards reads; indices_monitor (indices:monitor/*)
// covers the shard stores and GET <index>/_settings
// (indices:monitor/settings/get). The action groups are the security
// plugin's (src/main/resources/static_config/static_action_groups.yml).
func (s Spec) StorageGuardRoleBody() Body {
	return Body{
		"description":         "Storage guard: reads disk space, deletes the oldest " + s.IndexPattern() + " daily indices and lifts their write block when a data node nears the write block. " + managedNote,
		"cluster_permissions": []any{"cluster_monitor"},
		"index_permissions": []any{
			Body{"index_patterns": []any{s.IndexPattern()}, "allowed_actions": []any{"indices_monitor", "indices:admin/delete", "indices:admin/settings/update"}},
		},
	}
}

// ReaderRoleBody lets support staff search <prefix>-* in Dashboards. The
// cluster and Dashboards-index permissions are those of the built-in
// kibana_user role (security plugin, src/main/resources/static_config/
// static_roles.yml); they concern saved objects (searches, visualizations)
// in the user's private tenant only, since the global tenant is read-only
// to readers.
//
// cluster_composite_ops (not _ro) because Dashboards sends saved-object
// imports and bulk edits through _bulk, whose cluster-level
// indices:data/write/bulk only the former grants. It does not let a reader
// write logs: every item of a _bulk is checked again against the index
// permissions, and those allow only read on <prefix>-*
// (TestReaderRoleMatchesKibanaUser).
func (s Spec) ReaderRoleBody() Body {
	return Body{
		"description":         "Support staff: read and search " + s.IndexPattern() + " in Dashboards; no write, delete, index or security admin. " + managedNote,
		"cluster_permissions": []any{"cluster_composite_ops"},
		"index_permissions": []any{
			Body{"index_patterns": []any{s.IndexPattern()}, "allowed_actions": []any{"read"}},
			Body{"index_patterns": toAny(dashboardsIndices), "allowed_actions": []any{"read", "delete", "manage", "index"}},
		},
		"tenant_permissions": []any{
			Body{"tenant_patterns": []any{"global_tenant"}, "allowed_actions": []any{"kibana_all_read"}},
		},
	}
}

// RoleMapping is who gets a role. Exact mappings belong to logsearch alone;
// the others are shared with people using the Security UI, so setup only
// makes sure its entries are present and keeps everyone else's.
type RoleMapping struct {
	Role         string
	BackendRoles []string
	Users        []string
	Exact        bool
}

// RoleMappings lists the mappings setup manages. masterUser keeps the master
// user in the admin mappings it shares with the service.
func (s Spec) RoleMappings(masterUser string) []RoleMapping {
	admins := []string{}
	if masterUser != "" {
		admins = []string{masterUser}
	}
	return []RoleMapping{
		{Role: WriterRole, BackendRoles: s.WriterBackendRoles, Users: []string{}, Exact: true},
		{Role: ReaderRole, BackendRoles: append([]string{ReaderBackendRole}, s.StaffReaderBackendRoles...)},
		{Role: "all_access", BackendRoles: slices.Concat([]string{AdminBackendRole}, s.AdminBackendRoles, s.SetupBackendRoles, s.StaffAdminBackendRoles), Users: admins},
		{Role: "security_manager", BackendRoles: slices.Concat([]string{AdminBackendRole}, s.SetupBackendRoles, s.StaffAdminBackendRoles), Users: admins},
		{Role: StorageGuardRole, BackendRoles: s.StorageGuardBackendRoles, Users: []string{}, Exact: true},
	}
}

// Desired is the mapping to PUT given the current one (nil when absent). A
// shared mapping keeps every current entry (hosts, users, backend roles,
// description) and adds the missing ones. It records in its description
// which backend roles setup put there, and drops those of them the config
// no longer lists: a backend role added by hand is never recorded, so never
// removed.
func (m RoleMapping) Desired(current Body) Body {
	if m.Exact {
		return Body{
			"backend_roles": toAny(union(nil, m.BackendRoles)),
			"hosts":         []any{},
			"users":         toAny(union(nil, m.Users)),
		}
	}
	if current == nil {
		current = Body{}
	}
	out := Body{}
	for _, k := range []string{"backend_roles", "and_backend_roles", "hosts", "users", "description"} {
		if v, ok := current[k]; ok {
			out[k] = v
		}
	}
	desc, _ := current["description"].(string)
	dropped := without(managedBackendRoles(desc), m.BackendRoles)
	out["backend_roles"] = toAny(union(without(stringList(current["backend_roles"]), dropped), m.BackendRoles))
	out["description"] = withManagedBackendRoles(desc, union(nil, m.BackendRoles))
	out["users"] = toAny(union(stringList(current["users"]), m.Users))
	if _, ok := out["hosts"]; !ok {
		out["hosts"] = []any{}
	}
	return out
}

// IndexTemplateBody is the composable template every daily index is created
// from. A field type change therefore applies from the next daily index.
func (s Spec) IndexTemplateBody() Body {
	props := Body{
		docfields.Timestamp: Body{"type": "date"},
		docfields.ID:        Body{"type": "keyword"},
		docfields.LogGroup:  Body{"type": "keyword"},
		docfields.LogStream: Body{"type": "keyword"},
		docfields.Owner:     Body{"type": "keyword"},
		docfields.Message:   Body{"type": "text"},
		// Values kept verbatim because they failed coercion: always keywords
		// (the dynamic template below), whatever they look like.
		docfields.Invalid: Body{"type": "object", "dynamic": true},
		// Fields an index could not map (no room for more, or a clash even
		// under @invalid), kept in the document but never parsed, so they
		// add no field and refuse nothing
		// (https://docs.opensearch.org/latest/field-types/mapping-parameters/enabled/).
		docfields.Unmapped:     Body{"type": "object", "enabled": false},
		docfields.PlainMessage: Body{"type": "text"},
	}
	for f, t := range s.FieldTypes {
		props[f] = fieldMapping(t)
	}
	if s.TimeField != "" {
		// Stored under its safe name (@timestamp as _@timestamp), always in
		// the one form @timestamp has, which the default date format reads.
		props[document.StoredName(s.TimeField)] = Body{"type": "date"}
	}
	return Body{
		"index_patterns": []any{s.IndexPattern()},
		"priority":       100,
		"_meta":          Body{"managed_by": "logsearch setup; edits are overwritten by its next run (every pulumi up, and hourly)"},
		"template": Body{
			// Settings in the nested, all-string form OpenSearch returns them
			// in, so the current template compares equal to the desired one.
			"settings": Body{"index": Body{
				"number_of_shards":   fmt.Sprint(s.Shards),
				"number_of_replicas": fmt.Sprint(s.Replicas),
				"mapping":            Body{"total_fields": Body{"limit": fmt.Sprint(TotalFieldsLimit)}},
				"search": Body{"slowlog": Body{"threshold": Body{
					"query": Body{"warn": SlowQueryWarn, "info": SlowQueryInfo},
					"fetch": Body{"warn": SlowFetchWarn, "info": SlowFetchInfo},
				}}},
				"indexing": Body{"slowlog": Body{"threshold": Body{
					"index": Body{"warn": SlowIndexWarn, "info": SlowIndexInfo},
				}}},
			}},
			"mappings": Body{
				// OpenSearch's date detection would map the first date-like
				// string of a field as date for the whole day, and refuse
				// every later value in another form (mapper_parsing_exception,
				// so the event went to the DLQ). Off, every undeclared string
				// is a keyword, as docs/ingestion.md#the-index-template promises; numeric detection is
				// off by default and stated so it stays off
				// (https://docs.opensearch.org/latest/field-types/dynamic/).
				"date_detection":    false,
				"numeric_detection": false,
				"dynamic_templates": []any{
					// Only strings: without match_mapping_type the rule
					// also matches the object a dotted name under @invalid
					// needs ("user.id" makes the object @invalid.user), and
					// OpenSearch then fails the document casting a keyword
					// mapper to an object mapper (DocumentParser
					// .getDynamicParentMapper). Every value under @invalid is
					// a string (document.Builder), so nothing else is lost.
					Body{"invalid_values_as_keyword": Body{
						"path_match":         docfields.Invalid + ".*",
						"match_mapping_type": "string",
						"mapping":            Body{"type": "keyword", "ignore_above": IgnoreAbove},
					}},
					Body{"strings_as_keyword": Body{
						"match_mapping_type": "string",
						"mapping":            Body{"type": "keyword", "ignore_above": IgnoreAbove},
					}},
				},
				"properties": props,
			},
		},
	}
}

// fieldMapping is the mapping of a declared field. Keywords get the same
// ignore_above as undeclared strings so declaring one changes only its type.
func fieldMapping(t fieldtypes.Type) Body {
	if t == fieldtypes.Keyword {
		return Body{"type": string(t), "ignore_above": IgnoreAbove}
	}
	return Body{"type": string(t)}
}

// ISMRetry is the retry block ISM adds to every action that lacks one. It is
// written out so the stored policy compares equal to the desired one.
var ISMRetry = Body{"count": 3, "backoff": "exponential", "delay": "1m"}

// ISMPolicyBody deletes each daily index RetentionDays after its creation
// and, through ism_template, attaches itself to every new <prefix>-* index.
func (s Spec) ISMPolicyBody() Body {
	return Body{"policy": Body{
		"description":   fmt.Sprintf("Deletes %s indices %d days after creation. %s", s.IndexPattern(), s.RetentionDays, managedNote),
		"default_state": "hot",
		"states": []any{
			Body{
				"name":    "hot",
				"actions": []any{},
				"transitions": []any{Body{
					"state_name": "delete",
					"conditions": Body{"min_index_age": fmt.Sprintf("%dd", s.RetentionDays)},
				}},
			},
			Body{
				"name":        "delete",
				"actions":     []any{Body{"retry": ISMRetry, "delete": Body{}}},
				"transitions": []any{},
			},
		},
		"ism_template": []any{Body{"index_patterns": []any{s.IndexPattern()}, "priority": 100}},
	}}
}

// IndexPatternBody is the Dashboards index pattern support staff search.
func (s Spec) IndexPatternBody() Body { return s.IndexPatternObject().Body() }

// DefaultIndexBody makes the index pattern the one Discover opens with.
func (s Spec) DefaultIndexBody() Body {
	return Body{"changes": Body{"defaultIndex": s.IndexPatternID()}}
}

// union is a followed by the entries of b it lacks, sorted so the result
// does not depend on the order the domain returned a in.
func union(a, b []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// stringList reads a JSON array of strings, ignoring anything else.
func stringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
