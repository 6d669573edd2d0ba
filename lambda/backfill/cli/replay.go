package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/logsearch/logsearch/lambda/backfill/awsenv"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/backfill/replay"
)

// ReplayOptions are the replay-dlq command line.
type ReplayOptions struct {
	Target
	QueueURL          string
	SQSEndpoint       string
	DropUndecodable   bool
	MaxMessages       int
	VisibilityTimeout time.Duration
	Wait              time.Duration
}

// Visibility timeouts: long enough to index a batch through every retry
// of a struggling domain; short for a dry run, which only looks. Both are
// released at the end of the run anyway.
const (
	defaultVisibility       = 5 * time.Minute
	defaultDryRunVisibility = 30 * time.Second
)

const replayUsageText = `Usage:
  backfill replay-dlq [flags]     re-index what the ingest function left in its dead-letter queue

Reads every message of the queue (--queue-url, default $DLQ_URL): the
function's own failed-events and undecodable-payload records (chunked ones
too), Lambda's on-failure destination records and raw invocations from
Lambda's dead-letter queue. Their events are indexed as the function would
(_id = the CloudWatch event id, so replaying twice never duplicates). A
message is deleted once all its events are indexed, or refused again and
written to --rejects. Payloads that cannot be decoded are written to
--rejects and kept in the queue unless --drop-undecodable.

Flags:
`

// ParseReplayArgs reads the replay-dlq arguments (after "replay-dlq").
func ParseReplayArgs(args []string, getenv func(string) string, usage io.Writer) (*ReplayOptions, error) {
	o := &ReplayOptions{}
	fs := newFlagSet("backfill replay-dlq", usage, replayUsageText)
	o.addTargetFlags(fs, getenv, "dlq-rejects.ndjson", "receive and decode everything and print what would be indexed and deleted, but index, delete and write nothing")
	fs.StringVar(&o.QueueURL, "queue-url", getenv("DLQ_URL"), "URL of the dead-letter queue (stack output / the function's DLQ_URL); default $DLQ_URL")
	fs.StringVar(&o.SQSEndpoint, "sqs-endpoint", "", "SQS endpoint URL instead of AWS's (also: $AWS_ENDPOINT_URL_SQS)")
	fs.BoolVar(&o.DropUndecodable, "drop-undecodable", false, "delete payloads that cannot be decoded once they are in the rejects file (default: keep them in the queue)")
	fs.IntVar(&o.MaxMessages, "max-messages", 0, "stop after receiving this many messages (0: until the queue is empty)")
	fs.DurationVar(&o.VisibilityTimeout, "visibility-timeout", defaultVisibility, "how long received messages are hidden while they are handled (dry run: 30s); what is left is made visible again at the end")
	fs.DurationVar(&o.Wait, "wait", 5*time.Second, "long-poll time of each receive, up to 20s; the run ends at the first receive that brings nothing new")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	visibilitySet := false
	fs.Visit(func(f *flag.Flag) { visibilitySet = visibilitySet || f.Name == "visibility-timeout" })
	if o.DryRun && !visibilitySet {
		o.VisibilityTimeout = defaultDryRunVisibility
	}

	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("replay-dlq takes no SOURCE (got %q): the queue is named with --queue-url", fs.Arg(0)))
	}
	errs = o.check(errs)
	errs = o.checkFromFunction(fs, errs)
	if o.QueueURL == "" {
		errs = append(errs, errors.New("no queue: pass --queue-url https://sqs.<region>.amazonaws.com/<account>/<queue> or set DLQ_URL (the stack's DLQ URL output)"))
	} else if u, err := url.Parse(o.QueueURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		errs = append(errs, fmt.Errorf("--queue-url %q is not a queue URL: write https://sqs.<region>.amazonaws.com/<account>/<queue>", o.QueueURL))
	} else if o.Region == "" {
		// https://sqs.<region>.amazonaws.com/...: the URL names its region.
		if parts := strings.Split(u.Host, "."); len(parts) >= 4 && parts[0] == "sqs" {
			o.Region = parts[1]
		}
	}
	if o.MaxMessages < 0 {
		errs = append(errs, fmt.Errorf("--max-messages %d: use 0 (no limit) or more", o.MaxMessages))
	}
	if o.VisibilityTimeout < time.Second || o.VisibilityTimeout > 12*time.Hour {
		errs = append(errs, fmt.Errorf("--visibility-timeout %s: use 1s to 12h (SQS's limits)", o.VisibilityTimeout))
	}
	if o.Wait < 0 || o.Wait > 20*time.Second {
		errs = append(errs, fmt.Errorf("--wait %s: use 0s to 20s (SQS's long-poll limit)", o.Wait))
	}
	if len(errs) > 0 {
		return nil, usageError{errors.Join(errs...)}
	}
	return o, nil
}

type replayCommand struct {
	o   *ReplayOptions
	env Env
}

func (c *replayCommand) run(ctx, stop context.Context) (int, error) {
	o, out := c.o, c.env.Stderr
	queue, err := c.queue(ctx)
	if err != nil {
		return ExitUsage, err
	}
	deps := replay.Deps{Queue: queue, Now: c.env.Now}
	if !o.DryRun {
		newSender, _, err := c.env.connect(ctx, &o.Target)
		if err != nil {
			return ExitUsage, err
		}
		if deps.Sender, err = newSender(); err != nil {
			return ExitUsage, err
		}
		deps.Rejects = rejects.NewWriter(o.Rejects)
		defer func() { _ = deps.Rejects.Close() }()
	}
	if o.DryRun {
		_, _ = fmt.Fprintf(out, "dry run: reading %s; nothing is indexed, deleted or written (messages are hidden for %s, then released)\n", o.QueueURL, o.VisibilityTimeout)
	} else {
		_, _ = fmt.Fprintf(out, "replaying %s into %s (%s-YYYY.MM.DD)\n", o.QueueURL, o.redactedEndpoint(), o.IndexPrefix)
	}
	start := c.env.Now()
	last := start
	cfg := replay.Config{
		QueueURL: o.QueueURL, Document: o.document(), DryRun: o.DryRun, DropUndecodable: o.DropUndecodable,
		MaxMessages: o.MaxMessages, VisibilityTimeout: o.VisibilityTimeout, Wait: o.Wait,
		OnBatch: func(s *replay.Summary) {
			now := c.env.Now()
			if c.env.StderrTTY {
				_, _ = fmt.Fprintf(out, "\r%s\x1b[K", progressLine(s, now.Sub(start)))
			} else if now.Sub(last) >= o.ProgressInterval {
				_, _ = fmt.Fprintf(out, "progress: %s\n", progressLine(s, now.Sub(start)))
				last = now
			}
		},
	}
	sum, runErr := replay.Run(ctx, stop, cfg, deps)
	if c.env.StderrTTY && sum != nil && sum.Messages > 0 {
		_, _ = fmt.Fprintln(out)
	}
	if deps.Rejects != nil {
		if err := deps.Rejects.Close(); runErr == nil {
			runErr = err
		}
	}
	if sum == nil {
		return ExitUsage, runErr
	}
	c.printSummary(sum)
	switch {
	case runErr != nil:
		return ExitFailed, runErr
	case sum.OK():
		return ExitOK, nil
	case sum.Interrupted && sum.DeliveryFailed == nil && sum.QueueFailed == nil:
		return ExitInterrupted, nil
	}
	return ExitFailed, nil
}

// queue builds the SQS client from the AWS credential chain.
func (c *replayCommand) queue(ctx context.Context) (replay.Queue, error) {
	if c.env.NewSQS != nil {
		return c.env.NewSQS()
	}
	cfg, err := awsenv.Load(ctx, c.o.Region, "for SQS")
	if err != nil {
		return nil, err
	}
	next := cfg.HTTPClient
	if next == nil {
		// LoadDefaultConfig leaves it nil unless something (a CA bundle,
		// a test) set one; the SDK would otherwise build this default.
		next = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = bufferedBodies{next}
	return sqs.NewFromConfig(cfg, func(so *sqs.Options) {
		if c.o.SQSEndpoint != "" {
			so.BaseEndpoint = &c.o.SQSEndpoint
		}
	}), nil
}

// bufferedBodies hands the HTTP transport its own copy of each request
// body. The SDK closes the body it passed as soon as the response arrives,
// while net/http may still be reading it to check its length; the
// transport then closes the connection under the response being read
// (aws/aws-sdk-go-v2#2737). For ReceiveMessage that loses an answer whose
// messages are already hidden for the visibility timeout. SQS request
// bodies are small (under 10 kB here), so the copy costs nothing.
type bufferedBodies struct{ next aws.HTTPClient }

func (b bufferedBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return b.next.Do(req)
}

func progressLine(s *replay.Summary, elapsed time.Duration) string {
	return fmt.Sprintf("%d messages received, %d deleted; %d events, %d indexed  (%s)",
		s.Messages, s.Deleted, s.Events, s.Indexed, elapsed.Round(time.Second))
}

// printSummary says what was found in the queue, what became of it, and
// what to do about anything left.
func (c *replayCommand) printSummary(s *replay.Summary) {
	o, out := c.o, c.env.Stderr
	indexed, deleted := "indexed", "deleted"
	if o.DryRun {
		indexed, deleted = "would be indexed", "would be deleted"
	}
	var kinds []string
	for _, k := range replay.Kinds {
		if n := s.ByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	_, _ = fmt.Fprintf(out, "%d messages received", s.Messages)
	if len(kinds) > 0 {
		_, _ = fmt.Fprintf(out, ": %s", strings.Join(kinds, ", "))
	}
	_, _ = fmt.Fprintln(out)
	if len(s.Reasons) > 0 {
		_, _ = fmt.Fprintln(out, "errors recorded in the queue:")
		reasons := make([]string, 0, len(s.Reasons))
		for r := range s.Reasons {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool {
			a, b := reasons[i], reasons[j]
			return s.Reasons[a] > s.Reasons[b] || s.Reasons[a] == s.Reasons[b] && a < b
		})
		for _, r := range reasons {
			_, _ = fmt.Fprintf(out, "  %6d  %s\n", s.Reasons[r], r)
		}
	}
	_, _ = fmt.Fprintf(out, "%d events: %d %s", s.Events, s.Indexed, indexed)
	if s.Rejected > 0 {
		_, _ = fmt.Fprintf(out, ", %d refused again (moved to %s)", s.Rejected, o.Rejects)
	}
	_, _ = fmt.Fprintln(out)
	printPerIndex(out, s.PerIndex)
	_, _ = fmt.Fprintf(out, "%d messages %s, %d left in the queue\n", s.Deleted, deleted, s.Left)
	if s.Undecodable > 0 {
		switch {
		case o.DropUndecodable && o.DryRun:
			_, _ = fmt.Fprintf(out, "UNDECODABLE: %d payloads cannot be decoded; they would be copied to %s and deleted (--drop-undecodable)\n", s.Undecodable, o.Rejects)
		case o.DropUndecodable:
			_, _ = fmt.Fprintf(out, "UNDECODABLE: %d payloads cannot be decoded; copied to %s and deleted (%d messages)\n", s.Undecodable, o.Rejects, s.Dropped)
		case o.DryRun:
			_, _ = fmt.Fprintf(out, "UNDECODABLE: %d payloads cannot be decoded; a replay copies them to %s and keeps them in the queue\n", s.Undecodable, o.Rejects)
		default:
			_, _ = fmt.Fprintf(out, "UNDECODABLE: %d payloads cannot be decoded; copied to %s and kept in the queue. Inspect them (payload_base64), then run again with --drop-undecodable to delete them\n", s.Undecodable, o.Rejects)
		}
	}
	if s.Incomplete > 0 {
		_, _ = fmt.Fprintf(out, "INCOMPLETE: %d chunked records lack parts that were not received (hidden by another reader, or beyond --max-messages); kept in the queue: run again later\n", s.Incomplete)
	}
	if s.LimitReached {
		_, _ = fmt.Fprintf(out, "stopped after --max-messages %d: run again for the rest\n", o.MaxMessages)
	}
	if s.DeliveryFailed != nil {
		_, _ = fmt.Fprintf(out, "STOPPED: OpenSearch did not accept the events: %v. Handled messages were deleted; the rest are back in the queue\n", s.DeliveryFailed)
	}
	if s.QueueFailed != nil {
		_, _ = fmt.Fprintf(out, "QUEUE ERROR: %v\n", s.QueueFailed)
	}
	if s.Interrupted {
		_, _ = fmt.Fprintln(out, "INTERRUPTED: run the same command again for the rest")
	}
}
