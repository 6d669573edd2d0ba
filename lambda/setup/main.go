// Command setup is the Lambda function that configures the inside of the
// logsearch domain (roles, index template, ISM policy, Dashboards index
// pattern and landing dashboard, default tenant, audit logging). What it
// applies is the desired state Pulumi packed next to its binary
// (domainsetup.DeployedFile), never its caller's: a payload only chooses how
// the run authenticates. The Pulumi program invokes it through
// aws.lambda.Invocation whenever the desired state changes, as the master
// user; a returned error fails `pulumi up` with the domain's message in it.
// An hourly EventBridge schedule runs it again, signing with the function's
// role, to heal drift: every object it rewrites is logged and counted
// (metrics.SetupCorrections).
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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
	lambda.Start(newHandler(c, loadDeployed, domainsetup.DefaultRetry, logger, run))
}

// loadDeployed reads the desired state packed next to the function's
// binary (/var/task in Lambda), where only the deployer can put it.
func loadDeployed() (domainsetup.Deployed, error) {
	exe, err := os.Executable()
	if err != nil {
		return domainsetup.Deployed{}, err
	}
	return domainsetup.LoadDeployed(filepath.Join(filepath.Dir(exe), domainsetup.DeployedFile))
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

// newHandler applies the state load returns, authenticated as the
// invocation says. It logs each outcome and the failure, never the
// invocation itself: a deploy-time one carries the master password. A
// signed (scheduled) run logs each object it had to rewrite as corrected
// drift.
//
// The payload is decoded here rather than by the runtime, so a refused
// payload is logged and counted for the setup alarm like any failed run.
func newHandler(c clients, load func() (domainsetup.Deployed, error), retry domainsetup.Retry, logger *slog.Logger, m runMetrics) func(context.Context, json.RawMessage) (domainsetup.Result, error) {
	return func(ctx context.Context, payload json.RawMessage) (domainsetup.Result, error) {
		var inv domainsetup.Invocation
		err := json.Unmarshal(payload, &inv)
		hc, auth := c.password, "master user"
		if inv.SignWithRole {
			hc, auth = c.signed, "function role"
		}
		var res domainsetup.Result
		var deployed domainsetup.Deployed
		if err == nil {
			deployed, err = load()
		}
		var req domainsetup.Request
		if err == nil {
			req, err = deployed.Request(inv)
		}
		switch {
		case err != nil:
		case hc == nil:
			err = errors.New("this run must sign with the function's role, but the function has no AWS credentials or region; check its execution role")
		default:
			logger.Info("setup starting", "endpoint", req.Endpoint, "indexPrefix", req.Spec.IndexPrefix, "desiredState", deployed.Hash(), "auth", auth)
			res, err = domainsetup.Run(ctx, req, hc, retry)
		}
		corrected := 0
		for _, o := range res.Outcomes {
			switch {
			case inv.SignWithRole && o.Changed():
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
