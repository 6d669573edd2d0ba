package logsearch

import "testing"

const rtServiceLinkedRole = "aws:iam/serviceLinkedRole:ServiceLinkedRole"

// TestServiceLinkedRoleFirstAndSecondStack: in a fresh account the stack
// creates OpenSearch's service-linked role before the domain; where it
// exists the stack adopts it instead of failing with "already exists";
// either way destroying the stack leaves it to the account's other domains.
func TestServiceLinkedRoleFirstAndSecondStack(t *testing.T) {
	for _, stack := range stackNames(t) {
		for _, exists := range []bool{false, true} {
			name := map[bool]string{false: "fresh account", true: "role exists"}[exists]
			t.Run(stack+"/"+name, func(t *testing.T) {
				overrides := map[string]string{}
				if exists {
					overrides[mockIAMRolesKey] = openSearchServiceRoleName
				}
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
