// Package docs holds the user manual (README.md links into it). Its test
// keeps every relative link and #anchor between the pages resolvable, so
// moving or renaming a section cannot leave a dead link behind.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestLinksResolve checks every relative link in README.md and docs/*.md:
// the file must exist and a #fragment must name a heading of that page.
func TestLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join("..", "README.md"))
	anchors := map[string]map[string]bool{} // cleaned path → anchors
	for _, p := range pages {
		anchors[filepath.Clean(p)] = headingAnchors(readFile(t, p))
	}
	for _, p := range pages {
		for _, l := range relativeLinks(readFile(t, p)) {
			path, frag, _ := strings.Cut(l.target, "#")
			target := filepath.Clean(p)
			if path != "" {
				target = filepath.Clean(filepath.Join(filepath.Dir(p), path))
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s:%d: link %q: %s does not exist", p, l.line, l.target, target)
					continue
				}
			}
			if frag == "" {
				continue
			}
			known, ok := anchors[target]
			if !ok {
				known = headingAnchors(readFile(t, target))
				anchors[target] = known
			}
			if !known[frag] {
				t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", p, l.line, l.target, target, frag)
			}
		}
	}
}

// TestCodeCitesExistingDocs checks the pointers to the manual in Go code:
// alarm descriptions, setup messages and comments name a page (and
// section) that users and maintainers must be able to find. Each one must
// be written as README.md or docs/<page>.md, optionally with a #anchor, and
// resolve; a bare "README" naming a section cannot be checked and is refused.
func TestCodeCitesExistingDocs(t *testing.T) {
	anchors := map[string]map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// This package's own tests quote bad citations on purpose.
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || path == filepath.Join("..", "docs")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		for i, line := range strings.Split(readFile(t, path), "\n") {
			for _, bad := range bareReadme.FindAllString(line, -1) {
				t.Errorf("%s:%d: %q: cite README.md#<anchor> or docs/<page>.md#<anchor> so the pointer can be checked", path, i+1, bad)
			}
			for _, m := range docCitation.FindAllStringSubmatch(line, -1) {
				page := filepath.Join("..", m[1])
				if _, err := os.Stat(page); err != nil {
					t.Errorf("%s:%d: %s does not exist", path, i+1, m[1])
					continue
				}
				if m[2] == "" {
					continue
				}
				if anchors[page] == nil {
					anchors[page] = headingAnchors(readFile(t, page))
				}
				if !anchors[page][m[2]] {
					t.Errorf("%s:%d: %s has no heading with anchor #%s", path, i+1, m[1], m[2])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDocCitationPatterns(t *testing.T) {
	for _, tc := range []struct {
		line      string
		bare      int
		citations string // page#anchor, space-separated
	}{
		{`"(README, Replaying the dead-letter queue)"`, 1, ""},
		{`// the README's Alarms table`, 1, ""},
		{`// see README. Then`, 1, ""},
		{`// see README.md#architecture and docs/backfill.md#replaying-the-dead-letter-queue.`, 0, "README.md#architecture docs/backfill.md#replaying-the-dead-letter-queue"},
		{`// docs/ingestion.md describes it`, 0, "docs/ingestion.md#"},
	} {
		if got := len(bareReadme.FindAllString(tc.line, -1)); got != tc.bare {
			t.Errorf("%s: %d bare README mentions, want %d", tc.line, got, tc.bare)
		}
		var got []string
		for _, m := range docCitation.FindAllStringSubmatch(tc.line, -1) {
			got = append(got, m[1]+"#"+m[2])
		}
		if strings.Join(got, " ") != tc.citations {
			t.Errorf("%s: citations %q, want %q", tc.line, got, tc.citations)
		}
	}
}

var (
	docCitation = regexp.MustCompile(`\b(README\.md|docs/[a-z0-9-]+\.md)(?:#([a-z0-9_-]+))?`)
	bareReadme  = regexp.MustCompile(`\bREADME\b(?:[^.]|$)|\bREADME\.(?:[^m]|$)`)
)

func TestHeadingAnchorsFollowGitHub(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"First deployment, step by step", "first-deployment-step-by-step"},
		{"`logsearch:dashboards`", "logsearchdashboards"},
		{`"The domain endpoint resolves to 10.x addresses"`, "the-domain-endpoint-resolves-to-10x-addresses"},
		{"`pulumi destroy` on prod stops with \"resource is protected\"", "pulumi-destroy-on-prod-stops-with-resource-is-protected"},
		{"Time formats (`ingest.timeField`, default `time`)", "time-formats-ingesttimefield-default-time"},
		{"dashboards.oidc", "dashboardsoidc"},
		{"Who may do what", "who-may-do-what"},
	} {
		if got := anchorOf(tc.heading); got != tc.want {
			t.Errorf("anchorOf(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
	// A repeated heading gets -1, -2, … like on GitHub.
	got := headingAnchors("# A\n## Troubleshooting\n```\n# not a heading\n```\n## Troubleshooting\n")
	for _, want := range []string{"a", "troubleshooting", "troubleshooting-1"} {
		if !got[want] {
			t.Errorf("anchors %v lack %q", got, want)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line in a code block was read as a heading")
	}
}

func TestRelativeLinksSkipsCodeAndAbsoluteURLs(t *testing.T) {
	md := "see [a](a.md#x) and [web](https://example.com) `[no](code.md)`\n```\n[no](fence.md)\n```\n[b](#y)\n"
	var got []string
	for _, l := range relativeLinks(md) {
		got = append(got, l.target+"@"+strconv.Itoa(l.line))
	}
	if strings.Join(got, " ") != "a.md#x@1 #y@5" {
		t.Errorf("links = %q", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type link struct {
	target string
	line   int
}

var (
	linkPattern = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode  = regexp.MustCompile("`[^`]*`")
)

// relativeLinks lists the link targets of md outside code, leaving out
// absolute URLs.
func relativeLinks(md string) []link {
	var out []link
	for i, line := range proseLines(md) {
		if line == "" {
			continue
		}
		for _, m := range linkPattern.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			if target := m[1]; !strings.Contains(target, "://") && !strings.HasPrefix(target, "mailto:") {
				out = append(out, link{target: target, line: i + 1})
			}
		}
	}
	return out
}

// headingAnchors are the anchors GitHub gives the page's headings.
func headingAnchors(md string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, line := range proseLines(md) {
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !strings.HasPrefix(line, "#") || !ok {
			continue
		}
		a := anchorOf(text)
		if n := seen[a]; n > 0 {
			anchors[a+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

// proseLines is md's lines with those inside fenced code blocks blanked,
// so line numbers stay right.
func proseLines(md string) []string {
	lines := strings.Split(md, "\n")
	inFence := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			lines[i] = ""
			continue
		}
		if inFence {
			lines[i] = ""
		}
	}
	return lines
}

// anchorOf is GitHub's anchor for a heading: lower case, spaces become
// hyphens, and everything but letters, digits, hyphens and underscores is
// dropped.
func anchorOf(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
