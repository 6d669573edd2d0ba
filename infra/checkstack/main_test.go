package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a stack file of the logsearch package's check tests.
func fixture(name string) string {
	return filepath.Join("..", "logsearch", "testdata", "checkstack", name, "Pulumi.mine.yaml")
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		once   []string // each printed exactly once
	}{
		{"no file", nil, 2, nil},
		{"not a stack file", []string{"main.go"}, 2, nil},
		{"five mistakes", []string{fixture("five")}, 1, []string{
			"aws:region", "logsearch:domain.instanceType", "logsearch:domain.shard:",
			"logsearch:dashboards.officeCidr:", "logsearch:logGroups[0].filterPattern", "5 problem(s)",
		}},
		{"a misspelt size of a current family", []string{fixture("newfamily")}, 1, []string{
			`logsearch:domain.instanceType = "r7g.larg.search": not an OpenSearch instance type: r7g has no such size. Did you mean r7g.large.search?`, "1 problem(s)",
		}},
		{"warnings only", []string{fixture("clean")}, 0, []string{"no problems", "2 warning(s)", "logsearch:logGroups is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tc.args, &stdout, &stderr); got != tc.status {
				t.Errorf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.status, stdout.String(), stderr.String())
			}
			for _, s := range tc.once {
				if n := strings.Count(stdout.String(), s); n != 1 {
					t.Errorf("%q printed %d times, want once:\n%s", s, n, stdout.String())
				}
			}
		})
	}
}
