package logsearch

import (
	"archive/zip"
	"bytes"
	"debug/buildinfo"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// buildFixtureZip builds the fixture main package exactly as lambdaCode
// builds lambda/<name>, into a private output directory.
func buildFixtureZip(t *testing.T, outDir string) []byte {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	path, err := buildLambdaZip(root, "./infra/logsearch/testdata/lambdafixture", outDir, "fixture")
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

// envValue is what a process started with env sees for key: os/exec
// keeps the last of duplicate entries.
func envValue(env []string, key string) (string, bool) {
	val, found := "", false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val, found = v, true
		}
	}
	return val, found
}

// TestLambdaBuildUsesTheModuleToolchain: the zips are reproducible across
// deployers only if every build uses go.mod's toolchain, whatever Go (or
// GOTOOLCHAIN) the deployer has.
func TestLambdaBuildUsesTheModuleToolchain(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", goMod, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Toolchain == nil {
		t.Fatal("go.mod has no toolchain line: the Lambda zips change with every deployer's Go patch release")
	}
	want := mf.Toolchain.Name
	t.Setenv("GOTOOLCHAIN", "local") // a deployer's own setting must not win
	cmd, err := lambdaBuildCommand(root, "./lambda/ingest", filepath.Join(t.TempDir(), "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	for key, wantVal := range map[string]string{"GOTOOLCHAIN": want, "GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0"} {
		if got, _ := envValue(cmd.Env, key); got != wantVal {
			t.Errorf("build command runs with %s=%q, want %q", key, got, wantVal)
		}
	}
	if cmd.Dir != root {
		t.Errorf("build runs in %s, want the module root %s (where go.mod pins the toolchain)", cmd.Dir, root)
	}
}

// TestLambdaBinaryIsBuiltByTheModuleToolchain reads the Go version the
// compiler stamps into the binary: it must be go.mod's toolchain.
func TestLambdaBinaryIsBuiltByTheModuleToolchain(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := moduleToolchain(root)
	if err != nil {
		t.Fatal(err)
	}
	zipData := buildFixtureZip(t, t.TempDir())
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if info.GoVersion != want {
		t.Errorf("bootstrap was compiled by %s, want go.mod's toolchain %s", info.GoVersion, want)
	}
}

func TestModuleToolchainRefusesAnUnpinnedGoMod(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+modulePath+"\n\ngo 1.26.6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := moduleToolchain(dir)
	if err == nil || !strings.Contains(err.Error(), "go mod edit -toolchain=") {
		t.Errorf("go.mod without a toolchain line: err %v, want one naming the fix", err)
	}
}

// A Go program of another module that requires this one builds the
// function code from this module's directory, not from its own.
func TestLambdaSourceOfAnImportingModule(t *testing.T) {
	repo, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	user := t.TempDir()
	goMod := "module example.com/shop\n\ngo 1.24\n\nrequire " + modulePath + " v0.0.0\n\nreplace " + modulePath + " => " + repo + "\n"
	if err := os.WriteFile(filepath.Join(user, "go.mod"), []byte(goMod), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(user)
	root, outDir, err := lambdaSource()
	if err != nil {
		t.Fatal(err)
	}
	if root != repo {
		t.Errorf("builds from %s, want this module at %s", root, repo)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(outDir, cache+string(filepath.Separator)) {
		t.Errorf("zips go to %s, want the user's cache directory (the module cache is read-only)", outDir)
	}

	// A module that does not require this one gets an error saying so.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	if _, _, err := lambdaSource(); err == nil || !strings.Contains(err.Error(), "go list -m "+modulePath) {
		t.Errorf("lambdaSource in an unrelated module: %v, want the go list failure named", err)
	}
}
