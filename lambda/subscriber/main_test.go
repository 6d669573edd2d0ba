package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logsearch/logsearch/lambda/subscriber/fakelogs"
	"github.com/logsearch/logsearch/lambda/subscriber/subscribe"
)

const dest = "arn:aws:lambda:eu-west-1:123456789012:function:logsearch-dev-ingest"

func TestLoadSettings(t *testing.T) {
	env := map[string]string{
		"RULES":            `[{"prefix": "/acme/", "filterPattern": "ERROR", "keepLastSlotFree": true}]`,
		"EXCLUDE_PREFIXES": `["/aws/lambda/logsearch-dev-"]`,
		"FILTER_NAME":      "logsearch-dev-auto",
		"DESTINATION_ARN":  dest,
	}
	s, err := loadSettings(func(k string) string { return env[k] })
	want := subscribe.Settings{Rules: []subscribe.Rule{{Prefix: "/acme/", FilterPattern: "ERROR", KeepLastSlotFree: true}}, FilterName: "logsearch-dev-auto", DestinationArn: dest, Exclude: []string{"/aws/lambda/logsearch-dev-"}}
	if err != nil || !reflect.DeepEqual(s, want) {
		t.Fatalf("settings = %+v, err = %v", s, err)
	}
	_, err = loadSettings(func(k string) string {
		if k == "RULES" {
			return `[{"prefx": "/a/"}]`
		}
		return ""
	})
	for _, want := range []string{"RULES is not", "EXCLUDE_PREFIXES is empty", "filter name is empty", "destination"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
}

// The payloads as they arrive: the CRUD invocation's input with the "tf"
// key the provider adds (hashicorp/terraform-provider-aws,
// website/docs/r/lambda_invocation.html.markdown: action create, update or
// delete), CloudTrail's CreateLogGroup record through EventBridge
// (detail.requestParameters.logGroupName), and a scheduled event.
func TestHandlerDispatch(t *testing.T) {
	tests := []struct {
		name, payload, mode string
		subscribed          []string
		removed             []string
	}{
		{"deploy-time create", `{"tf": {"action": "create", "prev_input": null}}`, modeCleanup, []string{"/acme/new"}, []string{"/old/x"}},
		{"deploy-time delete", `{"tf": {"action": "delete", "prev_input": {}}}`, modeRemoveAll, nil, []string{"/acme/web", "/old/x"}},
		{"CloudTrail CreateLogGroup", `{"source": "aws.logs", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventSource": "logs.amazonaws.com", "eventName": "CreateLogGroup", "requestParameters": {"logGroupName": "/acme/new"}}}`, modeOne, []string{"/acme/new"}, nil},
		{"CloudTrail failed CreateLogGroup sweeps", `{"detail": {"eventName": "CreateLogGroup", "errorCode": "ResourceAlreadyExistsException", "requestParameters": {"logGroupName": "/acme/new"}}}`, modeSweep, []string{"/acme/new"}, nil},
		{"schedule", `{"source": "aws.events", "detail-type": "Scheduled Event"}`, modeSweep, []string{"/acme/new"}, nil},
		{"not JSON", `x`, modeSweep, []string{"/acme/new"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakelogs.Start(t)
			client := cloudwatchlogs.NewFromConfig(aws.Config{
				Region: "eu-west-1", BaseEndpoint: aws.String(f.URL),
				Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
			})
			for _, g := range []string{"/acme/web", "/acme/new", "/old/x", "/acme/full"} {
				f.CreateLogGroup(g)
			}
			f.AddFilter("/acme/web", fakelogs.Filter{Name: "logsearch-dev-auto", DestinationArn: dest})
			f.AddFilter("/old/x", fakelogs.Filter{Name: "logsearch-dev-auto", DestinationArn: dest})
			f.AddFilter("/acme/full", fakelogs.Filter{Name: "a", DestinationArn: "arn:other:a"})
			f.AddFilter("/acme/full", fakelogs.Filter{Name: "b", DestinationArn: "arn:other:b"})
			var logBuf, metricBuf bytes.Buffer
			h := handler{
				logs:     subscribe.CloudWatchLogs{API: client},
				settings: subscribe.Settings{Rules: []subscribe.Rule{{Prefix: "/acme/"}}, FilterName: "logsearch-dev-auto", DestinationArn: dest},
				log:      slog.New(slog.NewJSONHandler(&logBuf, nil)),
				metrics:  &metricBuf,
				function: "logsearch-dev-subscriber",
				now:      func() time.Time { return time.Unix(1700000000, 0) },
			}
			res, err := h.handle(context.Background(), json.RawMessage(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != tt.mode || !reflect.DeepEqual(res.Subscribed, tt.subscribed) || !reflect.DeepEqual(res.Removed, tt.removed) {
				t.Errorf("result = %+v, want mode %s, subscribed %v, removed %v", res, tt.mode, tt.subscribed, tt.removed)
			}
			wantFull := tt.mode != modeRemoveAll && tt.mode != modeOne
			if strings.Contains(logBuf.String(), `"logGroup":"/acme/full"`) != wantFull {
				t.Errorf("log %s: want a warning naming /acme/full: %v", logBuf.String(), wantFull)
			}
			var line map[string]any
			if err := json.Unmarshal(metricBuf.Bytes(), &line); err != nil {
				t.Fatalf("metric line %q: %v", metricBuf.String(), err)
			}
			if n := line["GroupsNotSubscribed"]; (n == 1.0) != wantFull || line["FunctionName"] != "logsearch-dev-subscriber" {
				t.Errorf("metric line = %v", line)
			}
		})
	}
}

func TestHandlerReturnsFailures(t *testing.T) {
	var metricBuf bytes.Buffer
	h := handler{
		logs:     failingLogs{},
		settings: subscribe.Settings{Rules: []subscribe.Rule{{Prefix: "/acme/"}}, FilterName: "n", DestinationArn: dest},
		log:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
		metrics:  &metricBuf, now: time.Now,
	}
	if _, err := h.handle(context.Background(), json.RawMessage(`{}`)); err == nil {
		t.Fatal("want the listing error returned, so the run counts in the function's Errors metric")
	}
	if !strings.Contains(metricBuf.String(), `"SubscriberFailures":1`) {
		t.Errorf("metric line = %s", metricBuf.String())
	}
}

type failingLogs struct{ subscribe.CloudWatchLogs }

func (failingLogs) ListGroups(context.Context, string, func(string) error) error {
	return io.ErrUnexpectedEOF
}
