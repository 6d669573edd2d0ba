package infra

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite infra/testdata/<stack>.json from the current program")

// snapshotEntry is one resource in a golden file.
type snapshotEntry struct {
	Type   string         `json:"type"`
	Name   string         `json:"name"`
	Inputs map[string]any `json:"inputs"`
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
		entries = append(entries, snapshotEntry{Type: r.Type, Name: r.Name, Inputs: inputs})
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

func TestGoldenSnapshots(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			got := snapshot(t, mustRunStack(t, stack, nil))
			if bytes.Contains(got, []byte("Mock-Passw0rd")) || bytes.Contains(got, []byte("test-secret:")) {
				t.Fatal("a secret value leaked into the snapshot")
			}
			path := filepath.Join("testdata", stack+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; create it with: go test ./infra -run TestGoldenSnapshots -update", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("stack %s drifted from %s. Review the change, then accept it with: go test ./infra -run TestGoldenSnapshots -update\n%s",
					stack, path, firstDifference(want, got))
			}
		})
	}
}

// firstDifference shows the first differing line with some context.
func firstDifference(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return "line " + itoa(i+1) + ":\n  golden: " + string(wl) + "\n  now:    " + string(gl)
		}
	}
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
