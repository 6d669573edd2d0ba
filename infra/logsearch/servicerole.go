package logsearch

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// openSearchService owns the service-linked role a VPC domain needs to
	// place its network interfaces in the stack's subnets.
	openSearchService = "opensearchservice.amazonaws.com"
	// openSearchServiceRoleName is the role IAM creates for it, one per
	// account (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/slr.html).
	openSearchServiceRoleName = "AWSServiceRoleForAmazonOpenSearchService"
)

// NewOpenSearchServiceRole makes sure the account has OpenSearch Service's
// service-linked role before the domain is created: without it, creating
// a VPC domain through the API fails in a fresh account.
//
// The role belongs to the account, not to a stack: every stack declares it,
// and none ever deletes it.
//   - Absent (first stack in the account): the stack creates it.
//   - Present (created by another stack, the console or by hand): the stack
//     adopts it (import), so a second stack does not fail with "already
//     exists" and the first stack keeps declaring what it created.
//   - RetainOnDelete: `pulumi destroy` of any stack forgets the role but
//     leaves it in IAM, where other stacks' domains still need it.
//
// The stack that created the role finds it on its next run and passes the
// same import ID (the role ARN, which is also the resource's ID in
// terraform-provider-aws' aws_iam_service_linked_role): the engine then
// treats it like any other resource, neither re-importing nor replacing it
// (pulumi/pulumi developer-docs/architecture/import.md, "import resource
// option", case 2).
//
// One program may hold several LogSearch instances in one account: the
// first creates or adopts the role, the others get that same resource, so
// a fresh account does not see two creates of a role IAM allows once.
func NewOpenSearchServiceRole(ctx *pulumi.Context, cfg *Config) (*iam.ServiceLinkedRole, error) {
	key := serviceRoleKey{program: ctx.Log, account: cfg.Partition + ":" + cfg.AccountID}
	serviceRoles.Lock()
	defer serviceRoles.Unlock()
	if role, ok := serviceRoles.byKey[key]; ok {
		return role, nil
	}
	role, err := newOpenSearchServiceRole(ctx)
	if err != nil {
		return nil, err
	}
	if serviceRoles.byKey == nil {
		serviceRoles.byKey = map[serviceRoleKey]*iam.ServiceLinkedRole{}
	}
	serviceRoles.byKey[key] = role
	return role, nil
}

// serviceRoles holds the service-linked role each program run declared,
// per account.
var serviceRoles struct {
	sync.Mutex
	byKey map[serviceRoleKey]*iam.ServiceLinkedRole
}

// serviceRoleKey is one program run and one account. A run's contexts,
// however derived (Context.WithValue), share its Log, which no other
// run has: so several runs in one process (tests) never share a role.
type serviceRoleKey struct {
	program pulumi.Log
	account string
}

func newOpenSearchServiceRole(ctx *pulumi.Context) (*iam.ServiceLinkedRole, error) {
	opts := []pulumi.ResourceOption{pulumi.RetainOnDelete(true)}
	existing, err := iam.LookupRole(ctx, &iam.LookupRoleArgs{Name: openSearchServiceRoleName})
	switch {
	case err == nil:
		opts = append(opts, pulumi.Import(pulumi.ID(existing.Arn)))
	case !roleNotFound(err):
		return nil, fmt.Errorf("reading IAM role %s (the deployer needs iam:GetRole, and iam:CreateServiceLinkedRole in a new account): %w", openSearchServiceRoleName, err)
	}
	return iam.NewServiceLinkedRole(ctx, childName(ctx, "opensearch-service-role"), &iam.ServiceLinkedRoleArgs{
		AwsServiceName: pulumi.String(openSearchService),
	}, childOptions(ctx, opts...)...)
}

// roleNotFound tells IAM's "no such role" from every other lookup failure
// (permissions, throttling), which must stop the deployment instead.
func roleNotFound(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "NoSuchEntity") || strings.Contains(msg, "couldn't find resource")
}
