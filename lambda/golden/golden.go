// Package golden is test support: it compares a test's output with a
// golden file, or rewrites the file when the test runs with -update, so a
// reviewer sees every change to the output as a diff of the file.
//
// It is exported (not under lambda/internal) because the infra tests use it
// too.
package golden

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

// Check compares got with the file at path, byte for byte. With update it
// writes got there instead. A missing or different file fails the test,
// saying how to accept the new output: acceptCmd, e.g.
// "go test ./infra/logsearch -run TestGoldenSnapshots -update".
func Check(t testing.TB, path string, got []byte, update bool, acceptCmd string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; create it with: %s", err, acceptCmd)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the output drifted from %s. Review the change, then accept it with: %s\n%s", path, acceptCmd, firstDifference(want, got))
	}
}

// firstDifference shows the first line where got differs from want.
func firstDifference(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	line := func(lines [][]byte, i int) string {
		if i < len(lines) {
			return string(lines[i])
		}
		return "<end of file>"
	}
	for i := 0; i < len(w) || i < len(g); i++ {
		if i >= len(w) || i >= len(g) || !bytes.Equal(w[i], g[i]) {
			return "line " + strconv.Itoa(i+1) + ":\n  golden: " + line(w, i) + "\n  now:    " + line(g, i)
		}
	}
	return ""
}
