// Command ingest is the Lambda function (built as "bootstrap" for the
// provided.al2023 runtime) that CloudWatch Logs subscription filters
// invoke: it turns each log event into a typed document in a daily
// OpenSearch index and keeps whatever cannot be indexed in the
// dead-letter queue.
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // the al2023 runtime image has no zoneinfo for INDEX_TIMEZONE

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := newHandler(context.Background(), os.Getenv, log, os.Stdout)
	if err != nil {
		// One line with every problem; exiting fails the cold start, so
		// the function cannot run half-configured.
		log.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
