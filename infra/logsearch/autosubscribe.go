package logsearch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/metrics"
	autosub "github.com/logsearch/logsearch/lambda/subscriber/subscribe"
)

const (
	// subscriberSchedule is how often the subscriber sweeps the groups
	// under the prefixes: the path that works without CloudTrail, and
	// catches every event the creation rule missed.
	subscriberSchedule = "rate(5 minutes)"
	// subscriberTimeout is Lambda's maximum: a deploy-time run describes
	// the filters of every log group in the account and region, at
	// CloudWatch Logs' control-plane rate.
	subscriberTimeout = 900
)

// subscriberRules are the prefix entries as the subscriber reads them.
func (c *Config) subscriberRules() []autosub.Rule {
	var rules []autosub.Rule
	for _, g := range c.prefixEntries() {
		rules = append(rules, autosub.Rule{Prefix: g.Prefix, FilterPattern: g.FilterPattern, KeepLastSlotFree: g.KeepLastSlotFree})
	}
	return rules
}

// logGroupArnPattern is the IAM/Lambda ARN pattern of every log group whose
// name starts with prefix (ArnLike matching; "*" also covers the ":*"
// suffix of a group's ARN).
func logGroupArnPattern(cfg *Config, prefix string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s*", cfg.Partition, cfg.Region, cfg.AccountID, prefix)
}

// newAutoSubscriber deploys lambda/subscriber for the prefix entries of
// logGroups: the permission for CloudWatch Logs to invoke the ingest
// function from any group under each prefix, the function with its
// least-privilege role and log group, a deploy-time invocation (lifecycle
// scope CRUD) and the schedule and CloudTrail rules that run it.
//
// Order, on deploy and on destroy. The invocation waits for the invoke
// permissions (CloudWatch Logs does not retry an AccessDenied delivery) and
// for writerReady, like the named groups' filters. The rules' targets wait
// for the invocation, so pulumi destroy (or removing the last prefix)
// first stops the schedule and the creation events, then runs the
// invocation's delete, which removes every filter of ours, and only then
// deletes the function, its role and the permissions.
//
// The function runs outside the VPC: it only calls the CloudWatch Logs API.
func newAutoSubscriber(ctx *pulumi.Context, cfg *Config, ingest *lambda.Function, kmsKeyArn pulumi.StringInput, writerReady []pulumi.Resource) (pulumi.StringOutput, error) {
	rules := cfg.subscriberRules()
	names := cfg.Names()
	var perms []pulumi.Resource
	for _, r := range rules {
		perm, err := lambda.NewPermission(ctx, childName(ctx, "invoke-prefix-"+logGroupResourceName(r.Prefix)), &lambda.PermissionArgs{
			Action:        pulumi.String("lambda:InvokeFunction"),
			Function:      ingest.Name,
			Principal:     pulumi.String(cfg.servicePrincipal("logs")),
			SourceArn:     pulumi.String(logGroupArnPattern(cfg, r.Prefix)),
			SourceAccount: pulumi.String(cfg.AccountID),
		}, childOptions(ctx)...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		perms = append(perms, perm)
	}

	logGroup, err := newLogGroup(ctx, cfg, "subscriber", FunctionLogGroup(names.SubscriberFunction), kmsKeyArn)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	role, err := newFunctionRole(ctx, cfg, "subscriber", "logsearch: subscribes the log groups under logsearch:logGroups prefixes to the ingest function", false)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := role.allowInline(ctx, policyOf(func(v []string) []policyStatement {
		return subscriberPolicy(cfg, v[0])
	}, logGroup.Arn)); err != nil {
		return pulumi.StringOutput{}, err
	}
	rulesJSON, err := json.Marshal(rules)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	excludes, err := json.Marshal(cfg.subscriberExcludes())
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	fn, err := newGoFunction(ctx, "subscriber", "subscriber", role, &lambda.FunctionArgs{
		Name:        pulumi.String(names.SubscriberFunction),
		Description: pulumi.String("Subscribes the log groups under the stack's logGroups prefixes to the ingest function"),
		MemorySize:  pulumi.Int(128),
		Timeout:     pulumi.Int(subscriberTimeout),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"RULES":            pulumi.String(string(rulesJSON)),
			"EXCLUDE_PREFIXES": pulumi.String(string(excludes)),
			"FILTER_NAME":      pulumi.String(names.AutoSubscriptionFilter),
			"DESTINATION_ARN":  ingest.Arn,
		}},
		LoggingConfig: jsonLogging(logGroup),
		Tags:          tags(cfg, "subscriber"),
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// A creation event whose run failed is worth retrying; the schedule
	// covers whatever is still missed.
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, childName(ctx, "subscriber"), &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:             fn.Name,
		MaximumRetryAttempts:     pulumi.Int(2),
		MaximumEventAgeInSeconds: pulumi.Int(3600),
	}, childOptions(ctx)...); err != nil {
		return pulumi.StringOutput{}, err
	}

	sum := sha256.Sum256(rulesJSON)
	inv, err := lambda.NewInvocation(ctx, childName(ctx, "subscriber-deploy"), &lambda.InvocationArgs{
		FunctionName: fn.Name,
		// The rules are in the input so a change of prefixes is an update,
		// run with action "update", and the provider hands the previous
		// rules to the delete run as prev_input.
		Input:          pulumi.String(fmt.Sprintf(`{"rules":%s}`, rulesJSON)),
		LifecycleScope: pulumi.String("CRUD"),
		Triggers: pulumi.StringMap{
			"rules": pulumi.String(hex.EncodeToString(sum[:])),
			"code":  fn.CodeSha256,
		},
	}, childOptions(ctx, pulumi.DependsOn(append(perms, writerReady...)))...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}

	created, err := creationEventPattern(rules)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	for _, r := range []struct {
		name string
		args *cloudwatch.EventRuleArgs
	}{
		{"subscriber-schedule", &cloudwatch.EventRuleArgs{
			Description:        pulumi.String("Subscribe the log groups under the logsearch:logGroups prefixes"),
			ScheduleExpression: pulumi.String(subscriberSchedule),
		}},
		{"subscriber-new-groups", &cloudwatch.EventRuleArgs{
			Description:  pulumi.String("Subscribe a log group under a logsearch:logGroups prefix as soon as it is created (CloudTrail management events)"),
			EventPattern: pulumi.String(created),
		}},
	} {
		if err := invokeOnRule(ctx, r.name, r.args, fn, nil, pulumi.DependsOn([]pulumi.Resource{inv})); err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	return fn.Name, nil
}

// creationEventPattern matches CloudTrail's record of a successful
// CreateLogGroup under one of the prefixes, as EventBridge receives it
// (source aws.logs, detail-type "AWS API Call via CloudTrail",
// https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-logs.html).
// EventBridge delivers such events only while a CloudTrail trail records
// management events in the region
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html);
// without one, the schedule still subscribes new groups.
func creationEventPattern(rules []autosub.Rule) (string, error) {
	var names []map[string]string
	for _, r := range rules {
		names = append(names, map[string]string{"prefix": r.Prefix})
	}
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.logs"},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail": map[string]any{
			"eventSource":       []string{"logs.amazonaws.com"},
			"eventName":         []string{"CreateLogGroup"},
			"requestParameters": map[string]any{"logGroupName": names},
		},
	})
	return string(b), err
}

// subscriberPolicy is the subscriber's whole permission set. Creating a
// filter is allowed only under the prefixes. Describing and deleting reach
// every group of the account and region: a deploy-time run must find and
// remove our filters on groups a removed or narrowed prefix no longer
// covers, and the function deletes only filters it created (its filter
// name and the ingest function's ARN). A Lambda destination needs no
// iam:PassRole (PutSubscriptionFilter API reference).
func subscriberPolicy(cfg *Config, logGroupArn string) []policyStatement {
	var under []string
	for _, r := range cfg.subscriberRules() {
		under = append(under, logGroupArnPattern(cfg, r.Prefix))
	}
	all := logGroupArnPattern(cfg, "")
	find := allow([]string{"logs:DescribeLogGroups", "logs:DescribeSubscriptionFilters"}, all)
	find.Sid = "FindGroupsAndTheirFilters"
	put := allow([]string{"logs:PutSubscriptionFilter"}, under...)
	put.Sid = "SubscribeGroupsUnderThePrefixes"
	del := allow([]string{"logs:DeleteSubscriptionFilter"}, all)
	del.Sid = "RemoveOurFiltersWherePrefixesNoLongerReach"
	return []policyStatement{find, put, del, allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroupArn+":*")}
}

// subscriberAlarmSpecs watch the subscriber (dimension FunctionName). Both
// wait for a second period: one run seeing a group mid-change is no news.
func subscriberAlarmSpecs(names StackNames) []alarmSpec {
	return []alarmSpec{{
		Name: "groups-not-subscribed", Namespace: metrics.Namespace, Metric: metrics.GroupsNotSubscribed, Statistic: "Maximum",
		Period: 900, Evaluations: 2, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "Log groups under a logsearch:logGroups prefix are not searchable: other owners hold both of their 2 subscription filters (or one, with keepLastSlotFree). The subscriber's log group (" + FunctionLogGroup(names.SubscriberFunction) + ") names each group in a warning. Free a slot on the group (remove another owner's filter), or accept that it is not indexed.",
	}, {
		Name: "subscriber-errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum",
		Period: 900, Evaluations: 2, Comparison: atLeast, Threshold: 1, MissingData: notBreak,
		Description: "The function that subscribes new log groups under the logsearch:logGroups prefixes failed for 30 minutes, so new groups are not becoming searchable. Read the error in " + FunctionLogGroup(names.SubscriberFunction) + "; AccessDenied means its role lost a permission: run pulumi up to restore it.",
	}}
}
