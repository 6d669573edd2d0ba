package logsearch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeStackFile(t *testing.T, dir, stack, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSubscriptionLimit: "Each log group can have up to two subscription
// filters associated with it"
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html),
// a quota that cannot be raised
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html);
// each stack's filter has its own name, so each takes one.
// A third filter is a config error only when every stack involved is
// certain to run in the same account and region.
func TestSubscriptionLimit(t *testing.T) {
	const acct, otherAcct = "111111111111", "222222222222"
	stack := func(name, region, body string) string {
		return "config:\n  aws:region: " + region + "\n" + body
	}
	pin := func(accounts string) string { return "  aws:allowedAccountIds: [" + accounts + "]\n" }
	groups := func(names ...string) string {
		b := "  logsearch:logGroups:\n"
		for _, n := range names {
			b += "    - name: " + n + "\n"
		}
		return b
	}
	cases := []struct {
		name     string
		others   map[string]string // stack -> file body
		accounts []string          // this stack's
		// wantProblem: substrings of the one config problem; nil: none.
		wantProblem []string
		// wantWarnings: substrings, one per warning.
		wantWarnings []string
	}{
		{
			name:        "two others pinned to this account: the third filter is refused",
			others:      map[string]string{"b": stack("b", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared")), "c": stack("c", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared"))},
			accounts:    []string{acct},
			wantProblem: []string{"logsearch:logGroups[0].name", `"/shared"`, "stacks b, c (Pulumi.b.yaml, Pulumi.c.yaml)", "region eu-west-1, account " + acct, "3 subscription filters", "allows 2", "LimitExceededException", "remove the group"},
		},
		{
			name:         "two others in this region, accounts unknown: only a warning",
			others:       map[string]string{"b": stack("b", "eu-west-1", groups("/shared")), "c": stack("c", "eu-west-1", groups("/shared"))},
			accounts:     []string{acct},
			wantWarnings: []string{"logGroups[0] /shared is also subscribed by stacks b, c in eu-west-1: if they deploy to this stack's account, that is 3"},
		},
		{
			name:         "this stack's account unknown: only a warning",
			others:       map[string]string{"b": stack("b", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared")), "c": stack("c", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared"))},
			wantWarnings: []string{"stacks b, c in eu-west-1"},
		},
		{
			name:         "one other may use another account too: only a warning",
			others:       map[string]string{"b": stack("b", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared")), "c": stack("c", "eu-west-1", pin(`"`+acct+`", "`+otherAcct+`"`)+groups("/shared"))},
			accounts:     []string{acct},
			wantWarnings: []string{"stacks b, c in eu-west-1"},
		},
		{
			name:         "one other in the same account: both filters taken, a warning",
			others:       map[string]string{"b": stack("b", "eu-west-1", pin(`"`+acct+`"`)+groups("/shared", "/only-b"))},
			accounts:     []string{acct},
			wantWarnings: []string{"logGroups[0] /shared is also subscribed by stack(s) b in eu-west-1: with this stack that is 2 of the 2 subscription filters"},
		},
		{
			name: "others in another region or pinned to another account do not count",
			others: map[string]string{
				"other-region":  stack("other-region", "eu-central-1", pin(`"`+acct+`"`)+groups("/shared")),
				"other-account": stack("other-account", "eu-west-1", pin(`"`+otherAcct+`"`)+groups("/shared")),
				"broken":        "config: [not: a map\n",
			},
			accounts: []string{acct},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tc.others {
				writeStackFile(t, dir, name, body)
			}
			cfg := &Config{Stack: "a", Region: "eu-west-1", LogGroups: []LogGroupConfig{{Name: "/shared"}, {Name: "/only-a"}}}
			ps, ws := cfg.checkSubscriptionLimit(readStackFiles(dir), tc.accounts)
			switch {
			case tc.wantProblem == nil && len(ps) != 0:
				t.Errorf("problems %v, want none", ps)
			case tc.wantProblem != nil && len(ps) != 1:
				t.Errorf("problems %v, want one", ps)
			case tc.wantProblem != nil:
				for _, sub := range tc.wantProblem {
					if !strings.Contains(ps[0].String(), sub) {
						t.Errorf("problem %q does not say %q", ps[0], sub)
					}
				}
			}
			if len(ws) != len(tc.wantWarnings) {
				t.Fatalf("warnings %q, want %d", ws, len(tc.wantWarnings))
			}
			for i, sub := range tc.wantWarnings {
				if !strings.Contains(ws[i], sub) {
					t.Errorf("warning %q does not say %q", ws[i], sub)
				}
			}
		})
	}
}

// TestDeployRefusesAThirdSubscriptionFilter runs each fixture with two
// neighbouring stack files in the working directory (where Pulumi runs the
// program) that pin the account the stack deploys to, in its region, and
// subscribe its first log group: the run fails before any resource, naming
// both stacks.
func TestDeployRefusesAThirdSubscriptionFilter(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, _ := stackConfig(t, stack)
			var groups []struct{ Name string }
			if err := json.Unmarshal([]byte(cfg["logsearch:logGroups"]), &groups); err != nil || len(groups) == 0 {
				t.Fatalf("logsearch:logGroups %q: %v; nothing to check", cfg["logsearch:logGroups"], err)
			}
			neighbours := t.TempDir()
			for _, n := range []string{"neighbour-1", "neighbour-2"} {
				writeStackFile(t, neighbours, n, fmt.Sprintf("config:\n  aws:region: %s\n  aws:allowedAccountIds: [%q]\n  logsearch:logGroups:\n    - name: %q\n",
					cfg["aws:region"], mockAccount, groups[0].Name))
			}
			t.Chdir(neighbours)
			run, err := runStack(t, stack, nil)
			if err == nil {
				t.Fatal("the run succeeded; want a config error naming the two stacks that already take the group's 2 subscription filters")
			}
			for _, want := range []string{"logsearch:logGroups[0].name", "neighbour-1, neighbour-2", "LimitExceededException"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if len(run.Resources) != 0 {
				t.Errorf("%d resources registered before the config error", len(run.Resources))
			}
		})
	}
}
