package logsearch

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Every configured log group is looked up before anything is registered,
// and every missing one is named in the one problem list, instead of
// PutSubscriptionFilter failing after the domain build.
func TestMissingLogGroupsAreListedBeforeAnyResource(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			overrides := map[string]string{
				"logsearch:logGroups":   `[{"name": "/missing/one"}, {"name": "/exists/app"}, {"name": "/missing/two"}]`,
				mockMissingLogGroupsKey: "/missing/one,/missing/two",
			}
			run, err := runStack(t, stack, overrides)
			if err == nil {
				t.Fatal("deployed with two missing log groups")
			}
			msg := err.Error()
			if !strings.Contains(msg, "logsearch:logGroups[0].name") || !strings.Contains(msg, "logsearch:logGroups[2].name") || strings.Contains(msg, "logsearch:logGroups[1]") {
				t.Errorf("error %q: want both missing groups named, and not the existing one", msg)
			}
			if !strings.Contains(msg, "no such log group") || !strings.Contains(msg, "/missing/two") {
				t.Errorf("message %q does not name the missing group and the fix", msg)
			}
			if run != nil && len(run.Resources) != 0 {
				t.Errorf("%d resources registered before the missing groups were reported", len(run.Resources))
			}
		})
	}
}

func TestExistingLogGroupsAreLookedUp(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		n := 0
		for _, inv := range run.Invokes {
			if inv.Token == "aws:cloudwatch/getLogGroup:getLogGroup" {
				n++
			}
		}
		if want := len(run.ofType(rtSubscription)); n < want || want == 0 {
			t.Errorf("%d log group lookups for %d subscribed groups", n, want)
		}
	})
}

// TestIngestPolicyFitsLambdaLimit: every name entry and every prefix
// entry adds a statement to the ingest function's resource-based policy,
// which Lambda caps at 20 KB ("Function resource-based policy", Lambda
// quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
// AddPermission then fails with PolicyLengthExceededException). A list
// that surely exceeds it is refused before anything is created, naming
// the prefix entry that replaces many names; a long list within it, and
// the same groups under one prefix, deploy.
func TestIngestPolicyFitsLambdaLimit(t *testing.T) {
	names := func(n int) string {
		var groups []map[string]string
		for i := range n {
			groups = append(groups, map[string]string{"name": fmt.Sprintf("/fleet/service-%03d", i)})
		}
		b, err := json.Marshal(groups)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct {
		name, groups string
		refused      bool
	}{
		{"40 names", names(40), false},
		{"80 names", names(80), true},
		{"the same groups under one prefix", `[{"prefix": "/fleet/"}]`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, err := runStack(t, "dev", map[string]string{"logsearch:logGroups": c.groups})
			if !c.refused {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("want the log groups refused: the ingest function's policy would exceed Lambda's 20 KB")
			}
			for _, want := range []string{"logsearch:logGroups:", "PolicyLengthExceededException", "prefix: /acme/app/"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q:\n%v", want, err)
				}
			}
			if n := len(run.Resources); n > 0 {
				t.Errorf("a refused config registered %d resources", n)
			}
		})
	}
}
