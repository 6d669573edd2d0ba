// Command setup is the Lambda function that configures the inside of the
// logsearch domain (roles, index template, ISM policy, Dashboards index
// pattern, audit logging). The Pulumi program invokes it through
// aws.lambda.Invocation whenever the desired state changes; a returned
// error fails `pulumi up` with the domain's message in it.
package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logsearch/logsearch/lambda/domainsetup"
)

func main() {
	hc := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		},
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	lambda.Start(newHandler(hc, domainsetup.DefaultRetry, logger))
}

// newHandler logs each outcome and the failure, never the request itself:
// it carries the master password.
func newHandler(hc *http.Client, retry domainsetup.Retry, logger *slog.Logger) func(context.Context, domainsetup.Request) (domainsetup.Result, error) {
	return func(ctx context.Context, req domainsetup.Request) (domainsetup.Result, error) {
		logger.Info("setup starting", "endpoint", req.Endpoint, "indexPrefix", req.Spec.IndexPrefix, "specHash", req.Spec.Hash())
		res, err := domainsetup.Run(ctx, req, hc, retry)
		for _, o := range res.Outcomes {
			logger.Info("setup step", "object", o.Object, "action", o.Action, "detail", o.Detail)
		}
		if err != nil {
			logger.Error("setup failed", "error", err.Error())
			return res, err
		}
		logger.Info("setup done", "changed", res.Changed)
		return res, nil
	}
}
