package logsearch

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// missingLogGroups looks up every configured log group in the stack's
// account and region (aws:cloudwatch/getLogGroup, at preview as at up) and
// reports each one that does not exist, all in one list. Without it a
// missing group fails only at its PutSubscriptionFilter, after the 20–30
// minute domain build. Any other lookup failure (a missing
// logs:DescribeLogGroups) stops the run, naming the permission.
func (c *Config) missingLogGroups(ctx *pulumi.Context) (problems, error) {
	var ps problems
	for i, g := range c.LogGroups {
		_, err := cloudwatch.LookupLogGroup(ctx, &cloudwatch.LookupLogGroupArgs{Name: g.Name})
		switch {
		case err == nil:
		case lookupNotFound(err):
			ps.add(fmt.Sprintf("logGroups[%d].name", i), g.Name, "no such log group in account %s, region %s; create it (or let the application create it) first, or fix the name (`aws logs describe-log-groups --log-group-name-prefix <prefix>` lists them)", c.AccountID, c.Region)
		default:
			return nil, fmt.Errorf("looking up log group %s (the deployer needs logs:DescribeLogGroups): %w", g.Name, err)
		}
	}
	return ps, nil
}
