package logsearch

import (
	"slices"
	"sync/atomic"
	"testing"
)

const rtServiceLinkedRole = "aws:iam/serviceLinkedRole:ServiceLinkedRole"

// forEachAccountState runs check for every stack file in a fresh account
// (the mock lookup answers that the role is absent) and where the role
// exists, with the runStack overrides that say which.
func forEachAccountState(t *testing.T, check func(t *testing.T, stack string, exists bool, overrides map[string]string)) {
	for _, stack := range stackNames(t) {
		for _, exists := range []bool{false, true} {
			name := map[bool]string{false: "fresh account", true: "role exists"}[exists]
			t.Run(stack+"/"+name, func(t *testing.T) {
				overrides := map[string]string{}
				if exists {
					overrides[mockIAMRolesKey] = openSearchServiceRoleName
				}
				check(t, stack, exists, overrides)
			})
		}
	}
}

// serviceRoleWaits counts the propagation waits of every program run in
// this test binary; the real wait (minutes) would only slow the tests.
var serviceRoleWaits atomic.Int64

func init() { waitForServiceRole = func() { serviceRoleWaits.Add(1) } }

// TestServiceLinkedRoleFirstAndSecondStack deploys every stack file into
// two mocked accounts. In a fresh one the stack creates OpenSearch's
// service-linked role, retained on destroy, and the domain waits for it and
// for IAM to propagate it (pulumi/pulumi-aws#2349). In one whose role
// already exists with a description and tags (as AWS's samples create it),
// the stack uses the role as it is: it declares and imports nothing (an
// import with other inputs is refused) and the domain does not wait.
func TestServiceLinkedRoleFirstAndSecondStack(t *testing.T) {
	forEachAccountState(t, func(t *testing.T, stack string, exists bool, overrides map[string]string) {
		before := serviceRoleWaits.Load()
		run := mustRunStack(t, stack, overrides)
		waits := serviceRoleWaits.Load() - before
		roles := run.ofType(rtServiceLinkedRole)
		d := run.one(t, rtDomain, "domain")
		if exists {
			if len(roles) != 0 {
				t.Errorf("%d service-linked roles declared for an account that has one: adopt it as it is", len(roles))
			}
			if waits != 0 {
				t.Errorf("%d propagation waits for a role that already existed", waits)
			}
			return
		}
		role := run.one(t, rtServiceLinkedRole, "opensearch-service-role")
		if got := str(t, role.Inputs, "awsServiceName"); got != openSearchService {
			t.Errorf("awsServiceName = %q, want %q", got, openSearchService)
		}
		if !role.RetainOnDelete {
			t.Error("the role is not retained on delete: destroying this stack would break every other OpenSearch VPC domain in the account")
		}
		if role.ImportID != "" {
			t.Errorf("import ID %q for a role the stack creates", role.ImportID)
		}
		if !d.dependsOn(rtServiceLinkedRole, "opensearch-service-role") {
			t.Error("the domain does not wait for the service-linked role")
		}
		if waits != 1 {
			t.Errorf("%d propagation waits after creating the role, want 1", waits)
		}
	})
}

// TestServiceLinkedRoleOncePerProgram: IAM allows the role once per
// account (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html),
// so two LogSearch instances in one program and account declare it once,
// created or adopted, and both domains wait for that one.
func TestServiceLinkedRoleOncePerProgram(t *testing.T) {
	forEachAccountState(t, func(t *testing.T, stack string, exists bool, overrides map[string]string) {
		run := runTwoInstances(t, stack, "logs-a", "logs-b", overrides, nil)
		roles := run.ofType(rtServiceLinkedRole)
		if exists {
			if len(roles) != 0 {
				t.Errorf("%d service-linked roles declared for an account that has one", len(roles))
			}
			return
		}
		if len(roles) != 1 {
			t.Fatalf("%d service-linked roles registered, want 1: IAM refuses a second create in the account", len(roles))
		}
		domains := run.ofType(rtDomain)
		if len(domains) != 2 {
			t.Fatalf("%d domains, want 2", len(domains))
		}
		for _, d := range domains {
			if !slices.Contains(d.Dependencies, roles[0].URN) {
				t.Errorf("domain %s does not wait for the service-linked role %s", d.LogicalName, roles[0].URN)
			}
		}
	})
}

// An instance deploying to another account (its own provider) needs the
// role there too.
func TestServiceLinkedRolePerAccount(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			run := runTwoInstances(t, stack, "logs-a", "logs-b", nil, func(c *Config) { c.AccountID = "210987654321" })
			if n := len(run.ofType(rtServiceLinkedRole)); n != 2 {
				t.Errorf("%d service-linked roles for two accounts, want 2", n)
			}
		})
	}
}

func TestServiceRoleLookupErrors(t *testing.T) {
	for msg, notFound := range map[string]bool{
		"reading IAM Role (AWSServiceRoleForAmazonOpenSearchService): couldn't find resource": true,
		"operation error IAM: GetRole, NoSuchEntity: The role with name X cannot be found":    true,
		"operation error IAM: GetRole, AccessDenied: not authorized to perform iam:GetRole":   false,
	} {
		if got := lookupNotFound(errString(msg)); got != notFound {
			t.Errorf("lookupNotFound(%q) = %v", msg, got)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
