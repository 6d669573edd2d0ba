package domainsetup

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

var testDeployed = Deployed{
	Endpoint:       "vpc-logs-abc.eu-west-1.es.amazonaws.com",
	MasterUserName: "admin",
	Spec:           domainstate.Spec{IndexPrefix: "logs", Shards: 1, Replicas: 1, RetentionDays: 30, WriterBackendRoles: []string{"arn:aws:iam::1:role/ingest"}},
}

// The payload decides only how a run authenticates and which deployed
// state it expects; what is applied always comes from the function's own
// code package.
func TestDeployedStateDecidesWhatIsApplied(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload string
		wantErr string
	}{
		{name: "deploy time, expected state", payload: `{"masterPassword":"pw","desiredState":"` + testDeployed.Hash() + `"}`},
		{name: "schedule", payload: ScheduledInvocation},
		{name: "another deployed state expected", payload: `{"masterPassword":"pw","desiredState":"` + strings.Repeat("0", 64) + `"}`, wantErr: "the function was deployed with " + testDeployed.Hash()},
		{name: "a spec of the caller's", payload: `{"signWithRole":true,"spec":{"indexPrefix":"logs","adminBackendRoles":["arn:aws:iam::1:user/mallory"]}}`, wantErr: `the setup payload names "spec"`},
		{name: "an endpoint of the caller's", payload: `{"signWithRole":true,"endpoint":"attacker.example"}`, wantErr: `names "endpoint"`},
		{name: "not an object", payload: `"signWithRole"`, wantErr: "not a JSON object"},
		{name: "no authentication", payload: `{}`, wantErr: "masterPassword is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inv Invocation
			err := json.Unmarshal([]byte(tc.payload), &inv)
			var req Request
			if err == nil {
				req, err = testDeployed.Request(inv)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Endpoint != testDeployed.Endpoint || req.MasterUserName != "admin" || req.Spec.Hash() != testDeployed.Spec.Hash() {
				t.Errorf("request %v does not apply the deployed state", req)
			}
		})
	}
}

func TestScheduledInvocationIsConstantAndSmall(t *testing.T) {
	var inv Invocation
	if err := json.Unmarshal([]byte(ScheduledInvocation), &inv); err != nil || !inv.SignWithRole || inv.MasterPassword != "" || inv.DesiredState != "" {
		t.Fatalf("%s decodes to %+v, %v: want a signed run of whatever was deployed", ScheduledInvocation, inv, err)
	}
	// EventBridge caps a target's Input at 8192 characters:
	// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html (Input).
	if len(ScheduledInvocation) > 8192 {
		t.Errorf("scheduled input is %d characters", len(ScheduledInvocation))
	}
}

func TestLoadDeployed(t *testing.T) {
	dir := t.TempDir()
	good, err := testDeployed.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"as Pulumi packs it", string(good), ""},
		{"missing", "", "no deployed desired state"},
		{"another layout", `{"endpoint":"e","masterUserName":"admin","spec":{},"extra":1}`, `unknown field "extra"`},
		{"invalid spec", `{"endpoint":"e","masterUserName":"admin","spec":{"indexPrefix":"Logs"}}`, "indexPrefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			d, err := LoadDeployed(path)
			if tc.wantErr == "" {
				if err != nil || d.Hash() != testDeployed.Hash() {
					t.Fatalf("loaded %+v, %v", d, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
	if _, err := (Deployed{MasterUserName: "admin", Spec: testDeployed.Spec}).Marshal(); err == nil || !strings.Contains(err.Error(), "endpoint is empty") {
		t.Errorf("an invalid state was packed: %v", err)
	}
}
