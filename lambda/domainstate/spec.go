// Package domainstate is the desired state of the inside of a logsearch
// domain: the Spec the stack config implies, and the exact request bodies
// (roles, index template, ISM policy, Dashboards index pattern, audit
// configuration) it yields.
// It performs no I/O, so every body is checked against golden files.
package domainstate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// Spec is everything the stack config decides about the inside of the
// domain. The Pulumi program builds it, hashes it to decide when setup must
// re-run, and sends it to the setup function.
type Spec struct {
	// IndexPrefix names the daily indices: <prefix>-YYYY.MM.DD.
	IndexPrefix string `json:"indexPrefix"`
	// FieldTypes types log fields; the ingest function coerces by the same map.
	FieldTypes fieldtypes.Map `json:"fieldTypes"`
	// TimeField is the log field the event time is read from (the stack's
	// ingest.timeField). The ingest function always writes it as a date,
	// so the template maps it as one; empty maps nothing.
	TimeField string `json:"timeField,omitempty"`
	Shards    int    `json:"shards"`
	Replicas  int    `json:"replicas"`
	// RetentionDays is how long after creation a daily index is deleted.
	RetentionDays int `json:"retentionDays"`
	// WriterBackendRoles are mapped to the writer role: the ingest
	// function's IAM role ARN and those of logsearch:domain.writerPrincipals
	// (backfill operators), which FGAC presents as backend roles.
	WriterBackendRoles []string `json:"writerBackendRoles"`
	// AdminBackendRoles are IAM ARNs (logsearch:domain.apiPrincipals) that
	// sign their requests, such as engineers running backfill or redo: FGAC
	// presents them as backend roles, mapped here to all_access.
	AdminBackendRoles []string `json:"adminBackendRoles,omitempty"`
	// SetupBackendRoles are the setup function's own IAM role ARN: mapped
	// to all_access and security_manager (what AWS requires of an
	// additional master user) so its scheduled runs, signed with that role
	// instead of the master password, may manage roles and role mappings.
	SetupBackendRoles []string `json:"setupBackendRoles,omitempty"`
	// StorageGuardBackendRoles are the storage guard function's IAM role
	// ARN, mapped to the storage guard role; empty with the guard off.
	StorageGuardBackendRoles []string `json:"storageGuardBackendRoles,omitempty"`
	// StaffReaderBackendRoles and StaffAdminBackendRoles are backend roles
	// (identity-provider groups, or backend roles given to internal users)
	// mapped to the reader role and to the admin roles, beside the fixed
	// logsearch_reader and logsearch_admin.
	StaffReaderBackendRoles []string `json:"staffReaderBackendRoles,omitempty"`
	StaffAdminBackendRoles  []string `json:"staffAdminBackendRoles,omitempty"`
	// LookupFields are keyword fields the landing dashboard offers as
	// ready filters (device_id, customer_id).
	LookupFields []string `json:"lookupFields,omitempty"`
}

// Fixed names. They are part of the user-facing contract (docs/security.md#who-may-do-what-inside-the-domain), so they
// do not depend on the prefix.
const (
	WriterRole = "logsearch_writer"
	ReaderRole = "logsearch_reader"
	// StorageGuardRole may only read disk space and delete or unblock the
	// daily indices (StorageGuardRoleBody).
	StorageGuardRole = "logsearch_storage_guard"
	// ReaderBackendRole is given to an internal user to make them support
	// staff: the reader role mapping matches it.
	ReaderBackendRole = "logsearch_reader"
	// AdminBackendRole is given to an internal user to make them an engineer
	// with full access: all_access and security_manager match it.
	AdminBackendRole = "logsearch_admin"
)

// Mapping limits that keep arbitrary LTSV labels from exploding the mapping.
const (
	// IgnoreAbove: longer undeclared strings are kept in _source but not
	// indexed, so one huge value cannot bloat the terms dictionary.
	IgnoreAbove = 1024
	// TotalFieldsLimit is OpenSearch's default, stated explicitly so the
	// manual (docs/ingestion.md#the-index-template) and the template agree.
	TotalFieldsLimit = 1000
)

// Slow-log thresholds, per shard. OpenSearch logs nothing until an index
// has thresholds (the default is -1, off), so without them the stack's
// SEARCH_SLOW_LOGS and INDEX_SLOW_LOGS groups would stay empty. They are
// set high enough that a healthy domain writes almost nothing: an entry
// means a search or a bulk write that support staff or the ingest function
// actually waited on.
const (
	// SlowQueryWarn/SlowQueryInfo: the query phase of a search.
	SlowQueryWarn = "10s"
	SlowQueryInfo = "5s"
	// SlowFetchWarn/SlowFetchInfo: loading the hits' documents, which is
	// normally milliseconds; seconds mean huge documents or a starved node.
	SlowFetchWarn = "2s"
	SlowFetchInfo = "1s"
	// SlowIndexWarn/SlowIndexInfo: indexing one document on a shard.
	SlowIndexWarn = "10s"
	SlowIndexInfo = "5s"
)

// indexPrefixPattern is OpenSearch's index naming rule narrowed to what a
// daily-index prefix needs: lower case, no wildcard or path characters.
var indexPrefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,199}$`)

// Validate reports every problem at once, each with its fix.
func (s Spec) Validate() error {
	var errs []error
	if !indexPrefixPattern.MatchString(s.IndexPrefix) {
		errs = append(errs, fmt.Errorf("indexPrefix %q: use lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", s.IndexPrefix))
	}
	if s.Shards < 1 {
		errs = append(errs, fmt.Errorf("shards %d: set at least 1", s.Shards))
	}
	if s.Replicas < 0 {
		errs = append(errs, fmt.Errorf("replicas %d: set 0 or more (1 with zone awareness)", s.Replicas))
	}
	if s.RetentionDays < 1 {
		errs = append(errs, fmt.Errorf("retentionDays %d: set at least 1", s.RetentionDays))
	}
	for _, f := range docfields.All {
		if _, ok := s.FieldTypes[f]; ok {
			errs = append(errs, fmt.Errorf("fieldTypes %q: the name is reserved for a field logsearch adds; remove the entry", f))
		}
	}
	for f, t := range s.FieldTypes {
		if _, err := fieldtypes.Parse(string(t)); err != nil {
			errs = append(errs, fmt.Errorf("fieldTypes %q: %w", f, err))
		}
	}
	if err := document.CheckTimeField(s.TimeField, s.FieldTypes); err != nil {
		errs = append(errs, fmt.Errorf("timeField: %w", err))
	}
	for _, r := range s.WriterBackendRoles {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, errors.New("writerBackendRoles: an entry is empty; pass the ingest function's IAM role ARN"))
		}
	}
	for _, r := range s.AdminBackendRoles {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, errors.New("adminBackendRoles: an entry is empty; remove it or give an IAM role or user ARN"))
		}
	}
	errs = append(errs, listErrors("staffReaderBackendRoles", CheckBackendRoles(s.StaffReaderBackendRoles))...)
	errs = append(errs, listErrors("staffAdminBackendRoles", CheckBackendRoles(s.StaffAdminBackendRoles))...)
	errs = append(errs, listErrors("lookupFields", CheckLookupFields(s.LookupFields, s.FieldTypes))...)
	return errors.Join(errs...)
}

// Hash identifies the desired state: equal specs hash equally, whatever the
// order the field types were declared in (encoding/json sorts map keys).
func (s Spec) Hash() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Spec is strings and ints only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// IndexPattern is the wildcard that matches every daily index.
func (s Spec) IndexPattern() string { return s.IndexPrefix + "-*" }

// TemplateName is the index template's name.
func (s Spec) TemplateName() string { return s.IndexPrefix }

// PolicyID is the ISM retention policy's id.
func (s Spec) PolicyID() string { return s.IndexPrefix + "-retention" }

// IndexPatternID is the Dashboards index-pattern saved object's id; a fixed
// id (rather than a generated one) is what makes the setup idempotent.
func (s Spec) IndexPatternID() string { return s.IndexPrefix }
