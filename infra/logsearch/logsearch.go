// Package logsearch is logsearch as a Pulumi component for Go programs:
// New creates one LogSearch (logsearch:index:LogSearch) from Args, the
// same settings as a logsearch stack's config, validated the same way. Its
// stages are components too and read top-down like the architecture
// diagram in README.md#architecture: the stack's KMS key, network, the S3
// archive (when configured), search domain, ingestion (with the log
// groups' subscriptions), in-domain setup, dashboards access, alarms.
package logsearch

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LogSearch is one whole logsearch deployment as a Pulumi component
// (logsearch:index:LogSearch): its stages are child components, so
// `pulumi preview` shows them as a tree that reads like the architecture
// diagram.
type LogSearch struct {
	pulumi.ResourceState

	// DashboardsURL is the office entry: https://<dashboards.hostName>/_dashboards/.
	DashboardsURL pulumi.StringOutput
	// DomainEndpoint is the OpenSearch domain's VPC endpoint.
	DomainEndpoint pulumi.StringOutput
	DomainArn      pulumi.StringOutput
	// IngestFunctionName is the Lambda function the subscription filters feed.
	IngestFunctionName pulumi.StringOutput
	// DLQURL is the dead-letter queue of events that could not be indexed.
	DLQURL pulumi.StringOutput
	// AlarmTopicArn is the SNS topic every alarm notifies.
	AlarmTopicArn pulumi.StringOutput
	// OperationsDashboardURL is the CloudWatch dashboard of the stack.
	OperationsDashboardURL pulumi.StringOutput
	// TargetSyncFunctionName keeps the load balancer on the domain's IPs.
	TargetSyncFunctionName pulumi.StringOutput
	// ArchiveURL is where backfill reads from: s3://<bucket>/<prefix>, ""
	// without an archive.
	ArchiveURL pulumi.StringOutput
	// MasterUserName and MasterPassword (a secret) sign in to Dashboards as
	// the domain's master user, to add support staff.
	MasterUserName pulumi.StringOutput
	MasterPassword pulumi.StringOutput
	// OfficeVpn is what the office router needs to bring up the
	// Site-to-Site VPN the stack creates (network.officeVpn); nil without.
	OfficeVpn *OfficeVpn
}

// New creates a LogSearch named name from cfg: the stack config
// (LoadConfig), or Args a program builds itself (start from DefaultArgs),
// which New validates as LoadConfig does, failing with a *ConfigError that
// lists every problem. Every child's logical name starts with name, and the
// physical names derive from name and the stack (DefaultName keeps
// logsearch-<stack>-...), so two instances in one program do not collide.
func New(ctx *pulumi.Context, name string, cfg *Config, opts ...pulumi.ResourceOption) (*LogSearch, error) {
	if err := checkInstanceName(name); err != nil {
		return nil, err
	}
	cfg = cfg.forInstance(name)
	if cfg.Stack == "" {
		cfg.Stack = ctx.Stack()
	}
	if err := cfg.checkArgs(ctx); err != nil {
		return nil, err
	}
	ls := &LogSearch{}
	if err := ctx.RegisterComponentResource(componentTypePrefix+"LogSearch", name, ls, opts...); err != nil {
		return nil, err
	}
	var stages []*stageLife
	ctx = ctx.WithValue(scopeKey{}, scope{instance: name, parent: ls, stages: &stages})

	key, err := NewStackKey(ctx, StackKeyArgs{Config: cfg})
	if err != nil {
		return nil, err
	}
	network, err := NewNetwork(ctx, NetworkArgs{Config: cfg, Key: key})
	if err != nil {
		return nil, err
	}
	archive, err := NewArchive(ctx, ArchiveArgs{Config: cfg, Key: key})
	if err != nil {
		return nil, err
	}
	domain, err := NewSearchDomain(ctx, SearchDomainArgs{Config: cfg, Network: network, Key: key})
	if err != nil {
		return nil, err
	}
	ingestion, err := NewIngestion(ctx, IngestionArgs{Config: cfg, Network: network, Domain: domain, Archive: archive})
	if err != nil {
		return nil, err
	}
	accessPolicy, err := domain.NewAccessPolicy(ingestion)
	if err != nil {
		return nil, err
	}
	var guard *StorageGuard
	var guardRole pulumi.StringInput
	if cfg.StorageGuard.Enabled {
		if guard, err = NewStorageGuard(ctx, StorageGuardArgs{Config: cfg, Network: network, Domain: domain}); err != nil {
			return nil, err
		}
		guardRole = guard.RoleArn
	}
	setup, err := NewDomainSetup(ctx, DomainSetupArgs{Config: cfg, Network: network, Domain: domain, Ingestion: ingestion,
		StorageGuardRoleArn: guardRole,
		InvocationOptions:   []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{accessPolicy})}})
	if err != nil {
		return nil, err
	}
	if guard != nil {
		if err := guard.Schedule(setup.Invocation); err != nil {
			return nil, err
		}
	}
	if err := ingestion.StartIngesting(cfg, setup.Invocation); err != nil {
		return nil, err
	}
	dashboards, err := NewDashboardsAccess(ctx, DashboardsAccessArgs{Config: cfg, Network: network, Domain: domain})
	if err != nil {
		return nil, err
	}
	alarms, err := NewAlarms(ctx, AlarmsArgs{Config: cfg, Domain: domain, Ingestion: ingestion, Setup: setup, Dashboards: dashboards, StorageGuard: guard})
	if err != nil {
		return nil, err
	}

	ls.DashboardsURL = dashboards.URL
	ls.DomainEndpoint = domain.Endpoint
	ls.DomainArn = domain.Arn
	ls.IngestFunctionName = ingestion.FunctionName
	ls.DLQURL = ingestion.DLQURL
	ls.AlarmTopicArn = alarms.TopicArn
	ls.OperationsDashboardURL = alarms.DashboardURL
	ls.TargetSyncFunctionName = dashboards.TargetSyncFunctionName
	ls.ArchiveURL = archive.URL
	ls.MasterUserName = pulumi.String(domain.MasterUserName).ToStringOutput()
	ls.MasterPassword = domain.MasterPassword
	ls.OfficeVpn = network.OfficeVpn
	if err := checkStagesFinished(stages); err != nil {
		return nil, err
	}
	return ls, ctx.RegisterResourceOutputs(ls, ls.Outputs())
}

// Outputs are the component's outputs by the stack output names the
// logsearch project exports them under.
func (ls *LogSearch) Outputs() pulumi.Map {
	outputs := pulumi.Map{
		"dashboardsUrl":          ls.DashboardsURL,
		"domainEndpoint":         ls.DomainEndpoint,
		"domainArn":              ls.DomainArn,
		"ingestFunctionName":     ls.IngestFunctionName,
		"dlqUrl":                 ls.DLQURL,
		"alarmTopicArn":          ls.AlarmTopicArn,
		"operationsDashboardUrl": ls.OperationsDashboardURL,
		"targetSyncFunctionName": ls.TargetSyncFunctionName,
		"archiveUrl":             ls.ArchiveURL,
		"masterUserName":         ls.MasterUserName,
		"masterPassword":         ls.MasterPassword,
	}
	if ls.OfficeVpn != nil {
		outputs["officeVpn"] = ls.OfficeVpn.Settings
		outputs["officeVpnPresharedKeys"] = ls.OfficeVpn.PresharedKeys
	}
	return outputs
}

// maxInstanceName keeps Pulumi's auto-name of the load balancer,
// "<name>-dashboards-<7 random>", within the 32 characters ELB allows
// (CreateLoadBalancer, Name: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html);
// the target group has the same limit and name.
const maxInstanceName = 32 - len("-dashboards") - len("-1234567")

// instanceNamePattern is what every auto-named child takes: ELB names
// allow only letters, digits and hyphens, not at either end.
var instanceNamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)

// checkInstanceName refuses a LogSearch name that would give a child a
// physical name AWS refuses.
func checkInstanceName(name string) error {
	switch {
	case !instanceNamePattern.MatchString(name):
		return fmt.Errorf("logsearch.New: name %q: use letters, digits and hyphens only, starting and ending with a letter or digit (the load balancer and target group are named after it)", name)
	case len(name) > maxInstanceName:
		return fmt.Errorf("logsearch.New: name %q is %d characters; use at most %d (the load balancer's name, %q plus a random suffix, may have 32)", name, len(name), maxInstanceName, name+"-dashboards")
	case strings.HasPrefix(strings.ToLower(name), "internal-"):
		return fmt.Errorf("logsearch.New: name %q: ELB refuses load balancer names starting with internal-; pick another name", name)
	}
	return nil
}

// forInstance is cfg for the LogSearch named name: a copy, so one config
// can build several instances.
func (c *Config) forInstance(name string) *Config {
	copied := *c
	copied.instance = name
	return &copied
}
