package logsearch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSubscriptionFilters is CloudWatch Logs' quota of subscription filters
// per log group; it cannot be raised
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
// Each logsearch stack takes one on every group it lists.
const maxSubscriptionFilters = 2

// stackFileSubscriptions is what one Pulumi.<stack>.yaml subscribes: its
// region, pinned accounts and log groups.
type stackFileSubscriptions struct {
	Stack     string
	Region    string
	Accounts  []string
	LogGroups []string
}

// readStackFiles reads every Pulumi.<stack>.yaml in dir (the project
// directory the program runs in). A file that does not parse is skipped:
// the Pulumi CLI reports it when that stack is used.
func readStackFiles(dir string) []stackFileSubscriptions {
	paths, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []stackFileSubscriptions
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var f struct {
			Config struct {
				Region    string   `yaml:"aws:region"`
				Accounts  []string `yaml:"aws:allowedAccountIds"`
				LogGroups []struct {
					Name string `yaml:"name"`
				} `yaml:"logsearch:logGroups"`
			} `yaml:"config"`
		}
		if yaml.Unmarshal(data, &f) != nil {
			continue
		}
		s := stackFileSubscriptions{
			Stack:    strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "Pulumi."), ".yaml"),
			Region:   f.Config.Region,
			Accounts: f.Config.Accounts,
		}
		for _, g := range f.Config.LogGroups {
			s.LogGroups = append(s.LogGroups, g.Name)
		}
		out = append(out, s)
	}
	return out
}

// mayShareAccount is false only when both stacks pin disjoint accounts.
func mayShareAccount(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// subscriptionWarnings names each of this stack's log groups that other
// stack files of the project also subscribe in the same region (and
// possibly the same account): together they use the group's subscription
// filters, and a further subscription on it fails.
func (c *Config) subscriptionWarnings(others []stackFileSubscriptions, accounts []string) []string {
	var ws []string
	for i, g := range c.LogGroups {
		var sharing []string
		for _, o := range others {
			if o.Stack == c.Stack || o.Region != c.Region || !mayShareAccount(accounts, o.Accounts) {
				continue
			}
			for _, og := range o.LogGroups {
				if og == g.Name {
					sharing = append(sharing, o.Stack)
					break
				}
			}
		}
		if len(sharing) == 0 {
			continue
		}
		sort.Strings(sharing)
		used := len(sharing) + 1
		if used >= maxSubscriptionFilters {
			ws = append(ws, fmt.Sprintf("logsearch:logGroups[%d] %s is also subscribed by stack(s) %s in %s: with this stack that is %d of the %d subscription filters CloudWatch Logs allows per log group, so any other subscription on it (another stack, a Firehose or Lambda export) fails with LimitExceededException; give each stack its own log groups where you can",
				i, g.Name, strings.Join(sharing, ", "), c.Region, used, maxSubscriptionFilters))
		}
	}
	return ws
}
