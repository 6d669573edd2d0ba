package logsearch

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// allowedAccountsKey is the AWS provider's own account pin: with it set,
// the provider refuses to touch any other account, so a prod stack run
// with a dev profile fails before it plans anything
// (https://www.pulumi.com/registry/packages/aws/api-docs/provider/#allowedaccountids).
const allowedAccountsKey = "aws:allowedAccountIds"

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// checkAllowedAccounts makes a production stack pin its account and checks
// that every pinned ID looks like an account ID. It returns the pinned IDs.
func checkAllowedAccounts(src configSource, production bool, ps *problems) []string {
	raw, ok := src.GetConfig(allowedAccountsKey)
	raw = strings.TrimSpace(raw)
	if !ok || raw == "" {
		if production {
			ps.addKey(allowedAccountsKey, "", "a production stack pins the AWS account it deploys to, so credentials for another account cannot change it: pulumi config set --path 'aws:allowedAccountIds[0]' <12-digit account ID> (or logsearch:production false)")
		}
		return nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil || len(ids) == 0 {
		ps.addKey(allowedAccountsKey, raw, `must be a list of 12-digit account IDs, e.g. ["111122223333"]`)
		return nil
	}
	for i, id := range ids {
		if !accountIDPattern.MatchString(id) {
			ps.addKey(fmt.Sprintf("%s[%d]", allowedAccountsKey, i), id, "not an AWS account ID (12 digits, as a quoted string so leading zeros stay)")
		}
	}
	return ids
}
