// Command storageguard is the Lambda function that keeps the domain clear
// of OpenSearch Service's write block. EventBridge runs it every few
// minutes; each run reads every data node's free space and, when the
// fullest node is below the floor (FLOOR_BYTES), deletes the oldest
// logsearch daily indices until it is met again, never today's or
// yesterday's, never leaving fewer than MIN_DAYS days, and lifts the write
// block a full disk left behind (package guard). It signs with its own
// IAM role, which setup maps to a domain role that may only read stats and
// settings and delete or unblock <prefix>-* indices.
//
// Every run writes one EMF line (metrics.GuardRun): the deletions, whether
// the floor was out of reach, the fullest node's free space, the days of
// logs kept and the days until full at the current rate.
package main

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"
	_ "time/tzdata" // the al2023 runtime image has no zoneinfo for INDEX_TIMEZONE

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/metrics"
	"github.com/logsearch/logsearch/lambda/redact"
	"github.com/logsearch/logsearch/lambda/storageguard/guard"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	sign, err := awsv2.NewSignerWithService(awsCfg, "es")
	if err != nil {
		log.Error("no SigV4 signer", "error", err.Error())
		os.Exit(1)
	}
	tp, err := opensearchtransport.New(opensearchtransport.Config{
		URLs:   []*url.URL{s.Endpoint},
		Signer: redact.Signer(sign), // so that errors quoting an answer leave out the credentials
		Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		},
		MaxRetryClusterHealth: -1, // no background probes from a short-lived function
	})
	if err != nil {
		log.Error("OpenSearch client", "error", err.Error())
		os.Exit(1)
	}
	h := handler{dom: guard.Domain{Client: tp}, cfg: s.Guard, log: log, out: os.Stdout,
		function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), now: time.Now}
	lambda.Start(h.handle)
}

// handler runs the guard once per invocation; the event is only a tick.
type handler struct {
	dom      guard.Domain
	cfg      guard.Config
	log      *slog.Logger
	out      io.Writer // EMF lines
	function string
	now      func() time.Time
}

func (h handler) handle(ctx context.Context) error {
	now := h.now()
	res, err := guard.Run(ctx, h.dom, h.cfg, now, h.log)
	m := metrics.GuardRun{
		Deleted: len(res.Deleted), FreedBytes: res.FreedBytes(), Failed: err != nil,
		Measured: res.Fullest.Name != "", Short: res.Short, Lifted: len(res.Lifted), StillBlocked: len(res.StillBlocked),
		MinFreeBytes: res.FreeAfter, DaysKept: res.DaysKept,
	}
	if res.DaysUntilFullOK {
		m.DaysUntilFull = &res.DaysUntilFull
	}
	if werr := m.Write(h.out, now, h.function); werr != nil {
		h.log.Error("writing the run's metrics", "error", werr.Error())
	}
	if err != nil {
		// Returned, the failure counts in the function's Errors metric; the
		// next scheduled run starts afresh.
		h.log.Error("storage guard run failed", "error", err.Error())
	}
	return err
}
