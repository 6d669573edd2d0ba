package logsearch

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// oddStackNames are stack names Pulumi accepts (letters, digits, - _ .,
// up to 100 characters) that AWS names refuse as they are.
var oddStackNames = []string{
	"dev",
	"Prod_EU",
	"team.prod",
	"team-prod",
	"UPPER",
	"a",
	"-x-",
	"..",
	"my_stack-2024",
	strings.Repeat("very-long-stack-name-", 4) + "one",
	strings.Repeat("very-long-stack-name-", 4) + "two",
	strings.Repeat("x", 100),
}

// awsNameRules are AWS's rules for each physical name, written out from
// the API references (not from names.go) so a wrong rule there fails here.
var awsNameRules = []struct {
	what, doc string
	get       func(StackNames) string
	valid     *regexp.Regexp
}{
	{"OpenSearch domain", "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html#API_CreateDomain_RequestSyntax",
		func(n StackNames) string { return n.Domain }, regexp.MustCompile(`^[a-z][a-z0-9-]{2,27}$`)},
	{"ingest function", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
		func(n StackNames) string { return n.IngestFunction }, regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)},
	{"setup function", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
		func(n StackNames) string { return n.SetupFunction }, regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)},
	{"target-sync function", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
		func(n StackNames) string { return n.TargetSyncFunction }, regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)},
	{"subscriber function", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
		func(n StackNames) string { return n.SubscriberFunction }, regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)},
	{"prefix subscription filter", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html#CWL-PutSubscriptionFilter-request-filterName",
		func(n StackNames) string { return n.AutoSubscriptionFilter }, regexp.MustCompile(`^[^:*]{1,512}$`)},
	{"stack key alias", "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html#API_CreateAlias_RequestSyntax",
		func(n StackNames) string { return n.StackKeyAlias }, regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)},
	{"alarm key alias", "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html#API_CreateAlias_RequestSyntax",
		func(n StackNames) string { return n.AlarmKeyAlias }, regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)},
	{"log resource policy", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html",
		func(n StackNames) string { return n.DomainLogsPolicy }, regexp.MustCompile(`^[^:*]{1,255}$`)},
	{"subscription filter", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html#CWL-PutSubscriptionFilter-request-filterName",
		func(n StackNames) string { return n.SubscriptionFilter }, regexp.MustCompile(`^[^:*]{1,512}$`)},
	{"dashboard", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html#API_PutDashboard_RequestParameters",
		func(n StackNames) string { return n.Dashboard }, regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)},
	{"alarm", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html#API_PutMetricAlarm_RequestParameters",
		func(n StackNames) string { return n.Alarm("domain-master-old-gen-jvm-pressure") }, regexp.MustCompile(`^[ -~]{1,255}$`)},
	{"alarm topic display name", "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html#cfn-sns-topic-displayname",
		func(n StackNames) string { return n.AlarmTopicDisplayName }, regexp.MustCompile(`^.{1,100}$`)},
	{"function log group", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html#CWL-CreateLogGroup-request-logGroupName",
		func(n StackNames) string { return FunctionLogGroup(n.TargetSyncFunction) }, logGroupNamePattern},
	{"domain log group", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html#CWL-CreateLogGroup-request-logGroupName",
		func(n StackNames) string { return "/aws/opensearch/" + n.Domain + "/search-slow" }, logGroupNamePattern},
}

// instanceNames are LogSearch names New accepts: Program's, the shortest,
// mixed case, the longest.
var instanceNames = []string{DefaultName, "a", "Logs-B2", strings.Repeat("x", maxInstanceName)}

func TestEveryNameIsValidForAnyStackName(t *testing.T) {
	for _, stack := range oddStackNames {
		for _, instance := range instanceNames {
			n := namesFor(stack, instance)
			for _, r := range awsNameRules {
				if got := r.get(n); !r.valid.MatchString(got) {
					t.Errorf("stack %q, LogSearch %q: %s name %q breaks AWS's rule %s (%s)", stack, instance, r.what, got, r.valid, r.doc)
				}
			}
		}
	}
}

func TestNamesKeepOrdinaryStackNames(t *testing.T) {
	n := NamesFor("prod")
	for got, want := range map[string]string{
		n.Domain: "logsearch-prod", n.IngestFunction: "logsearch-prod-ingest", n.SetupFunction: "logsearch-prod-setup",
		n.TargetSyncFunction: "logsearch-prod-dashboards-targetsync", n.StackKeyAlias: "alias/logsearch-prod",
		n.AlarmKeyAlias: "alias/logsearch-prod-alarms", n.Dashboard: "logsearch-prod", n.Alarm("domain-cpu"): "logsearch-prod-domain-cpu",
		n.AlarmTopicDisplayName: "logsearch prod alarms",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestNamesDoNotCollide: stack names that a rule rewrites or shortens to
// the same text still get different names (two stacks share an account).
func TestNamesDoNotCollide(t *testing.T) {
	for _, r := range awsNameRules {
		seen := map[string]string{}
		// A stack named "<stack>-<instance>" must not take the names of
		// LogSearch <instance> in <stack>.
		stacks := append(slices.Clone(oddStackNames), "dev-a", "dev-Logs-B2")
		for _, stack := range stacks {
			for _, instance := range instanceNames {
				got := r.get(namesFor(stack, instance))
				who := fmt.Sprintf("stack %q LogSearch %q", stack, instance)
				if other, dup := seen[got]; dup {
					t.Errorf("%s: %s and %s both get %q", r.what, other, who, got)
				}
				seen[got] = who
			}
		}
	}
}

func TestNameIsStable(t *testing.T) {
	long := strings.Repeat("very-long-stack-name-", 4) + "one"
	if a, b := NamesFor(long), NamesFor(long); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("names changed between runs: %v vs %v", a, b)
	}
	if got := NamesFor("Prod_EU").Domain; !strings.HasPrefix(got, "logsearch-prod-eu-") {
		t.Errorf("domain of Prod_EU = %q, want the readable part kept", got)
	}
}
