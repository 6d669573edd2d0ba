package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

// fakeLambda serves GetFunctionConfiguration as the Lambda API does
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html):
// GET /2015-03-31/functions/{name, ARN or partial ARN}/configuration,
// SigV4-signed for service "lambda" in the function's region, and
// ResourceNotFoundException (404) for an unknown function.
type fakeLambda struct {
	*httptest.Server
	region, account string
	mu              sync.Mutex
	functions       map[string]map[string]string // name -> environment
	envError        map[string]string            // name -> EnvironmentError code
	signedFor       []string                     // credential scopes seen
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func newFakeLambda(t *testing.T, region string) *fakeLambda {
	f := &fakeLambda{region: region, account: "123456789012", functions: map[string]map[string]string{}, envError: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	awstest.StaticCredentials(t)
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", f.URL) // the SDK's standard override
	return f
}

func (f *fakeLambda) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
	}
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[2] != "lambda" {
		fail(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	f.mu.Lock()
	f.signedFor = append(f.signedFor, m[1])
	f.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/configuration")
	if r.Method != http.MethodGet || !ok || !ok2 {
		fail(404, "UnknownOperationException", "unknown operation")
		return
	}
	name, _ = url.PathUnescape(name)
	prefix := "arn:aws:lambda:" + f.region + ":" + f.account + ":function:"
	if m[1] != f.region {
		// Signed for another region: the request went to the wrong place.
		fail(403, "InvalidSignatureException", "Credential should be scoped to a valid region")
		return
	}
	name = strings.TrimPrefix(name, prefix)
	env, found := f.functions[name]
	if !found {
		fail(404, "ResourceNotFoundException", "Function not found: "+prefix+name)
		return
	}
	out := map[string]any{"FunctionName": name, "FunctionArn": prefix + name}
	if code := f.envError[name]; code != "" {
		out["Environment"] = map[string]any{"Error": map[string]string{"ErrorCode": code, "Message": "Lambda was unable to decrypt the environment variables"}}
	} else if env != nil {
		out["Environment"] = map[string]any{"Variables": env}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// A backfill with --from-function builds documents with the function's
// index prefix, time zone, time field and field types, and sends them to
// its endpoint, whatever the shell's variables say.
func TestFromFunction(t *testing.T) {
	osrv := startOpenSearch(t)
	fl := newFakeLambda(t, "eu-west-1")
	fl.functions["logsearch-dev-ingest"] = map[string]string{
		"OPENSEARCH_ENDPOINT": osrv.URL, "OPENSEARCH_AUTH": "none", "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/logsearch-dev-dlq",
		"INDEX_PREFIX": "app", "INDEX_TIMEZONE": "Asia/Tokyo", "TIME_FIELD": "ts", "FIELD_TYPES": `{"code":"integer"}`,
	}
	dir := filepath.Join(t.TempDir(), "2024", "05", "31")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.log")
	if err := os.WriteFile(file, []byte("ts:2024-05-31T20:00:00Z\tcode:404\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run's shell has other settings (run.exec sets FIELD_TYPES and
	// an endpoint): the function's win.
	r := &run{t: t, dir: t.TempDir(), os: startOpenSearch(t)}
	for _, name := range []string{"logsearch-dev-ingest", "arn:aws:lambda:eu-west-1:123456789012:function:logsearch-dev-ingest"} {
		res := r.exec("--from-function", name, file)
		if res.code != ExitOK || !strings.Contains(res.stderr, "settings from function "+name) {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
	}
	locs := locations(t, osrv)
	if len(locs) != 1 {
		t.Fatalf("function's endpoint holds %v, want one document", locs)
	}
	for id, index := range locs {
		// 20:00 UTC is the next day in Tokyo.
		if index != "app-2024.06.01" {
			t.Fatalf("document in %s, want app-2024.06.01", index)
		}
		raw, _ := osrv.Doc(index, id)
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["code"] != float64(404) || !strings.HasPrefix(fmt.Sprint(doc["@timestamp"]), "2024-05-31T20:00:00") {
			t.Fatalf("document %s: want code as the integer 404 and @timestamp from ts", raw)
		}
	}
	if r.os.Count() != 0 {
		t.Fatal("documents went to the shell's endpoint")
	}
	for _, scope := range fl.signedFor {
		if scope != "eu-west-1" {
			t.Fatalf("Lambda request signed for %s", scope)
		}
	}

	// replay-dlq takes the queue and the document settings alike.
	getenv, _, err := withFunctionSettings(t.Context(), []string{"replay-dlq", "--from-function=logsearch-dev-ingest"}, Env{Getenv: func(k string) string { return map[string]string{"FIELD_TYPES": `{"x":"long"}`}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseReplayArgs([]string{"--from-function=logsearch-dev-ingest"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.QueueURL != fl.functions["logsearch-dev-ingest"]["DLQ_URL"] || o.IndexPrefix != "app" || o.TimeField != "ts" || o.Location.String() != "Asia/Tokyo" || o.FieldTypes.EncodeJSON() != `{"code":"integer"}` {
		t.Fatalf("replay options %+v", o)
	}
}

func TestFromFunctionErrors(t *testing.T) {
	fl := newFakeLambda(t, "eu-west-1")
	fl.functions["bad-settings"] = map[string]string{"OPENSEARCH_ENDPOINT": "vpc-x.eu-west-1.es.amazonaws.com", "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/1/q", "INDEX_TIMEZONE": "Mars/Olympus"}
	fl.functions["no-env"] = nil
	fl.functions["kms"] = map[string]string{}
	fl.envError["kms"] = "KMSAccessDeniedException"
	fl.functions["good"] = map[string]string{"OPENSEARCH_ENDPOINT": "vpc-x.eu-west-1.es.amazonaws.com", "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/1/q"}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--from-function", "nope"}, []string{"no such function in eu-west-1", "ingestFunctionName"}},
		{[]string{"--from-function", "arn:aws:lambda:us-east-1:123456789012:function:good"}, []string{"reading the function's configuration", "lambda:GetFunctionConfiguration"}},
		{[]string{"--from-function", "no-env"}, []string{"no environment variables"}},
		{[]string{"--from-function", "kms"}, []string{"KMSAccessDeniedException", "kms:Decrypt"}},
		{[]string{"--from-function", "bad-settings"}, []string{"INDEX_TIMEZONE", "Mars/Olympus"}},
		{[]string{"--from-function", "good", "--time-field", "t", "--field-types", "{}"}, []string{"--time-field conflicts with --from-function", "--field-types conflicts"}},
	}
	for _, tt := range tests {
		assertUsageError(t, append(tt.args, "--from", "2024-05-31", t.TempDir()), tt.want)
	}
}

func TestFlagValue(t *testing.T) {
	args := []string{"redo", "-from-function", "a", "--region=eu-west-1", "--", "--x", "y"}
	if flagValue(args, "from-function") != "a" || flagValue(args, "region") != "eu-west-1" || flagValue(args, "x") != "" {
		t.Fatal("flagValue")
	}
}

// TestFromFunctionSilentAPIIsBounded: a Lambda API that never answers (a
// VPC without a route to it) must end the run with a clear error, not
// hold it forever.
func TestFromFunctionSilentAPIIsBounded(t *testing.T) {
	fl := newFakeLambda(t, "eu-west-1")
	release := make(chan struct{})
	fl.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), context.Background(), []string{"--from-function", "silent", "--from", "2024-05-31", t.TempDir()},
			Env{Stdout: io.Discard, Stderr: &stderr, Getenv: os.Getenv, FunctionTimeout: time.Second})
	}()
	select {
	case code := <-done:
		if code != ExitUsage || !strings.Contains(stderr.String(), "the Lambda API did not answer within 1s") {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("backfill still waits on a silent Lambda API after 2 minutes")
	}
}
