package logsearch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
			if g.Name != "" { // prefix entries leave a slot free where they find none
				s.LogGroups = append(s.LogGroups, g.Name)
			}
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

// pinnedAccount is the one account a stack can deploy to when its
// aws:allowedAccountIds names only that one ("" otherwise): the AWS
// provider refuses to run in any other.
func pinnedAccount(accounts []string) string {
	if len(accounts) == 0 {
		return ""
	}
	for _, a := range accounts[1:] {
		if a != accounts[0] {
			return ""
		}
	}
	return accounts[0]
}

// checkSubscriptionLimit looks at each of this stack's log groups that
// other stack files of the project also subscribe in the same region.
// accounts are the accounts this stack may deploy to (the provider's
// account once known, else its aws:allowedAccountIds; none: any).
//
// When this stack and the others all run in one certain account (each
// pins it alone), their filters land on the same log group: more than
// CloudWatch Logs' 2 is refused with LimitExceededException, so that is a
// problem to fix before deploying. Where an account is not certain, or the
// group's filters are merely all taken, the result is a warning: any
// further subscription on the group (another stack, a Firehose or Lambda
// export) fails.
func (c *Config) checkSubscriptionLimit(others []stackFileSubscriptions, accounts []string) (ps problems, warnings []string) {
	account := pinnedAccount(accounts)
	for i, g := range c.LogGroups {
		if !g.isName() {
			continue
		}
		var certain, possible []string
		for _, o := range others {
			if o.Stack == c.Stack || o.Region != c.Region || !mayShareAccount(accounts, o.Accounts) || !slices.Contains(o.LogGroups, g.Name) {
				continue
			}
			possible = append(possible, o.Stack)
			if account != "" && pinnedAccount(o.Accounts) == account {
				certain = append(certain, o.Stack)
			}
		}
		sort.Strings(certain)
		sort.Strings(possible)
		switch {
		case len(certain)+1 > maxSubscriptionFilters:
			ps.add(fmt.Sprintf("logGroups[%d].name", i), g.Name,
				"is also subscribed by stacks %s (%s) in region %s, account %s: with this stack that is %d subscription filters on one log group, and CloudWatch Logs allows %d (a quota that cannot be raised), so deploying the last of these stacks fails with LimitExceededException; remove the group from logsearch:logGroups here or in one of those stack files",
				strings.Join(certain, ", "), stackFileNames(certain), c.Region, account, len(certain)+1, maxSubscriptionFilters)
		case len(possible)+1 > maxSubscriptionFilters:
			warnings = append(warnings, fmt.Sprintf("logsearch:logGroups[%d] %s is also subscribed by stacks %s in %s: if they deploy to this stack's account, that is %d subscription filters on one log group and CloudWatch Logs allows %d, so the last one deployed fails with LimitExceededException; pin each stack's account with aws:allowedAccountIds to have this checked before deploying, or give each stack its own log groups",
				i, g.Name, strings.Join(possible, ", "), c.Region, len(possible)+1, maxSubscriptionFilters))
		case len(possible)+1 == maxSubscriptionFilters:
			warnings = append(warnings, fmt.Sprintf("logsearch:logGroups[%d] %s is also subscribed by stack(s) %s in %s: with this stack that is %d of the %d subscription filters CloudWatch Logs allows per log group, so any other subscription on it (another stack, a Firehose or Lambda export) fails with LimitExceededException; give each stack its own log groups where you can",
				i, g.Name, strings.Join(possible, ", "), c.Region, len(possible)+1, maxSubscriptionFilters))
		}
	}
	return ps, warnings
}

// stackFileNames lists the stack files of stacks: Pulumi.a.yaml, ...
func stackFileNames(stacks []string) string {
	files := make([]string, len(stacks))
	for i, s := range stacks {
		files[i] = "Pulumi." + s + ".yaml"
	}
	return strings.Join(files, ", ")
}

// deployAccounts are the accounts this stack deploys to: the provider's
// account once LoadConfig has asked AWS, else the stack's pins.
func (c *Config) deployAccounts() []string {
	if c.AccountID != "" {
		return []string{c.AccountID}
	}
	return c.AllowedAccountIDs
}
