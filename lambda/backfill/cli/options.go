package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/redo"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/problemlist"
	"github.com/logsearch/logsearch/lambda/settings"
)

// Options are the parsed command line.
type Options struct {
	Redo    bool
	Sources []string

	From, To  time.Time
	HasRange  bool
	KeyLayout archive.KeyLayout

	Target
	S3Endpoint string
	LogGroup   string

	Concurrency  int
	State        string
	Samples      int
	MaxLineBytes int

	Yes        bool
	AllowFewer bool
	DeleteMode redo.Mode
}

// Target is where and how documents are written, and the run's common
// flags: shared by backfill, redo and replay-dlq.
type Target struct {
	// FromFunction names the deployed ingest function whose settings are
	// the defaults (read before the flags are parsed).
	FromFunction string

	Endpoint    string
	Auth        string
	Region      string
	IndexPrefix string
	Location    *time.Location
	TimeField   string
	FieldTypes  fieldtypes.Map
	BulkBytes   int

	Rejects          string
	DryRun           bool
	ProgressInterval time.Duration

	// Parsed by check.
	tz, types   string
	endpointURL *url.URL
	envRegion   string
}

// addTargetFlags declares the Target flags on fs, with the defaults the
// ingest function's environment variables give.
func (t *Target) addTargetFlags(fs *flag.FlagSet, getenv func(string) string, rejectsFile, dryRunHelp string) {
	envOr := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&t.FromFunction, fromFunctionFlag, "", "take the ingest settings (endpoint, index prefix, time zone, time field, field types, DLQ URL) from this deployed function (the stack output ingestFunctionName, or its ARN), so documents come out as the function builds them; needs lambda:GetFunctionConfiguration")
	fs.StringVar(&t.Endpoint, "endpoint", getenv("OPENSEARCH_ENDPOINT"), "OpenSearch domain endpoint, a URL or a bare host name as the stack outputs it, e.g. vpc-logs-xyz.ap-northeast-1.es.amazonaws.com; default $OPENSEARCH_ENDPOINT")
	fs.StringVar(&t.Auth, "auth", envOr("OPENSEARCH_AUTH", "sigv4"), "sigv4 (sign with your AWS credentials) or none; default from $OPENSEARCH_AUTH")
	fs.StringVar(&t.Region, "region", "", "AWS region of the domain (and bucket or queue); default: the region the endpoint names, else $AWS_REGION")
	t.envRegion = envOr("AWS_REGION", getenv("AWS_DEFAULT_REGION"))
	fs.StringVar(&t.IndexPrefix, "index-prefix", envOr("INDEX_PREFIX", "cwl"), "index name prefix: <prefix>-YYYY.MM.DD; default from $INDEX_PREFIX")
	fs.StringVar(&t.tz, "timezone", envOr("INDEX_TIMEZONE", "UTC"), "IANA time zone whose calendar day names the index; default from $INDEX_TIMEZONE")
	fs.StringVar(&t.TimeField, "time-field", envOr("TIME_FIELD", "time"), "field @timestamp is read from; default from $TIME_FIELD")
	fs.StringVar(&t.types, "field-types", getenv("FIELD_TYPES"), `JSON object of field name to type, e.g. {"status":"integer"}; default $FIELD_TYPES`)
	fs.IntVar(&t.BulkBytes, "bulk-bytes", defaultBulkBytes, "bulk request size in bytes, at most 10485760")
	fs.StringVar(&t.Rejects, "rejects", rejectsFile, "file what could not be indexed is appended to")
	fs.BoolVar(&t.DryRun, "dry-run", false, dryRunHelp)
	fs.DurationVar(&t.ProgressInterval, "progress-interval", 10*time.Second, "how often progress is printed when stderr is not a terminal")
}

// redactedEndpoint is --endpoint as given, without the password of any
// Basic credentials in it, for messages and the state file.
func (t *Target) redactedEndpoint() string { return settings.RedactEndpoint(t.Endpoint) }

// check validates the Target flags and appends every problem to errs.
func (t *Target) check(errs []error) []error {
	if !t.DryRun {
		if t.Endpoint == "" {
			errs = append(errs, errors.New("no OpenSearch endpoint: pass --endpoint <domain endpoint> or set OPENSEARCH_ENDPOINT (or use --dry-run)"))
		} else if u, err := settings.ParseEndpoint(t.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("--endpoint %q: %w", t.redactedEndpoint(), err))
		} else {
			t.endpointURL = u
		}
	}
	// The domain's region signs its requests; the endpoint names it, and
	// AWS_REGION set for other work must not override it.
	if t.Region == "" && t.endpointURL != nil {
		t.Region = domainRegion(t.endpointURL)
	}
	if t.Region == "" {
		t.Region = t.envRegion
	}
	if t.Auth != "sigv4" && t.Auth != "none" {
		errs = append(errs, fmt.Errorf("--auth %q: use sigv4 or none", t.Auth))
	}
	loc, err := time.LoadLocation(t.tz)
	if err != nil || t.tz == "" || strings.EqualFold(t.tz, "local") {
		errs = append(errs, fmt.Errorf("--timezone %q is not an IANA time zone name: use e.g. UTC or Asia/Tokyo", t.tz))
	}
	t.Location = loc
	ft, ferrs := fieldtypes.DecodeJSON(t.types)
	for _, e := range ferrs {
		errs = append(errs, fmt.Errorf("--field-types: %w", e))
	}
	t.FieldTypes = ft
	if t.BulkBytes < 1<<10 || t.BulkBytes > maxBulkBytes {
		errs = append(errs, fmt.Errorf("--bulk-bytes %d: use 1024 to %d (10 MiB, the request cap of small OpenSearch instances)", t.BulkBytes, maxBulkBytes))
	}
	return errs
}

// document is the shared Builder's configuration.
func (t *Target) document() document.Config {
	return document.Config{IndexPrefix: t.IndexPrefix, Location: t.Location, TimeField: t.TimeField, FieldTypes: t.FieldTypes}
}

// Limits of the bulk body size, as in the ingest function: 10 MiB is the
// request cap of the smallest instance types.
const (
	defaultBulkBytes = 5 << 20
	maxBulkBytes     = 10 << 20
)

const usageText = `Usage:
  backfill [flags] SOURCE...              index archived logs
  backfill redo --from D --to D [flags] SOURCE...
                                          empty the index-days D..D, then refill them
  backfill replay-dlq [flags]             re-index the ingest function's dead-letter queue
                                          (backfill replay-dlq -h for its flags)

SOURCE is s3://<bucket>/<prefix>, a local directory (both read by date:
<prefix><date in --key-layout>...), or a single log file (read whole; its
day, for lines without a time field, is the date its path names in
--key-layout form, or --from).
Files may be gzip'd or plain; gzip is recognised by content.
Flags may come before or after the sources.

Flags:
`

// ParseArgs reads args (without the program name). getenv supplies the
// defaults shared with the ingest function (OPENSEARCH_ENDPOINT, ...). All
// problems are reported at once.
func ParseArgs(args []string, getenv func(string) string, usage io.Writer) (*Options, error) {
	o := &Options{}
	if len(args) > 0 && args[0] == "redo" {
		o.Redo = true
		args = args[1:]
	}
	fs := newFlagSet("backfill", usage, usageText)
	from := fs.String("from", "", "first day to read, YYYY-MM-DD (required for s3:// and directory sources)")
	to := fs.String("to", "", "last day to read, inclusive, YYYY-MM-DD (default: --from)")
	layout := fs.String("key-layout", archive.DefaultKeyLayout, "Go date layout of the key part right after the prefix, e.g. 2006/01/02 or 2006-01-02")
	o.addTargetFlags(fs, getenv, "backfill-rejects.ndjson", "read everything and print what would be written, but write nothing")
	fs.StringVar(&o.S3Endpoint, "s3-endpoint", "", "S3-compatible endpoint URL instead of AWS S3; requests become path-style (also: $AWS_ENDPOINT_URL_S3)")
	fs.StringVar(&o.LogGroup, "log-group", "", "written as @log_group (e.g. the log group the archive came from); default: the source, s3://<bucket> or file://<dir>")
	fs.IntVar(&o.Concurrency, "concurrency", 4, "objects processed in parallel")
	fs.StringVar(&o.State, "state", ".backfill-state.jsonl", "resume state file; kept while a run is unfinished, removed when it completes")
	fs.IntVar(&o.Samples, "sample", 3, "documents a dry run prints")
	fs.IntVar(&o.MaxLineBytes, "max-line-bytes", archive.DefaultMaxLineBytes, "longest line indexed, in bytes; longer lines go to the rejects file with their location (1024 to 10485760)")
	fs.BoolVar(&o.Yes, "yes", false, "redo: delete without asking (for scripts)")
	fs.BoolVar(&o.AllowFewer, "allow-fewer", false, "redo: delete and refill even when the archive refills an index with fewer documents than it holds (redo refuses otherwise, before deleting anything)")
	deleteMode := fs.String("delete", string(redo.ModeIndex), "redo: index (delete whole index-days) or query (delete only documents whose @log_group is this run's)")

	// Flags and sources may be mixed: parse up to each source in turn.
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		o.Sources = append(o.Sources, args[0])
		args = args[1:]
	}

	var errs []error
	if len(o.Sources) == 0 {
		errs = append(errs, errors.New("no SOURCE: name s3://<bucket>/<prefix>, a directory or a file"))
	}
	if *from != "" {
		d, err := archive.ParseDate("from", *from)
		errs = appendErr(errs, err)
		o.From, o.To, o.HasRange = d, d, err == nil
	}
	if *to != "" {
		if *from == "" {
			errs = append(errs, errors.New("--to without --from: give both, e.g. --from 2024-05-01 --to 2024-05-31"))
		}
		d, err := archive.ParseDate("to", *to)
		errs = appendErr(errs, err)
		o.To = d
	}
	if o.HasRange && o.To.Before(o.From) {
		errs = append(errs, fmt.Errorf("--to %s is before --from %s: swap them", o.To.Format(time.DateOnly), o.From.Format(time.DateOnly)))
	}
	if o.Redo && !o.HasRange {
		errs = append(errs, errors.New("redo needs the days to redo: --from YYYY-MM-DD [--to YYYY-MM-DD]"))
	}
	o.KeyLayout = archive.KeyLayout(*layout)
	errs = appendErr(errs, o.KeyLayout.Validate())
	errs = o.check(errs)
	errs = o.checkFromFunction(fs, errs)
	if o.Concurrency < 1 || o.Concurrency > 256 {
		errs = append(errs, fmt.Errorf("--concurrency %d: use 1 to 256", o.Concurrency))
	}
	if o.MaxLineBytes < 1<<10 || o.MaxLineBytes > maxBulkBytes {
		errs = append(errs, fmt.Errorf("--max-line-bytes %d: use 1024 to %d (a longer line cannot fit one bulk request)", o.MaxLineBytes, maxBulkBytes))
	}
	if o.Samples < 0 {
		errs = append(errs, fmt.Errorf("--sample %d: use 0 or more", o.Samples))
	}
	mode, err := redo.ParseMode(*deleteMode)
	errs = appendErr(errs, err)
	o.DeleteMode = mode
	if len(errs) > 0 {
		return nil, usageError{errors.Join(errs...)}
	}
	return o, nil
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

// newFlagSet is a subcommand's flag set: errors and -h go to usage, -h
// with text before the flags.
func newFlagSet(name string, usage io.Writer, text string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		_, _ = fmt.Fprint(usage, text)
		fs.PrintDefaults()
		_, _ = fmt.Fprint(usage, exitStatusText())
	}
	return fs
}

// parseFlags parses args; a bad flag is a usageError, -h is flag.ErrHelp.
// Only -h prints the usage: a mistake gets one line naming it, with the
// nearest flag when there is one, instead of every flag's help.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		usage()
		return err
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near := problemlist.Nearest(name, names); near != "" {
			return usageError{fmt.Errorf("unknown flag --%s: did you mean --%s?", name, near)}
		}
		return usageError{fmt.Errorf("unknown flag --%s", name)}
	}
	return usageError{err}
}

// usageError is a problem with the command line (exit status 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// Run identifies the run for the state file: everything that changes what
// gets written. Concurrency and batch size do not.
// sources are the canonical source names, so that "./logs" and "logs"
// are the same run.
func (o *Options) runIdentity(sources []string) (fingerprint, description string) {
	mode := "backfill"
	if o.Redo {
		mode = "redo --delete " + string(o.DeleteMode)
	}
	days := "whole files"
	if o.HasRange {
		days = o.From.Format(time.DateOnly) + ".." + o.To.Format(time.DateOnly)
	}
	// Without the endpoint's password: the description is kept in the
	// state file and shown, and a new password is the same run.
	endpoint := o.redactedEndpoint()
	description = fmt.Sprintf("%s %s %s -> %s %s-*", mode, strings.Join(sources, " "), days, endpoint, o.IndexPrefix)
	b, _ := json.Marshal([]any{mode, sources, days, o.KeyLayout, endpoint, o.IndexPrefix, o.Location.String(), o.TimeField, o.FieldTypes.EncodeJSON(), o.LogGroup})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), description
}
