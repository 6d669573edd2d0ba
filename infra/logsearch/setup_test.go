package logsearch

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

const (
	invocationType = "aws:lambda/invocation:Invocation"
	testPassword   = "Mock-Passw0rd!-for-tests"
	testSetupKey   = "arn:aws:kms:us-east-1:123456789012:key/stack-key"
)

const testSetupDomainArn = "arn:aws:es:us-east-1:123456789012:domain/logsearch-dev"

// setupConfig is a stack config with everything NewDomainSetup reads.
func setupConfig() *Config {
	return &Config{
		Stack:            "dev",
		Partition:        "aws",
		RetentionDays:    30,
		LogRetentionDays: 365,
		Domain:           DomainConfig{Shards: 1, Replicas: 1},
		Ingest:           IngestConfig{IndexPrefix: "cwl", Timezone: "UTC", TimeField: "time", FieldTypes: fieldtypes.Map{"status": fieldtypes.Integer}},
	}
}

// runSetup runs NewDomainSetup alone under the harness mocks, with the
// stages it builds on stubbed by plain outputs.
func runSetup(t *testing.T, cfg *Config) *stackRun {
	t.Helper()
	m := &mocks{stack: "dev", region: "us-east-1"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		network := &Network{
			PrivateSubnetIDs:     pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}).ToStringArrayOutput(),
			SetupSecurityGroupID: pulumi.String("sg-setup").ToStringOutput(),
		}
		domain := &SearchDomain{
			KmsKeyArn:      pulumi.String(testSetupKey).ToStringOutput(),
			Name:           pulumi.String("logsearch-dev").ToStringOutput(),
			Arn:            pulumi.String(testSetupDomainArn).ToStringOutput(),
			Endpoint:       pulumi.String("vpc-logsearch-dev-xxxx.us-east-1.es.amazonaws.com").ToStringOutput(),
			MasterUserName: "admin",
			MasterPassword: pulumi.ToSecret(pulumi.String(testPassword)).(pulumi.StringOutput),
		}
		ingestion := &Ingestion{RoleArn: pulumi.String("arn:aws:iam::123456789012:role/ingest").ToStringOutput()}
		_, err := NewDomainSetup(ctx, DomainSetupArgs{Config: cfg, Network: network, Domain: domain, Ingestion: ingestion})
		return err
	}, pulumi.WithMocks("logsearch", "dev", m))
	if err != nil {
		t.Fatalf("NewDomainSetup: %v", err)
	}
	return &stackRun{Resources: m.resources}
}

// deployedState is the desired state packed into the setup function's code
// (domainsetup.DeployedFile), read from the zip the program wrote, as the
// function reads it.
func deployedState(t *testing.T, run *stackRun) domainsetup.Deployed {
	t.Helper()
	fn := run.one(t, rtFunction, "setup")
	code, ok := get(t, fn.Inputs, "code").(map[string]any)
	if !ok {
		t.Fatalf("setup code %v is not an archive", get(t, fn.Inputs, "code"))
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(filepath.Join(root, filepath.FromSlash(code["archive"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zr.Close() }()
	dir := t.TempDir()
	for _, f := range zr.File {
		if f.Name != domainsetup.DeployedFile {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err := domainsetup.LoadDeployed(filepath.Join(dir, domainsetup.DeployedFile))
	if err != nil {
		t.Fatalf("the setup function's code: %v", err)
	}
	return d
}

// invocationOf decodes the deploy-time invocation's payload as the
// function does.
func invocationOf(t *testing.T, run *stackRun) domainsetup.Invocation {
	t.Helper()
	var inv domainsetup.Invocation
	if err := json.Unmarshal([]byte(str(t, run.one(t, invocationType, "domain-setup").Inputs, "input")), &inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

// deployedRequest is the run the deploy-time invocation makes of the
// deployed state; it fails the test if the function would refuse it.
func deployedRequest(t *testing.T, run *stackRun) domainsetup.Request {
	t.Helper()
	req, err := deployedState(t, run).Request(invocationOf(t, run))
	if err != nil {
		t.Fatalf("the function would refuse its deploy-time invocation: %v", err)
	}
	return req
}

// isSecret reports whether the engine receives v as a secret.
func isSecret(v resource.PropertyValue) bool {
	return v.IsSecret() || (v.IsOutput() && v.OutputValue().Secret)
}

// The deploy-time run's secret input carries the password and names the
// deployed state; the state itself (endpoint, user, spec) is in the
// function's code, where only the deployer can put it.
func TestSetupInputIsASecretNamingTheDeployedState(t *testing.T) {
	run := runSetup(t, setupConfig())
	inv := run.one(t, invocationType, "domain-setup")
	if !isSecret(inv.Inputs["input"]) {
		t.Fatal("the invocation input (with the master password) is not a secret: it would sit in the state in plain text")
	}
	payload := invocationOf(t, run)
	deployed := deployedState(t, run)
	if payload.MasterPassword != testPassword || payload.DesiredState != deployed.Hash() || payload.DesiredState != str(t, inv.Inputs, "triggers.desiredState") {
		t.Errorf("payload %+v: want the master password and the deployed state's hash %s", domainsetup.Invocation{DesiredState: payload.DesiredState}, deployed.Hash())
	}
	req := deployedRequest(t, run)
	if req.MasterUserName != "admin" || !strings.HasPrefix(req.Endpoint, "vpc-logsearch-dev") {
		t.Errorf("request %v lacks the domain's endpoint and master user", req)
	}
	if strings.Contains(fmt.Sprint(get(t, run.one(t, rtFunction, "setup").Inputs, "code")), testPassword) {
		t.Error("the password is in the function's code")
	}
	if req.Spec.IndexPrefix != "cwl" || req.Spec.RetentionDays != 30 || req.Spec.FieldTypes["status"] != fieldtypes.Integer ||
		len(req.Spec.WriterBackendRoles) != 1 || req.Spec.WriterBackendRoles[0] != "arn:aws:iam::123456789012:role/ingest" {
		t.Errorf("spec %+v does not follow the config", req.Spec)
	}
	for k, v := range inv.Inputs["triggers"].ObjectValue() {
		if strings.Contains(v.String(), testPassword) {
			t.Errorf("trigger %s contains the password", k)
		}
	}
}

// TestSetupInputCarriesStaffKeys: the lookup fields and the groups of the
// dashboards config reach the function, each in its own list.
func TestSetupInputCarriesStaffKeys(t *testing.T) {
	cfg := setupConfig()
	cfg.Ingest.LookupFields = []string{"device_id", "customer_id"}
	cfg.Dashboards.ReaderBackendRoles = []string{"support"}
	cfg.Dashboards.AdminBackendRoles = []string{"platform"}
	s := deployedRequest(t, runSetup(t, cfg)).Spec
	if !slices.Equal(s.LookupFields, cfg.Ingest.LookupFields) || !slices.Equal(s.StaffReaderBackendRoles, cfg.Dashboards.ReaderBackendRoles) ||
		!slices.Equal(s.StaffAdminBackendRoles, cfg.Dashboards.AdminBackendRoles) {
		t.Errorf("spec %+v does not carry the lookup fields and groups of the config", s)
	}
}

func TestSetupRerunsExactlyWhenTheDesiredStateChanges(t *testing.T) {
	trigger := func(cfg *Config) (string, string) {
		run := runSetup(t, cfg)
		inv := run.one(t, invocationType, "domain-setup")
		b, err := json.Marshal(deployedState(t, run))
		if err != nil {
			t.Fatal(err)
		}
		return str(t, inv.Inputs, "triggers.desiredState"), string(b)
	}
	baseHash, baseInput := trigger(setupConfig())
	if len(baseHash) != 64 {
		t.Fatalf("desiredState trigger %q is not a sha256", baseHash)
	}
	tests := []struct {
		name   string
		change func(*Config)
		rerun  bool
	}{
		{"same config", func(*Config) {}, false},
		{"field types declared in another order", func(c *Config) {
			c.Ingest.FieldTypes = fieldtypes.Map{}
			c.Ingest.FieldTypes["status"] = fieldtypes.Integer
		}, false},
		{"timezone (ingest only)", func(c *Config) { c.Ingest.Timezone = "Asia/Tokyo" }, false},
		{"alarm emails", func(c *Config) { c.AlarmEmails = []string{"ops@example.com"} }, false},
		{"field type", func(c *Config) { c.Ingest.FieldTypes["status"] = fieldtypes.Keyword }, true},
		{"new field", func(c *Config) { c.Ingest.FieldTypes["took"] = fieldtypes.Double }, true},
		{"retention", func(c *Config) { c.RetentionDays = 14 }, true},
		{"replicas", func(c *Config) { c.Domain.Replicas = 2 }, true},
		{"shards", func(c *Config) { c.Domain.Shards = 3 }, true},
		{"index prefix", func(c *Config) { c.Ingest.IndexPrefix = "app" }, true},
		{"lookup field", func(c *Config) { c.Ingest.LookupFields = []string{"device_id"} }, true},
		{"reader group", func(c *Config) { c.Dashboards.ReaderBackendRoles = []string{"support"} }, true},
		{"admin group", func(c *Config) { c.Dashboards.AdminBackendRoles = []string{"platform"} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := setupConfig()
			tt.change(cfg)
			hash, deployed := trigger(cfg)
			if (hash != baseHash) != tt.rerun {
				t.Errorf("trigger changed: %v, want %v", hash != baseHash, tt.rerun)
			}
			if (deployed != baseInput) != tt.rerun {
				t.Errorf("deployed state changed: %v, want %v", deployed != baseInput, tt.rerun)
			}
		})
	}
}

func TestSetupRerunsOnNewCode(t *testing.T) {
	inv := runSetup(t, setupConfig()).one(t, invocationType, "domain-setup")
	if _, ok := inv.Inputs["triggers"].ObjectValue()["code"]; !ok {
		t.Error("no code trigger: new setup code would not be applied until the config changes")
	}
}

func TestSetupFunction(t *testing.T) {
	run := runSetup(t, setupConfig())
	fn := run.one(t, "aws:lambda/function:Function", "setup")
	for path, want := range map[string]any{
		"runtime":                       "provided.al2023",
		"architectures[0]":              "arm64",
		"handler":                       "bootstrap",
		"vpcConfig.securityGroupIds[0]": "sg-setup",
		"vpcConfig.subnetIds[1]":        "subnet-b",
		"loggingConfig.logGroup":        "/aws/lambda/logsearch-dev-setup",
		"timeout":                       float64(setupTimeout),
		"tracingConfig.mode":            "PassThrough", // ingest.tracing off
	} {
		if got := get(t, fn.Inputs, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if env, ok := lookup(fn.Inputs, "environment"); ok {
		t.Errorf("the function has environment %v: credentials must only travel in the secret invocation input, the desired state in its code", env)
	}
	lg := run.one(t, "aws:cloudwatch/logGroup:LogGroup", "setup")
	if got := get(t, lg.Inputs, "retentionInDays"); got != float64(365) {
		t.Errorf("log retention %v", got)
	}
	if k, _ := lookup(lg.Inputs, "kmsKeyId"); k != testSetupKey {
		t.Errorf("log group key %v, want the stack key (CloudWatch.16)", k)
	}
	for name, policy := range map[string]string{
		"setup-vpc-access": "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
	} {
		att := run.one(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name)
		if got := str(t, att.Inputs, "policyArn"); got != policy {
			t.Errorf("%s attaches %s, want %s", name, got, policy)
		}
	}
	// Beyond VPC access the role may only send signed HTTP requests to
	// this domain: the scheduled runs.
	if n := len(run.ofType("aws:iam/policy:Policy")); n != 0 {
		t.Errorf("%d managed custom policies, want none", n)
	}
	inline := run.one(t, "aws:iam/rolePolicy:RolePolicy", "setup")
	stmts := policyStatementsOf(t, str(t, inline.Inputs, "policy"))
	if len(stmts) != 1 || !slices.Equal(stmts[0].actions(t), esHTTPAllMethods) || !slices.Equal(stmts[0].resources(t), []string{testSetupDomainArn + "/*"}) {
		t.Errorf("setup role policy %v: want only the HTTP methods on %s/*", stmts, testSetupDomainArn)
	}
	inv := run.one(t, invocationType, "domain-setup")
	if got := str(t, inv.Inputs, "functionName"); got != "logsearch-dev-setup" {
		t.Errorf("invokes %s", got)
	}
}

func TestSetupRejectsAReservedFieldName(t *testing.T) {
	cfg := setupConfig()
	cfg.Ingest.FieldTypes["@timestamp"] = fieldtypes.Date
	m := &mocks{stack: "dev"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewDomainSetup(ctx, DomainSetupArgs{Config: cfg, Network: &Network{}, Domain: &SearchDomain{}, Ingestion: &Ingestion{}})
		return err
	}, pulumi.WithMocks("logsearch", "dev", m))
	if err == nil || !strings.Contains(err.Error(), `fieldTypes "@timestamp": the name is reserved`) {
		t.Fatalf("error %v: want the reserved name named", err)
	}
	if len(m.resources) != 0 {
		t.Errorf("%d resources registered before the config was rejected", len(m.resources))
	}
}

// The whole program wires the setup after the domain and the ingest role.
func TestStackInvokesSetupAfterTheDomain(t *testing.T) {
	run := mustRunStack(t, "dev", nil)
	inv := run.one(t, invocationType, "domain-setup")
	if !isSecret(inv.Inputs["input"]) {
		t.Error("input not secret")
	}
	domains := run.ofType("aws:opensearch/domain:Domain")
	if len(domains) != 1 || !inv.dependsOn("aws:opensearch/domain:Domain", domains[0].Name) {
		t.Errorf("the invocation does not wait for the domain (depends on %v)", inv.Dependencies)
	}
	// Setup's requests are unsigned: the access policy must exist first.
	if !inv.dependsOn("aws:opensearch/domainPolicy:DomainPolicy", "domain-access") {
		t.Errorf("the invocation does not wait for the domain access policy (depends on %v)", inv.Dependencies)
	}
	// Nor can they get through before the security groups let them.
	if !inv.dependsOn(rtIngress, "domain-from-setup") || !inv.dependsOn(rtEgress, "setup-to-domain") {
		t.Errorf("the invocation does not wait for the rules domain-from-setup and setup-to-domain (depends on %v)", inv.Dependencies)
	}
	other := mustRunStack(t, "dev", map[string]string{"logsearch:retentionDays": "7"})
	if str(t, other.one(t, invocationType, "domain-setup").Inputs, "triggers.desiredState") == str(t, inv.Inputs, "triggers.desiredState") {
		t.Error("changing logsearch:retentionDays does not re-run setup")
	}
	same := mustRunStack(t, "dev", nil)
	if str(t, same.one(t, invocationType, "domain-setup").Inputs, "triggers.desiredState") != str(t, inv.Inputs, "triggers.desiredState") {
		t.Error("the same config re-runs setup")
	}
}

func TestSetupInvocationWaitsForWhatItIsGiven(t *testing.T) {
	m := &mocks{stack: "dev", region: "us-east-1"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		gate, err := iam.NewRole(ctx, "gate", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")})
		if err != nil {
			return err
		}
		domain := &SearchDomain{Endpoint: pulumi.String("e").ToStringOutput(), Arn: pulumi.String(testSetupDomainArn).ToStringOutput(), MasterUserName: "admin", MasterPassword: pulumi.ToSecret(pulumi.String("p")).(pulumi.StringOutput)}
		_, err = NewDomainSetup(ctx, DomainSetupArgs{Config: setupConfig(), Network: &Network{}, Domain: domain, Ingestion: &Ingestion{RoleArn: pulumi.String("arn").ToStringOutput()},
			InvocationOptions: []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{gate})}})
		return err
	}, pulumi.WithMocks("logsearch", "dev", m))
	if err != nil {
		t.Fatal(err)
	}
	run := &stackRun{Resources: m.resources}
	if inv := run.one(t, invocationType, "domain-setup"); !inv.dependsOn("aws:iam/role:Role", "gate") {
		t.Errorf("the invocation ignores its DependsOn option: %v", inv.Dependencies)
	}
}

// The ingest function and every subscription filter wait for the setup
// invocation: the writer role mapping for the ingest role exists before the
// first event is sent, so no write is refused with 403 and parked in the
// DLQ on a first deploy; and when the ingest role is replaced, the function
// switches to the new role only after the re-run invocation has mapped it.
func TestIngestionWaitsForSetup(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		inv := run.one(t, invocationType, "domain-setup")
		fn := run.one(t, rtFunction, "ingest")
		if !run.waitsFor(fn, inv.URN) {
			t.Errorf("the ingest function does not wait for the setup invocation (depends on %v)", fn.Dependencies)
		}
		filters := run.ofType(rtSubscription)
		if len(filters) == 0 {
			t.Fatal("the stack subscribes no log group; nothing to check")
		}
		for _, f := range filters {
			if !run.waitsFor(f, inv.URN) {
				t.Errorf("subscription filter %s does not wait for the setup invocation (depends on %v)", f.Name, f.Dependencies)
			}
		}
	})
}

func TestWaitsForFollowsChains(t *testing.T) {
	run := &stackRun{Resources: []registered{
		{URN: "a", Dependencies: []string{"b"}},
		{URN: "b", Dependencies: []string{"c"}},
		{URN: "c", Dependencies: []string{"a"}}, // a cycle must not loop
		{URN: "d"},
	}}
	if !run.waitsFor(run.Resources[0], "c") {
		t.Error("a -> b -> c not found")
	}
	if run.waitsFor(run.Resources[0], "d") {
		t.Error("a does not wait for d")
	}
}

// Drift healing: an hourly schedule re-applies the deployed desired state,
// signed with the function's role. Its input is constant (no credential,
// no state), so it stays under EventBridge's cap for any config; it starts
// only after the invocation has mapped that role inside the domain.
func TestSetupReappliesOnASchedule(t *testing.T) {
	run := runSetup(t, setupConfig())
	rule := run.one(t, typeEventRule, "domain-setup-schedule")
	if got := str(t, rule.Inputs, "scheduleExpression"); got != "rate(1 hour)" {
		t.Errorf("schedule %q, want hourly", got)
	}
	target := run.one(t, typeEventTarget, "domain-setup-schedule")
	fn := run.one(t, "aws:lambda/function:Function", "setup")
	if got := str(t, target.Inputs, "arn"); got != outStr(t, fn, "arn") {
		t.Errorf("the schedule invokes %s, want the setup function", got)
	}
	if got := str(t, target.Inputs, "input"); got != domainsetup.ScheduledInvocation {
		t.Errorf("the schedule's input is %s, want the constant %s", got, domainsetup.ScheduledInvocation)
	}
	if !target.dependsOn(invocationType, "domain-setup") {
		t.Error("the schedule may fire before the deploy-time run has mapped the role it signs with")
	}
	var scheduled domainsetup.Invocation
	if err := json.Unmarshal([]byte(domainsetup.ScheduledInvocation), &scheduled); err != nil {
		t.Fatal(err)
	}
	req, err := deployedState(t, run).Request(scheduled)
	if err != nil {
		t.Fatalf("the function would refuse the scheduled run: %v", err)
	}
	if !req.SignWithRole || req.MasterPassword != "" {
		t.Error("the scheduled run does not sign with the function's role")
	}
	role := outStr(t, run.one(t, "aws:iam/role:Role", "setup"), "arn")
	if !slices.Equal(req.Spec.SetupBackendRoles, []string{role}) {
		t.Errorf("setup backend roles %v, want the setup role %s: signed runs would be refused", req.Spec.SetupBackendRoles, role)
	}
	perm := run.one(t, typePermission, "domain-setup-schedule")
	if str(t, perm.Inputs, "principal") != "events.amazonaws.com" || str(t, perm.Inputs, "sourceArn") != outStr(t, rule, "arn") {
		t.Errorf("invoke permission %v: want EventBridge, this rule only", perm.Inputs)
	}
}
