package subscribe

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// LogsAPI is the part of the CloudWatch Logs client CloudWatchLogs calls.
type LogsAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
	DescribeSubscriptionFilters(context.Context, *cloudwatchlogs.DescribeSubscriptionFiltersInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeSubscriptionFiltersOutput, error)
	PutSubscriptionFilter(context.Context, *cloudwatchlogs.PutSubscriptionFilterInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error)
	DeleteSubscriptionFilter(context.Context, *cloudwatchlogs.DeleteSubscriptionFilterInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteSubscriptionFilterOutput, error)
}

// CloudWatchLogs adapts the AWS SDK client to Logs.
type CloudWatchLogs struct{ API LogsAPI }

func (c CloudWatchLogs) ListGroups(ctx context.Context, prefix string, each func(string) error) error {
	in := &cloudwatchlogs.DescribeLogGroupsInput{}
	if prefix != "" {
		in.LogGroupNamePrefix = aws.String(prefix)
	}
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.API, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, g := range page.LogGroups {
			if err := each(aws.ToString(g.LogGroupName)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c CloudWatchLogs) Filters(ctx context.Context, group string) ([]Filter, error) {
	var out []Filter
	in := &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group)}
	for {
		page, err := c.API.DescribeSubscriptionFilters(ctx, in)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, f := range page.SubscriptionFilters {
			out = append(out, Filter{Name: aws.ToString(f.FilterName), Pattern: aws.ToString(f.FilterPattern), DestinationArn: aws.ToString(f.DestinationArn)})
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

func (c CloudWatchLogs) Put(ctx context.Context, group string, f Filter) error {
	_, err := c.API.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName:   aws.String(group),
		FilterName:     aws.String(f.Name),
		FilterPattern:  aws.String(f.Pattern),
		DestinationArn: aws.String(f.DestinationArn),
	})
	return mapErr(err)
}

func (c CloudWatchLogs) Delete(ctx context.Context, group, filterName string) error {
	_, err := c.API.DeleteSubscriptionFilter(ctx, &cloudwatchlogs.DeleteSubscriptionFilterInput{
		LogGroupName: aws.String(group),
		FilterName:   aws.String(filterName),
	})
	return mapErr(err)
}

// mapErr turns the two answers a run acts on into ErrNoFreeSlot and
// ErrGroupGone, keeping the SDK error in the chain.
func mapErr(err error) error {
	var limit *types.LimitExceededException
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &limit):
		return errors.Join(ErrNoFreeSlot, err)
	case errors.As(err, &missing):
		return errors.Join(ErrGroupGone, err)
	}
	return err
}
