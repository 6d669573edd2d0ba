// Package cli is the backfill command: it reads archived logs from S3 or
// local files and indexes them like the ingest function, with "redo"
// empties index-days first and refills them, and with "replay-dlq"
// re-indexes what the ingest function left in its dead-letter queue.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/pipeline"
	"github.com/logsearch/logsearch/lambda/backfill/progress"
	"github.com/logsearch/logsearch/lambda/backfill/redo"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/backfill/replay"
	"github.com/logsearch/logsearch/lambda/backfill/resume"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/document"
)

// Exit statuses, the same for backfill, redo and replay-dlq; ExitCodes
// explains them.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// ExitCodes is the one table of exit statuses: -h prints it and the
// manual repeats it.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "everything was indexed (replay-dlq: every message received was replayed and deleted)"},
	{ExitFailed, "something was not indexed, or the run stopped: see the summary and the rejects file, then run again to resume"},
	{ExitUsage, "bad flags, sources, settings or AWS credentials, or no objects to read: nothing was done"},
	{ExitInterrupted, "interrupted by Ctrl-C: run the same command again to resume"},
}

// exitStatusText is ExitCodes for -h.
func exitStatusText() string {
	var b strings.Builder
	b.WriteString("\nExit status:\n")
	for _, e := range ExitCodes {
		fmt.Fprintf(&b, "  %-4d %s\n", e.Code, e.Meaning)
	}
	return b.String()
}

// Env is the command's surroundings; tests replace parts of it.
type Env struct {
	Stdin     io.Reader
	StdinTTY  bool
	Stdout    io.Writer
	Stderr    io.Writer
	StderrTTY bool
	Getenv    func(string) string
	Now       func() time.Time
	// NewS3 builds the S3 client; nil means from the AWS credential chain.
	NewS3 func() (archive.S3API, error)
	// NewSQS builds replay-dlq's SQS client; nil means from the AWS
	// credential chain (and --sqs-endpoint).
	NewSQS func() (replay.Queue, error)
	// NewLambda builds the client --from-function reads the function's
	// settings with; nil means from the AWS credential chain.
	NewLambda func() FunctionAPI
	// FunctionTimeout bounds the wait for --from-function's settings;
	// 0 means DefaultFunctionTimeout.
	FunctionTimeout time.Duration
	// OpenSearch builds the workers' bulk senders and the transport for
	// index deletion; nil means from the options (endpoint, auth, region).
	OpenSearch func(ctx context.Context, o *Target, base bulk.Config) (func() (pipeline.Sender, error), redo.Transport, error)
	// Bulk is the base bulk client configuration (tests shorten the
	// backoff); MaxBytes comes from --bulk-bytes.
	Bulk bulk.Config
}

// Main runs the command. Cancelling stop (first Ctrl-C) stops gracefully;
// cancelling ctx (second Ctrl-C) abandons in-flight requests.
func Main(ctx, stop context.Context, args []string, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	getenv, source, err := withFunctionSettings(ctx, args, env)
	if err != nil {
		name := "backfill"
		if len(args) > 0 && args[0] == "replay-dlq" {
			name += " replay-dlq"
		}
		_, _ = fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return ExitUsage
	}
	_, _ = fmt.Fprint(env.Stderr, source)
	if len(args) > 0 && args[0] == "replay-dlq" {
		o, err := ParseReplayArgs(args[1:], getenv, env.Stderr)
		return runCommand(env.Stderr, "backfill replay-dlq", err, func() (int, error) {
			return (&replayCommand{o: o, env: env}).run(ctx, stop)
		})
	}
	o, err := ParseArgs(args, getenv, env.Stderr)
	return runCommand(env.Stderr, "backfill", err, func() (int, error) {
		return (&command{o: o, env: env}).run(ctx, stop)
	})
}

// runCommand is what every subcommand does with its parsed command line:
// -h is not an error, a bad command line exits ExitUsage with a pointer to
// the flags, and the run's own error is printed under the command's name.
func runCommand(stderr io.Writer, name string, parseErr error, run func() (int, error)) int {
	if errors.Is(parseErr, flag.ErrHelp) {
		return ExitOK
	}
	if parseErr != nil {
		_, _ = fmt.Fprintf(stderr, "%s: %v\nRun %s -h for the flags.\n", name, parseErr, name)
		return ExitUsage
	}
	code, err := run()
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	return code
}

type command struct {
	o   *Options
	env Env
}

func (c *command) run(ctx, stop context.Context) (int, error) {
	o, stderr := c.o, c.env.Stderr
	// Redo reads the neighbouring days' objects too: an archive's day
	// boundaries rarely match the index time zone's (nor do the arrival
	// times Firehose files objects by), so a day's lines spill into them.
	listFrom, listTo := o.From, o.To
	var indices []string
	if o.Redo {
		listFrom, listTo = o.From.AddDate(0, 0, -1), o.To.AddDate(0, 0, 1)
		indices = redo.Indices(o.IndexPrefix, o.From, o.To)
	}
	newS3 := c.env.NewS3
	if newS3 == nil {
		newS3 = defaultS3(ctx, o)
	}
	jobs, canonical, err := listJobs(ctx, o, listFrom, listTo, newS3)
	if err != nil {
		return ExitUsage, err
	}
	var total int64
	for _, j := range jobs {
		total += j.Object.Size
	}
	if len(jobs) == 0 {
		err := fmt.Errorf("no objects found for %s from %s to %s: check the prefix and --key-layout (%q expects keys like <prefix>%s...)",
			strings.Join(o.Sources, " "), listFrom.Format(time.DateOnly), listTo.Format(time.DateOnly), o.KeyLayout, o.KeyLayout.DayPrefix("", listFrom))
		if o.Redo {
			err = fmt.Errorf("%w; nothing was deleted, since nothing could refill the days", err)
		}
		return ExitUsage, err
	}
	_, _ = fmt.Fprintf(stderr, "%d objects, %s stored, from %s\n", len(jobs), megabytes(total), strings.Join(canonical, " "))

	cfg := pipeline.Config{
		Document: o.document(),
		LogGroup: o.LogGroup, Concurrency: o.Concurrency, BatchBytes: o.BulkBytes, MaxLineBytes: o.MaxLineBytes,
		DryRun: o.DryRun, DryRunOut: c.env.Stdout, Samples: o.Samples,
	}
	if o.Redo {
		keep := make(map[string]bool, len(indices))
		for _, i := range indices {
			keep[i] = true
		}
		cfg.KeepIndex = func(i string) bool { return keep[i] }
	}
	if _, err := document.NewBuilder(cfg.Document); err != nil {
		return ExitUsage, err
	}

	if o.DryRun {
		if o.Redo {
			_, _ = fmt.Fprintf(c.env.Stdout, "would delete (%s): %s\n", o.DeleteMode, strings.Join(indices, " "))
		}
		meter := progress.NewMeter(int64(len(jobs)), total)
		stopReporting := c.report(meter)
		sum, err := pipeline.Run(ctx, stop, cfg, pipeline.Deps{Now: c.env.Now, Meter: meter}, jobs)
		stopReporting()
		if err != nil {
			return ExitFailed, err
		}
		c.printSummary(sum, "")
		return exitCode(sum), nil
	}
	if o.Redo && !o.Yes && !c.env.StdinTTY {
		return ExitUsage, errors.New("redo deletes data and needs a confirmation, but stdin is not a terminal: pass --yes to confirm in scripts; nothing was done")
	}

	fingerprint, description := o.runIdentity(canonical)
	state, err := resume.Open(o.State, resume.Run{Fingerprint: fingerprint, Description: description}, c.env.Now())
	if err != nil {
		return ExitUsage, err
	}
	defer func() { _ = state.Close() }()
	if state.Resumed() {
		_, _ = fmt.Fprintf(stderr, "resuming the run started %s (state file %s)\n", state.Started().Format(time.RFC3339), o.State)
	}

	newSender, transport, err := c.env.connect(ctx, &o.Target)
	if err != nil {
		return ExitUsage, err
	}

	admin := &redo.Client{Transport: transport}
	if o.endpointURL != nil {
		admin.Basic = o.endpointURL.User
	}
	var refill map[string]int64
	if o.Redo {
		var code int
		if refill, code, err = c.emptyDays(ctx, stop, cfg, state, admin, indices, jobs); err != nil {
			return code, err
		}
	}

	rej := rejects.NewWriter(o.Rejects)
	defer func() { _ = rej.Close() }()
	meter := progress.NewMeter(int64(len(jobs)), total)
	for _, j := range jobs {
		if state.IsDone(j.ID(), j.Object.ETag) {
			meter.Skip(j.Object.Size)
		}
	}
	stopReporting := c.report(meter)
	sum, runErr := pipeline.Run(ctx, stop, cfg, pipeline.Deps{NewSender: newSender, State: state, Rejects: rej, Meter: meter, Now: c.env.Now}, jobs)
	stopReporting()
	if cerr := rej.Close(); runErr == nil {
		runErr = cerr
	}
	if runErr != nil {
		if state.Written() {
			return ExitFailed, fmt.Errorf("%w; the state file %s is kept: run the same command again to resume", runErr, o.State)
		}
		return ExitFailed, fmt.Errorf("%w; no object was finished, so there is nothing to resume: run the same command again", runErr)
	}
	c.printSummary(sum, o.Rejects)
	code := exitCode(sum)
	held, err := c.printHeld(ctx, admin, sum, indices)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "could not count what the domain holds: %v\n", err)
		code = max(code, ExitFailed)
	}
	for _, index := range indices {
		if err == nil && sum.OK() && held[index] < refill[index] {
			_, _ = fmt.Fprintf(stderr, "MISSING: %s holds %d documents, but the archive gave %d distinct ones: run the same redo again\n", index, held[index], refill[index])
			code = ExitFailed
		}
	}
	if code == ExitOK {
		if err := state.Finish(); err != nil {
			return ExitFailed, err
		}
		return code, nil
	}
	if state.Written() {
		_, _ = fmt.Fprintf(stderr, "state kept in %s: run the same command again to resume (finished objects are skipped)\n", o.State)
	} else {
		_, _ = fmt.Fprintln(stderr, "no object was finished, so no state file was written: run the same command again to start over")
	}
	return code, nil
}

// emptyDays deletes the index-days once per run: a resumed redo does not
// delete what it has already begun to refill. Before deleting anything it
// reads the whole archive of the days without sending (a dry run) and
// refuses, with ExitUsage, when the archive would refill an index with
// fewer documents than the domain holds there now; refill is what it
// counted per index.
func (c *command) emptyDays(ctx, stop context.Context, cfg pipeline.Config, state *resume.State, admin *redo.Client, indices []string, jobs []pipeline.Job) (refill map[string]int64, code int, err error) {
	const step = "emptied index-days"
	o, out := c.o, c.env.Stderr
	if state.StepDone(step) {
		_, _ = fmt.Fprintf(out, "index-days already emptied by the interrupted run; refilling\n")
		return nil, ExitOK, nil
	}
	_, _ = fmt.Fprintf(out, "reading the archive of %s before deleting anything, to check it refills them\n", strings.Join(indices, " "))
	plan := cfg
	plan.DryRun, plan.DryRunOut, plan.Samples, plan.CountDistinct = true, io.Discard, 0, true
	var total int64
	for _, j := range jobs {
		total += j.Object.Size
	}
	meter := progress.NewMeter(int64(len(jobs)), total)
	stopReporting := c.report(meter)
	sum, err := pipeline.Run(ctx, stop, plan, pipeline.Deps{Now: c.env.Now, Meter: meter}, jobs)
	stopReporting()
	switch {
	case err != nil:
		return nil, ExitFailed, fmt.Errorf("%w; nothing was deleted", err)
	case sum.Interrupted:
		return nil, ExitInterrupted, errors.New("interrupted while reading the archive; nothing was deleted")
	case len(sum.Failed) > 0:
		return nil, ExitFailed, fmt.Errorf("%d objects of the archive could not be read (first: %s: %v); nothing was deleted: fix or remove them, then run redo again", len(sum.Failed), sum.Failed[0].Object, sum.Failed[0].Err)
	}
	var logGroups []string
	if o.DeleteMode == redo.ModeQuery {
		logGroups = sum.LogGroups
		if len(logGroups) == 0 {
			logGroups = c.logGroups(jobs)
		}
	}
	var short []string
	for _, index := range indices {
		if err := admin.Refresh(ctx, index); err != nil {
			return nil, ExitFailed, fmt.Errorf("%w; nothing was deleted", err)
		}
		held, err := admin.Count(ctx, index, logGroups)
		if err != nil {
			return nil, ExitFailed, fmt.Errorf("%w; nothing was deleted", err)
		}
		if held > sum.Distinct[index] {
			short = append(short, fmt.Sprintf("%s holds %d documents%s, the archive refills %d", index, held, groupsText(logGroups), sum.Distinct[index]))
		}
	}
	if len(short) > 0 && o.AllowFewer {
		_, _ = fmt.Fprintf(out, "--allow-fewer: %s\n", strings.Join(short, "; "))
	}
	if len(short) > 0 && !o.AllowFewer {
		return nil, ExitUsage, fmt.Errorf("redo would lose documents: %s. Nothing was deleted. Check that the sources hold these days' whole archive, and that --timezone, --key-layout and --log-group match the stack; "+
			"lines without a time field in an archive written before the events format can only be dated by their object's day, which in a time zone other than UTC is not always the day they were indexed under. "+
			"If the extra documents are known duplicates (a plain backfill of a day the live path had indexed) or other log groups' documents you mean to drop, pass --allow-fewer to delete and refill anyway", strings.Join(short, "; "))
	}
	if o.DeleteMode == redo.ModeIndex {
		_, _ = fmt.Fprintf(out, "redo will DELETE these indices, with every document in them (from all log groups): %s\n", strings.Join(indices, " "))
	} else {
		_, _ = fmt.Fprintf(out, "redo will delete the documents with @log_group %s from: %s\n", strings.Join(logGroups, " or "), strings.Join(indices, " "))
	}
	if !o.Yes {
		if err := redo.Confirm(c.env.Stdin, out, indices); err != nil {
			return nil, ExitUsage, err
		}
	}
	for _, index := range indices {
		if o.DeleteMode == redo.ModeIndex {
			existed, err := admin.DeleteIndex(ctx, index)
			if err != nil {
				return nil, ExitFailed, err
			}
			_, _ = fmt.Fprintf(out, "deleted %s%s\n", index, map[bool]string{false: " (did not exist)", true: ""}[existed])
			continue
		}
		n, err := admin.DeleteByQuery(ctx, index, logGroups)
		if err != nil {
			return nil, ExitFailed, err
		}
		_, _ = fmt.Fprintf(out, "deleted %d documents from %s\n", n, index)
	}
	return sum.Distinct, ExitOK, state.MarkStep(step, c.env.Now())
}

func groupsText(logGroups []string) string {
	if len(logGroups) == 0 {
		return ""
	}
	return " of @log_group " + strings.Join(logGroups, " or ")
}

// printHeld counts, after a refresh, what the domain holds in every index
// the run wrote to or redid: the truth after the run, which the lines sent
// are not (a repeated line or a copied object overwrites its document).
func (c *command) printHeld(ctx context.Context, admin *redo.Client, sum *pipeline.Summary, redone []string) (map[string]int64, error) {
	seen := map[string]bool{}
	var indices []string
	for _, list := range [][]string{redone, sortedKeys(sum.PerIndex)} {
		for _, index := range list {
			if !seen[index] {
				seen[index] = true
				indices = append(indices, index)
			}
		}
	}
	sort.Strings(indices)
	if len(indices) == 0 {
		return nil, nil
	}
	held := map[string]int64{}
	out := c.env.Stderr
	_, _ = fmt.Fprintln(out, "the domain now holds:")
	for _, index := range indices {
		if err := admin.Refresh(ctx, index); err != nil {
			return held, err
		}
		n, err := admin.Count(ctx, index, nil)
		if err != nil {
			return held, err
		}
		held[index] = n
		_, _ = fmt.Fprintf(out, "  %s: %d documents\n", index, n)
	}
	return held, nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// report prints the meter's progress on stderr until the returned func is
// called.
func (c *command) report(meter *progress.Meter) (stop func()) {
	repCtx, cancel := context.WithCancel(context.Background())
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		(&progress.Reporter{Meter: meter, Out: c.env.Stderr, Terminal: c.env.StderrTTY, Interval: c.o.ProgressInterval}).Run(repCtx)
	}()
	return func() {
		cancel()
		<-reported
	}
}

// logGroups are the @log_group values this run writes.
func (c *command) logGroups(jobs []pipeline.Job) []string {
	if c.o.LogGroup != "" {
		return []string{c.o.LogGroup}
	}
	seen := map[string]bool{}
	var out []string
	for _, j := range jobs {
		if n := j.Store.Name(); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func exitCode(s *pipeline.Summary) int {
	switch {
	case s.OK():
		return ExitOK
	case s.Interrupted && s.DeliveryFailed == nil:
		return ExitInterrupted
	}
	return ExitFailed
}

// printSummary prints the run's summary on stderr; a dry run's goes to
// stdout, after the per-object lines it sums up, so that the two stay in
// order when stdout is piped or redirected.
func (c *command) printSummary(s *pipeline.Summary, rejectsPath string) {
	out := c.env.Stderr
	verb := "indexed"
	if c.o.DryRun {
		verb = "would index"
		out = c.env.Stdout
	}
	_, _ = fmt.Fprintf(out, "%d of %d objects finished", s.Done+s.AlreadyDone, s.Objects)
	if s.AlreadyDone > 0 {
		_, _ = fmt.Fprintf(out, " (%d by an earlier attempt)", s.AlreadyDone)
	}
	_, _ = fmt.Fprintf(out, "; %d lines read: %d %s, %d refused, %d too long, %d blank", s.Lines, s.Indexed, verb, s.Rejected, s.TooLong, s.Empty)
	if s.OtherIndex > 0 {
		_, _ = fmt.Fprintf(out, ", %d skipped (they belong to days not redone)", s.OtherIndex)
	}
	if s.Pending > 0 {
		_, _ = fmt.Fprintf(out, ", %d pending (not confirmed by OpenSearch; the next run sends them again)", s.Pending)
	}
	if !c.o.DryRun {
		_, _ = fmt.Fprintf(out, "; %d documents sent", s.Sent)
	}
	_, _ = fmt.Fprintln(out)
	printPerIndex(out, s.PerIndex)
	for _, f := range s.Failed {
		_, _ = fmt.Fprintf(out, "NOT INDEXED: %s: %v\n", f.Object, f.Err)
	}
	for _, f := range s.Warnings {
		_, _ = fmt.Fprintf(out, "WARNING: %s: %v\n", f.Object, f.Err)
	}
	if s.Rejected > 0 || s.TooLong > 0 || len(s.Failed) > 0 || len(s.Warnings) > 0 {
		if rejectsPath != "" {
			_, _ = fmt.Fprintf(out, "details of every line and object not indexed: %s\n", rejectsPath)
		}
	}
	if s.DeliveryFailed != nil {
		_, _ = fmt.Fprintf(out, "STOPPED: OpenSearch did not accept the data: %v\n", s.DeliveryFailed)
	}
	if s.Interrupted && s.DeliveryFailed == nil {
		_, _ = fmt.Fprintf(out, "INTERRUPTED: %d objects not finished\n", s.Objects-s.Done-s.AlreadyDone-len(s.Failed))
	}
}

// printPerIndex lists the documents written per index, in index order.
func printPerIndex(out io.Writer, perIndex map[string]int64) {
	indices := make([]string, 0, len(perIndex))
	for k := range perIndex {
		indices = append(indices, k)
	}
	sort.Strings(indices)
	for _, k := range indices {
		_, _ = fmt.Fprintf(out, "  %s: %d\n", k, perIndex[k])
	}
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
