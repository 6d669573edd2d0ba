// Command setup is the Lambda function that configures the inside of the
// logsearch domain (roles, index template, ISM policy, Dashboards index
// pattern and landing dashboard, default tenant, audit logging). The Pulumi program invokes it through
// aws.lambda.Invocation whenever the desired state changes, as the master
// user; a returned error fails `pulumi up` with the domain's message in it.
// An hourly EventBridge schedule runs it again with the same desired state,
// signing with the function's role, to heal drift: every object it rewrites
// is logged and counted (metrics.SetupCorrections).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/domainsetup"
	"github.com/logsearch/logsearch/lambda/metrics"
)

func main() {
	base := &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	c := clients{password: &http.Client{Timeout: 30 * time.Second, Transport: base}}
	if awsCfg, err := config.LoadDefaultConfig(context.Background()); err != nil {
		logger.Error("no AWS configuration: scheduled runs cannot sign", "error", err.Error())
	} else if sign, err := awsv2.NewSignerWithService(awsCfg, "es"); err != nil {
		logger.Error("no SigV4 signer: scheduled runs cannot sign", "error", err.Error())
	} else {
		c.signed = &http.Client{Timeout: 30 * time.Second, Transport: signingTransport{base: base, signer: sign}}
	}
	run := runMetrics{out: os.Stdout, function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), now: time.Now}
	lambda.Start(newHandler(c, domainsetup.DefaultRetry, logger, run))
}

// clients are the two ways a run authenticates.
type clients struct {
	password *http.Client // basic auth as the master user (deploy time)
	signed   *http.Client // SigV4 with the function's role (schedule); nil if unavailable
}

// runMetrics is where and as what each run's EMF line goes.
type runMetrics struct {
	out      io.Writer
	function string
	now      func() time.Time
}

// newHandler logs each outcome and the failure, never the request itself:
// a deploy-time request carries the master password. A signed (scheduled)
// run logs each object it had to rewrite as corrected drift.
func newHandler(c clients, retry domainsetup.Retry, logger *slog.Logger, m runMetrics) func(context.Context, domainsetup.Request) (domainsetup.Result, error) {
	return func(ctx context.Context, req domainsetup.Request) (domainsetup.Result, error) {
		hc, auth := c.password, "master user"
		if req.SignWithRole {
			hc, auth = c.signed, "function role"
		}
		logger.Info("setup starting", "endpoint", req.Endpoint, "indexPrefix", req.Spec.IndexPrefix, "specHash", req.Spec.Hash(), "auth", auth)
		var res domainsetup.Result
		var err error
		if hc == nil {
			err = errors.New("this run must sign with the function's role, but the function has no AWS credentials or region; check its execution role")
		} else {
			res, err = domainsetup.Run(ctx, req, hc, retry)
		}
		corrected := 0
		for _, o := range res.Outcomes {
			switch {
			case req.SignWithRole && o.Changed():
				corrected++
				logger.Warn("setup corrected drift", "object", o.Object, "action", o.Action, "detail", o.Detail)
			case o.Action == domainsetup.Skipped:
				logger.Warn("setup skipped an object", "object", o.Object, "detail", o.Detail)
			default:
				logger.Info("setup step", "object", o.Object, "action", o.Action, "detail", o.Detail)
			}
		}
		if werr := metrics.WriteSetupRun(m.out, m.now(), m.function, corrected, err != nil); werr != nil {
			logger.Error("writing the run's metrics", "error", werr.Error())
		}
		if err != nil {
			logger.Error("setup failed", "error", err.Error())
			return res, err
		}
		logger.Info("setup done", "changed", res.Changed, "corrected", corrected)
		return res, nil
	}
}
