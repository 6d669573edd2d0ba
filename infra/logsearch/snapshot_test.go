package logsearch

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/logsearch/logsearch/lambda/golden"
)

// refreshSnapshots is the one command that rewrites the golden snapshots.
const refreshSnapshots = "go test ./infra/logsearch -run TestGoldenSnapshots -update"

var update = flag.Bool("update", false, "rewrite infra/logsearch/testdata/<stack>.json of every repository stack file from the current program")

// snapshotEntry is one resource in a golden file.
type snapshotEntry struct {
	Type string `json:"type"`
	Name string `json:"name"`
	// Parent is the component this resource belongs to, as "type::name":
	// the tree `pulumi preview` shows.
	Parent string         `json:"parent"`
	Inputs map[string]any `json:"inputs"`
	// DependsOn are the resources this one explicitly waits for
	// (DependsOn, not inputs), as sorted "type::name": ordering changes
	// show in review diffs.
	DependsOn []string `json:"dependsOn,omitempty"`
}

// snapshot renders a run as the golden JSON: sorted by type then name,
// inputs keyed by Pulumi property name, secrets as "[secret]", archives as
// their path relative to the module root.
func snapshot(t *testing.T, run *stackRun) []byte {
	t.Helper()
	entries := make([]snapshotEntry, 0, len(run.Resources))
	for _, r := range run.Resources { // runStack sorts by type, then name
		inputs := map[string]any{}
		for k, v := range r.Inputs {
			inputs[string(k)] = snapshotValue(v)
		}
		entries = append(entries, snapshotEntry{Type: r.Type, Name: r.LogicalName, Parent: typeAndName(r.Parent), Inputs: inputs, DependsOn: dependencyNames(r.ExplicitDependencies)})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(entries); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dependencyNames turns URNs into sorted "type::name".
func dependencyNames(urns []string) []string {
	var names []string
	for _, u := range urns {
		names = append(names, typeAndName(u))
	}
	sort.Strings(names)
	return names
}

// typeAndName is a URN as "type::name" (the resource's own type, without
// its parents' types).
func typeAndName(u string) string {
	urn := resource.URN(u)
	return string(urn.Type()) + "::" + urn.Name()
}

// TestGoldenSnapshots compares each repository stack file's resource set
// with its snapshot, <stackDir>/infra/logsearch/testdata/<stack>.json. A
// snapshot of a stack file that is gone fails too (-update removes it), so
// the snapshots are always exactly the stack files' offline previews.
func TestGoldenSnapshots(t *testing.T) {
	dir := snapshotDir()
	stacks := repositoryStacks(t)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			run, err := runRepositoryStack(t, stack)
			if err != nil {
				t.Fatalf("%s: Program failed: %v", repositoryStackFile(stack), err)
			}
			got := snapshot(t, run)
			if bytes.Contains(got, []byte("Mock-Passw0rd")) || bytes.Contains(got, []byte("test-secret:")) {
				t.Fatal("a secret value leaked into the snapshot")
			}
			golden.Check(t, filepath.Join(dir, stack+".json"), got, *update, refreshSnapshots)
		})
	}
	for _, orphan := range orphanSnapshots(t, dir, stacks) {
		if *update {
			if err := os.Remove(orphan); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is the snapshot of a stack file that no longer exists; remove it with: %s", orphan, refreshSnapshots)
	}
}

// orphanSnapshots are the snapshot files in dir of no stack in stacks: the
// JSON files there shaped as snapshots (a list of entries each with a type,
// a name and inputs), so other test data is never taken for one.
func orphanSnapshots(t *testing.T, dir string, stacks []string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var orphans []string
	for _, f := range files {
		if slices.Contains(stacks, strings.TrimSuffix(filepath.Base(f), ".json")) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var entries []map[string]json.RawMessage
		if json.Unmarshal(data, &entries) != nil || len(entries) == 0 {
			continue
		}
		isSnapshot := true
		for _, e := range entries {
			_, typ := e["type"]
			_, name := e["name"]
			_, inputs := e["inputs"]
			isSnapshot = isSnapshot && typ && name && inputs
		}
		if isSnapshot {
			orphans = append(orphans, f)
		}
	}
	return orphans
}
