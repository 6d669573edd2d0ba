package logsearch

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const typeLogSearch = componentTypePrefix + "LogSearch"

// stageKinds are the stage components LogSearch composes, in the order of
// the architecture diagram.
var stageKinds = []string{"StackKey", "Network", "Archive", "SearchDomain", "Ingestion", "StorageGuard", "DomainSetup", "DashboardsAccess", "Alarms"}

// checkTree asserts the tree `pulumi preview` shows for the LogSearch
// instances named: each at the stack's root, every stage under one of
// them, every cloud resource under a stage, and every child's logical
// name starting with its instance's name.
func checkTree(t *testing.T, run *stackRun, instances ...string) {
	t.Helper()
	byURN := map[string]registered{}
	for _, r := range run.Resources {
		byURN[r.URN] = r
	}
	// instanceOf is the LogSearch a resource belongs to, following parents.
	instanceOf := func(r registered) (registered, bool) {
		for r.Type != typeLogSearch {
			p, ok := byURN[r.Parent]
			if !ok {
				return registered{}, false
			}
			r = p
		}
		return r, true
	}
	var found []string
	stages := map[string][]string{}
	for _, r := range run.Resources {
		parent, hasParent := byURN[r.Parent]
		switch {
		case r.Type == typeLogSearch:
			found = append(found, r.LogicalName)
			if resource.URN(r.Parent).Type() != resource.RootStackType {
				t.Errorf("LogSearch %s: parent %q, want the stack", r.LogicalName, r.Parent)
			}
			continue
		case strings.HasPrefix(r.Type, componentTypePrefix):
			kind := strings.TrimPrefix(r.Type, componentTypePrefix)
			if !slices.Contains(stageKinds, kind) {
				t.Errorf("component %s %s is no stage of LogSearch (%v)", r.Type, r.LogicalName, stageKinds)
			}
			if !hasParent || parent.Type != typeLogSearch {
				t.Errorf("stage %s %s: parent %q, want a LogSearch", r.Type, r.LogicalName, r.Parent)
			}
			stages[parent.LogicalName] = append(stages[parent.LogicalName], kind)
		default:
			if !r.Custom {
				t.Errorf("%s %s: a component of no known kind", r.Type, r.LogicalName)
			}
			if !hasParent || !strings.HasPrefix(parent.Type, componentTypePrefix) || parent.Type == typeLogSearch {
				t.Errorf("%s %s: parent %q, want a stage component", r.Type, r.LogicalName, r.Parent)
			}
		}
		ls, ok := instanceOf(r)
		if !ok {
			t.Errorf("%s %s belongs to no LogSearch", r.Type, r.LogicalName)
		} else if !strings.HasPrefix(r.LogicalName, ls.LogicalName+"-") {
			t.Errorf("%s %s: logical name does not start with its LogSearch's name %q", r.Type, r.LogicalName, ls.LogicalName)
		}
	}
	slices.Sort(found)
	want := slices.Sorted(slices.Values(instances))
	if !slices.Equal(found, want) {
		t.Fatalf("LogSearch instances %v, want %v", found, want)
	}
	for _, name := range instances {
		got := stages[name]
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(stageKinds)); !slices.Equal(got, want) {
			t.Errorf("LogSearch %s has stages %v, want one each of %v", name, got, want)
		}
	}
}

func TestProgramIsATreeOfStages(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ string, run *stackRun) {
		checkTree(t, run, DefaultName)
	})
}

// namedBy are, per resource type, the inputs holding a physical name the
// stack chooses itself.
var namedBy = map[string]string{
	rtDomain: "domainName", rtFunction: "name", "aws:kms/alias:Alias": "name", rtLogGroup: "name",
	rtAlarm: "name", "aws:cloudwatch/dashboard:Dashboard": "dashboardName", rtLogPolicy: "policyName",
}

// Two LogSearch instances in one program: no URN and no physical name is
// shared, and the tree holds for both.
func TestTwoInstancesInOneProgramDoNotCollide(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			run := runTwoInstances(t, stack, "logs-a", "Logs-B2", nil, nil)
			checkTree(t, run, "logs-a", "Logs-B2")
			urns, names := map[string]bool{}, map[string]string{}
			for _, r := range run.Resources {
				if urns[r.URN] {
					t.Errorf("URN %s registered twice", r.URN)
				}
				urns[r.URN] = true
				input, ok := namedBy[r.Type]
				if !ok {
					continue
				}
				if v, ok := lookup(r.Inputs, input); ok {
					s, _ := v.(string)
					if s == "" {
						continue
					}
					if prev, dup := names[r.Type+" "+s]; dup {
						t.Errorf("%s %q named by both %s and %s", r.Type, s, prev, r.LogicalName)
					}
					names[r.Type+" "+s] = r.LogicalName
				}
			}
		})
	}
}

// runTwoInstances runs the stack file as a program of two LogSearch
// instances, first and second, from its config; second's config is then
// edited by edit (when not nil). The subscriptions of two instances would
// be two filters on each log group, so the second subscribes none.
func runTwoInstances(t *testing.T, stack, first, second string, overrides map[string]string, edit func(*Config)) *stackRun {
	t.Helper()
	run, err := runProgram(t, stack, stack, overrides, func(ctx *pulumi.Context) error {
		cfg, err := LoadConfig(ctx)
		if err != nil {
			return err
		}
		if _, err := New(ctx, first, cfg); err != nil {
			return err
		}
		other := *cfg
		other.LogGroups = nil
		if edit != nil {
			edit(&other)
		}
		_, err = New(ctx, second, &other)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestNewRefusesNamesAWSWouldRefuse(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"", "letters, digits and hyphens"},
		{"my_logs", "letters, digits and hyphens"},
		{"logs.", "letters, digits and hyphens"},
		{"-logs", "letters, digits and hyphens"},
		{"abcdefghijklmn", "use at most 13"},
		{"internal-logs", "starting with internal-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkInstanceName(tc.name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkInstanceName(%q) = %v, want an error saying %q", tc.name, err, tc.want)
			}
		})
	}
	for _, ok := range []string{DefaultName, "a", "Logs-B2", "abcdefghijklm"} {
		if err := checkInstanceName(ok); err != nil {
			t.Errorf("checkInstanceName(%q) = %v, want nil", ok, err)
		}
	}
}

// A component's outputs tell the engine it is fully constructed
// (https://www.pulumi.com/docs/iac/concepts/components/#registering-component-outputs):
// New refuses a stage that registered them before its last child, or never.
func TestCheckStagesFinished(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stages []*stageLife
		want   string
	}{
		{"all finished after their children", []*stageLife{{name: "a", finished: true}, {name: "b", finished: true}}, ""},
		{"outputs never registered", []*stageLife{{name: "a", finished: true}, {name: "b"}}, "stage b never registered its outputs"},
		{"children after the outputs", []*stageLife{{name: "a", finished: true, late: 2}}, "stage a got 2 children after registering its outputs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkStagesFinished(tc.stages)
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("checkStagesFinished = %v, want %q", err, tc.want)
			}
		})
	}
}

// Every stage of every stack file, with and without SAML (whose sign-in
// options are one more SearchDomain child), registers its outputs after
// its last child: New checks it, so the runs succeeding is the proof; the
// SearchDomain's late children are checked to be there.
func TestStagesRegisterOutputsAfterTheirLastChild(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			plain := mustRunStack(t, stack, nil)
			saml, _ := samlStack(t, stack, nil, nil)
			for _, run := range []*stackRun{plain, saml} {
				stage := run.one(t, componentTypePrefix+"SearchDomain", "search-domain")
				if p := run.one(t, "aws:opensearch/domainPolicy:DomainPolicy", "domain-access"); p.Parent != stage.URN {
					t.Errorf("the access policy's parent is %s, want the SearchDomain stage", p.Parent)
				}
			}
			if s := saml.one(t, samlOptionsType, "domain-saml"); s.Parent != saml.one(t, componentTypePrefix+"SearchDomain", "search-domain").URN {
				t.Errorf("the SAML options' parent is %s, want the SearchDomain stage", s.Parent)
			}
		})
	}
}

// NewAccessPolicy completes the SearchDomain stage, once.
func TestNewAccessPolicyNeedsNewSearchDomain(t *testing.T) {
	_, err := (&SearchDomain{}).NewAccessPolicy(&Ingestion{})
	if err == nil || !strings.Contains(err.Error(), "NewAccessPolicy called twice, or on a SearchDomain NewSearchDomain did not create") {
		t.Errorf("NewAccessPolicy on a SearchDomain NewSearchDomain did not create: %v", err)
	}
}
