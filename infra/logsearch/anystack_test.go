package logsearch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ownStackFiles are stack files a team adopting logsearch writes for
// itself, with nothing left of the examples or the fixtures a test could
// have hard-coded: other names, regions, log groups, hosted zones, VPC
// ranges and sizes. "mine" signs staff in with SAML on two r6g.large
// nodes; "staging" is sized past the free-storage margin (a warning, not
// a failure: the deployment goes ahead, docs/operations.md); "live" is a
// production stack not named prod, sharing a log group with staging in
// its region (2 of CloudWatch Logs' 2 subscription filters: a warning).
func ownStackFiles(t *testing.T) map[string][]byte {
	t.Helper()
	metadata, err := os.ReadFile(filepath.Join("testdata", "saml", "entra-metadata.xml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	edit := func(name, fixture string, change func(cfg map[string]any)) {
		data, err := os.ReadFile(stackFilePath(fixture))
		if err != nil {
			t.Fatal(err)
		}
		var f map[string]any
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		change(f["config"].(map[string]any))
		out, err := yaml.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = out
	}
	object := func(cfg map[string]any, key string) map[string]any {
		m, _ := cfg[key].(map[string]any)
		if m == nil {
			m = map[string]any{}
			cfg[key] = m
		}
		return m
	}
	edit("mine", "saml", func(cfg map[string]any) {
		cfg["aws:region"] = "us-east-1"
		cfg["logsearch:logGroups"] = []any{map[string]any{"name": "/adopter/payments/api"}, map[string]any{"name": "/adopter/edge#proxy"}}
		d := object(cfg, "logsearch:domain")
		d["instanceType"], d["volumeSize"], d["shards"] = "r6g.large.search", 200, 2
		n := object(cfg, "logsearch:network")
		n["vpcCidr"], n["zoneIds"] = "172.20.0.0/16", []any{"use1-az6", "use1-az2"}
		delete(n, "azCount")
		dash := object(cfg, "logsearch:dashboards")
		dash["hostedZone"], dash["hostName"] = "adopter.example.net", "search.ops.adopter.example.net"
		dash["readerBackendRoles"] = []any{"payments-support"}
		dash["saml"] = map[string]any{"metadata": string(metadata), "rolesKey": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"}
		cfg["logsearch:alarmEmails"] = []any{"payments-oncall@adopter.example.net"}
	})
	edit("staging", "dev", func(cfg map[string]any) {
		cfg["aws:region"] = "eu-west-1"
		cfg["logsearch:logGroups"] = []any{map[string]any{"name": "/adopter/payments/batch", "filterPattern": "ERROR"}}
		object(cfg, "logsearch:domain")["expectedDailyGiB"] = 0.8 // 87% of 20 GiB: warned
		object(cfg, "logsearch:network")["vpcCidr"] = "172.21.0.0/16"
		dash := object(cfg, "logsearch:dashboards")
		dash["hostedZone"], dash["hostName"], dash["officeCidrs"] = "staging.adopter.example.net", "logs.staging.adopter.example.net", []any{"192.0.2.0/26"}
		cfg["logsearch:alarmEmails"] = []any{"payments-oncall@adopter.example.net"}
	})
	edit("live", "prod", func(cfg map[string]any) {
		cfg["aws:region"] = "eu-west-1"
		cfg["aws:allowedAccountIds"] = []any{"444455556666"}
		cfg["logsearch:production"] = true
		cfg["logsearch:logGroups"] = []any{map[string]any{"name": "/adopter/payments/batch"}, map[string]any{"name": "/adopter/payments/web"}}
		object(cfg, "logsearch:network")["vpcCidr"] = "172.22.0.0/16"
		dash := object(cfg, "logsearch:dashboards")
		dash["hostedZone"], dash["hostName"], dash["officeCidrs"] = "adopter.example.net", "logs.adopter.example.net", []any{"192.0.2.0/26"}
		cfg["logsearch:alarmEmails"] = []any{"payments-oncall@adopter.example.net"}
	})
	return files
}

// TestOwnStacksKeepTheSuiteGreen builds a repository-like directory whose
// stack files are only a team's own (ownStackFiles; the examples are not
// there) and runs this test binary over it (stackDirEnv): the suite
// passes except the snapshot comparison, which fails naming the one
// command that refreshes the snapshots; after that command it passes too.
func TestOwnStacksKeepTheSuiteGreen(t *testing.T) {
	if os.Getenv(stackDirEnv) != "" {
		t.Skip("already running over another directory's stack files")
	}
	if testing.Short() {
		t.Skip("runs the suite again; skipped with -short")
	}
	dir := t.TempDir()
	own := ownStackFiles(t)
	for name, body := range own {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi."+name+".yaml"), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), stackDirEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("-test.skip", "^TestGoldenSnapshots$", "-test.v"); err != nil {
		t.Fatalf("with a team's own stack files (in %s), tests other than the snapshot comparison failed:\n%s", dir, lastLines(failures(out), 80))
	} else {
		for name := range own {
			if !strings.Contains(out, "/Pulumi."+name+".yaml") {
				t.Errorf("no test validated Pulumi.%s.yaml:\n%s", name, lastLines(out, 40))
			}
		}
	}
	out, err := run("-test.run", "^TestGoldenSnapshots$")
	if err == nil {
		t.Fatal("the snapshot comparison passed without snapshots: it compares nothing")
	}
	for name := range own {
		if !strings.Contains(out, filepath.Join("infra", "logsearch", "testdata", name+".json")) {
			t.Errorf("the snapshot failure does not name the missing %s.json:\n%s", name, lastLines(out, 30))
		}
	}
	if !strings.Contains(out, refreshSnapshots) {
		t.Errorf("the snapshot failure does not name the refresh command %q:\n%s", refreshSnapshots, lastLines(out, 30))
	}
	if out, err := run("-test.run", "^TestGoldenSnapshots$", "-update"); err != nil {
		t.Fatalf("%s failed:\n%s", refreshSnapshots, lastLines(out, 30))
	}
	if out, err := run("-test.run", "^TestGoldenSnapshots$"); err != nil {
		t.Fatalf("after %s, the snapshot comparison still fails:\n%s", refreshSnapshots, lastLines(out, 30))
	}
}

// TestOrphanSnapshots: a snapshot whose stack file is gone is found; a
// current snapshot and other test data are not.
func TestOrphanSnapshots(t *testing.T) {
	dir := t.TempDir()
	entry := `[{"type": "aws:sqs/queue:Queue", "name": "dlq", "parent": "", "inputs": {}}]`
	for name, body := range map[string]string{
		"mine.json": entry, "gone.json": entry, "fixture.json": `{"not": "a snapshot"}`,
		"list.json": `[{"type": "x"}]`, "empty.json": `[]`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := orphanSnapshots(t, dir, []string{"mine"})
	if want := []string{filepath.Join(dir, "gone.json")}; !slices.Equal(got, want) {
		t.Errorf("orphans %v, want %v", got, want)
	}
}

// failures keeps the lines of a verbose test run that explain failures.
func failures(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "--- PASS") || strings.HasPrefix(s, "--- SKIP") || strings.HasPrefix(s, "PASS") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
