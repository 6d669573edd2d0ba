package domainstate

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the current code")

// exampleSpec is a stack with one field of each interesting kind.
func exampleSpec() Spec {
	return Spec{
		IndexPrefix:        "logs",
		FieldTypes:         fieldtypes.Map{"status": fieldtypes.Integer, "took_ms": fieldtypes.Double, "client": fieldtypes.IP, "path": fieldtypes.Keyword, "ua": fieldtypes.Text, "ok": fieldtypes.Boolean, "at": fieldtypes.Date, "upstream_status": fieldtypes.Long, "device_id": fieldtypes.Keyword},
		LookupFields:       []string{"device_id", "customer_id"},
		Shards:             1,
		Replicas:           1,
		RetentionDays:      30,
		WriterBackendRoles: []string{"arn:aws:iam::123456789012:role/logsearch-ingest"},
		TimeField:          "time",
	}
}

// assertGolden compares body, as indented JSON, with testdata/name.json.
func assertGolden(t *testing.T, name string, body Body) {
	t.Helper()
	got, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", name+".json"), got, *update, "go test ./lambda/domainstate -update")
}

func TestBodiesMatchGoldenFiles(t *testing.T) {
	s := exampleSpec()
	current := Body{
		"users":         []any{"master", "alice"},
		"backend_roles": []any{"arn:aws:iam::123456789012:role/ops"},
		"hosts":         []any{},
		"reserved":      false,
		"description":   "set by hand",
	}
	for name, body := range map[string]Body{
		"writer_role":                  s.WriterRoleBody(),
		"reader_role":                  s.ReaderRoleBody(),
		"index_template":               s.IndexTemplateBody(),
		"ism_policy":                   s.ISMPolicyBody(),
		"index_pattern":                s.IndexPatternBody(),
		"default_index":                s.DefaultIndexBody(),
		"tenancy_config":               TenancyConfigBody(),
		"rolesmapping_writer":          s.RoleMappings("master")[0].Desired(current),
		"rolesmapping_reader_new":      s.RoleMappings("master")[1].Desired(nil),
		"rolesmapping_all_access_kept": s.RoleMappings("master")[2].Desired(current),
		"default_route":                s.DefaultRouteBody(),
	} {
		t.Run(name, func(t *testing.T) { assertGolden(t, name, body) })
	}
}

func TestSharedMappingKeepsOthersAndAddsOurs(t *testing.T) {
	m := exampleSpec().RoleMappings("master")[2]
	got := m.Desired(Body{"users": []any{"alice"}, "backend_roles": []any{"ops", AdminBackendRole}, "hosts": []any{"10.0.0.1"}})
	want := Body{"users": []any{"alice", "master"}, "backend_roles": []any{AdminBackendRole, "ops"}, "hosts": []any{"10.0.0.1"},
		"description": managedMarker + `["logsearch_admin"]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestExactMappingDropsStaleEntries(t *testing.T) {
	m := exampleSpec().RoleMappings("master")[0]
	got := m.Desired(Body{"users": []any{"mallory"}, "backend_roles": []any{"arn:old"}})
	want := Body{"users": []any{}, "backend_roles": []any{"arn:aws:iam::123456789012:role/logsearch-ingest"}, "hosts": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestDeclaredTypesReachTheTemplate(t *testing.T) {
	for _, typ := range fieldtypes.All {
		s := exampleSpec()
		s.FieldTypes = fieldtypes.Map{"f": typ}
		props := s.IndexTemplateBody()["template"].(Body)["mappings"].(Body)["properties"].(Body)
		if got := props["f"].(Body)["type"]; got != string(typ) {
			t.Errorf("declared %s, template maps %v", typ, got)
		}
	}
}

func TestHash(t *testing.T) {
	base := exampleSpec()
	same := exampleSpec()
	same.FieldTypes = fieldtypes.Map{}
	for f, typ := range base.FieldTypes { // rebuild in another insertion order
		same.FieldTypes[f] = typ
	}
	if base.Hash() != same.Hash() {
		t.Error("equal specs hash differently")
	}
	changes := map[string]func(*Spec){
		"field type":   func(s *Spec) { s.FieldTypes["status"] = fieldtypes.Keyword },
		"new field":    func(s *Spec) { s.FieldTypes["extra"] = fieldtypes.Long },
		"retention":    func(s *Spec) { s.RetentionDays = 31 },
		"replicas":     func(s *Spec) { s.Replicas = 2 },
		"shards":       func(s *Spec) { s.Shards = 2 },
		"prefix":       func(s *Spec) { s.IndexPrefix = "app" },
		"writer roles": func(s *Spec) { s.WriterBackendRoles = []string{"arn:other"} },
	}
	for name, change := range changes {
		s := exampleSpec()
		change(&s)
		if s.Hash() == base.Hash() {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Spec)
		wantErr string
	}{
		{"valid", func(*Spec) {}, ""},
		{"upper-case prefix", func(s *Spec) { s.IndexPrefix = "Logs" }, `indexPrefix "Logs": use lower-case letters`},
		{"wildcard prefix", func(s *Spec) { s.IndexPrefix = "logs*" }, `indexPrefix "logs*"`},
		{"empty prefix", func(s *Spec) { s.IndexPrefix = "" }, `indexPrefix ""`},
		{"no shards", func(s *Spec) { s.Shards = 0 }, "shards 0: set at least 1"},
		{"negative replicas", func(s *Spec) { s.Replicas = -1 }, "replicas -1: set 0 or more"},
		{"no retention", func(s *Spec) { s.RetentionDays = 0 }, "retentionDays 0: set at least 1"},
		{"reserved field", func(s *Spec) { s.FieldTypes["@timestamp"] = fieldtypes.Date }, `fieldTypes "@timestamp": the name is reserved`},
		{"unknown type", func(s *Spec) { s.FieldTypes["x"] = "number" }, `fieldTypes "x": unknown field type "number": use one of`},
		{"empty writer", func(s *Spec) { s.WriterBackendRoles = []string{""} }, "writerBackendRoles: an entry is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := exampleSpec()
			tt.change(&s)
			err := s.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Spec{IndexPrefix: "X"}.Validate()
	for _, want := range []string{"indexPrefix", "shards", "retentionDays"} {
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestAPIPrincipalsAreMappedToAllAccessOnly(t *testing.T) {
	const engineer = "arn:aws:iam::123456789012:role/engineer"
	s := exampleSpec()
	s.AdminBackendRoles = []string{engineer}
	for _, m := range s.RoleMappings("master") {
		got := stringList(m.Desired(nil)["backend_roles"])
		has := false
		for _, r := range got {
			has = has || r == engineer
		}
		if want := m.Role == "all_access"; has != want {
			t.Errorf("mapping %s: backend roles %v; engineer mapped = %v, want %v", m.Role, got, has, want)
		}
	}
	if s.Hash() == exampleSpec().Hash() {
		t.Error("adding an API principal must change the hash, or setup would not re-run")
	}
}

// The setup function's role is an additional master user: AWS maps those
// to both all_access and security_manager
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html#fgac-more-masters).
func TestSetupRoleIsMappedLikeAMasterUser(t *testing.T) {
	const setupRole = "arn:aws:iam::123456789012:role/setup"
	s := exampleSpec()
	s.SetupBackendRoles = []string{setupRole}
	mapped := map[string]bool{}
	for _, m := range s.RoleMappings("master") {
		for _, r := range stringList(m.Desired(nil)["backend_roles"]) {
			if r == setupRole {
				mapped[m.Role] = true
			}
		}
	}
	if !mapped["all_access"] || !mapped["security_manager"] || len(mapped) != 2 {
		t.Errorf("setup role mapped to %v, want all_access and security_manager only", mapped)
	}
	if s.Hash() == exampleSpec().Hash() {
		t.Error("adding the setup role must change the hash, or setup would not re-run")
	}
}
