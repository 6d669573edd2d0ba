package logsearch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// mutateStackFile is a valid edit of a stack file such as a user makes when
// adopting the project: another region, other log groups, another hosted
// zone and Dashboards name, pinned zones in a new VPC. Nothing of the
// example survives that a test could have hard-coded.
func mutateStackFile(t *testing.T, data []byte) []byte {
	t.Helper()
	var f map[string]any
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	cfg, _ := f["config"].(map[string]any)
	if cfg == nil {
		t.Fatal("stack file has no config")
	}
	region := "eu-west-1"
	if cfg["aws:region"] == region {
		region = "ap-southeast-2"
	}
	cfg["aws:region"] = region
	cfg["logsearch:logGroups"] = []any{
		map[string]any{"name": "/adopter/payments/api"},
		map[string]any{"name": "/adopter/payments/batch", "filterPattern": "ERROR"},
		map[string]any{"name": "/adopter/edge#proxy"},
	}
	if d, ok := cfg["logsearch:dashboards"].(map[string]any); ok {
		d["hostedZone"] = "adopter.example.net"
		d["hostName"] = "search.ops.adopter.example.net"
		d["officeCidrs"] = []any{"192.0.2.0/26"}
	}
	if n, ok := cfg["logsearch:network"].(map[string]any); ok && n["vpcId"] == nil {
		azCount := 2
		if c, ok := n["azCount"].(int); ok {
			azCount = c
		}
		prefix := zoneIDPrefix(region)
		ids := []any{prefix + "-az6", prefix + "-az2", prefix + "-az1"}[:azCount]
		n["zoneIds"] = ids
		n["vpcCidr"] = "172.20.0.0/16"
	}
	out, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestControlsHoldForAnyValidStackFile runs the whole infra suite over
// mutated copies of every stack file. Every behaviour and control test must
// pass; the only test allowed to fail is the snapshot comparison, and it
// must say in one line which command refreshes it.
func TestControlsHoldForAnyValidStackFile(t *testing.T) {
	if os.Getenv(stackDirEnv) != "" {
		t.Skip("already running over mutated stack files")
	}
	if testing.Short() {
		t.Skip("runs the suite again; skipped with -short")
	}
	dir := t.TempDir()
	for _, stack := range stackNames(t) {
		data, err := os.ReadFile(filepath.Join(stackDir(), "Pulumi."+stack+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), mutateStackFile(t, data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), stackDirEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("-test.skip", "^TestGoldenSnapshots$"); err != nil {
		t.Fatalf("with mutated stack files (in %s), behaviour or control tests failed:\n%s", dir, lastLines(out, 80))
	}
	out, err := run("-test.run", "^TestGoldenSnapshots$")
	if err == nil {
		t.Fatal("the snapshot comparison passed on mutated stack files: it compares nothing")
	}
	if n := strings.Count(out, refreshSnapshots); n < 1 {
		t.Errorf("the snapshot failure does not name the refresh command %q:\n%s", refreshSnapshots, lastLines(out, 30))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
