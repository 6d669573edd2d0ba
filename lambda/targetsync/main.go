// Command targetsync is the Lambda function that keeps the Dashboards ALB's
// target group on the OpenSearch domain's current private IPs: those on the
// domain's in-use network interfaces that its endpoint also resolves to,
// looked up again on every run. EventBridge
// runs it every minute and on the domain's configuration-change events; every
// run is a full, idempotent reconciliation, so the event payload only labels
// the log line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/logsearch/logsearch/lambda/targetsync/reconcile"
)

// settings is the function's environment, set by infra/logsearch/dashboards.go.
type settings struct {
	TargetGroupArn string // TARGET_GROUP_ARN
	DomainName     string // DOMAIN_NAME
	VpcID          string // VPC_ID
	DomainEndpoint string // DOMAIN_ENDPOINT
}

// loadSettings reads the environment and names every missing variable at once.
func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{
		TargetGroupArn: strings.TrimSpace(getenv("TARGET_GROUP_ARN")),
		DomainName:     strings.TrimSpace(getenv("DOMAIN_NAME")),
		VpcID:          strings.TrimSpace(getenv("VPC_ID")),
		DomainEndpoint: strings.TrimSpace(getenv("DOMAIN_ENDPOINT")),
	}
	var errs []error
	for _, v := range []struct{ name, value, fix string }{
		{"TARGET_GROUP_ARN", s.TargetGroupArn, "the ARN of the Dashboards target group"},
		{"DOMAIN_NAME", s.DomainName, "the OpenSearch domain name"},
		{"VPC_ID", s.VpcID, "the VPC the domain runs in"},
		{"DOMAIN_ENDPOINT", s.DomainEndpoint, "the domain endpoint host name (vpc-…es.amazonaws.com, without https://)"},
	} {
		if v.value == "" {
			errs = append(errs, fmt.Errorf("environment variable %s is empty: set it to %s (pulumi up sets it)", v.name, v.fix))
		}
	}
	return s, errors.Join(errs...)
}

// trigger is what the log needs of an EventBridge event.
type trigger struct {
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
}

type handler struct {
	domain reconcile.DomainIPs
	group  reconcile.TargetGroup
	log    *slog.Logger
}

func (h handler) handle(ctx context.Context, event json.RawMessage) error {
	var tr trigger
	_ = json.Unmarshal(event, &tr) // a label only; any payload triggers a full run
	log := h.log.With("trigger", tr.DetailType, "source", tr.Source)
	res, err := reconcile.Run(ctx, h.domain, h.group, log)
	if err != nil {
		// Returning the error makes the run count in the function's Errors
		// metric; the next scheduled run retries from scratch.
		log.Error("target sync failed", "error", err.Error())
		return err
	}
	log.Debug("target sync done", "domain_ips", res.DomainIPs, "changed", res.Changed())
	return nil
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	h := handler{
		domain: reconcile.ServingIPs{
			Interfaces: domainENIs{api: ec2.NewFromConfig(cfg), domainName: s.DomainName, vpcID: s.VpcID},
			Resolver:   net.DefaultResolver,
			Endpoint:   s.DomainEndpoint,
			Log:        log,
		},
		group: targetGroup{api: elbv2.NewFromConfig(cfg), arn: s.TargetGroupArn},
		log:   log.With("target_group", s.TargetGroupArn, "domain", s.DomainName),
	}
	lambda.Start(h.handle)
}
