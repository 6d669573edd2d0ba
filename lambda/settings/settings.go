// Package settings reads the ingest function's configuration from its
// environment variables. infra/ sets them from the stack config; the names
// below are the contract between the two and must not change.
//
// Every problem is collected and reported at once, each with the variable,
// the bad value and the fix, so a broken deployment is repaired in one
// round instead of one cold start per mistake.
package settings

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/problemlist"
)

// Auth is how requests to the OpenSearch domain are authenticated.
type Auth string

// The accepted OPENSEARCH_AUTH values.
const (
	// AuthSigV4 signs every request with the function role (service "es").
	AuthSigV4 Auth = "sigv4"
	// AuthNone sends unsigned requests: only for a local test server.
	AuthNone Auth = "none"
)

// Compression is how _bulk request bodies travel to the domain.
type Compression string

// The accepted BULK_COMPRESSION values.
const (
	// CompressionGzip gzips each request at the fastest level: about a
	// twelfth of the bytes for 10-25% more CPU on nginx-style logs.
	CompressionGzip Compression = "gzip"
	// CompressionNone sends requests as built: the least CPU, ten times
	// the bytes on the network.
	CompressionNone Compression = "none"
)

// Defaults and limits.
const (
	DefaultIndexPrefix = "cwl"
	DefaultTimezone    = "UTC"
	DefaultTimeField   = "time"
	// DefaultBulkMaxBytes is the middle of the 3-5 MiB bulk size AWS
	// recommends for OpenSearch Service.
	DefaultBulkMaxBytes = 5 << 20
	// MaxBulkMaxBytes is the HTTP payload cap of the smallest instance
	// types (t3, m/c/r .large): a bigger request is refused with 413.
	MaxBulkMaxBytes = 10 << 20
	// DefaultCompression is none: inside the VPC bytes cost nothing, while
	// gzip, even at the fastest level, adds 10-25% to a typical
	// invocation's billed CPU (BenchmarkWholeInvocation in lambda/ingest).
	DefaultCompression = CompressionNone
)

// Settings is the validated configuration.
type Settings struct {
	// Endpoint is the domain's base URL, for example
	// https://vpc-logs-abc.eu-west-1.es.amazonaws.com.
	Endpoint *url.URL
	Auth     Auth
	// Document configures index naming, time and field types.
	Document document.Config
	// DLQURL is the SQS queue URL that receives what cannot be indexed.
	DLQURL string
	// BulkMaxBytes caps the uncompressed size of one _bulk request body.
	BulkMaxBytes int
	// Compression of _bulk request bodies (BULK_COMPRESSION).
	Compression Compression
}

// Problem is one bad setting.
type Problem struct {
	Name  string // the environment variable
	Value string // its value as set ("" when unset)
	Issue string // what is wrong
	Fix   string // what to do
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s=%q: %s", p.Name, p.Value, p.Issue)
	if p.Fix != "" {
		s += "; fix: " + p.Fix
	}
	return s
}

// Error lists every bad setting. It is the one message a failed cold start
// shows.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	return problemlist.Format(func(n int) string {
		return fmt.Sprintf("ingest function settings are invalid (%d problem(s)); correct the function's environment variables (set by the stack config) and redeploy:", n)
	}, e.Problems)
}

// Load reads and validates the settings through getenv (os.Getenv in the
// function). The error, if any, is an *Error listing every problem.
func Load(getenv func(string) string) (*Settings, error) {
	l := loader{getenv: getenv}
	s := &Settings{
		Endpoint:     l.endpoint("OPENSEARCH_ENDPOINT"),
		Auth:         l.auth("OPENSEARCH_AUTH"),
		DLQURL:       l.queueURL("DLQ_URL"),
		BulkMaxBytes: l.bulkMaxBytes("BULK_MAX_BYTES"),
		Compression:  l.compression("BULK_COMPRESSION"),
	}
	s.Document = document.Config{
		IndexPrefix: l.indexPrefix("INDEX_PREFIX"),
		Location:    l.location("INDEX_TIMEZONE"),
		FieldTypes:  l.fieldTypes("FIELD_TYPES"),
	}
	s.Document.TimeField = l.timeField("TIME_FIELD", s.Document.FieldTypes)
	if len(l.problems) > 0 {
		return nil, &Error{Problems: l.problems}
	}
	return s, nil
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		return j.Unwrap()
	}
	return []error{err}
}

type loader struct {
	getenv   func(string) string
	problems []Problem
}

func (l *loader) add(name, issue, fix string) {
	l.problems = append(l.problems, Problem{Name: name, Value: l.getenv(name), Issue: issue, Fix: fix})
}

func (l *loader) value(name string) string {
	return strings.TrimSpace(l.getenv(name))
}

func (l *loader) withDefault(name, def string) string {
	if v := l.value(name); v != "" {
		return v
	}
	return def
}

func (l *loader) endpoint(name string) *url.URL {
	const fix = "set the domain endpoint URL, e.g. https://vpc-logs-abc123.eu-west-1.es.amazonaws.com"
	v := l.value(name)
	if v == "" {
		l.add(name, "not set", fix)
		return nil
	}
	// The domain's Endpoint attribute is a bare host name: accept it as https.
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := l.absoluteURL(name, v, fix)
	if err != nil {
		return nil
	}
	if u.RawQuery != "" || u.Fragment != "" {
		l.add(name, "has a query or fragment", fix)
		return nil
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u
}

// RedactEndpoint is an endpoint as given (a URL or a bare host, valid or
// not) with the password of any user info in it replaced, for messages:
// "https://admin:xxxxx@host".
func RedactEndpoint(v string) string {
	start := 0
	if i := strings.Index(v, "://"); i >= 0 {
		start = i + len("://")
	}
	end := len(v)
	if i := strings.IndexAny(v[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndex(v[start:end], "@")
	if at < 0 {
		return v
	}
	user, _, hasPassword := strings.Cut(v[start:start+at], ":")
	if !hasPassword {
		return v
	}
	return v[:start] + user + ":xxxxx" + v[start+at:]
}

// ParseEndpoint reads a domain endpoint the way OPENSEARCH_ENDPOINT is
// read, for tools that take one on their command line: a bare host name
// (the domain's Endpoint attribute) means https. The error says what is
// wrong and the fix.
func ParseEndpoint(v string) (*url.URL, error) {
	l := loader{getenv: func(string) string { return v }}
	u := l.endpoint("OPENSEARCH_ENDPOINT")
	if len(l.problems) > 0 {
		p := l.problems[0]
		return nil, fmt.Errorf("%s; fix: %s", p.Issue, p.Fix)
	}
	return u, nil
}

func (l *loader) queueURL(name string) string {
	const fix = "set the dead-letter SQS queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/logsearch-dlq"
	v := l.value(name)
	if v == "" {
		l.add(name, "not set (required: events that cannot be indexed are kept there)", fix)
		return ""
	}
	if _, err := l.absoluteURL(name, v, fix); err != nil {
		return ""
	}
	return v
}

var errReported = errors.New("reported")

// absoluteURL parses an https URL, or http for a loopback test server.
func (l *loader) absoluteURL(name, v, fix string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		l.add(name, "not an absolute URL", fix)
		return nil, errReported
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			l.add(name, "uses http:// to a non-local host; traffic to AWS must be encrypted", "use https://")
			return nil, errReported
		}
	default:
		l.add(name, fmt.Sprintf("scheme %q is not https", u.Scheme), fix)
		return nil, errReported
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *loader) auth(name string) Auth {
	switch v := strings.ToLower(l.value(name)); v {
	case "", string(AuthSigV4):
		return AuthSigV4
	case string(AuthNone):
		return AuthNone
	default:
		l.add(name, "unknown authentication mode", `use "sigv4" (AWS domain) or "none" (local test server only)`)
		return ""
	}
}

func (l *loader) location(name string) *time.Location {
	v := l.withDefault(name, DefaultTimezone)
	// "Local" is whatever zone the host runs in (UTC in Lambda): never what
	// the operator meant.
	if v == "Local" {
		l.add(name, `"Local" depends on the host`, `use an IANA zone name such as "Asia/Tokyo" or "UTC"`)
		return nil
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		l.add(name, "unknown time zone", `use an IANA zone name such as "Asia/Tokyo", "Europe/Paris" or "UTC"`)
		return nil
	}
	return loc
}

// The document builder owns the index-name and reserved-field rules, and
// its errors carry their fixes; asking it keeps the rules in one place.
// Each call isolates one variable so a problem is blamed on the right one.

func (l *loader) indexPrefix(name string) string {
	p := l.withDefault(name, DefaultIndexPrefix)
	if _, err := document.NewBuilder(document.Config{IndexPrefix: p}); err != nil {
		l.addErrors(name, err, "")
	}
	return p
}

func (l *loader) fieldTypes(name string) fieldtypes.Map {
	m, errs := fieldtypes.DecodeJSON(l.getenv(name))
	if len(errs) > 0 {
		l.addErrors(name, errors.Join(errs...), `write a JSON object of field name to type, e.g. {"status":"integer","reqtime":"double"}`)
		return nil
	}
	if _, err := document.NewBuilder(document.Config{IndexPrefix: DefaultIndexPrefix, FieldTypes: m}); err != nil {
		l.addErrors(name, err, "")
	}
	return m
}

// timeField refuses a name that can never match or that the declared
// field types contradict.
func (l *loader) timeField(name string, types fieldtypes.Map) string {
	v := l.withDefault(name, DefaultTimeField)
	if err := document.CheckTimeField(v, types); err != nil {
		l.add(name, err.Error(), "")
	}
	return v
}

// addErrors records each part of a joined error as its own problem.
func (l *loader) addErrors(name string, err error, fix string) {
	for _, e := range unjoin(err) {
		l.add(name, e.Error(), fix)
	}
}

func (l *loader) bulkMaxBytes(name string) int {
	v := l.value(name)
	if v == "" {
		return DefaultBulkMaxBytes
	}
	fix := fmt.Sprintf("use a byte count from 1 to %d (10 MiB, the cap on small instance types); the default is %d", MaxBulkMaxBytes, DefaultBulkMaxBytes)
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		l.add(name, "not a whole number of bytes", fix)
	case n <= 0:
		l.add(name, "must be positive", fix)
	case n > MaxBulkMaxBytes:
		l.add(name, "over the 10 MiB HTTP payload cap of small OpenSearch instance types", fix)
	default:
		return n
	}
	return 0
}

func (l *loader) compression(name string) Compression {
	switch v := Compression(strings.ToLower(l.value(name))); v {
	case "":
		return DefaultCompression
	case CompressionGzip, CompressionNone:
		return v
	default:
		l.add(name, "unknown compression", `use "gzip" (fewer bytes on the network) or "none" (least CPU)`)
		return ""
	}
}
