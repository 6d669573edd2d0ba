package logsearch

// The mocks harness: runs the real infra.Program (StackProgram) under pulumi.WithMocks with the
// config of a Pulumi.<stack>.yaml and records every registered resource.
// Every infra test builds on runStack; extend mockOutputs/mockCall (one
// switch each) when the program starts using a new resource type or invoke.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"gopkg.in/yaml.v3"

	"github.com/logsearch/logsearch/infra/logsearch/logsearchtest"
)

const (
	// defaultMockRegion is the region of a stack file without aws:region.
	defaultMockRegion = "us-east-1"
	mockAccount       = "123456789012"
	mockZoneID        = logsearchtest.HostedZoneID
	// mockS3PrefixList is the region's S3 prefix list (pl-...).
	mockS3PrefixList = logsearchtest.S3PrefixList
)

// mockVpcCidrs are the associated IPv4 CIDRs of every existing VPC the
// mocks look up, sorted.
var mockVpcCidrs = logsearchtest.VpcCidrs

// registered is one resource as the engine received it.
type registered struct {
	// Name is the logical name without its LogSearch's prefix ("vpc" for
	// "logsearch-vpc"), so tests read like the code that names it;
	// LogicalName is the name as registered, Instance that LogSearch's name.
	Type, Name, LogicalName, Instance string
	// Parent is the parent's URN, "" for a resource at the stack's root.
	Parent string
	Inputs resource.PropertyMap
	// Outputs is what the mocks answered: the inputs plus computed
	// properties (id, arn, endpoint, ...).
	Outputs resource.PropertyMap
	ID      string
	// Options of the registration, for tests of protect / dependsOn.
	Custom         bool
	Protect        bool
	RetainOnDelete bool
	Dependencies   []string // URNs this resource waits for (inputs and DependsOn)
	// ExplicitDependencies are the URNs of Dependencies that no input
	// brings in: what DependsOn adds. The register request carries all
	// dependencies and, per input property, the ones that property brings
	// (pulumirpc.RegisterResourceRequest Dependencies and
	// PropertyDependencies, filled by prepareResourceInputs in
	// sdk/go/pulumi/context.go); a DependsOn on a resource an input already
	// uses is indistinguishable and not listed.
	ExplicitDependencies []string
	URN                  string
	ImportID             string // the pulumi.Import option's ID, "" when none
	// AliasParents are the former parents' URNs the pulumi.Aliases
	// option names.
	AliasParents []string
}

// dependsOn reports whether r waits for the resource typ/name of its own
// LogSearch (name as in registered.Name), or of the stack's root.
func (r registered) dependsOn(typ, name string) bool {
	for _, d := range r.Dependencies {
		urn := resource.URN(d)
		if string(urn.Type()) == typ && (urn.Name() == name || urn.Name() == r.Instance+"-"+name) {
			return true
		}
	}
	return false
}

// invoked is one provider function call (data source) the program made.
type invoked struct {
	Token string
	Args  resource.PropertyMap
}

// stackRun is what one run of Program registered and exported.
type stackRun struct {
	Resources []registered
	Invokes   []invoked
	Outputs   map[string]any // ctx.Export values, resolved (secrets unwrapped)
	// SecretOutputs names the exports Pulumi stores encrypted.
	SecretOutputs map[string]bool
	Config        map[string]string
}

func (r *stackRun) ofType(typ string) []registered {
	var out []registered
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

func (r *stackRun) one(t *testing.T, typ, name string) registered {
	t.Helper()
	var found []registered
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			found = append(found, res)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, res := range r.ofType(typ) {
			names = append(names, res.Name)
		}
		t.Fatalf("want exactly one %s named %q, found %d (registered of that type: %v)", typ, name, len(found), names)
	}
	return found[0]
}

// The stack files the tests read come from two places, with two roles:
//
//   - fixtures, testdata/stacks/Pulumi.<name>.yaml: the tests' own stacks.
//     Behaviour tests build on them by name (runStack(t, "dev", overrides));
//     stackNames lists them.
//   - the repository's stack files, Pulumi.<stack>.yaml next to go.mod
//     (whichever exist, none included): a user's own stacks. They are only
//     validated, never built on: config valid, every control of
//     forEachStack holds, snapshot current (repositoryStacks lists them,
//     runRepositoryStack runs one).
//
// A stack file argument (file) is a fixture's name or a stack file's path
// (ending in .yaml, as repositoryStackFile gives).

// stackDirEnv names a repository-like directory whose Pulumi.<stack>.yaml
// files replace the repository's own for a test run, and whose
// infra/logsearch/testdata holds their snapshots (see
// TestOwnStacksKeepTheSuiteGreen).
const stackDirEnv = "LOGSEARCH_TEST_STACK_DIR"

// fixtureDir and projectDir are absolute, taken while the working
// directory is still the package's: tests that change directory (to where
// Pulumi would run the program) still find them.
var (
	fixtureDir = mustAbs(filepath.Join("testdata", "stacks"))
	// officeFixtureDir holds the fixtures of the office's ways in
	// (reachability_test.go), run by name like the others.
	officeFixtureDir = mustAbs(filepath.Join("testdata", "office"))
	projectDir       = mustAbs(filepath.Join("..", ".."))
)

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

// stackDir is where the repository's stack files are: the project
// directory, or the one stackDirEnv names.
func stackDir() string {
	if d := os.Getenv(stackDirEnv); d != "" {
		return mustAbs(d)
	}
	return projectDir
}

// snapshotDir is where the repository stacks' golden snapshots are:
// infra/logsearch/testdata of stackDir.
func snapshotDir() string {
	if os.Getenv(stackDirEnv) == "" {
		return mustAbs("testdata")
	}
	return filepath.Join(stackDir(), "infra", "logsearch", "testdata")
}

// stackFilePath is the path of file: a fixture's name or a stack file's
// path.
func stackFilePath(file string) string {
	if strings.HasSuffix(file, ".yaml") {
		return file
	}
	for _, dir := range []string{fixtureDir, officeFixtureDir} {
		path := filepath.Join(dir, "Pulumi."+file+".yaml")
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	return filepath.Join(fixtureDir, "Pulumi."+file+".yaml")
}

// repositoryStackFile is the path of the repository's Pulumi.<stack>.yaml.
func repositoryStackFile(stack string) string {
	return filepath.Join(stackDir(), "Pulumi."+stack+".yaml")
}

// stackConfig reads a stack file (a fixture's name or a path) into the
// flat key -> raw value form the Pulumi CLI hands a program (objects and
// lists JSON-encoded) and the keys holding secrets. A `secure:` value
// (anywhere in an object) is replaced by a fixed test plaintext and its
// top-level key marked secret, which is what the CLI does after
// decrypting.
func stackConfig(t *testing.T, file string) (map[string]string, map[string]bool) {
	t.Helper()
	if dir := os.Getenv(stackDirEnv); dir != "" && !strings.HasSuffix(file, ".yaml") {
		// Fixtures do not change with the stack files: the run without
		// stackDirEnv tests them.
		t.Skipf("builds on fixture %s; with %s set, only the stack files of %s are validated", file, stackDirEnv, dir)
	}
	path := stackFilePath(file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading stack file: %v", err)
	}
	var f struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	cfg, secret := map[string]string{}, map[string]bool{}
	for k, v := range f.Config {
		raw, isSecret := configValue(t, v)
		cfg[k] = raw
		if isSecret {
			secret[k] = true
		}
	}
	return cfg, secret
}

// configValue renders one config value as the CLI passes it to programs.
func configValue(t *testing.T, v any) (string, bool) {
	t.Helper()
	v, isSecret := unwrapSecure(v)
	switch x := v.(type) {
	case string:
		return x, isSecret
	case nil:
		return "", isSecret
	case bool, int, int64, float64:
		return fmt.Sprint(x), isSecret
	default:
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatalf("config value %v: %v", v, err)
		}
		return string(b), isSecret
	}
}

// unwrapSecure replaces every {secure: <ciphertext>} by "test-secret:<ciphertext>".
func unwrapSecure(v any) (any, bool) {
	return replaceSecure(v, func(c any) (any, bool) {
		s, ok := c.(string)
		return "test-secret:" + s, ok
	})
}

// runStack runs Program under mocks with the config of the fixture
// testdata/stacks/Pulumi.<stack>.yaml, then overrides ("logsearch:key" -> raw value as `pulumi config set` stores
// it: objects and lists as JSON; "" unsets; {"secure": "x"} anywhere inside
// makes the key a secret with plaintext "test-secret:x"). It returns what
// was registered and Program's error.
func runStack(t *testing.T, stack string, overrides map[string]string) (*stackRun, error) {
	t.Helper()
	return runStackNamed(t, stack, stack, overrides)
}

// runStackNamed is runStack with the config of file (a fixture's name or
// a stack file's path) deployed as the stack named stack (for stack names
// no fixture has).
func runStackNamed(t *testing.T, file, stack string, overrides map[string]string) (*stackRun, error) {
	t.Helper()
	if StackProgram == nil {
		t.Fatal("StackProgram is not set: program_test.go (package logsearch_test) sets it to infra.Program")
	}
	return runProgram(t, file, stack, overrides, StackProgram)
}

// StackProgram is infra.Program, the logsearch project's program, which the
// tests run: program_test.go, in the external test package that may import
// package infra, sets it (package logsearch itself cannot import infra,
// which imports it).
var StackProgram pulumi.RunFunc

// runProgram is runStackNamed with program in place of Program (a user's
// own program built on New).
func runProgram(t *testing.T, file, stack string, overrides map[string]string, program pulumi.RunFunc) (*stackRun, error) {
	t.Helper()
	cfg, secret := stackConfig(t, file)
	for k, raw := range overrides {
		if !strings.Contains(k, ":") {
			t.Fatalf("override key %q: write it with its namespace, e.g. logsearch:%s", k, k)
		}
		delete(secret, k)
		var parsed any
		if json.Unmarshal([]byte(raw), &parsed) == nil {
			if _, isObj := parsed.(map[string]any); isObj {
				var s bool
				raw, s = configValue(t, parsed)
				if s {
					secret[k] = true
				}
			}
		}
		cfg[k] = raw
	}
	var secretKeys []string
	for k := range secret {
		secretKeys = append(secretKeys, k)
	}
	sort.Strings(secretKeys)

	m := &mocks{stack: stack, region: regionOf(cfg)}
	// mockIAMRolesKey lists IAM roles that already exist in the mock
	// account (comma-separated names); by default there are none.
	if roles := cfg[mockIAMRolesKey]; roles != "" {
		m.iamRoles = strings.Split(roles, ",")
	}
	if groups := cfg[mockMissingLogGroupsKey]; groups != "" {
		m.missingLogGroups = strings.Split(groups, ",")
	}
	if zones := cfg[mockMissingHostedZonesKey]; zones != "" {
		m.missingHostedZones = strings.Split(zones, ",")
	}
	run := &stackRun{Outputs: map[string]any{}, SecretOutputs: map[string]bool{}, Config: cfg}
	var outMu sync.Mutex
	// Outputs built without ctx (pulumi.String(...).ToStringOutput()) are
	// not awaited by RunErr, so each export is awaited here.
	var exportsDone sync.WaitGroup
	// The engine hands a program its whole config in this variable too (Go
	// SDK pulumi/run.go, getEnvInfo); LoadConfig lists the keys from it.
	engineConfig, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(pulumi.EnvConfig, string(engineConfig))
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		err := program(ctx)
		if err != nil {
			return err // exports of a failed run may never resolve
		}
		for name, v := range ctx.GetCurrentExportMap() {
			out, ok := v.(pulumi.Output)
			if !ok {
				outMu.Lock()
				run.Outputs[name] = v
				outMu.Unlock()
				continue
			}
			exportsDone.Add(2)
			go func() {
				secret := pulumi.IsSecret(out)
				outMu.Lock()
				run.SecretOutputs[name] = secret
				outMu.Unlock()
				exportsDone.Done()
			}()
			out.ApplyT(func(x any) any {
				outMu.Lock()
				run.Outputs[name] = x
				outMu.Unlock()
				exportsDone.Done()
				return x
			})
		}
		return nil
	}, pulumi.WithMocks("logsearch", stack, m), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = secretKeys
	})
	if err == nil {
		exportsDone.Wait()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	run.Resources = append(run.Resources, m.resources...)
	run.Invokes = append(run.Invokes, m.invokes...)
	sort.Slice(run.Resources, func(i, j int) bool {
		a, b := run.Resources[i], run.Resources[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name < b.Name
	})
	return run, err
}

// mustRunStack is runStack for tests that expect the stack to deploy.
func mustRunStack(t *testing.T, stack string, overrides map[string]string) *stackRun {
	t.Helper()
	run, err := runStack(t, stack, overrides)
	if err != nil {
		t.Fatalf("stack %s: Program failed: %v", stack, err)
	}
	return run
}

// mockIAMRolesKey is a runStack override naming the IAM roles that
// already exist in the mock account.
const mockIAMRolesKey = "mock:iamRoles"

// mockMissingLogGroupsKey is a runStack override naming log groups that do
// not exist in the mock account; every other group does.
const mockMissingLogGroupsKey = "mock:missingLogGroups"

// mockMissingHostedZonesKey is a runStack override naming Route53 hosted
// zones that do not exist in the mock account; every other zone does.
const mockMissingHostedZonesKey = "mock:missingHostedZones"

// mockPrivateZoneID is the mock account's private hosted zone, for lookups
// by zone ID.
const mockPrivateZoneID = logsearchtest.PrivateZoneID

// mocks records what the program registered, as registered (instance,
// URN, parent, options), and answers through logsearchtest.Mocks, the
// mocks a library user's own tests use too.
type mocks struct {
	project string // "" is logsearch
	// instances maps each registered URN to its LogSearch's name (parents
	// register before their children).
	instances map[string]string
	stack     string
	region    string
	iamRoles  []string
	// missingLogGroups do not exist; every other log group does.
	missingLogGroups []string
	// missingHostedZones do not exist; every other zone does.
	missingHostedZones []string
	mu                 sync.Mutex
	resources          []registered
	invokes            []invoked
	answers            *logsearchtest.Mocks
}

// aws is the logsearchtest.Mocks that answers for the mock account and
// m's region and IAM roles.
func (m *mocks) aws() *logsearchtest.Mocks {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.answers == nil {
		m.answers = logsearchtest.New(mockAccount, m.region)
		m.answers.IAMRoles = m.iamRoles
		m.answers.MissingLogGroups = m.missingLogGroups
		m.answers.MissingHostedZones = m.missingHostedZones
	}
	return m.answers
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	reg := registered{Type: args.TypeToken, Name: args.Name, LogicalName: args.Name, Inputs: args.Inputs, Custom: args.Custom}
	if rpc := args.RegisterRPC; rpc != nil {
		reg.Parent = rpc.GetParent()
		reg.Instance = m.instanceOf(reg.Parent)
		switch {
		case args.TypeToken == componentTypePrefix+"LogSearch":
			reg.Instance = args.Name
		case reg.Instance == "" && strings.HasPrefix(args.TypeToken, componentTypePrefix):
			reg.Instance = DefaultName // a stage built on its own (newStage)
		}
		if reg.Instance != "" {
			reg.Name = strings.TrimPrefix(args.Name, reg.Instance+"-")
		}
		reg.Protect = rpc.GetProtect()
		reg.RetainOnDelete = rpc.GetRetainOnDelete()
		reg.Dependencies = rpc.GetDependencies()
		reg.ExplicitDependencies = explicitDependencies(rpc)
		reg.ImportID = rpc.GetImportId()
		for _, a := range rpc.GetAliases() {
			if p := a.GetSpec().GetParentUrn(); p != "" {
				reg.AliasParents = append(reg.AliasParents, p)
			}
		}
		parentType := tokens.Type("")
		if p := resource.URN(rpc.GetParent()); p != "" && p.QualifiedType() != resource.RootStackType {
			parentType = p.QualifiedType()
		}
		project := m.project
		if project == "" {
			project = "logsearch"
		}
		reg.URN = string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(project), parentType, tokens.Type(args.TypeToken), args.Name))
	}
	id, outs, err := m.aws().NewResource(args)
	if err != nil {
		return "", nil, err
	}
	reg.ID, reg.Outputs = id, outs
	m.mu.Lock()
	m.resources = append(m.resources, reg)
	if m.instances == nil {
		m.instances = map[string]string{}
	}
	m.instances[reg.URN] = reg.Instance
	m.mu.Unlock()
	return id, outs, nil
}

// instanceOf is the LogSearch name of the resource with URN parent.
func (m *mocks) instanceOf(parent string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.instances[parent]
}

// explicitDependencies are rpc's dependencies that no input property brings.
func explicitDependencies(rpc *pulumirpc.RegisterResourceRequest) []string {
	viaInputs := map[string]bool{}
	for _, deps := range rpc.GetPropertyDependencies() {
		for _, urn := range deps.GetUrns() {
			viaInputs[urn] = true
		}
	}
	var explicit []string
	for _, urn := range rpc.GetDependencies() {
		if !viaInputs[urn] {
			explicit = append(explicit, urn)
		}
	}
	return explicit
}

// waitsFor reports whether r waits, directly or through a chain of
// dependencies, for the resource with URN target.
func (r *stackRun) waitsFor(from registered, target string) bool {
	byURN := map[string]registered{}
	for _, res := range r.Resources {
		byURN[res.URN] = res
	}
	seen := map[string]bool{}
	queue := slices.Clone(from.Dependencies)
	for len(queue) > 0 {
		urn := queue[0]
		queue = queue[1:]
		if urn == target {
			return true
		}
		if seen[urn] {
			continue
		}
		seen[urn] = true
		queue = append(queue, byURN[urn].Dependencies...)
	}
	return false
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, invoked{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	return m.aws().Call(args)
}

// plainValue converts a property value to plain Go (secrets unwrapped,
// archives as {"archive": path}, resource references as their URN).
func plainValue(v resource.PropertyValue) any {
	return convertValue(v, false)
}

// snapshotValue is plainValue with secrets masked and file paths made
// relative to the module root, so snapshots are stable and leak nothing.
func snapshotValue(v resource.PropertyValue) any {
	return convertValue(v, true)
}

func convertValue(v resource.PropertyValue, snapshot bool) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, convertValue(e, snapshot))
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = convertValue(e, snapshot)
		}
		return out
	case v.IsSecret():
		if snapshot {
			return "[secret]"
		}
		return convertValue(v.SecretValue().Element, snapshot)
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret && snapshot {
			return "[secret]"
		}
		if !o.Known {
			return "[unknown]"
		}
		return convertValue(o.Element, snapshot)
	case v.IsComputed():
		return "[unknown]"
	case v.IsArchive():
		a := v.ArchiveValue()
		return map[string]any{"archive": relToModule(a.Path + a.URI)}
	case v.IsAsset():
		a := v.AssetValue()
		if a.Text != "" {
			return map[string]any{"asset": a.Text}
		}
		return map[string]any{"asset": relToModule(a.Path + a.URI)}
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return fmt.Sprintf("[unsupported %T]", v.V)
}

func relToModule(p string) string {
	if abs, err := filepath.Abs(p); err == nil && p != "" {
		p = abs
	}
	if root, err := moduleRoot(); err == nil && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(root, p); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(p)
}

var pathStep = regexp.MustCompile(`^([^\[\]]+)?((?:\[\d+\])*)$`)

// get walks a property path such as "encryptAtRest.enabled" or
// "ingress[0].cidrBlocks" and returns the plain Go value (secrets
// unwrapped). A missing step fails the test.
func get(t *testing.T, v resource.PropertyMap, path string) any {
	t.Helper()
	got, ok := lookup(v, path)
	if !ok {
		t.Fatalf("property %q is not set (have keys %v)", path, v.StableKeys())
	}
	return got
}

// lookup is get without failing: ok is false when a step is missing.
func lookup(v resource.PropertyMap, path string) (any, bool) {
	cur := plainValue(resource.NewObjectProperty(v))
	for _, step := range strings.Split(path, ".") {
		m := pathStep.FindStringSubmatch(step)
		if m == nil {
			return nil, false
		}
		if m[1] != "" {
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = obj[m[1]]; !ok {
				return nil, false
			}
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			arr, ok := cur.([]any)
			i, _ := strconv.Atoi(idx)
			if !ok || i >= len(arr) {
				return nil, false
			}
			cur = arr[i]
		}
	}
	return cur, true
}

// str is get for a string property.
func str(t *testing.T, v resource.PropertyMap, path string) string {
	t.Helper()
	s, ok := get(t, v, path).(string)
	if !ok {
		t.Fatalf("property %q is %T, not a string", path, get(t, v, path))
	}
	return s
}

func TestHarnessRunsEveryStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ string, run *stackRun) {
		if len(run.Resources) == 0 {
			t.Fatal("no resources registered")
		}
		for _, key := range []string{"domainEndpoint", "domainArn", "ingestFunctionName", "dlqUrl"} {
			if s, _ := run.Outputs[key].(string); s == "" {
				t.Errorf("output %s is empty (outputs: %v)", key, run.Outputs)
			}
		}
	})
}

// stackNames lists the fixtures, testdata/stacks/Pulumi.<name>.yaml, that
// behaviour tests run over.
func stackNames(t *testing.T) []string {
	t.Helper()
	stacks := stacksIn(t, fixtureDir)
	if len(stacks) == 0 {
		t.Fatalf("no fixture Pulumi.<name>.yaml in %s", fixtureDir)
	}
	return stacks
}

// repositoryStacks lists the repository's stack files (Pulumi.<stack>.yaml
// in stackDir) by stack name; there may be none.
func repositoryStacks(t *testing.T) []string {
	t.Helper()
	return stacksIn(t, stackDir())
}

func stacksIn(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var stacks []string
	for _, f := range files {
		stacks = append(stacks, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	return stacks
}

// runRepositoryStack runs Program with the repository's Pulumi.<stack>.yaml
// as it is, deployed as that stack.
func runRepositoryStack(t *testing.T, stack string) (*stackRun, error) {
	t.Helper()
	return runStackNamed(t, repositoryStackFile(stack), stack, nil)
}

// forEachStack is the controls suite's loop: it runs Program once for
// every fixture (subtest <name>) and every repository stack file (subtest
// Pulumi.<stack>.yaml), each as it is, and hands the stack's name and the
// run to check. check must judge the run against its own config
// (run.Config), never against a particular file's values.
func forEachStack(t *testing.T, check func(t *testing.T, stack string, run *stackRun)) {
	t.Helper()
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			check(t, stack, mustRunStack(t, stack, nil))
		})
	}
	for _, stack := range repositoryStacks(t) {
		t.Run("Pulumi."+stack+".yaml", func(t *testing.T) {
			run, err := runRepositoryStack(t, stack)
			if err != nil {
				t.Fatalf("%s: Program failed: %v", repositoryStackFile(stack), err)
			}
			check(t, stack, run)
		})
	}
}

// TestHarnessKeepsSecretsSecret: a {"secure": ...} config value reaches the
// program as a secret and never shows in a snapshot in plain text.
func TestHarnessKeepsSecretsSecret(t *testing.T) {
	run := mustRunStack(t, "dev", devOidcOverrides(t, devNatNetwork))
	if !strings.Contains(fmt.Sprint(run.Config["logsearch:dashboards"]), "test-secret:v1:abc") {
		t.Fatal("the secure value did not reach the program as its test plaintext")
	}
	snap := snapshot(t, run)
	if strings.Contains(string(snap), "test-secret:v1:abc") {
		t.Error("the OIDC client secret shows in plain text in the snapshot")
	}
	found := false
	for _, r := range run.Resources {
		for path, v := range flatten("", plainValue(resource.NewObjectProperty(r.Inputs))) {
			if v == "test-secret:v1:abc" {
				found = true
				if !strings.Contains(string(snapshotOf(r)), "[secret]") {
					t.Errorf("%s %s %s carries the client secret unmasked", r.Type, r.Name, path)
				}
			}
		}
	}
	if !found {
		t.Error("no resource received the OIDC client secret")
	}
}

// devNatNetwork is the dev stack's network with the NAT gateway that OIDC
// sign-in needs in a new VPC.
const devNatNetwork = `{"vpcCidr": "10.40.0.0/16", "azCount": 2, "natGateway": true, "officeVpn": {"routerIp": "198.51.100.7"}}`

// devOidcOverrides turns on OIDC sign-in in the dev stack, with the client
// secret stored as `pulumi config set --secret` does (plaintext
// "test-secret:v1:abc"), and sets logsearch:network to network.
func devOidcOverrides(t *testing.T, network string) map[string]string {
	t.Helper()
	cfg, _ := stackConfig(t, "dev")
	var dash map[string]any
	if err := json.Unmarshal([]byte(cfg["logsearch:dashboards"]), &dash); err != nil {
		t.Fatal(err)
	}
	dash["oidc"] = map[string]any{
		"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/auth",
		"tokenEndpoint": "https://idp.example.com/token", "userInfoEndpoint": "https://idp.example.com/userinfo",
		"clientId": "logsearch", "clientSecret": map[string]any{"secure": "v1:abc"},
	}
	raw, err := json.Marshal(dash)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"logsearch:dashboards": string(raw), "logsearch:network": network}
}

func snapshotOf(r registered) []byte {
	b, _ := json.Marshal(snapshotValue(resource.NewObjectProperty(r.Inputs)))
	return b
}

// flatten lists every leaf of a plain value by its property path.
func flatten(prefix string, v any) map[string]any {
	out := map[string]any{}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			for p, leaf := range flatten(strings.TrimPrefix(prefix+"."+k, "."), e) {
				out[p] = leaf
			}
		}
	case []any:
		for i, e := range x {
			for p, leaf := range flatten(fmt.Sprintf("%s[%d]", prefix, i), e) {
				out[p] = leaf
			}
		}
	default:
		out[prefix] = v
	}
	return out
}

// mockZone is one zone of the mock region.
type mockZone struct{ name, id, optIn string }

// mockZones is the mock region as DescribeAvailabilityZones lists it
// (logsearchtest.Mocks.Zones).
func (m *mocks) mockZones() []mockZone {
	var out []mockZone
	for _, z := range logsearchtest.New(mockAccount, m.region).Zones() {
		out = append(out, mockZone{z.Name, z.ID, z.OptInStatus})
	}
	return out
}

// regionOf is the region a stack config deploys to under the mocks.
func regionOf(cfg map[string]string) string {
	if r := cfg["aws:region"]; r != "" {
		return r
	}
	return defaultMockRegion
}

// testCertificateArn is an ACM certificate of the stack file's own region
// and the mock account, as dashboards.certificateArn must be.
func testCertificateArn(t *testing.T, file, id string) string {
	t.Helper()
	cfg, _ := stackConfig(t, file)
	return "arn:aws:acm:" + regionOf(cfg) + ":" + mockAccount + ":certificate/" + id
}
