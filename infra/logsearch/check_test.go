package logsearch

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestCheckStackFileNamesEachMistakeOnce: a stack file with five mistakes
// gives exactly five problems, one per mistake, each with its fix; a
// misspelt nested key does not hide the rest of its object.
func TestCheckStackFileNamesEachMistakeOnce(t *testing.T) {
	res, err := CheckStackFile(filepath.Join("testdata", "checkstack", "five", "Pulumi.mine.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ // key: parts of its one problem
		"aws:region":                           {"eu-centrall-1", "Did you mean eu-central-1?"},
		"logsearch:domain.instanceType":        {"t3.smal.search", "Did you mean t3.small.search?"},
		"logsearch:domain.shard":               {"Did you mean shards?", "logsearch:domain:\n          shards: 3"},
		"logsearch:dashboards.officeCidr":      {"Did you mean officeCidrs?", "officeCidrs:\n            - 198.51.100.0/24"},
		"logsearch:logGroups[0].filterPattern": {"{ at position 1 is never closed"},
	}
	if len(res.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(res.Problems), len(want), res.Err())
	}
	for _, p := range res.Problems {
		parts, ok := want[p.Key]
		if !ok {
			t.Errorf("unexpected problem %s", p)
			continue
		}
		delete(want, p.Key)
		for _, part := range parts {
			if !strings.Contains(p.String(), part) {
				t.Errorf("problem %q does not say %q", p, part)
			}
		}
	}
	for key := range want {
		t.Errorf("no problem for %s", key)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings %q; want none (the refused instance type is not also \"unchecked\")", res.Warnings)
	}
}

// TestCheckStackFileRefusals: a missing region, an unknown size of a known
// instance family and misspelt keys inside lists and secret objects; no
// secret value is shown.
func TestCheckStackFileRefusals(t *testing.T) {
	res, err := CheckStackFile(filepath.Join("testdata", "checkstack", "noregion", "Pulumi.mine.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := res.Err().Error()
	for _, part := range []string{
		"aws:region: required",
		`logsearch:domain.dedicatedMasterType = "m6g.huge.search": not an OpenSearch instance type: m6g has no such size.`,
		"logsearch:logGroups[0].nme: is not a setting of logsearch:logGroups[0]. Did you mean name?",
		"logsearch:dashboards.oidc.clientSecrett: is not a setting of logsearch:dashboards.oidc. Did you mean clientSecret?",
		"clientSecret: '[secret]'",
	} {
		if !strings.Contains(text, part) {
			t.Errorf("the problems do not say %q:\n%s", part, text)
		}
	}
	if strings.Contains(text, "c2VjcmV0") || strings.Contains(text, "v1:") {
		t.Errorf("a secret's ciphertext shows:\n%s", text)
	}
	if strings.Contains(text, "logGroups[0].name") {
		t.Errorf("the misspelt name's default is judged too:\n%s", text)
	}
}

// TestCheckStackFileWarnings: warnings, which `pulumi up` only logs, are
// listed when there is no problem.
func TestCheckStackFileWarnings(t *testing.T) {
	res, err := CheckStackFile(filepath.Join("testdata", "checkstack", "clean", "Pulumi.mine.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"logsearch:logGroups is empty", "logsearch:alarmEmails is empty"} {
		if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, part) }) {
			t.Errorf("warnings %q; want one saying %q", res.Warnings, part)
		}
	}
}

func TestCheckInstanceType(t *testing.T) {
	for _, tc := range []struct {
		typ     string
		refused string // "" = accepted
	}{
		{"t3.small.search", ""},
		{"r6g.large.search", ""},
		{"x9.large.search", ""}, // a family newer than the table: a warning
		{"t3.smal.search", "Did you mean t3.small.search?"},
		{"m6g.huge.search", "m6g has no such size. OpenSearch offers m6g.12xlarge.search"},
		{"r6g.large.serach", "Did you mean r6g.large.search?"},
		{"r6g.large", "Did you mean r6g.large.search?"},
		{"r7g.larg.search", "r7g has no such size. Did you mean r7g.large.search?"},
		{"or1.16xlarg.search", "Did you mean or1.16xlarge.search?"},
		{"r8g.medium.search", ""},
		{"r6gd.large.search", ""}, // a valid type (refused as a data node by the storage check)
	} {
		var ps problems
		ok := checkInstanceType(&ps, "domain.instanceType", tc.typ)
		switch {
		case tc.refused == "" && (!ok || len(ps) > 0):
			t.Errorf("%s refused: %v", tc.typ, ps)
		case tc.refused != "" && (ok || len(ps) != 1):
			t.Errorf("%s: ok %v, problems %v; want one refusal", tc.typ, ok, ps)
		case tc.refused != "" && !strings.Contains(ps[0].String(), tc.refused):
			t.Errorf("%s: %s; want it to say %q", tc.typ, ps[0], tc.refused)
		}
	}
	if !newerInstanceFamily("x9.large.search") || newerInstanceFamily("t3.smal.search") {
		t.Error("newerInstanceFamily: want x9 (not in the table) newer, t3 (in it) not")
	}
}

func TestCheckRegion(t *testing.T) {
	for _, tc := range []struct {
		region  string
		refused string
		warned  bool
	}{
		{"eu-west-1", "", false},
		{"us-gov-west-1", "", false},
		{"ap-east-9", "", true}, // a newer number in a known area
		{"eu-centrall-1", "Did you mean eu-central-1?", false},
		{"mars-1", "The regions are", false},
		{"", "required", false},
	} {
		var ps problems
		got := checkRegion(mapSource{values: map[string]string{regionKey: tc.region}}, &ps)
		if tc.refused == "" {
			if len(ps) > 0 || got != tc.region {
				t.Errorf("%q: %q, %v; want accepted", tc.region, got, ps)
			}
		} else if len(ps) != 1 || !strings.Contains(ps[0].String(), tc.refused) || got != "" {
			t.Errorf("%q: %q, %v; want refused saying %q", tc.region, got, ps, tc.refused)
		}
		if (regionWarning(got) != "") != tc.warned {
			t.Errorf("%q: warning %q, want warned %v", tc.region, regionWarning(got), tc.warned)
		}
	}
}

// TestKnownRegionsAreTheSDKEnum: the region list is the pinned pulumi-aws
// SDK's Region enum (sdk/go/aws/pulumiEnums.go), so an upgrade that adds
// a region fails here until it is listed.
func TestKnownRegionsAreTheSDKEnum(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-json", "github.com/pulumi/pulumi-aws/sdk/v6").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go list gave no module directory: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(mod.Dir, "go", "aws", "pulumiEnums.go"))
	if err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, m := range regexp.MustCompile(`(?m)^\s+Region\w+\s*=\s*Region\("([^"]+)"\)`).FindAllStringSubmatch(string(src), -1) {
		enum = append(enum, m[1])
	}
	got := regionNames()
	sort.Strings(enum)
	sort.Strings(got)
	if len(enum) == 0 || !slices.Equal(got, enum) {
		t.Errorf("knownRegions %v\nSDK enum     %v", got, enum)
	}
}
