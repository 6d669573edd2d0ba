package logsearch

import (
	"fmt"
	"strings"
	"sync"
	"time"

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

// serviceRolePropagation is how long the domain waits after the stack has
// created the service-linked role. IAM is eventually consistent
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
// and OpenSearch refuses a VPC domain created seconds after the role with
// "Before you can proceed, you must enable a service-linked role to give
// Amazon OpenSearch Service permissions to access your VPC"
// (pulumi/pulumi-aws#2349). The provider retries only the older "…Amazon
// ES permissions" wording (terraform-provider-aws
// internal/service/opensearch/domain.go, domainErrorRetryable), so the
// wait is here: as long as the provider's own IAM propagation window
// (internal/service/iam/wait.go, propagationTimeout = 2 minutes).
const serviceRolePropagation = 2 * time.Minute

// waitForServiceRole blocks for serviceRolePropagation; tests replace it.
var waitForServiceRole = func() { time.Sleep(serviceRolePropagation) }

// OpenSearchServiceRole is the account's OpenSearch service-linked role as
// a domain needs it.
type OpenSearchServiceRole struct {
	// Created is the role this program creates, in an account without
	// one; nil when the account has it, which the stack then uses as it
	// is, whatever its description or tags, and never manages.
	Created *iam.ServiceLinkedRole
	// ready resolves once a domain may be created: after Created and
	// serviceRolePropagation; nil when there is nothing to wait for.
	ready pulumi.ResourceArrayOutput
}

// DomainOptions make a domain wait until the role is usable: nothing when
// the account already had the role, the role's creation and IAM's
// propagation when the stack creates it.
func (r *OpenSearchServiceRole) DomainOptions() []pulumi.ResourceOption {
	if r.Created == nil {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.DependsOnInputs(r.ready)}
}

// NewOpenSearchServiceRole makes sure the account has OpenSearch Service's
// service-linked role before the domain is created: without it, creating
// a VPC domain through the API fails in a fresh account.
//
// The role belongs to the account, not to a stack, and no stack ever
// deletes it:
//   - Absent (first stack in the account): the stack creates it, with
//     RetainOnDelete, and the domain waits serviceRolePropagation for IAM
//     to propagate it. No manual step.
//   - Present (created by another stack, the console, AWS's samples with a
//     description, or by hand with tags): the stack uses it as it is and
//     declares nothing. Importing it would fail whenever its description
//     or tags differ from the declared inputs, and would manage (and could
//     change) an account-wide role.
//
// The stack that created the role finds it on its next run and stops
// declaring it; RetainOnDelete (kept in the state) makes that drop it from
// the state and leave it in IAM, where every domain of the account needs
// it.
//
// One program may hold several LogSearch instances in one account: the
// first creates or finds the role, the others get the same answer, so a
// fresh account does not see two creates of a role IAM allows once.
func NewOpenSearchServiceRole(ctx *pulumi.Context, cfg *Config) (*OpenSearchServiceRole, error) {
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
		serviceRoles.byKey = map[serviceRoleKey]*OpenSearchServiceRole{}
	}
	serviceRoles.byKey[key] = role
	return role, nil
}

// serviceRoles holds the service-linked role each program run declared,
// per account.
var serviceRoles struct {
	sync.Mutex
	byKey map[serviceRoleKey]*OpenSearchServiceRole
}

// serviceRoleKey is one program run and one account. A run's contexts,
// however derived (Context.WithValue), share its Log, which no other
// run has: so several runs in one process (tests) never share a role.
type serviceRoleKey struct {
	program pulumi.Log
	account string
}

func newOpenSearchServiceRole(ctx *pulumi.Context) (*OpenSearchServiceRole, error) {
	_, err := iam.LookupRole(ctx, &iam.LookupRoleArgs{Name: openSearchServiceRoleName})
	switch {
	case err == nil:
		return &OpenSearchServiceRole{}, nil
	case !lookupNotFound(err):
		return nil, fmt.Errorf("reading IAM role %s (the deployer needs iam:GetRole, and iam:CreateServiceLinkedRole in a new account): %w", openSearchServiceRoleName, err)
	}
	created, err := iam.NewServiceLinkedRole(ctx, childName(ctx, "opensearch-service-role"), &iam.ServiceLinkedRoleArgs{
		AwsServiceName: pulumi.String(openSearchService),
	}, childOptions(ctx, pulumi.RetainOnDelete(true))...)
	if err != nil {
		return nil, err
	}
	// The apply runs only once the role exists (never in a preview, where
	// its ARN is unknown), so only a deployment that created it waits.
	ready := created.Arn.ApplyT(func(string) []pulumi.Resource {
		waitForServiceRole()
		return []pulumi.Resource{created}
	}).(pulumi.ResourceArrayOutput)
	return &OpenSearchServiceRole{Created: created, ready: ready}, nil
}

// lookupNotFound tells a lookup's "no such resource" (IAM's NoSuchEntity,
// the provider's "couldn't find resource") from every other failure
// (permissions, throttling), which must stop the deployment instead.
func lookupNotFound(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "NoSuchEntity") || strings.Contains(msg, "couldn't find resource")
}
