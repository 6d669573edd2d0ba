package logsearch

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// invokeOnRule creates an EventBridge rule that invokes fn, with input as
// the event when it is set, and the permission that lets EventBridge do it
// for this rule only. opts go to the rule's target: pass DependsOn for what
// must exist before the first invocation.
func invokeOnRule(ctx *pulumi.Context, name string, rule *cloudwatch.EventRuleArgs, fn *lambda.Function, input pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	r, err := cloudwatch.NewEventRule(ctx, childName(ctx, name), rule, childOptions(ctx)...)
	if err != nil {
		return err
	}
	target := &cloudwatch.EventTargetArgs{Rule: r.Name, Arn: fn.Arn}
	if input != nil {
		target.Input = input
	}
	if _, err := cloudwatch.NewEventTarget(ctx, childName(ctx, name), target, childOptions(ctx, opts...)...); err != nil {
		return err
	}
	_, err = lambda.NewPermission(ctx, childName(ctx, name), &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  fn.Name,
		Principal: pulumi.String("events.amazonaws.com"),
		SourceArn: r.Arn,
	}, childOptions(ctx)...)
	return err
}
