package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/fakeopensearch"
)

// Each exit status in ExitCodes is what the command returns in the
// situation the table describes, and -h prints the table.
func TestExitCodes(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	bad := filepath.Join(t.TempDir(), "2024", "05", "31")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "x.log"), []byte("time:2024-05-31T00:00:00Z\tstatus:REFUSE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		stop context.Context
		args []string
		want int
	}{
		{"everything indexed", nil, []string{"--from", "2024-05-31", dir}, ExitOK},
		{"a line refused", nil, []string{filepath.Join(bad, "x.log")}, ExitFailed},
		{"bad flag", nil, []string{"--concurrency", "0", dir}, ExitUsage},
		{"missing source", nil, []string{"--from", "2024-05-31", filepath.Join(dir, "nope")}, ExitUsage},
		{"no objects for the days", nil, []string{"--from", "2020-01-01", dir}, ExitUsage},
		{"interrupted", cancelled, []string{"--from", "2024-05-31", dir}, ExitInterrupted},
	}
	seen := map[int]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			osrv := startOpenSearch(t)
			if tt.want == ExitFailed {
				// The fake refuses what OpenSearch's mapping would.
				osrv.SetFaults(fakeopensearch.Faults{Item: func(string, int) int { return 400 }})
			}
			r := &run{t: t, dir: t.TempDir(), os: osrv, stop: tt.stop}
			res := r.exec(tt.args...)
			if res.code != tt.want {
				t.Fatalf("exit %d, want %d\n%s", res.code, tt.want, res.stderr)
			}
			seen[res.code] = true
		})
	}
	var help strings.Builder
	Main(context.Background(), context.Background(), []string{"-h"}, Env{Stderr: &help, Getenv: func(string) string { return "" }})
	for _, e := range ExitCodes {
		if !seen[e.Code] {
			t.Errorf("exit status %d (%s) is not exercised", e.Code, e.Meaning)
		}
		if !strings.Contains(help.String(), fmt.Sprintf("%-4d %s", e.Code, e.Meaning)) {
			t.Errorf("-h does not explain exit status %d:\n%s", e.Code, help.String())
		}
	}
}

// The summary mentions a state file only when one was written.
func TestStateFileMentionedOnlyWhenWritten(t *testing.T) {
	a := newTestArchive(t)
	dir := a.writeDir(t)
	osrv := startOpenSearch(t)
	osrv.SetFaults(fakeopensearch.Faults{Request: func(int) fakeopensearch.RequestFault { return fakeopensearch.RequestFault{Status: 503} }})
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-31", dir)
	statePath := filepath.Join(r.dir, "state.jsonl")
	if _, err := os.Stat(statePath); !os.IsNotExist(err) {
		t.Fatalf("state file written though nothing finished: %v", err)
	}
	if res.code != ExitFailed || strings.Contains(res.stderr, "state kept") || !strings.Contains(res.stderr, "no state file was written") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
}

// TestMisspeltFlagIsOneLineWithASuggestion: a typo gets the error and the
// nearest flag, not every flag's help; -h still prints the help.
func TestMisspeltFlagIsOneLineWithASuggestion(t *testing.T) {
	for _, args := range [][]string{
		{"--dryrun", "--from", "2024-05-31", "."},
		{"redo", "--form", "2024-05-31", "."},
		{"replay-dlq", "--dry-rn"},
	} {
		r := &run{t: t, dir: t.TempDir()}
		res := r.exec(args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != ExitUsage || len(lines) > 3 || !strings.Contains(res.stderr, "did you mean --") {
			t.Errorf("%v: exit %d, %d lines, want %d, at most 3 lines and a suggestion:\n%s", args, res.code, len(lines), ExitUsage, res.stderr)
		}
	}
	r := &run{t: t, dir: t.TempDir()}
	if res := r.exec("-h"); res.code != ExitOK || !strings.Contains(res.stderr, "-dry-run") {
		t.Errorf("-h: exit %d\n%s", res.code, res.stderr)
	}
}
