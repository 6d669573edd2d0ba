// Command backfill indexes archived logs (S3 objects or local files,
// gzip'd or plain) into the daily OpenSearch indices exactly as the ingest
// function would, "backfill redo" empties index-days and refills them, and
// "backfill replay-dlq" re-indexes the ingest function's dead-letter queue.
// Run backfill -h for the commands and flags.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/logsearch/logsearch/lambda/backfill/cli"
	"github.com/logsearch/logsearch/lambda/backfill/progress"
)

func main() {
	// First Ctrl-C: stop starting objects, deliver what was read, save
	// state. Second: give up on in-flight requests too.
	ctx, abort := context.WithCancel(context.Background())
	stop, interrupt := context.WithCancel(ctx)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "\nbackfill: stopping after the requests in flight; press Ctrl-C again to abort them")
		interrupt()
		<-signals
		abort()
	}()
	os.Exit(cli.Main(ctx, stop, os.Args[1:], cli.Env{
		Stdin:     os.Stdin,
		StdinTTY:  progress.IsTerminal(os.Stdin),
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		StderrTTY: progress.IsTerminal(os.Stderr),
		Getenv:    os.Getenv,
	}))
}
