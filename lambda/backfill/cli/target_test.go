package cli

import (
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

// The endpoint is read as the ingest function reads OPENSEARCH_ENDPOINT
// (a bare host name is https), and names the region requests are signed
// for unless --region says otherwise.
func TestEndpointAndRegion(t *testing.T) {
	tests := []struct {
		name, endpoint, region, envRegion string
		wantURL, wantRegion, wantErr      string
	}{
		{name: "bare host as the stack outputs it", endpoint: "vpc-logs-abc123.eu-west-1.es.amazonaws.com", envRegion: "us-east-1",
			wantURL: "https://vpc-logs-abc123.eu-west-1.es.amazonaws.com", wantRegion: "eu-west-1"},
		{name: "URL with a trailing slash", endpoint: "https://search-logs-x.ap-northeast-1.es.amazonaws.com/",
			wantURL: "https://search-logs-x.ap-northeast-1.es.amazonaws.com", wantRegion: "ap-northeast-1"},
		{name: "China", endpoint: "vpc-logs-x.cn-north-1.es.amazonaws.com.cn", wantURL: "https://vpc-logs-x.cn-north-1.es.amazonaws.com.cn", wantRegion: "cn-north-1"},
		{name: "dual-stack", endpoint: "search-logs-x.aos.eu-central-1.on.aws", wantURL: "https://search-logs-x.aos.eu-central-1.on.aws", wantRegion: "eu-central-1"},
		{name: "--region wins", endpoint: "vpc-logs-x.eu-west-1.es.amazonaws.com", region: "eu-west-2", wantURL: "https://vpc-logs-x.eu-west-1.es.amazonaws.com", wantRegion: "eu-west-2"},
		{name: "custom name falls back to AWS_REGION", endpoint: "logs.example.com", envRegion: "us-east-2", wantURL: "https://logs.example.com", wantRegion: "us-east-2"},
		{name: "local test server", endpoint: "http://127.0.0.1:9200", wantURL: "http://127.0.0.1:9200"},
		{name: "plain http to AWS", endpoint: "http://vpc-logs-x.eu-west-1.es.amazonaws.com", wantErr: "https://"},
		{name: "other scheme", endpoint: "ftp://logs", wantErr: "not https"},
		{name: "query", endpoint: "https://logs.example.com/?x=1", wantErr: "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": tt.envRegion}
			args := []string{"--endpoint", tt.endpoint, "--from", "2024-05-31", t.TempDir()}
			if tt.region != "" {
				args = append(args, "--region", tt.region)
			}
			o, err := ParseArgs(args, func(k string) string { return env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--endpoint") {
					t.Fatalf("ParseArgs = %v, want an error naming --endpoint and %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.endpointURL.String() != tt.wantURL || o.Region != tt.wantRegion {
				t.Fatalf("endpoint %s region %q, want %s %q", o.endpointURL, o.Region, tt.wantURL, tt.wantRegion)
			}
		})
	}
	if r := domainRegion(&url.URL{Host: "es.amazonaws.com"}); r != "" {
		t.Errorf("domainRegion of a bare service name = %q", r)
	}
}

// Without AWS credentials, a signed run stops at once with a credentials
// error (exit 2) and sends nothing.
func TestMissingCredentialsAreReportedAsSuch(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	awstest.StaticCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_REGION", "eu-west-1")
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	start := time.Now()
	res := r.exec("--auth", "sigv4", "--from", "2024-05-31", dir)
	if res.code != ExitUsage || !strings.Contains(res.stderr, "no usable AWS credentials to sign OpenSearch requests") ||
		!strings.Contains(res.stderr, "aws sso login") || strings.Contains(res.stderr, "--endpoint") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if len(osrv.Requests()) != 0 || time.Since(start) > 10*time.Second {
		t.Fatalf("%d requests sent, %s spent before reporting missing credentials", len(osrv.Requests()), time.Since(start))
	}
}

// TestEndpointPasswordNeverShown: an --endpoint with Basic credentials
// (https://user:password@host) is used as given, but its password never
// appears in an error, in what the run prints, or in the run's
// description kept in the state file and quoted when a state file belongs
// to another run.
func TestEndpointPasswordNeverShown(t *testing.T) {
	const password = "s3cr3t%2Fp@ss"
	for _, tt := range []struct{ name, endpoint string }{
		{"valid", "https://admin:" + password + "@logs.example.com"},
		{"refused for its query", "https://admin:" + password + "@logs.example.com/?x=1"},
		{"bare host", "admin:" + password + "@logs.example.com:9200"},
		{"unparsable", "https://admin:" + password + "@logs.example.com:port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--endpoint", tt.endpoint, "--from", "2024-05-31", t.TempDir()}
			o, err := ParseArgs(args, func(string) string { return "" }, io.Discard)
			var shown []string
			if err != nil {
				shown = append(shown, err.Error())
			} else {
				_, description := o.runIdentity([]string{"s3://b/p"})
				shown = append(shown, description, o.redactedEndpoint())
			}
			for _, s := range shown {
				for _, part := range []string{password, "s3cr3t"} {
					if strings.Contains(s, part) {
						t.Errorf("%q shows the endpoint's password", s)
					}
				}
			}
		})
	}
}
