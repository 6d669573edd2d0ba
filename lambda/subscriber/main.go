// Command subscriber is the Lambda function that subscribes the log groups
// under a stack's logsearch:logGroups prefixes to the ingest function,
// without a deploy (package subscribe does the work).
//
// What invokes it decides what a run covers:
//   - the deploy-time invocation (pulumi-aws lambda.Invocation, lifecycle
//     scope CRUD, which adds {"tf": {"action": "create|update|delete"}} to
//     the input): create and update sweep every group of the account and
//     region, removing our filter where no prefix covers the group any
//     more; delete removes every filter of ours (pulumi destroy, or the
//     last prefix removed from the stack);
//   - EventBridge's CloudTrail event for CreateLogGroup: that one group;
//   - the schedule (any other event): the groups under the prefixes.
//
// Each run writes one JSON log line with what it did, and one EMF line with
// GroupsNotSubscribed, which the stack alarms on.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logsearch/logsearch/lambda/metrics"
	"github.com/logsearch/logsearch/lambda/subscriber/subscribe"
)

// loadSettings reads the environment infra/logsearch sets and names every
// problem at once.
func loadSettings(getenv func(string) string) (subscribe.Settings, error) {
	s := subscribe.Settings{
		FilterName:     strings.TrimSpace(getenv("FILTER_NAME")),
		DestinationArn: strings.TrimSpace(getenv("DESTINATION_ARN")),
	}
	var errs []error
	for _, v := range []struct {
		name string
		into any
		fix  string
	}{
		{"RULES", &s.Rules, `a JSON array such as [{"prefix": "/acme/", "filterPattern": ""}]`},
		{"EXCLUDE_PREFIXES", &s.Exclude, `a JSON array of log group name prefixes, such as ["/aws/lambda/logsearch-dev-"]`},
	} {
		raw := strings.TrimSpace(getenv(v.name))
		if raw == "" {
			errs = append(errs, fmt.Errorf("environment variable %s is empty: set it to %s (pulumi up sets it)", v.name, v.fix))
			continue
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v.into); err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s is not %s: %v", v.name, v.fix, err))
		}
	}
	if err := s.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("FILTER_NAME, DESTINATION_ARN or RULES: %w (pulumi up sets them)", err))
	}
	return s, errors.Join(errs...)
}

// event is what a run needs of any of its triggers.
type event struct {
	TF *struct {
		Action string `json:"action"`
	} `json:"tf"`
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Detail     struct {
		EventName         string `json:"eventName"`
		ErrorCode         string `json:"errorCode"`
		RequestParameters struct {
			LogGroupName string `json:"logGroupName"`
		} `json:"requestParameters"`
	} `json:"detail"`
}

// Run modes, as logged and returned.
const (
	modeCleanup   = "sweep-and-clean" // deploy-time create/update
	modeRemoveAll = "remove-all"      // deploy-time delete
	modeOne       = "new-group"       // CloudTrail CreateLogGroup
	modeSweep     = "sweep"           // schedule
)

// result is the invocation's answer: the deploy-time run's is kept in the
// Pulumi state as the Invocation's result.
type result struct {
	Mode string `json:"mode"`
	subscribe.Report
}

type handler struct {
	logs     subscribe.Logs
	settings subscribe.Settings
	log      *slog.Logger
	metrics  io.Writer
	function string
	now      func() time.Time
}

func (h handler) handle(ctx context.Context, raw json.RawMessage) (result, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev) // an unreadable payload is a scheduled run
	var rep subscribe.Report
	var err error
	mode := modeSweep
	switch {
	case ev.TF != nil && ev.TF.Action == "delete":
		mode = modeRemoveAll
		rep, err = subscribe.RemoveAll(ctx, h.logs, h.settings)
	case ev.TF != nil:
		mode = modeCleanup
		rep, err = subscribe.Sweep(ctx, h.logs, h.settings, true)
	case ev.Detail.EventName == "CreateLogGroup" && ev.Detail.ErrorCode == "" && ev.Detail.RequestParameters.LogGroupName != "":
		mode = modeOne
		rep, err = subscribe.One(ctx, h.logs, h.settings, ev.Detail.RequestParameters.LogGroupName)
	default:
		rep, err = subscribe.Sweep(ctx, h.logs, h.settings, false)
	}
	log := h.log.With("mode", mode, "requestId", requestID(ctx))
	for _, g := range rep.NoFreeSlot {
		log.Warn("log group not subscribed: other owners hold both of its subscription filters; remove one of them, or list the group's events another way", "logGroup", g)
	}
	for _, g := range rep.LastSlotKept {
		log.Warn("log group not subscribed: it has one free subscription filter slot left and its rule sets keepLastSlotFree", "logGroup", g)
	}
	for _, g := range rep.LastSlotTaken {
		log.Warn("log group subscribed in its last free subscription filter slot: another subscription on it will now fail with LimitExceededException", "logGroup", g)
	}
	attrs := []any{"checked", rep.Checked, "subscribed", rep.Subscribed, "updated", rep.Updated, "removed", rep.Removed, "notSubscribed", rep.NotSubscribed()}
	if err != nil {
		log.Error("subscriber run failed on some log groups; the next run retries them", append(attrs, "error", err.Error())...)
	} else {
		log.Info("subscriber run done", attrs...)
	}
	if mErr := metrics.WriteSubscriberRun(h.metrics, h.now(), h.function, len(rep.NotSubscribed()), err != nil); mErr != nil {
		log.Error("writing metrics", "error", mErr.Error())
	}
	return result{Mode: mode, Report: rep}, err
}

func requestID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	// CloudWatch Logs throttles control-plane calls per account; a sweep
	// of many groups backs off and retries rather than fail.
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRetryer(func() aws.Retryer {
		return retry.AddWithMaxAttempts(retry.NewStandard(), 10)
	}))
	if err != nil {
		log.Error("loading AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	h := handler{
		logs:     subscribe.CloudWatchLogs{API: cloudwatchlogs.NewFromConfig(cfg)},
		settings: s,
		log:      log.With("filterName", s.FilterName),
		metrics:  os.Stdout,
		function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		now:      time.Now,
	}
	lambda.Start(h.handle)
}
