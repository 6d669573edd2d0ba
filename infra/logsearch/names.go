package logsearch

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// namePrefix starts every physical name the stack chooses, so an account's
// resources show which project they belong to.
const namePrefix = "logsearch"

// nameRule is one AWS naming rule: a maximum length, the characters
// allowed (everything else becomes "-") and whether upper case is refused.
type nameRule struct {
	max     int
	lower   bool
	invalid *regexp.Regexp
}

// The naming rules of the resources this stack names itself. Resources
// it leaves to Pulumi's auto-naming (load balancer, target group, IAM
// roles, security groups, EventBridge rules, queue, topic, flow-log group,
// S3 buckets) get their logical name plus a random suffix.
var (
	// OpenSearch domain: 3-28 characters, a-z 0-9 and -, starting with a
	// letter (OpenSearch Service API reference, CreateDomain, DomainName).
	domainNameRule = nameRule{max: 28, lower: true, invalid: regexp.MustCompile(`[^a-z0-9-]+`)}
	// Lambda function: 1-64 characters, letters, digits, - and _ (Lambda
	// API reference, CreateFunction, FunctionName).
	functionNameRule = nameRule{max: 64, invalid: regexp.MustCompile(`[^A-Za-z0-9_-]+`)}
	// KMS alias: alias/ then letters, digits, / _ -; 256 in all (KMS API
	// reference, CreateAlias, AliasName).
	kmsAliasRule = nameRule{max: 256 - len("alias/"), invalid: regexp.MustCompile(`[^A-Za-z0-9/_-]+`)}
	// CloudWatch alarm names (1-255), CloudWatch Logs resource policy names
	// and subscription filter names (1-512, no : or *): kept to one safe
	// set, letters, digits, . _ - (CloudWatch PutMetricAlarm, CloudWatch
	// Logs PutResourcePolicy and PutSubscriptionFilter API references).
	cloudWatchNameRule = nameRule{max: 255, invalid: regexp.MustCompile(`[^A-Za-z0-9._-]+`)}
	// CloudWatch dashboard: 1-255 of letters, digits, - and _ (CloudWatch
	// PutDashboard API reference, DashboardName).
	dashboardNameRule = nameRule{max: 255, invalid: regexp.MustCompile(`[^A-Za-z0-9_-]+`)}
	// SNS topic display name (what alarm e-mails show as their sender): at
	// most 100 characters (CloudFormation, AWS::SNS::Topic, DisplayName:
	// "The display name must be maximum 100 characters long").
	snsDisplayNameRule = nameRule{max: 100, invalid: regexp.MustCompile(`[^A-Za-z0-9_./-]+`)}
)

// stackHashLen hex digits of the stack name's SHA-256 tell apart two stack
// names that a rule shortens or rewrites to the same text.
const stackHashLen = 6

// name is "logsearch-<stack>[-<hash>][-<suffix>]" under rule r. The stack
// name is kept as written when r allows it; otherwise (characters r
// refuses, upper case where r wants lower, too long) it is rewritten or
// shortened and the hash of the original is added, so "Dev", "dev." and
// two long names sharing a prefix still get different names.
func (r nameRule) name(stack, suffix string) string {
	s := stack
	if r.lower {
		s = strings.ToLower(s)
	}
	s = strings.Trim(r.invalid.ReplaceAllString(s, "-"), "-")
	tail := ""
	if suffix != "" {
		tail = "-" + suffix
	}
	if s == stack && len(namePrefix)+1+len(s)+len(tail) <= r.max {
		return namePrefix + "-" + s + tail
	}
	sum := sha256.Sum256([]byte(stack))
	hash := hex.EncodeToString(sum[:])[:stackHashLen]
	room := r.max - len(namePrefix) - 1 - len(hash) - len(tail) - 1
	if len(s) > room {
		s = strings.TrimRight(s[:max(room, 0)], "-")
	}
	if s == "" {
		return namePrefix + "-" + hash + tail
	}
	return namePrefix + "-" + s + "-" + hash + tail
}

// StackNames are the physical names of the resources the stack names
// itself, valid under AWS's rules for any Pulumi stack name.
type StackNames struct {
	Domain             string
	IngestFunction     string
	SetupFunction      string
	TargetSyncFunction string
	// SubscriberFunction subscribes the groups under logGroups prefixes.
	SubscriberFunction   string
	StorageGuardFunction string
	StackKeyAlias        string // with the alias/ prefix
	AlarmKeyAlias        string // with the alias/ prefix
	DomainLogsPolicy     string
	SubscriptionFilter   string
	// AutoSubscriptionFilter names the filters SubscriberFunction creates;
	// with the ingest function's ARN it marks them as this stack's.
	AutoSubscriptionFilter string
	Dashboard              string
	// AlarmTopicDisplayName is the alarm topic's display name, the sender
	// name of alarm e-mails.
	AlarmTopicDisplayName string
	stack                 string
}

// NamesFor derives every physical name from the stack name: the names of
// Program's one LogSearch.
func NamesFor(stack string) StackNames { return namesFor(stack, DefaultName) }

// namesFor derives the physical names of the LogSearch named instance in
// stack. DefaultName (or no name) keeps the stack's own names; any other
// instance adds "/<instance>" to the stack name before the rules apply.
// Every rule but the KMS alias's refuses "/", so those names are rewritten
// and carry the hash of "<stack>/<instance>": they differ from another
// instance's and from a stack named "<stack>-<instance>".
func namesFor(stack, instance string) StackNames {
	if instance != "" && instance != DefaultName {
		stack += "/" + instance
	}
	return StackNames{
		Domain:                 domainNameRule.name(stack, ""),
		IngestFunction:         functionNameRule.name(stack, "ingest"),
		SetupFunction:          functionNameRule.name(stack, "setup"),
		TargetSyncFunction:     functionNameRule.name(stack, "dashboards-targetsync"),
		SubscriberFunction:     functionNameRule.name(stack, "subscriber"),
		StorageGuardFunction:   functionNameRule.name(stack, "storage-guard"),
		StackKeyAlias:          "alias/" + kmsAliasRule.name(stack, ""),
		AlarmKeyAlias:          "alias/" + kmsAliasRule.name(stack, "alarms"),
		DomainLogsPolicy:       cloudWatchNameRule.name(stack, "opensearch-logs"),
		SubscriptionFilter:     cloudWatchNameRule.name(stack, ""),
		AutoSubscriptionFilter: cloudWatchNameRule.name(stack, "auto"),
		Dashboard:              dashboardNameRule.name(stack, ""),
		AlarmTopicDisplayName:  alarmTopicDisplayName(stack),
		stack:                  stack,
	}
}

// alarmTopicDisplayName is "logsearch <stack> alarms", or under a stack
// name too long for SNS the rule's shortened form.
func alarmTopicDisplayName(stack string) string {
	if s := namePrefix + " " + stack + " alarms"; len(s) <= snsDisplayNameRule.max {
		return s
	}
	return snsDisplayNameRule.name(stack, "alarms")
}

// Alarm names one alarm of the stack, e.g. logsearch-prod-domain-cpu.
func (n StackNames) Alarm(alarm string) string { return cloudWatchNameRule.name(n.stack, alarm) }

// FunctionLogGroup is the log group Lambda writes a function's logs to.
func FunctionLogGroup(functionName string) string { return "/aws/lambda/" + functionName }
