package logsearch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeStackFile(t *testing.T, dir, stack, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSubscriptionWarnings(t *testing.T) {
	dir := t.TempDir()
	writeStackFile(t, dir, "a", "config:\n  aws:region: eu-west-1\n  logsearch:logGroups:\n    - name: /shared\n    - name: /only-a\n")
	writeStackFile(t, dir, "b", "config:\n  aws:region: eu-west-1\n  logsearch:logGroups:\n    - name: /shared\n")
	writeStackFile(t, dir, "other-region", "config:\n  aws:region: eu-central-1\n  logsearch:logGroups:\n    - name: /only-a\n")
	writeStackFile(t, dir, "other-account", "config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds: [\"222222222222\"]\n  logsearch:logGroups:\n    - name: /only-a\n")
	writeStackFile(t, dir, "broken", "config: [not: a map\n")
	others := readStackFiles(dir)

	cfg := &Config{Stack: "a", Region: "eu-west-1", LogGroups: []LogGroupConfig{{Name: "/shared"}, {Name: "/only-a"}}}
	ws := cfg.subscriptionWarnings(others, []string{"111111111111"})
	if len(ws) != 1 || !strings.Contains(ws[0], "logGroups[0] /shared is also subscribed by stack(s) b in eu-west-1") || !strings.Contains(ws[0], "2 of the 2 subscription filters") {
		t.Errorf("warnings = %q; want one naming /shared and stack b", ws)
	}
	// Unpinned, the other-account stack may share this account after all.
	if ws := cfg.subscriptionWarnings(others, nil); len(ws) != 2 {
		t.Errorf("unpinned: %d warnings %q, want /shared and /only-a", len(ws), ws)
	}
	alone := &Config{Stack: "x", Region: "eu-west-1", LogGroups: []LogGroupConfig{{Name: "/nobody-else"}}}
	if ws := alone.subscriptionWarnings(others, nil); len(ws) != 0 {
		t.Errorf("a group no other stack subscribes warned: %q", ws)
	}
}

// TestStackFilesLeaveASubscriptionFilterFree: the project's stack files
// together never need more than CloudWatch Logs' 2 filters on one group in
// one region.
func TestStackFilesLeaveASubscriptionFilterFree(t *testing.T) {
	count := map[[2]string][]string{}
	for _, s := range readStackFiles(stackDir()) {
		for _, g := range s.LogGroups {
			k := [2]string{s.Region, g}
			count[k] = append(count[k], s.Stack)
		}
	}
	for k, stacks := range count {
		if len(stacks) > maxSubscriptionFilters {
			t.Errorf("log group %s in %s is subscribed by %d stacks %v; CloudWatch Logs allows %d filters per group", k[1], k[0], len(stacks), stacks, maxSubscriptionFilters)
		}
	}
}
