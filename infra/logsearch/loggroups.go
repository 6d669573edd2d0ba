package logsearch

import (
	"encoding/json"
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

// lambdaPolicyMaxBytes is the most a function's resource-based policy may
// hold: "Function resource-based policy: 20 KB", not adjustable (Lambda
// developer guide, "Lambda quotas",
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
// AddPermission beyond it fails with PolicyLengthExceededException ("The
// final policy size is bigger than the limit").
const lambdaPolicyMaxBytes = 20 * 1024

// shortestRegion stands for the stack's region while it is not known: no
// Region name is shorter, so the size below stays a lower bound.
const shortestRegion = "us-east-1"

// ingestPolicyBytes is a lower bound of the size of the ingest function's
// resource-based policy: one statement for CloudWatch Logs per name entry
// and per prefix entry of logGroups, laid out as Lambda keeps them (the
// policy GetPolicy returns, Lambda developer guide, "Viewing
// resource-based IAM policies in Lambda",
// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html)
// with each statement ID counted empty.
func (c *Config) ingestPolicyBytes() int {
	type statement struct {
		Effect    string            `json:"Effect"`
		Principal map[string]string `json:"Principal"`
		Action    string            `json:"Action"`
		Resource  string            `json:"Resource"`
		Condition map[string]any    `json:"Condition"`
	}
	cfg := *c
	if cfg.Region == "" {
		cfg.Region = shortestRegion
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012" // every account ID has 12 digits
	}
	function := fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", cfg.Partition, cfg.Region, cfg.AccountID, cfg.Names().IngestFunction)
	var statements []statement
	for _, g := range c.LogGroups {
		var source string
		switch {
		case g.isName():
			source = fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", cfg.Partition, cfg.Region, cfg.AccountID, g.Name)
		case g.Prefix != "" && g.Name == "":
			source = logGroupArnPattern(&cfg, g.Prefix)
		default:
			continue // refused by validateLogGroups
		}
		statements = append(statements, statement{
			Effect: "Allow", Principal: map[string]string{"Service": cfg.servicePrincipal("logs")},
			Action: "lambda:InvokeFunction", Resource: function,
			Condition: map[string]any{
				"StringEquals": map[string]string{"AWS:SourceAccount": cfg.AccountID},
				"ArnLike":      map[string]string{"AWS:SourceArn": source},
			},
		})
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": statements})
	return len(b)
}
