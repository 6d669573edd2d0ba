package logsearch

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/metrics"
)

// storageGuardSchedule: minutes, not hours. A day's growth on a node is
// a few percent of its volume at most for a stack sized to its retention,
// so 5 minutes of it fits well inside the floor's margin.
const storageGuardSchedule = "rate(5 minutes)"

// StorageGuard is the function that deletes the oldest daily indices
// before a data node reaches OpenSearch Service's write block
// (lambda/storageguard).
type StorageGuard struct {
	pulumi.ResourceState

	// RoleArn is the guard's IAM role, which setup maps to the
	// logsearch_storage_guard role inside the domain.
	RoleArn pulumi.StringOutput
	// FunctionName is the guard, for its alarms and dashboard widgets.
	FunctionName pulumi.StringOutput

	ctx *pulumi.Context // until Schedule completes the stage
	fn  *lambda.Function
}

// StorageGuardArgs are the inputs of the StorageGuard stage.
type StorageGuardArgs struct {
	Config  *Config       // the validated settings
	Network *Network      // the subnets and the setup security group, admitted to the domain on 443
	Domain  *SearchDomain // the domain to guard
}

// NewStorageGuard deploys the guard function and its role; Schedule,
// called once setup has mapped the role inside the domain, starts it.
// The function runs in the VPC with the setup security group, the one
// already admitted to the domain for in-domain administration.
func NewStorageGuard(ctx *pulumi.Context, args StorageGuardArgs) (*StorageGuard, error) {
	cfg, network, domain := args.Config, args.Network, args.Domain
	g := &StorageGuard{}
	ctx, err := newStage(ctx, "StorageGuard", "storage-guard", g)
	if err != nil {
		return nil, err
	}
	name := cfg.Names().StorageGuardFunction
	logGroup, err := newLogGroup(ctx, cfg, "storage-guard", FunctionLogGroup(name), domain.KmsKeyArn)
	if err != nil {
		return nil, err
	}
	role, err := newFunctionRole(ctx, cfg, "storage-guard", "logsearch: deletes the oldest daily indices before the OpenSearch domain's disk fills", true)
	if err != nil {
		return nil, err
	}
	// The methods it uses, on this domain only: GET (stats, settings),
	// PUT (lifting the block), DELETE (an index). What they may touch
	// inside is decided by its role in the domain.
	if _, err := role.allowInline(ctx, policyOf(func(v []string) []policyStatement {
		s := allow([]string{"es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpPut"}, v[0]+"/*")
		s.Sid = "GuardReadsStorageAndDeletesDailyIndices"
		return []policyStatement{s}
	}, domain.Arn)); err != nil {
		return nil, err
	}
	floorBytes := int64(cfg.storageGuardFloorGiB() * (1 << 30))
	fn, err := newGoFunction(ctx, "storage-guard", "storageguard", role, &lambda.FunctionArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String("Deletes the oldest daily indices when a data node nears the write block, and lifts a block left by a full disk"),
		MemorySize:  pulumi.Int(128),
		Timeout:     pulumi.Int(120),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"OPENSEARCH_ENDPOINT": pulumi.Sprintf("https://%s", domain.Endpoint),
			"INDEX_PREFIX":        pulumi.String(cfg.Ingest.IndexPrefix),
			"INDEX_TIMEZONE":      pulumi.String(cfg.Ingest.Timezone),
			"FLOOR_BYTES":         pulumi.String(strconv.FormatInt(floorBytes, 10)),
			"MIN_DAYS":            pulumi.String(strconv.Itoa(cfg.StorageGuard.MinDays)),
		}},
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        network.PrivateSubnetIDs,
			SecurityGroupIds: pulumi.StringArray{network.SetupSecurityGroupID},
		},
		LoggingConfig: jsonLogging(logGroup),
		Tags:          tags(cfg, "storage-guard"),
	}, pulumi.DependsOn(network.SetupPath))
	if err != nil {
		return nil, err
	}
	// A failed run is retried by the next scheduled one; Lambda's own
	// async retries would only pile up stale runs.
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, childName(ctx, "storage-guard"), &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:             fn.Name,
		MaximumRetryAttempts:     pulumi.Int(0),
		MaximumEventAgeInSeconds: pulumi.Int(300),
	}, childOptions(ctx)...); err != nil {
		return nil, err
	}
	g.RoleArn, g.FunctionName, g.ctx, g.fn = role.role.Arn, fn.Name, ctx, fn
	return g, nil
}

// Schedule starts the guard every 5 minutes once after (setup's
// invocation, which maps its role inside the domain) is done: before
// that every run would be refused. It completes the stage: call it once.
func (g *StorageGuard) Schedule(after pulumi.Resource) error {
	ctx := g.ctx
	if ctx == nil {
		return fmt.Errorf("storage guard: Schedule called twice, or on a StorageGuard NewStorageGuard did not create")
	}
	g.ctx = nil
	if err := invokeOnRule(ctx, "storage-guard-schedule", &cloudwatch.EventRuleArgs{
		Description:        pulumi.String("Keep the OpenSearch domain clear of its write block: delete the oldest daily indices when a data node nears it"),
		ScheduleExpression: pulumi.String(storageGuardSchedule),
	}, g.fn, nil, pulumi.DependsOn([]pulumi.Resource{after})); err != nil {
		return err
	}
	return registerStageOutputs(ctx, g)
}

// storageGuardAlarmSpecs watch the guard (namespace logsearch, dimension
// FunctionName). Any deletion for space pages: the guard kept the domain
// writable, but the volume is too small for the retention or the logs
// grew. Being short of the floor pages louder: the domain will fill.
func storageGuardAlarmSpecs(names StackNames) []alarmSpec {
	logs := FunctionLogGroup(names.StorageGuardFunction)
	return []alarmSpec{{
		Name: "storage-guard-deleted", Namespace: metrics.Namespace, Metric: metrics.GuardDeletedIndices, Statistic: "Sum",
		Period: 300, Evaluations: 1, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "The storage guard deleted daily indices before their retention ran out, because a data node's free space fell below its floor: the oldest days are no longer searchable. Logs are still coming in. The volume is too small for logsearch:retentionDays at today's log volume: raise domain.volumeSize or instanceCount, or lower retentionDays, and deploy. Each deletion (index, size, age, free space before and after) is in " + logs + ".",
	}, {
		Name: "storage-guard-short", Namespace: metrics.Namespace, Metric: metrics.GuardShort, Statistic: "Maximum",
		Period: 300, Evaluations: 1, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "URGENT: a data node is below the storage guard's floor and the guard may delete nothing more (today's and yesterday's indices and storageGuard.minDays days stay). The domain will block writes when the node reaches OpenSearch Service's write block; events then go to the dead-letter queue. Raise domain.volumeSize (or instanceCount) now and deploy; then replay the dead-letter queue. Details in " + logs + ".",
	}, {
		Name: "storage-guard-errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum",
		Period: 300, Evaluations: 3, DatapointsToAlarm: 2, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "The storage guard failed in 2 of the last 3 runs, so nothing keeps the domain from filling up. Read the error in " + logs + "; a 403 means its role is not mapped inside the domain: run pulumi up (setup maps it).",
	}}
}

// storageGuardWidgets are the operations dashboard's guard row: how many
// days of logs are kept, how many days until the fullest node reaches the
// write block at the current rate, and the deletions for space.
func storageGuardWidgets(t dashboardTargets, graph func(title string, period int, metrics ...[]any) metricWidgetProperties) []dashboardWidget {
	if t.Guard == "" {
		return nil
	}
	guard := func(metric, stat, label string) []any {
		return []any{metrics.Namespace, metric, metrics.Dimension, t.Guard, map[string]string{"stat": stat, "label": label}}
	}
	return []dashboardWidget{
		{Type: "metric", X: 0, Y: 26, Width: 8, Height: 6, Properties: graph("Days of logs kept", 300,
			guard(metrics.DaysKept, "Minimum", "daily indices kept"))},
		{Type: "metric", X: 8, Y: 26, Width: 8, Height: 6, Properties: graph("Days until full at the current rate (fullest node)", 300,
			guard(metrics.DaysUntilFull, "Minimum", "days until the write block"))},
		{Type: "metric", X: 16, Y: 26, Width: 8, Height: 6, Properties: graph("Storage guard: indices deleted for space", 300,
			guard(metrics.GuardDeletedIndices, "Sum", "deleted"),
			guard(metrics.GuardShort, "Maximum", "short of the floor (1)"),
			guard(metrics.GuardBlocksLifted, "Sum", "write blocks lifted"))},
	}
}

// withStorageGuard maps the guard's role (when there is one) inside the
// domain's desired state.
func withStorageGuard(spec domainstate.Spec, roleArn string) domainstate.Spec {
	if roleArn != "" {
		spec.StorageGuardBackendRoles = []string{roleArn}
	}
	return spec
}
