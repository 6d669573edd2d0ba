package logsearch

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/metrics"
)

// The ingest function's own metrics the dashboard graphs, written by
// lambda/metrics as embedded metric format (EMF) log lines in namespace
// metrics.Namespace with the one dimension metrics.Dimension (FunctionName).
// A test checks lambda/metrics still emits these names.
const (
	MetricEventsIn    = metrics.EventsIn    // log events received (count)
	MetricIndexed     = metrics.Indexed     // documents OpenSearch accepted (count)
	MetricSentToDLQ   = metrics.SentToDLQ   // events given up on (count)
	MetricBulkLatency = metrics.BulkLatency // one _bulk round trip (milliseconds)
	// Field values kept aside while their events are still indexed: values
	// that did not fit their ingest.fieldTypes type, and values the day's
	// index refused for its mapping (moved under @invalid or @unmapped).
	MetricCoercedInvalid = metrics.CoercedInvalid
	MetricFieldsDemoted  = metrics.FieldsDemoted
)

// CloudWatch comparison operators used below.
const (
	atLeast  = "GreaterThanOrEqualToThreshold"
	above    = "GreaterThanThreshold"
	below    = "LessThanThreshold"
	atMost   = "LessThanOrEqualToThreshold"
	notBreak = "notBreaching"
	breach   = "breaching"
)

// asyncEventAgeLimitMs is when queued log batches are called "late": one hour.
// The ingest function's event invoke config keeps events for at most 6 hours
// (maxEventAgeSecs) before they go to the dead-letter queue, and
// a healthy queue age is seconds (minutes while Lambda retries a failed batch
// 1 and 2 minutes later). One hour leaves five hours to fix the cause before a
// single event is given up on.
const asyncEventAgeLimitMs = 60 * 60 * 1000

// alarmSpec is one CloudWatch alarm, free of Pulumi types so the whole set
// reads (and is tested) as a table.
type alarmSpec struct {
	Name        string // unique in the stack; the alarm is logsearch-<stack>-<Name> (see names.go)
	Namespace   string
	Metric      string
	Statistic   string
	Period      int // seconds
	Evaluations int
	// DatapointsToAlarm, when set, fires on that many breaching periods
	// out of the last Evaluations ("M out of N") instead of all of them.
	DatapointsToAlarm int
	Comparison        string
	Threshold         float64
	MissingData       string // "" keeps CloudWatch's default ("missing")
	// Increase alarms on how much the metric grew during each period rather
	// than on its value: for counters that only ever count up from the last
	// node start, where any value >= 1 would keep the alarm on for good.
	Increase    bool
	Description string // what it means, then what to do
}

// Alarms is what operators reach the stack's monitoring by.
type Alarms struct {
	pulumi.ResourceState

	// TopicArn is the SNS topic every alarm notifies: subscribe a pager or
	// chat integration to it.
	TopicArn pulumi.StringOutput
	// DashboardURL opens the operations dashboard in the CloudWatch console.
	DashboardURL pulumi.StringOutput
}

// AlarmsArgs are the inputs of the Alarms stage.
type AlarmsArgs struct {
	Config     *Config           // the validated settings
	Domain     *SearchDomain     // the domain whose metrics are watched
	Ingestion  *Ingestion        // the ingest function and its dead-letter queue
	Setup      *DomainSetup      // the setup function
	Dashboards *DashboardsAccess // the office entry; without its dimensions its alarms are left out
	// StorageGuard is the storage guard; nil with storageGuard.enabled off.
	StorageGuard *StorageGuard
}

// NewAlarms creates the alarm topic (KMS-encrypted, e-mail subscriptions),
// every alarm on the domain, the ingest pipeline, the in-domain setup, the
// office entry and its target-sync function, and an operations dashboard.
func NewAlarms(ctx *pulumi.Context, args AlarmsArgs) (*Alarms, error) {
	cfg, domain, ingestion, setup, dashboards := args.Config, args.Domain, args.Ingestion, args.Setup, args.Dashboards
	domainAlarms, err := domainAlarmSpecs(cfg.Domain, recoveryAdvice(cfg.Archive))
	if err != nil {
		return nil, err
	}
	alarms := &Alarms{}
	ctx, err = newStage(ctx, "Alarms", "alarms", alarms)
	if err != nil {
		return nil, err
	}
	topic, err := newAlarmTopic(ctx, cfg)
	if err != nil {
		return nil, err
	}

	groups := []alarmGroup{
		{domainAlarms, pulumi.StringMap{"DomainName": domain.Name, "ClientId": pulumi.String(cfg.AccountID)}},
		{ingestAlarmSpecs(recoveryAdvice(cfg.Archive)), pulumi.StringMap{"FunctionName": ingestion.FunctionName}},
		{deadLetterAlarmSpecs(), pulumi.StringMap{"QueueName": ingestion.DLQName}},
		{setupAlarmSpecs(cfg.Names()), pulumi.StringMap{"FunctionName": setup.FunctionName}},
	}
	officeEntry := hasOfficeEntryMetrics(dashboards)
	if officeEntry {
		groups = append(groups, alarmGroup{officeEntryAlarmSpecs(), pulumi.StringMap{
			"LoadBalancer": dashboards.LoadBalancerArnSuffix,
			"TargetGroup":  dashboards.TargetGroupArnSuffix,
		}})
	} else {
		_ = ctx.Log.Warn("alarms: the office entry (ALB) exposes no metric dimensions, so its health alarms are not created", nil)
	}
	if dashboards != nil && dashboards.TargetSyncFunctionName.OutputState != nil {
		groups = append(groups, alarmGroup{targetSyncAlarmSpecs(cfg.Names()), pulumi.StringMap{"FunctionName": dashboards.TargetSyncFunctionName}})
	} else {
		_ = ctx.Log.Warn("alarms: the office entry has no target-sync function name, so its failure alarm is not created", nil)
	}
	if ingestion.SubscriberFunctionName.OutputState != nil {
		groups = append(groups, alarmGroup{subscriberAlarmSpecs(cfg.Names()), pulumi.StringMap{"FunctionName": ingestion.SubscriberFunctionName}})
	}
	guardName := pulumi.String("").ToStringOutput()
	if args.StorageGuard != nil {
		guardName = args.StorageGuard.FunctionName
		groups = append(groups, alarmGroup{storageGuardAlarmSpecs(cfg.Names()), pulumi.StringMap{metrics.Dimension: guardName}})
	}
	for _, g := range groups {
		for _, spec := range g.specs {
			if err := newMetricAlarm(ctx, cfg, spec, g.dimensions, topic); err != nil {
				return nil, err
			}
		}
	}

	board, err := newOperationsDashboard(ctx, cfg, domain, ingestion, dashboards, officeEntry, guardName)
	if err != nil {
		return nil, err
	}
	consoleURL := board.DashboardName.ApplyT(func(name string) string {
		return dashboardConsoleURL(cfg.Partition, cfg.Region, name)
	}).(pulumi.StringOutput)
	alarms.TopicArn, alarms.DashboardURL = topic.arn, consoleURL
	return alarms, registerStageOutputs(ctx, alarms)
}

// dashboardConsoleURL links a CloudWatch dashboard in the console of the
// stack's partition (China and GovCloud have their own console hosts).
func dashboardConsoleURL(partition, region, name string) string {
	host := region + ".console.aws.amazon.com"
	switch partition {
	case "aws-cn":
		host = region + ".console.amazonaws.cn"
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	}
	return fmt.Sprintf("https://%s/cloudwatch/home?region=%s#dashboards:name=%s", host, region, url.QueryEscape(name))
}

// alarmGroup is alarms on one resource: they share its metric dimensions.
type alarmGroup struct {
	specs      []alarmSpec
	dimensions pulumi.StringMap
}

// alarmTopic is where every alarm sends its ALARM and OK notifications.
type alarmTopic struct {
	arn    pulumi.StringOutput
	policy *sns.TopicPolicy // alarms wait for it, so their first message is allowed through
}

// newAlarmTopic creates the SNS topic, its customer-managed KMS key and the
// e-mail subscriptions. The AWS-managed alias/aws/sns key cannot be used:
// CloudWatch is not allowed to use it, so alarm notifications silently fail.
func newAlarmTopic(ctx *pulumi.Context, cfg *Config) (*alarmTopic, error) {
	keyPolicy, err := alarmKeyPolicy(cfg.Partition, cfg.AccountID)
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, childName(ctx, "alarms-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("logsearch %s: encrypts the alarm notification topic", cfg.Stack),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy),
		Tags:                 tags(cfg, "alarms-key"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, childName(ctx, "alarms-key-alias"), &kms.AliasArgs{
		Name:        pulumi.String(cfg.Names().AlarmKeyAlias),
		TargetKeyId: key.KeyId,
	}, childOptions(ctx)...); err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, childName(ctx, "alarms-topic"), &sns.TopicArgs{
		DisplayName:    pulumi.String(cfg.Names().AlarmTopicDisplayName),
		KmsMasterKeyId: key.Arn,
		Tags:           tags(cfg, "alarms-topic"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	policy, err := sns.NewTopicPolicy(ctx, childName(ctx, "alarms-topic-policy"), &sns.TopicPolicyArgs{
		Arn: topic.Arn,
		Policy: policyOf(func(v []string) []policyStatement {
			return alarmTopicStatements(cfg.Partition, cfg.Region, cfg.AccountID, v[0])
		}, topic.Arn),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	for _, email := range cfg.AlarmEmails {
		// Named by the address, not its position, so reordering the list
		// does not re-subscribe (and re-confirm) anybody.
		if _, err := sns.NewTopicSubscription(ctx, childName(ctx, "alarms-email-"+email), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, childOptions(ctx)...); err != nil {
			return nil, err
		}
	}
	return &alarmTopic{arn: topic.Arn, policy: policy}, nil
}

// alarmKeyPolicy keeps the account in control of the key (IAM policies apply;
// actions listed one by one as in every policy here) and lets CloudWatch
// encrypt the messages it publishes to the topic.
func alarmKeyPolicy(partition, accountID string) (string, error) {
	if partition == "" || accountID == "" {
		return "", fmt.Errorf("alarm key policy: the AWS partition (%q) and account ID (%q) are unknown; check the AWS credentials and region the deployment runs with", partition, accountID)
	}
	return policyJSON(
		policyStatement{
			Sid:       "AccountAdministersAndUsesKeyThroughIAM",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, accountID)},
			Action:    kmsAccountActions,
			Resource:  "*", // in a key policy "*" means this key
		},
		policyStatement{
			Sid:       "CloudWatchAlarmsEncryptNotifications",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			// GenerateDataKey is the one call SNS makes to encrypt a message
			// (AWS knowledge center, cloudwatch-configure-alarm-sns); the
			// usual "GenerateDataKey*" would also allow the variants it
			// never uses.
			Action:   []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource: "*",
		},
	), nil
}

// alarmTopicStatements let this account manage the topic and let CloudWatch
// publish to it only for alarms of this account and region.
func alarmTopicStatements(partition, region, accountID, topicArn string) []policyStatement {
	return []policyStatement{
		{
			Sid:       "AccountManagesTopic",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, accountID)},
			Action: []string{
				"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
				"sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
				"sns:ListSubscriptionsByTopic", "sns:Publish",
			},
			Resource: topicArn,
		},
		{
			Sid:       "CloudWatchAlarmsPublish",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			Action:    []string{"sns:Publish"},
			Resource:  topicArn,
			Condition: map[string]any{
				"StringEquals": map[string]string{"aws:SourceAccount": accountID},
				"ArnLike":      map[string]string{"aws:SourceArn": fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:*", partition, region, accountID)},
			},
		},
	}
}

// newMetricAlarm creates one alarm from its spec. Every alarm notifies the
// topic both when it fires and when it clears.
func newMetricAlarm(ctx *pulumi.Context, cfg *Config, spec alarmSpec, dimensions pulumi.StringMap, topic *alarmTopic) error {
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(cfg.Names().Alarm(spec.Name)),
		AlarmDescription:   pulumi.String(spec.Description),
		ComparisonOperator: pulumi.String(spec.Comparison),
		EvaluationPeriods:  pulumi.Int(spec.Evaluations),
		Threshold:          pulumi.Float64(spec.Threshold),
		ActionsEnabled:     pulumi.Bool(true),
		AlarmActions:       pulumi.Array{topic.arn},
		OkActions:          pulumi.Array{topic.arn},
		Tags:               tags(cfg, "alarm-"+spec.Name),
	}
	if spec.MissingData != "" {
		args.TreatMissingData = pulumi.String(spec.MissingData)
	}
	if spec.DatapointsToAlarm != 0 {
		args.DatapointsToAlarm = pulumi.Int(spec.DatapointsToAlarm)
	}
	if spec.Increase {
		// DIFF of the per-period value: the alarm sees how many were added
		// during the period; a node restart (counter back to 0) reads as a
		// negative change and never fires.
		args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("total"),
				ReturnData: pulumi.Bool(false),
				Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
					Namespace:  pulumi.String(spec.Namespace),
					MetricName: pulumi.String(spec.Metric),
					Stat:       pulumi.String(spec.Statistic),
					Period:     pulumi.Int(spec.Period),
					Dimensions: dimensions,
				},
			},
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("increase"),
				Expression: pulumi.String("DIFF(total)"),
				Label:      pulumi.String(spec.Metric + " added per period"),
				ReturnData: pulumi.Bool(true),
			},
		}
	} else {
		args.Namespace = pulumi.String(spec.Namespace)
		args.MetricName = pulumi.String(spec.Metric)
		args.Statistic = pulumi.String(spec.Statistic)
		args.Period = pulumi.Int(spec.Period)
		args.Dimensions = dimensions
	}
	_, err := cloudwatch.NewMetricAlarm(ctx, childName(ctx, "alarm-"+spec.Name), args, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{topic.policy}))...)
	return err
}

// hasOfficeEntryMetrics reports whether the ALB's metric dimensions exist as
// Outputs at all; a zero StringOutput (a stage not built yet) has none.
func hasOfficeEntryMetrics(d *DashboardsAccess) bool {
	return d != nil && d.LoadBalancerArnSuffix.OutputState != nil && d.TargetGroupArnSuffix.OutputState != nil
}

// domainAlarmSpecs are AWS's recommended OpenSearch alarms
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html),
// sized to this domain.
//
// recovery says how to get lost log events back (recoveryAdvice).
func domainAlarmSpecs(d DomainConfig, recovery string) ([]alarmSpec, error) {
	if d.InstanceCount < 1 || d.VolumeSize < 1 || d.DedicatedMasterCount < 0 {
		return nil, fmt.Errorf("domain alarms: instanceCount %d, volumeSize %d GiB and dedicatedMasterCount %d must be positive (masters may be 0); fix logsearch:domain",
			d.InstanceCount, d.VolumeSize, d.DedicatedMasterCount)
	}
	breakdown, err := reportsWriteRejectedBreakdown(d.EngineVersion)
	if err != nil {
		return nil, err
	}
	const es = "AWS/ES"
	specs := []alarmSpec{
		{Name: "domain-cluster-red", Namespace: es, Metric: "ClusterStatus.red", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1,
			Description: "At least one primary shard is not allocated: some indices cannot be searched or written, and new log lines are failing. Check the domain's cluster health in the OpenSearch console and the DLQ alarm; usually a node is down or out of storage. Events retry and then wait in the dead-letter queue; nothing is lost while it is fixed."},
		{Name: "domain-cluster-yellow", Namespace: es, Metric: "ClusterStatus.yellow", Statistic: "Maximum", Period: 60, Evaluations: 5, Comparison: atLeast, Threshold: 1,
			Description: "Replica shards are unassigned for 5 minutes: searches still work but a node failure would lose data. Usually a node is being replaced or disk is low; if it persists, check FreeStorageSpace and that domain.replicas is less than the number of data nodes."},
		{Name: "domain-free-storage", Namespace: es, Metric: "FreeStorageSpace", Statistic: "Minimum", Period: 60, Evaluations: 1, Comparison: atMost, Threshold: freeStorageThresholdMiB(d.VolumeSize),
			Description: fmt.Sprintf("A data node has 25%% or less of its %d GiB volume free. When it runs out, writes are blocked. Lower logsearch:retentionDays so old days are deleted sooner, or raise domain.volumeSize / instanceCount and deploy.", d.VolumeSize)},
		{Name: "domain-writes-blocked", Namespace: es, Metric: "ClusterIndexWritesBlocked", Statistic: "Maximum", Period: 300, Evaluations: 1, Comparison: atLeast, Threshold: 1,
			Description: "The domain is refusing writes (disk full or JVM memory pressure too high). New log lines go to the dead-letter queue. Free storage or scale the domain, then replay the dead-letter queue: backfill replay-dlq (docs/backfill.md#replaying-the-dead-letter-queue)."},
		{Name: "domain-nodes", Namespace: es, Metric: "Nodes", Statistic: "Minimum", Period: 86400, Evaluations: 1, Comparison: below, Threshold: float64(d.InstanceCount + d.DedicatedMasterCount),
			Description: fmt.Sprintf("At some point in the last day the cluster had fewer than its %d nodes (%d data + %d dedicated master): a node failed. AWS replaces failed nodes by itself; if the alarm is still on the next day, open a case with AWS Support.", d.InstanceCount+d.DedicatedMasterCount, d.InstanceCount, d.DedicatedMasterCount)},
		{Name: "domain-snapshot-failure", Namespace: es, Metric: "AutomatedSnapshotFailure", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1,
			Description: "No automated snapshot was taken in the last 36 hours, so the domain has no recent backup. Usually the cluster is red or out of storage; fix that first."},
		{Name: "domain-cpu", Namespace: es, Metric: "CPUUtilization", Statistic: "Maximum", Period: 900, Evaluations: 3, Comparison: atLeast, Threshold: 80,
			Description: "A data node has used 80% CPU or more for 45 minutes: searches and indexing slow down. Use a larger domain.instanceType or more instanceCount."},
		{Name: "domain-jvm-pressure", Namespace: es, Metric: "JVMMemoryPressure", Statistic: "Maximum", Period: 60, Evaluations: 3, Comparison: atLeast, Threshold: 95,
			Description: "A data node's Java heap is 95% full for 3 minutes; the domain may block writes or crash. Narrow heavy Dashboards queries, reduce shards, or use a larger domain.instanceType."},
		{Name: "domain-old-gen-jvm-pressure", Namespace: es, Metric: "OldGenJVMMemoryPressure", Statistic: "Maximum", Period: 60, Evaluations: 3, Comparison: atLeast, Threshold: 80,
			Description: "A data node's long-lived heap is 80% full for 3 minutes: memory is not being freed. Reduce shards (fewer daily indices via retentionDays) or use a larger domain.instanceType."},
		{Name: "domain-kms-key-error", Namespace: es, Metric: "KMSKeyError", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
			Description: "The KMS key encrypting the domain is disabled. Re-enable it in the KMS console at once; the domain cannot read or write until then."},
		{Name: "domain-kms-key-inaccessible", Namespace: es, Metric: "KMSKeyInaccessible", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
			Description: "The KMS key encrypting the domain was deleted or its grants revoked: the domain cannot be recovered. Cancel a pending key deletion in KMS immediately; otherwise restore from a manual snapshot into a new domain. " + recovery},
		{Name: "domain-shards-active", Namespace: es, Metric: "Shards.active", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 30000,
			Description: "The domain holds 30000 shards or more, close to its limit; new daily indices will fail. Lower retentionDays or domain.shards."},
		{Name: "domain-write-queue", Namespace: es, Metric: "ThreadpoolWriteQueue", Statistic: "Average", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 100,
			Description: "Writes are queuing on the data nodes: indexing cannot keep up. If this repeats, scale the domain (instanceType or instanceCount)."},
		{Name: "domain-write-rejected", Namespace: es, Metric: "ThreadpoolWriteRejected", Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1, Increase: true, MissingData: notBreak,
			Description: "The domain rejected writes (HTTP 429) during the last minute. The ingest function retries them; if this repeats, scale the domain and check the dead-letter queue."},
		{Name: "domain-master-reachable", Namespace: es, Metric: "MasterReachableFromNode", Statistic: "Maximum", Period: 86400, Evaluations: 1, Comparison: below, Threshold: 1,
			Description: "The cluster's master node was not reachable for a whole day: cluster changes and new indices fail. Open a case with AWS Support."},
	}
	if d.DedicatedMasterCount > 0 {
		specs = append(specs,
			alarmSpec{Name: "domain-master-cpu", Namespace: es, Metric: "MasterCPUUtilization", Statistic: "Maximum", Period: 900, Evaluations: 3, Comparison: atLeast, Threshold: 50,
				Description: "A dedicated master node has used 50% CPU or more for 45 minutes. Use a larger domain.dedicatedMasterType."},
			alarmSpec{Name: "domain-master-jvm-pressure", Namespace: es, Metric: "MasterJVMMemoryPressure", Statistic: "Maximum", Period: 60, Evaluations: 3, Comparison: atLeast, Threshold: 95,
				Description: "A dedicated master node's Java heap is 95% full for 3 minutes; the cluster may become unstable. Use a larger domain.dedicatedMasterType or reduce shards."},
			alarmSpec{Name: "domain-master-old-gen-jvm-pressure", Namespace: es, Metric: "MasterOldGenJVMMemoryPressure", Statistic: "Maximum", Period: 60, Evaluations: 3, Comparison: atLeast, Threshold: 80,
				Description: "A dedicated master node's long-lived heap is 80% full for 3 minutes. Use a larger domain.dedicatedMasterType or reduce shards."},
		)
	}
	if breakdown {
		for _, stage := range []struct{ metric, where string }{
			{"Coordinating", "on the node that received them"},
			{"Primary", "on primary shards"},
			{"Replica", "on replica shards"},
		} {
			specs = append(specs, alarmSpec{
				Name: "domain-" + strings.ToLower(stage.metric) + "-write-rejected", Namespace: es, Metric: stage.metric + "WriteRejected",
				Statistic: "Maximum", Period: 60, Evaluations: 1, Comparison: atLeast, Threshold: 1, Increase: true, MissingData: notBreak,
				Description: fmt.Sprintf("The domain rejected writes %s because of indexing pressure during the last minute (HTTP 429). The ingest function retries them; if this repeats, scale the domain (instanceType or instanceCount) and check the dead-letter queue.", stage.where),
			})
		}
	}
	return specs, nil
}

// freeStorageThresholdMiB is 25% of one data node's volume, in MiB (the unit
// of FreeStorageSpace). AWS's example alarm uses a fixed 20480 MiB (20 GiB)
// and recommends 25% of each node's storage instead: the service keeps 20% of
// each volume for itself, so a fixed 20 GiB would never clear on volumes under
// 25 GiB, and on volumes over 400 GiB it would fire only after the 95% flood
// watermark had already blocked writes.
func freeStorageThresholdMiB(volumeGiB int) float64 {
	return float64(volumeGiB) * 1024 * freeStorageAlarmFraction
}

// recoveryAdvice is the sentence alarm descriptions end with when log
// events were lost from the domain: it names the archive the stack really
// has, and says so when there is none.
func recoveryAdvice(a ArchiveConfig) string {
	switch {
	case a.Create:
		return "Re-index the affected hours with the backfill tool from the stack's archive (stack output archiveUrl), which holds every event the ingest function received."
	case a.Bucket != "":
		return fmt.Sprintf("Re-index the affected hours with the backfill tool from the archive s3://%s/%s.", a.Bucket, a.Prefix)
	}
	return "This stack keeps no archive (logsearch:archive): re-send the affected hours from wherever the applications' logs are still kept, e.g. with the backfill tool from a local copy."
}

// reportsWriteRejectedBreakdown reports whether the engine publishes the
// Coordinating/Primary/ReplicaWriteRejected metrics: Elasticsearch 7.1 and
// later, and every OpenSearch version.
func reportsWriteRejectedBreakdown(engineVersion string) (bool, error) {
	engine, version, ok := strings.Cut(engineVersion, "_")
	majorText, minorText, ok2 := strings.Cut(version, ".")
	major, err1 := strconv.Atoi(majorText)
	minor, err2 := strconv.Atoi(minorText)
	if !ok || !ok2 || err1 != nil || err2 != nil {
		return false, fmt.Errorf("domain alarms: engine version %q is not <Engine>_<major>.<minor>; set logsearch:domain.engineVersion like %s", engineVersion, DefaultEngineVersion)
	}
	switch engine {
	case "OpenSearch":
		return true, nil
	case "Elasticsearch":
		return major > 7 || major == 7 && minor >= 1, nil
	}
	return false, fmt.Errorf("domain alarms: engine %q in %q is neither OpenSearch nor Elasticsearch; set logsearch:domain.engineVersion like %s", engine, engineVersion, DefaultEngineVersion)
}

// ingestAlarmSpecs watch the ingest function (namespace AWS/Lambda, dimension
// FunctionName). The event counts are only published when something happens,
// so no data means nothing went wrong.
func ingestAlarmSpecs(recovery string) []alarmSpec {
	const ns = "AWS/Lambda"
	count := func(name, metric, description string) alarmSpec {
		return alarmSpec{Name: name, Namespace: ns, Metric: metric, Statistic: "Sum", Period: 300, Evaluations: 1,
			Comparison: atLeast, Threshold: 1, MissingData: notBreak, Description: description}
	}
	return []alarmSpec{
		count("ingest-errors", "Errors",
			"The ingest function failed on a batch of log events in the last 5 minutes (OpenSearch refused or was unreachable). Lambda retries it twice; then it goes to the dead-letter queue. Read the function's log group for the error; if the DLQ alarm follows, fix the cause, then replay the queue with backfill replay-dlq."),
		count("ingest-throttles", "Throttles",
			"Lambda throttled the ingest function: more log batches arrive than its concurrency allows. They are retried for up to 6 hours. If this repeats, raise logsearch:ingest.maxConcurrency (or remove the cap) or the account's Lambda concurrency quota."),
		count("ingest-destination-failures", "DestinationDeliveryFailures",
			"Lambda could not hand a failed batch to the on-failure destination (dead-letter queue): those log events are lost. Check that the queue exists and the function's role may sqs:SendMessage to it."),
		count("ingest-dead-letter-errors", "DeadLetterErrors",
			"Lambda could not write a failed batch to the function's dead-letter queue. Check that the queue exists and the function's role may sqs:SendMessage to it."),
		count("ingest-events-dropped", "AsyncEventsDropped",
			"Lambda dropped log batches without running the function (too old, or retries exhausted) and could not keep them. Those log events are lost from the domain. "+recovery),
		{Name: "ingest-event-age", Namespace: ns, Metric: "AsyncEventAge", Statistic: "Maximum", Period: 300, Evaluations: 1,
			Comparison: atLeast, Threshold: asyncEventAgeLimitMs, MissingData: notBreak,
			Description: "Log batches have waited an hour or more in Lambda's queue before being processed: search results are at least an hour behind. After 6 hours batches go to the dead-letter queue. Look at the Throttles and Errors alarms for the cause."},
	}
}

// deadLetterAlarmSpecs fire as soon as one failed batch is parked.
func deadLetterAlarmSpecs() []alarmSpec {
	return []alarmSpec{{
		Name: "ingest-dlq-depth", Namespace: "AWS/SQS", Metric: "ApproximateNumberOfMessagesVisible", Statistic: "Maximum",
		Period: 300, Evaluations: 1, Comparison: above, Threshold: 0, MissingData: notBreak,
		Description: "Log batches the ingest function gave up on are waiting in the dead-letter queue: they are not searchable yet. Fix the cause (see the function's log group and the domain alarms), then, before its 14-day retention ends, replay it: backfill replay-dlq --dry-run to look, then backfill replay-dlq (docs/backfill.md#replaying-the-dead-letter-queue).",
	}}
}

// officeEntryAlarmSpecs watch the internal ALB that support staff go through
// (namespace AWS/ApplicationELB, dimensions LoadBalancer + TargetGroup). Its
// targets are the domain's network interfaces, which move during blue/green
// updates, hence five minutes before an unhealthy target is reported.
func officeEntryAlarmSpecs() []alarmSpec {
	const ns = "AWS/ApplicationELB"
	return []alarmSpec{
		{Name: "office-unhealthy-targets", Namespace: ns, Metric: "UnHealthyHostCount", Statistic: "Maximum", Period: 60, Evaluations: 5,
			Comparison: atLeast, Threshold: 1,
			Description: "At least one OpenSearch Dashboards target behind the office load balancer has failed health checks for 5 minutes. Users may see errors. Check the target group in the EC2 console; after a domain update the targets should follow the domain's new addresses within minutes."},
		// An empty target group (the target-sync function never registered
		// the domain, or deregistered everything) publishes no
		// HealthyHostCount at all: that is the outage itself, so missing
		// data must read as breaching, not INSUFFICIENT_DATA.
		{Name: "office-no-healthy-targets", Namespace: ns, Metric: "HealthyHostCount", Statistic: "Minimum", Period: 60, Evaluations: 3,
			Comparison: below, Threshold: 1, MissingData: breach,
			Description: "No healthy OpenSearch Dashboards target behind the office load balancer for 3 minutes: support staff cannot open Dashboards. Check the domain is up (cluster alarms) and the target group's registered targets."},
	}
}

// setupAlarmSpecs fire when the in-domain setup could not apply the desired
// state, on a scheduled (hourly) run or a deploy-time one. Lambda's Errors
// counts every failed run, including a crash or timeout that writes no
// metric of its own; an hour-long period spans one scheduled run and its
// retries.
//
// Errors sees only runs that happen: a schedule that stops invoking (its
// rule disabled, the permission that lets EventBridge invoke deleted)
// raises nothing there. Lambda publishes Invocations only for invocations
// that ran, not for throttled or refused requests, and no data point at
// all when there were none ("View these metrics with the Sum statistic",
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#invocation-metrics),
// so fewer than 1 in 2 hours, with missing data breaching, fires when two
// hourly runs in a row did not start.
func setupAlarmSpecs(names StackNames) []alarmSpec {
	return []alarmSpec{{
		Name: "setup-errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum",
		Period: 3600, Evaluations: 1, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "The in-domain setup could not re-apply the roles, role mappings, index template or retention policy, so drift inside the domain (a role mapping deleted by hand stops ingestion) is not being healed. Read the error in the setup function's log group (" + FunctionLogGroup(names.SetupFunction) + "). A 401/403 means its role lost its all_access mapping: run pulumi up --replace on the setup invocation (pulumi stack --show-urns lists its URN, ending in domain-setup) to restore it with the master password.",
	}, {
		Name: "setup-not-running", Namespace: "AWS/Lambda", Metric: "Invocations", Statistic: "Sum",
		Period: 2 * 3600, Evaluations: 1, Comparison: below, Threshold: 1, MissingData: breach,
		Description: "The in-domain setup function has not run for 2 hours although its schedule runs it every hour, so drift inside the domain is not being healed and setup-errors cannot fire. Check that the stack's EventBridge rule logsearch-domain-setup-schedule-<suffix> is enabled and targets the setup function, and that the function's resource policy still lets events.amazonaws.com invoke it; run pulumi up to restore both.",
	}}
}

// targetSyncAlarmSpecs watch the function that keeps the office entry's
// target group on the domain's current IPs (namespace AWS/Lambda, dimension
// FunctionName). It runs every minute and a failed run is simply retried by
// the next one, so a single error (an API throttle, a domain mid-update) is
// no news; a broken permission fails every run. Failures in 3 of 5 minutes
// therefore fire within minutes of the cause and before a blue/green update
// moves the domain to IPs the target group would never learn.
func targetSyncAlarmSpecs(names StackNames) []alarmSpec {
	return []alarmSpec{{
		Name: "office-target-sync-errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum",
		Period: 60, Evaluations: 5, DatapointsToAlarm: 3, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "The function that keeps the office load balancer pointed at the OpenSearch domain failed in 3 of the last 5 minutes. Dashboards still works for now, but after the next domain update (blue/green) support staff will get errors. Read the error in the function's log group (" + FunctionLogGroup(names.TargetSyncFunction) + "); AccessDenied means its role lost a permission: run pulumi up to restore it.",
	}}
}

// dashboardWidget is one tile of a CloudWatch dashboard body; see the
// CloudWatch "Dashboard Body Structure and Syntax" reference.
type dashboardWidget struct {
	Type       string `json:"type"`
	X          int    `json:"x"`
	Y          int    `json:"y"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Properties any    `json:"properties"`
}

type metricWidgetProperties struct {
	Title       string              `json:"title"`
	Region      string              `json:"region"`
	View        string              `json:"view"`
	Stacked     bool                `json:"stacked"`
	Period      int                 `json:"period"`
	Metrics     [][]any             `json:"metrics"`
	Annotations *widgetAnnotations  `json:"annotations,omitempty"`
	YAxis       map[string]minValue `json:"yAxis,omitempty"`
}

type widgetAnnotations struct {
	Horizontal []annotation `json:"horizontal"`
}

type annotation struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

type minValue struct {
	Min float64 `json:"min"`
}

type textWidgetProperties struct {
	Markdown string `json:"markdown"`
}

// dashboardTargets are the resolved names the dashboard's metrics point at.
type dashboardTargets struct {
	Stack, Region, AccountID, Domain, Function, Queue string
	LoadBalancer, TargetGroup                         string // "" when there is no office entry
	FreeStorageAlarmMiB                               float64
	Guard                                             string // the storage guard function; "" with the guard off
}

// newOperationsDashboard is the one page to look at first: is data coming in,
// is it being indexed, is anything parked in the DLQ, is the domain healthy.
func newOperationsDashboard(ctx *pulumi.Context, cfg *Config, domain *SearchDomain, ingestion *Ingestion, dashboards *DashboardsAccess, officeEntry bool, guard pulumi.StringOutput) (*cloudwatch.Dashboard, error) {
	lb, tg := pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if officeEntry {
		lb, tg = dashboards.LoadBalancerArnSuffix, dashboards.TargetGroupArnSuffix
	}
	body := pulumi.All(domain.Name, ingestion.FunctionName, ingestion.DLQName, lb, tg, guard).ApplyT(func(v []any) (string, error) {
		return dashboardBody(dashboardTargets{
			Stack: cfg.Stack, Region: cfg.Region, AccountID: cfg.AccountID,
			Domain: v[0].(string), Function: v[1].(string), Queue: v[2].(string),
			LoadBalancer: v[3].(string), TargetGroup: v[4].(string),
			FreeStorageAlarmMiB: freeStorageThresholdMiB(cfg.Domain.VolumeSize),
			Guard:               v[5].(string),
		})
	}).(pulumi.StringOutput)
	return cloudwatch.NewDashboard(ctx, childName(ctx, "operations-dashboard"), &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(cfg.Names().Dashboard),
		DashboardBody: body,
	}, childOptions(ctx)...)
}

// dashboardBody renders the dashboard JSON. Rows of the grid (24 units wide):
// ingest, then indexing and the DLQ, then domain health, then the field
// values kept aside next to the office entry.
func dashboardBody(t dashboardTargets) (string, error) {
	domainDims := []any{"DomainName", t.Domain, "ClientId", t.AccountID}
	es := func(metric, stat, label string) []any {
		return append(append([]any{"AWS/ES", metric}, domainDims...), map[string]string{"stat": stat, "label": label})
	}
	ingest := func(metric, stat, label string) []any {
		return []any{metrics.Namespace, metric, metrics.Dimension, t.Function, map[string]string{"stat": stat, "label": label}}
	}
	lambda := func(metric, stat, label string) []any {
		return []any{"AWS/Lambda", metric, "FunctionName", t.Function, map[string]string{"stat": stat, "label": label}}
	}
	graph := func(title string, period int, metrics ...[]any) metricWidgetProperties {
		return metricWidgetProperties{Title: title, Region: t.Region, View: "timeSeries", Period: period, Metrics: metrics,
			YAxis: map[string]minValue{"left": {Min: 0}}}
	}
	withLine := func(p metricWidgetProperties, label string, value float64) metricWidgetProperties {
		p.Annotations = &widgetAnnotations{Horizontal: []annotation{{Label: label, Value: value}}}
		return p
	}

	widgets := []dashboardWidget{
		{Type: "text", X: 0, Y: 0, Width: 24, Height: 2, Properties: textWidgetProperties{Markdown: fmt.Sprintf(
			"## logsearch %s\nLog events in and indexed, indexing latency, the dead-letter queue (should be 0) and domain health. "+
				"Every alarm of this stack e-mails the alarm topic; docs/operations.md#the-alarms says what each means and what to do.", t.Stack)}},
		{Type: "metric", X: 0, Y: 2, Width: 12, Height: 6, Properties: graph("Ingest rate (log events per 5 minutes)", 300,
			ingest(MetricEventsIn, "Sum", "received"),
			ingest(MetricIndexed, "Sum", "indexed"),
			ingest(MetricSentToDLQ, "Sum", "sent to dead-letter queue"))},
		{Type: "metric", X: 12, Y: 2, Width: 12, Height: 6, Properties: graph("Ingest function", 300,
			lambda("Invocations", "Sum", "invocations"),
			lambda("Errors", "Sum", "errors"),
			lambda("Throttles", "Sum", "throttles"),
			lambda("AsyncEventsDropped", "Sum", "dropped"))},
		{Type: "metric", X: 0, Y: 8, Width: 12, Height: 6, Properties: graph("Indexing latency (ms)", 60,
			es("IndexingLatency", "Average", "OpenSearch indexing latency (avg per shard)"),
			ingest(MetricBulkLatency, "Average", "_bulk round trip (avg)"),
			ingest(MetricBulkLatency, "p99", "_bulk round trip (p99)"))},
		{Type: "metric", X: 12, Y: 8, Width: 12, Height: 6, Properties: withLine(graph("Dead-letter queue depth (should be 0)", 300,
			[]any{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", t.Queue, map[string]string{"stat": "Maximum", "label": "messages waiting"}}),
			"alarm", 1)},
		{Type: "metric", X: 0, Y: 14, Width: 8, Height: 6, Properties: graph("Cluster status (1 = current)", 60,
			es("ClusterStatus.green", "Maximum", "green"),
			es("ClusterStatus.yellow", "Maximum", "yellow"),
			es("ClusterStatus.red", "Maximum", "red"),
			es("ClusterIndexWritesBlocked", "Maximum", "writes blocked"))},
		{Type: "metric", X: 8, Y: 14, Width: 8, Height: 6, Properties: withLine(graph("Free storage, emptiest data node (MiB)", 60,
			es("FreeStorageSpace", "Minimum", "free storage")), "alarm", t.FreeStorageAlarmMiB)},
		{Type: "metric", X: 16, Y: 14, Width: 8, Height: 6, Properties: withLine(graph("JVM memory pressure (%)", 60,
			es("JVMMemoryPressure", "Maximum", "JVM memory pressure"),
			es("OldGenJVMMemoryPressure", "Maximum", "old generation"),
			es("CPUUtilization", "Maximum", "CPU %")), "alarm", 95)},
	}
	// Both count values that are searchable only under @invalid or
	// @unmapped, never lost events: a rising line means a field needs a
	// type in ingest.fieldTypes, not an outage.
	widgets = append(widgets, dashboardWidget{Type: "metric", X: 0, Y: 20, Width: 12, Height: 6, Properties: graph("Field values kept aside (events still indexed, per 5 minutes)", 300,
		ingest(MetricCoercedInvalid, "Sum", "did not fit ingest.fieldTypes (@invalid)"),
		ingest(MetricFieldsDemoted, "Sum", "refused by the day's mapping (@invalid / @unmapped)"))})
	if t.LoadBalancer != "" && t.TargetGroup != "" {
		alb := func(metric, stat, label string) []any {
			return []any{"AWS/ApplicationELB", metric, "TargetGroup", t.TargetGroup, "LoadBalancer", t.LoadBalancer, map[string]string{"stat": stat, "label": label}}
		}
		widgets = append(widgets, dashboardWidget{Type: "metric", X: 12, Y: 20, Width: 12, Height: 6, Properties: graph("Office entry: Dashboards targets", 60,
			alb("HealthyHostCount", "Minimum", "healthy"),
			alb("UnHealthyHostCount", "Maximum", "unhealthy"))})
	}
	widgets = append(widgets, storageGuardWidgets(t, graph)...)
	b, err := json.Marshal(map[string]any{"widgets": widgets})
	return string(b), err
}
