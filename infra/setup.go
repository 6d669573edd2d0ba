package infra

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/domainstate"
)

// setupTimeout leaves room for domainsetup.DefaultRetry to ride out a
// domain that has just been created and is still warming up.
const setupTimeout = 600

// DomainSetup is the function that configures the inside of the domain.
type DomainSetup struct {
	// RoleArn is the setup function's role. The function authenticates as
	// the master user with HTTP basic auth (fine-grained access control), so
	// the domain access policy need not name this role.
	RoleArn pulumi.StringOutput
	// SpecHash identifies the desired state last applied; it changes exactly
	// when the Invocation re-runs.
	SpecHash pulumi.StringOutput
	// Result is what the last run changed, per object (no credentials).
	Result pulumi.StringOutput
}

// NewDomainSetup deploys lambda/setup in the VPC and invokes it with the
// desired state whenever that state (or the function's code) changes. A
// failed run fails `pulumi up` with the domain's error message.
//
// invocationOpts go to the Invocation only: pass
// pulumi.DependsOn(<domain access policy>) so the first run does not race
// the policy that admits its unsigned requests. The Invocation waits for
// the security-group rules of network.SetupPath by itself.
func NewDomainSetup(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain, ingestion *Ingestion, invocationOpts ...pulumi.ResourceOption) (*DomainSetup, error) {
	spec := setupSpec(cfg, nil)
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("domain setup: the stack config (logsearch:ingest, logsearch:domain, logsearch:retentionDays) gives an invalid desired state: %w", err)
	}
	fn, role, err := newSetupFunction(ctx, cfg, network, domain.KmsKeyArn)
	if err != nil {
		return nil, err
	}

	specHash := ingestion.RoleArn.ApplyT(func(arn string) string {
		return setupSpec(cfg, []string{arn}).Hash()
	}).(pulumi.StringOutput)
	// The payload carries the master password: it is a secret output, so
	// the state stores it encrypted and `pulumi preview` shows [secret].
	input := pulumi.ToSecret(pulumi.All(domain.Endpoint, domain.MasterPassword, ingestion.RoleArn).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(domainsetup.Request{
			Endpoint:       v[0].(string),
			MasterUserName: domain.MasterUserName,
			MasterPassword: v[1].(string),
			Spec:           setupSpec(cfg, []string{v[2].(string)}),
		})
		return string(b), err
	})).(pulumi.StringOutput)

	inv, err := lambda.NewInvocation(ctx, "domain-setup", &lambda.InvocationArgs{
		FunctionName: fn.Name,
		Input:        input,
		// Replacing the invocation is what re-runs it: on a new desired
		// state, or new setup code that may build different bodies.
		Triggers: pulumi.StringMap{
			"desiredState": specHash,
			"code":         fn.CodeSha256,
		},
	}, append(invocationOpts, pulumi.DependsOn(network.SetupPath))...)
	if err != nil {
		return nil, err
	}
	return &DomainSetup{RoleArn: role.role.Arn, SpecHash: specHash, Result: inv.Result}, nil
}

// setupSpec is the desired state the stack config implies.
func setupSpec(cfg *Config, writerRoles []string) domainstate.Spec {
	return domainstate.Spec{
		IndexPrefix:        cfg.Ingest.IndexPrefix,
		FieldTypes:         cfg.Ingest.FieldTypes,
		Shards:             cfg.Domain.Shards,
		Replicas:           cfg.Domain.Replicas,
		RetentionDays:      cfg.RetentionDays,
		WriterBackendRoles: writerRoles,
		AdminBackendRoles:  cfg.Domain.APIPrincipals,
	}
}

// newSetupFunction is the function in the VPC (the setup security group is
// admitted to the domain on 443), its role and its log group.
func newSetupFunction(ctx *pulumi.Context, cfg *Config, network *Network, keyArn pulumi.StringInput) (*lambda.Function, *functionRole, error) {
	name := cfg.Names().SetupFunction
	logGroup, err := newLogGroup(ctx, cfg, "setup", FunctionLogGroup(name), keyArn)
	if err != nil {
		return nil, nil, err
	}
	role, err := newFunctionRole(ctx, cfg, "setup", "logsearch: the function that configures roles, index template, retention and Dashboards inside the domain", true)
	if err != nil {
		return nil, nil, err
	}
	fn, err := newGoFunction(ctx, "setup", "setup", role, &lambda.FunctionArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String("Configures the inside of the OpenSearch domain: roles, index template, ISM retention, Dashboards index pattern"),
		MemorySize:  pulumi.Int(128),
		Timeout:     pulumi.Int(setupTimeout),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        network.PrivateSubnetIDs,
			SecurityGroupIds: pulumi.StringArray{network.SetupSecurityGroupID},
		},
		LoggingConfig: jsonLogging(logGroup),
		Tags:          tags(cfg, "setup"),
	})
	if err != nil {
		return nil, nil, err
	}
	return fn, role, nil
}
