package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestOutsideEngine(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"go run by hand", nil, true},
		{"pulumi preview/up", map[string]string{"PULUMI_MONITOR": "127.0.0.1:4000", "PULUMI_ENGINE": "127.0.0.1:4001"}, false},
		{"engine asks for plugins", map[string]string{"PULUMI_PLUGINS": "true"}, false},
		{"only the engine address", map[string]string{"PULUMI_ENGINE": "127.0.0.1:4001"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := outsideEngine(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("outsideEngine = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRunByHandSaysHow runs the real binary without the engine: it must
// print how to run it instead of exiting silently.
func TestRunByHandSaysHow(t *testing.T) {
	if os.Getenv("LOGSEARCH_MAIN_CHILD") == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunByHandSaysHow$")
	cmd.Env = []string{"LOGSEARCH_MAIN_CHILD=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
		t.Fatalf("want exit status 2, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "pulumi up") || !strings.Contains(string(out), "go test ./...") {
		t.Errorf("output does not say how to run the program:\n%s", out)
	}
}

// TestEveryFuzzTargetRunsInCI: a fuzz target that .ci/run does not run
// only ever runs its seed corpus, and one missing from the maintainer's
// table is one nobody knows to run for longer.
func TestEveryFuzzTargetRunsInCI(t *testing.T) {
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("docs/development.md")
	if err != nil {
		t.Fatal(err)
	}
	target := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	found := 0
	err = filepath.WalkDir("lambda", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(filepath.Dir(path))
		for _, m := range target.FindAllSubmatch(src, -1) {
			found++
			name := string(m[1])
			if !regexp.MustCompile(`(?m)^fuzz ` + regexp.QuoteMeta(pkg+" "+name) + `( |$)`).Match(ci) {
				t.Errorf(".ci/run does not run %s of %s: add the line \"fuzz %s %s\"", name, pkg, pkg, name)
			}
			row := regexp.MustCompile("(?m)^\\| `" + name + "`.*\\| `" + regexp.QuoteMeta(strings.TrimPrefix(pkg, "./")) + "` \\|$")
			if !row.Match(doc) {
				t.Errorf("docs/development.md's fuzzing table lacks the row of %s (%s)", name, pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no fuzz target found under lambda/")
	}
}
