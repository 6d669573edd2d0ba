package logsearch

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/domainstate"
)

// setupTimeout leaves room for domainsetup.DefaultRetry to ride out a
// domain that has just been created and is still warming up.
const setupTimeout = 600

// setupSchedule is how often setup re-applies the desired state to heal
// drift (a role mapping deleted by hand stops ingestion until then). An
// hour bounds that outage at about an hour, for 24 short runs a day.
const setupSchedule = "rate(1 hour)"

// DomainSetup is the function that configures the inside of the domain.
type DomainSetup struct {
	pulumi.ResourceState

	// RoleArn is the setup function's role. The deploy-time run
	// authenticates as the master user (HTTP basic auth) and maps this role
	// to all_access; the scheduled runs sign with it.
	RoleArn pulumi.StringOutput
	// FunctionName is the setup function, for the alarm on its errors.
	FunctionName pulumi.StringOutput
	// SpecHash identifies the deployed desired state (domainsetup.Deployed
	// .Hash); a change of it re-runs the Invocation.
	SpecHash pulumi.StringOutput
	// Result is what the last run changed, per object (no credentials).
	Result pulumi.StringOutput
	// Invocation is the deploy-time run: whatever needs the roles and role
	// mappings inside the domain (the subscription filters) waits for it.
	Invocation *lambda.Invocation
}

// DomainSetupArgs are the inputs of the DomainSetup stage.
type DomainSetupArgs struct {
	Config    *Config       // the validated settings
	Network   *Network      // the subnets, the setup security group and its rules
	Domain    *SearchDomain // the domain to set up
	Ingestion *Ingestion    // the ingest role, mapped to the writer role
	// StorageGuardRoleArn is the storage guard's role, mapped to its role
	// in the domain; nil with the guard off.
	StorageGuardRoleArn pulumi.StringInput
	InvocationOptions   []pulumi.ResourceOption // go to the deploy-time Invocation only (see NewDomainSetup)
}

// NewDomainSetup deploys lambda/setup in the VPC with the desired state
// packed into its code (domainsetup.DeployedFile), and invokes it whenever
// that state (or the function's code) changes. A failed run fails
// `pulumi up` with the domain's error message.
//
// The function applies only the state deployed with it: its payload says
// how to authenticate and, at deploy time, which state (by hash) the caller
// expects, and a payload naming anything else is refused. So whoever may
// invoke the function can at most re-apply what Pulumi deployed; changing
// that takes lambda:UpdateFunctionCode on the function, the deployer's
// right (docs/security.md#the-setup-function).
//
// An aws.lambda.Invocation runs again only when its inputs change, so it
// cannot heal drift. An hourly EventBridge schedule therefore runs the
// function again with a constant input (domainsetup.ScheduledInvocation).
// The password never leaves the secret Invocation input: the deploy-time
// run maps the function's own IAM role to all_access, and the scheduled
// run signs with that role (SigV4), so no credential is in its input or in
// the function, and no Secrets Manager secret or interface endpoint is
// needed. Should that mapping itself be deleted, the scheduled run fails
// (403) and raises the setup alarm; `pulumi up --replace` of the
// invocation restores it with the password.
//
// args.InvocationOptions go to the Invocation only: pass
// pulumi.DependsOn(<domain access policy>) so the first run does not race
// the policy that admits its unsigned requests. The Invocation waits for
// the security-group rules of network.SetupPath by itself.
func NewDomainSetup(ctx *pulumi.Context, args DomainSetupArgs) (*DomainSetup, error) {
	cfg, network, domain, ingestion, invocationOpts := args.Config, args.Network, args.Domain, args.Ingestion, args.InvocationOptions
	spec := setupSpec(cfg, nil, "")
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("domain setup: the stack config (logsearch:ingest, logsearch:domain, logsearch:retentionDays) gives an invalid desired state: %w", err)
	}
	setup := &DomainSetup{}
	ctx, err := newStage(ctx, "DomainSetup", "domain-setup", setup)
	if err != nil {
		return nil, err
	}
	role, err := newSetupRole(ctx, cfg, domain)
	if err != nil {
		return nil, err
	}
	// deployed is the state the function will hold, once the endpoint and
	// both roles are known.
	guardRole := args.StorageGuardRoleArn
	if guardRole == nil {
		guardRole = pulumi.String("")
	}
	inputs := pulumi.All(domain.Endpoint, ingestion.RoleArn, role.role.Arn, guardRole)
	deployed := func(v []any) domainsetup.Deployed {
		return domainsetup.Deployed{
			Endpoint:       v[0].(string),
			MasterUserName: domain.MasterUserName,
			Spec:           withStorageGuard(setupSpec(cfg, []string{v[1].(string)}, v[2].(string)), v[3].(string)),
		}
	}
	name := cfg.Names().SetupFunction
	code := inputs.ApplyT(func(v []any) (pulumi.Archive, error) {
		b, err := deployed(v).Marshal()
		if err != nil {
			return nil, fmt.Errorf("domain setup: %w", err)
		}
		return lambdaCodeWithFile("setup", name, domainsetup.DeployedFile, b)
	}).(pulumi.ArchiveOutput)
	fn, err := newSetupFunction(ctx, cfg, network, domain, role, code)
	if err != nil {
		return nil, err
	}
	desiredState := inputs.ApplyT(func(v []any) string { return deployed(v).Hash() }).(pulumi.StringOutput)
	// The payload carries the master password: it is a secret output, so
	// the state stores it encrypted and `pulumi preview` shows [secret].
	input := pulumi.ToSecret(pulumi.All(domain.MasterPassword, desiredState).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(domainsetup.Invocation{MasterPassword: v[0].(string), DesiredState: v[1].(string)})
		return string(b), err
	})).(pulumi.StringOutput)

	inv, err := lambda.NewInvocation(ctx, childName(ctx, "domain-setup"), &lambda.InvocationArgs{
		FunctionName: fn.Name,
		Input:        input,
		// Replacing the invocation is what re-runs it: on a new desired
		// state, or new setup code that may build different bodies.
		Triggers: pulumi.StringMap{
			"desiredState": desiredState,
			"code":         fn.CodeSha256,
		},
	}, childOptions(ctx, append(invocationOpts, pulumi.DependsOn(network.SetupPath))...)...)
	if err != nil {
		return nil, err
	}
	// The schedule starts once the deploy-time run has mapped the role it
	// signs with; before that every scheduled run would be refused.
	if err := invokeOnRule(ctx, "domain-setup-schedule", &cloudwatch.EventRuleArgs{
		Description:        pulumi.String("Re-apply the desired state inside the OpenSearch domain (roles, mappings, template, ISM) to heal drift"),
		ScheduleExpression: pulumi.String(setupSchedule),
	}, fn, pulumi.String(domainsetup.ScheduledInvocation), pulumi.DependsOn([]pulumi.Resource{inv})); err != nil {
		return nil, err
	}
	setup.RoleArn, setup.FunctionName, setup.SpecHash, setup.Result, setup.Invocation = role.role.Arn, fn.Name, desiredState, inv.Result, inv
	return setup, registerStageOutputs(ctx, setup)
}

// setupSpec is the desired state the stack config implies. setupRole (the
// setup function's role, "" while validating) is mapped like a master
// user, so scheduled runs can sign with it.
func setupSpec(cfg *Config, writerRoles []string, setupRole string) domainstate.Spec {
	var setupRoles []string
	if setupRole != "" {
		setupRoles = []string{setupRole}
	}
	return domainstate.Spec{
		IndexPrefix:        cfg.Ingest.IndexPrefix,
		FieldTypes:         cfg.Ingest.FieldTypes,
		TimeField:          cfg.Ingest.TimeField,
		Shards:             cfg.Domain.Shards,
		Replicas:           cfg.Domain.Replicas,
		RetentionDays:      cfg.RetentionDays,
		WriterBackendRoles: append(writerRoles, cfg.Domain.WriterPrincipals...),
		AdminBackendRoles:  cfg.Domain.APIPrincipals,
		SetupBackendRoles:  setupRoles,

		StaffReaderBackendRoles: cfg.Dashboards.ReaderBackendRoles,
		StaffAdminBackendRoles:  cfg.Dashboards.AdminBackendRoles,
		LookupFields:            cfg.Ingest.LookupFields,
	}
}

// newSetupRole is the setup function's role. Beyond its VPC access it may
// send signed HTTP requests to this domain only: the scheduled runs.
func newSetupRole(ctx *pulumi.Context, cfg *Config, domain *SearchDomain) (*functionRole, error) {
	role, err := newFunctionRole(ctx, cfg, "setup", "logsearch: the function that configures roles, index template, retention and Dashboards inside the domain", true)
	if err != nil {
		return nil, err
	}
	if _, err := role.allowInline(ctx, policyOf(func(v []string) []policyStatement {
		configure := allow(esHTTPAllMethods, v[0]+"/*")
		configure.Sid = "ScheduledRunsConfigureTheDomain"
		return []policyStatement{configure}
	}, domain.Arn)); err != nil {
		return nil, err
	}
	return role, nil
}

// newSetupFunction is the function in the VPC (the setup security group is
// admitted to the domain on 443) running code, and its log group.
func newSetupFunction(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain, role *functionRole, code pulumi.ArchiveInput) (*lambda.Function, error) {
	name := cfg.Names().SetupFunction
	logGroup, err := newLogGroup(ctx, cfg, "setup", FunctionLogGroup(name), domain.KmsKeyArn)
	if err != nil {
		return nil, err
	}
	return newGoFunction(ctx, "setup", "setup", role, &lambda.FunctionArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String("Configures the inside of the OpenSearch domain: roles, index template, ISM retention, Dashboards index pattern"),
		Code:        code,
		MemorySize:  pulumi.Int(128),
		Timeout:     pulumi.Int(setupTimeout),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        network.PrivateSubnetIDs,
			SecurityGroupIds: pulumi.StringArray{network.SetupSecurityGroupID},
		},
		LoggingConfig: jsonLogging(logGroup),
		Tags:          tags(cfg, "setup"),
	})
}
