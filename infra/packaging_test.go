package infra

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// buildFixtureZip builds the fixture main package exactly as lambdaCode
// builds lambda/<name>, into a private output directory.
func buildFixtureZip(t *testing.T, outDir string) []byte {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	path, err := buildLambdaZip(root, "./infra/testdata/lambdafixture", outDir, "fixture")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "fixture.zip" {
		t.Fatalf("zip written to %s, want <out>/fixture.zip", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLambdaZipHoldsExecutableBootstrap(t *testing.T) {
	data := buildFixtureZip(t, t.TempDir())
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("zip has %d entries, want exactly bootstrap", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" {
		t.Errorf("entry %q, want bootstrap", f.Name)
	}
	if mode := f.Mode().Perm(); mode != 0o755 {
		t.Errorf("bootstrap mode %v, want 0755: Lambda fails with permission denied otherwise", mode)
	}
	if !f.Modified.Equal(zipEpoch) {
		t.Errorf("bootstrap modified %v, want the fixed %v", f.Modified, zipEpoch)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	head := make([]byte, 20)
	if _, err := rc.Read(head); err != nil {
		t.Fatal(err)
	}
	// ELF magic, and e_machine 0xB7 = AArch64 (Lambda arm64).
	if !bytes.HasPrefix(head, []byte("\x7fELF")) || head[18] != 0xB7 {
		t.Errorf("bootstrap is not a linux/arm64 ELF binary (header % x)", head)
	}
}

func TestLambdaZipIsByteIdenticalAcrossBuilds(t *testing.T) {
	first := buildFixtureZip(t, t.TempDir())
	second := buildFixtureZip(t, t.TempDir())
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds of unchanged source differ (%d vs %d bytes): pulumi preview would always show a code change", len(first), len(second))
	}
}

func TestBootstrapZipDependsOnlyOnTheBinary(t *testing.T) {
	a, err := bootstrapZip([]byte("binary"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bootstrapZip([]byte("binary"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := bootstrapZip([]byte("changed"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("same binary, different zips")
	}
	if bytes.Equal(a, c) {
		t.Error("different binaries, same zip")
	}
}

func TestModuleRootFindsGoMod(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Pulumi.yaml")); err != nil {
		t.Errorf("module root %s has no Pulumi.yaml: %v", root, err)
	}
	if !declaresModule([]byte("// x\nmodule \"github.com/logsearch/logsearch\"\n"), modulePath) {
		t.Error("quoted module path not recognised")
	}
	if declaresModule([]byte("module github.com/logsearch/logsearch/sub\n"), modulePath) {
		t.Error("a different module matched")
	}
}

func TestWriteIfChangedKeepsIdenticalFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.zip")
	if err := writeIfChanged(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := writeIfChanged(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("identical content was rewritten")
	}
	if err := writeIfChanged(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Errorf("content %q after change, want two", got)
	}
}
