package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lines of one day whose fields clash under OpenSearch's mapping rules
// (a value then an object of the same name, a number then a word) were
// written to the rejects file. Backfill now demotes the clashing field
// under @invalid, as the ingest function does, and indexes every line.
func TestBackfillDemotesMappingConflicts(t *testing.T) {
	lines := []string{"a:x\tseq:1", "a.b:y\tseq:2", `{"n":1,"seq":3}`, `{"n":"word","seq":4}`}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	p := filepath.Join(root, "2024", "05", "31", "app-1.log.gz")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	osrv := startOpenSearch(t)
	r := &run{t: t, dir: t.TempDir(), os: osrv}
	res := r.exec("--from", "2024-05-31", "--to", "2024-05-31", root)
	if res.code != ExitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	want := map[string]map[string]any{lines[1]: {"a.b": "y"}, lines[3]: {"n": "word"}}
	seen := 0
	for id, indices := range osrv.Locations() {
		raw, _ := osrv.Doc(indices[0], id)
		var doc struct {
			Message string         `json:"@message"`
			Invalid map[string]any `json:"@invalid"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		seen++
		for k, v := range want[doc.Message] {
			if doc.Invalid[k] != v {
				t.Errorf("line %q: @invalid[%q] = %v, want %v: %s", doc.Message, k, doc.Invalid[k], v, raw)
			}
		}
	}
	if seen != len(lines) {
		t.Errorf("%d documents, want %d\n%s", seen, len(lines), res.stderr)
	}
}
