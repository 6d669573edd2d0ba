package logsearchtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLibraryDocsFirstTestPasses runs docs/library.md's "Testing your
// program" as a library user would: a module of its own with the go.mod
// of the page (its replace pointed at this checkout), `go mod tidy`, and
// the page's test file under `go test`.
func TestLibraryDocsFirstTestPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs another module; skipped with -short")
	}
	repo, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(repo, "docs", "library.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(page)
	start := strings.Index(section, "\n## Testing your program\n")
	if start < 0 {
		t.Fatal(`docs/library.md has no "## Testing your program" section`)
	}
	section = section[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	block := func(info string) string {
		blocks := regexp.MustCompile("(?s)```"+regexp.QuoteMeta(info)+"\n(.*?)```").FindAllStringSubmatch(section, -1)
		if len(blocks) != 1 {
			t.Fatalf("the section has %d ```%s blocks, want 1", len(blocks), info)
		}
		return blocks[0][1]
	}
	goMod := block("go.mod")
	replace := regexp.MustCompile(`(?m)^replace github.com/logsearch/logsearch => .*$`)
	if !replace.MatchString(goMod) {
		t.Fatalf("the go.mod block has no replace line for github.com/logsearch/logsearch:\n%s", goMod)
	}
	goMod = replace.ReplaceAllString(goMod, "replace github.com/logsearch/logsearch => "+repo)
	user := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"go.mod": goMod, "shop_test.go": block("go"), "go.sum": string(sum)} {
		if err := os.WriteFile(filepath.Join(user, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = user
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the user's module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
