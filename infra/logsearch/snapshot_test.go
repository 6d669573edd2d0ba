package logsearch

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/logsearch/logsearch/lambda/golden"
)

// refreshSnapshots is the one command that rewrites the golden snapshots.
const refreshSnapshots = "go test ./infra/logsearch -run TestGoldenSnapshots -update"

var update = flag.Bool("update", false, "rewrite infra/logsearch/testdata/<stack>.json from the current program")

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

func TestGoldenSnapshots(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			got := snapshot(t, mustRunStack(t, stack, nil))
			if bytes.Contains(got, []byte("Mock-Passw0rd")) || bytes.Contains(got, []byte("test-secret:")) {
				t.Fatal("a secret value leaked into the snapshot")
			}
			golden.Check(t, filepath.Join("testdata", stack+".json"), got, *update, refreshSnapshots)
		})
	}
}
