package logsearch

import (
	"slices"
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

// TestServiceLinkedRoleFirstAndSecondStack: in a fresh account the stack
// creates OpenSearch's service-linked role before the domain; where it
// exists the stack adopts it instead of failing with "already exists";
// either way destroying the stack leaves it to the account's other domains.
func TestServiceLinkedRoleFirstAndSecondStack(t *testing.T) {
	forEachAccountState(t, func(t *testing.T, stack string, exists bool, overrides map[string]string) {
		run := mustRunStack(t, stack, overrides)
		role := run.one(t, rtServiceLinkedRole, "opensearch-service-role")
		if got := str(t, role.Inputs, "awsServiceName"); got != openSearchService {
			t.Errorf("awsServiceName = %q, want %q", got, openSearchService)
		}
		if !role.RetainOnDelete {
			t.Error("the role is not retained on delete: destroying this stack would break every other OpenSearch VPC domain in the account")
		}
		wantImport := ""
		if exists {
			wantImport = "arn:aws:iam::" + mockAccount + ":role/aws-service-role/" + openSearchService + "/" + openSearchServiceRoleName
		}
		if role.ImportID != wantImport {
			t.Errorf("import ID %q, want %q", role.ImportID, wantImport)
		}
		if d := run.one(t, rtDomain, "domain"); !d.dependsOn(rtServiceLinkedRole, "opensearch-service-role") {
			t.Error("the domain does not wait for the service-linked role")
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
		if len(roles) != 1 {
			t.Fatalf("%d service-linked roles registered, want 1: IAM refuses a second create in the account", len(roles))
		}
		if got, want := roles[0].ImportID != "", exists; got != want {
			t.Errorf("role imported = %v, want %v", got, want)
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
		if got := roleNotFound(errString(msg)); got != notFound {
			t.Errorf("roleNotFound(%q) = %v", msg, got)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
