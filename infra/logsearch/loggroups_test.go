package logsearch

import (
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
