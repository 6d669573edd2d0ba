package logsearch

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"golang.org/x/mod/modfile"
)

// modulePath identifies this repository's go.mod when looking for the root.
const modulePath = "github.com/logsearch/logsearch"

// zipEpoch is the fixed modification time of every zip entry: a zip holding
// the same binary must be the same bytes, or every `pulumi preview` would
// show the function's code as changed.
var zipEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// lambdaBuilds caches one build per function per process: Program may ask
// for the same code more than once, and tests run Program many times.
var lambdaBuilds sync.Map // name -> *lambdaBuild

type lambdaBuild struct {
	once sync.Once
	zip  string // absolute path of the zip
	err  error
}

// lambdaCode builds ./lambda/<name> for linux/arm64 and returns the
// deterministic zip as a Pulumi archive.
//
// The zip is written here rather than by pulumi.NewFileArchive on a
// directory or pulumi.NewAssetArchive: those rebuild the archive and drop
// the exec bit (pulumi/pulumi#3593), and the function then dies at start
// with "permission denied". A FileArchive of an existing .zip is copied
// byte for byte, so the 0755 mode of "bootstrap" survives.
func lambdaCode(name string) (pulumi.Archive, error) {
	b, _ := lambdaBuilds.LoadOrStore(name, &lambdaBuild{})
	build := b.(*lambdaBuild)
	build.once.Do(func() {
		root, outDir, err := lambdaSource()
		if err != nil {
			build.err = err
			return
		}
		build.zip, build.err = buildLambdaZip(root, "./lambda/"+name, outDir, name)
	})
	if build.err != nil {
		return nil, build.err
	}
	return pulumi.NewFileArchive(relativeToWorkingDir(build.zip)), nil
}

// lambdaCodeWithFile is lambdaCode(name) with one more file, fileName
// holding content, next to bootstrap, written as <zipName>.zip beside the
// plain build. zipName is the function's own name: one zip per function,
// replaced when the file changes, so the build directory does not grow
// with every state ever deployed.
func lambdaCodeWithFile(name, zipName, fileName string, content []byte) (pulumi.Archive, error) {
	if _, err := lambdaCode(name); err != nil {
		return nil, err
	}
	b, _ := lambdaBuilds.Load(name)
	dir := filepath.Dir(b.(*lambdaBuild).zip)
	binary, err := os.ReadFile(filepath.Join(dir, name, "bootstrap"))
	if err != nil {
		return nil, fmt.Errorf("lambda %s: %w", name, err)
	}
	zipBytes, err := bootstrapZip(binary, zipFile{name: fileName, content: content})
	if err != nil {
		return nil, fmt.Errorf("lambda %s: %w", name, err)
	}
	zipPath := filepath.Join(dir, zipName+".zip")
	if err := writeIfChanged(zipPath, zipBytes); err != nil {
		return nil, fmt.Errorf("lambda %s: %w", name, err)
	}
	return pulumi.NewFileArchive(relativeToWorkingDir(zipPath)), nil
}

// newGoFunction deploys the Go program ./lambda/<pkg> as the function
// resourceName, running as role. The runtime, architecture and handler are
// set here because they must match what lambdaCode builds: a linux/arm64
// binary named "bootstrap" for the OS-only runtime. With ingest.tracing the
// function traces actively (X-Ray; the role carries the permission), else
// it only passes on a caller's trace header. It waits for every policy of
// its role. args carries everything else; args.Code, when set, replaces the
// plain build (lambdaCodeWithFile).
func newGoFunction(ctx *pulumi.Context, resourceName, pkg string, role *functionRole, args *lambda.FunctionArgs, opts ...pulumi.ResourceOption) (*lambda.Function, error) {
	if args.Code == nil {
		code, err := lambdaCode(pkg)
		if err != nil {
			return nil, err
		}
		args.Code = code
	}
	args.Runtime = pulumi.String(string(lambda.RuntimeCustomAL2023))
	args.Architectures = pulumi.StringArray{pulumi.String("arm64")}
	args.Handler = pulumi.String("bootstrap")
	args.Role = role.role.Arn
	mode := "PassThrough" // Lambda's default, stated so previews stay clean
	if role.tracing {
		mode = "Active"
	}
	args.TracingConfig = &lambda.FunctionTracingConfigArgs{Mode: pulumi.String(mode)}
	opts = append(opts, pulumi.DependsOn(role.grants))
	return lambda.NewFunction(ctx, childName(ctx, resourceName), args, childOptions(ctx, opts...)...)
}

// functionRole is a Lambda execution role and every policy granted to it.
// A function must not be created before its policies: IAM is eventually
// consistent, and CreateFunction with a VpcConfig fails ("The provided
// execution role does not have permissions to call CreateNetworkInterface")
// when the VPC access policy is not attached yet.
type functionRole struct {
	name   string // resource name of the role and its policies' prefix
	role   *iam.Role
	grants []pulumi.Resource // attachments and inline policies
	// tracing: the function sends X-Ray traces (ingest.tracing).
	tracing bool
}

// managedPolicy is an AWS managed policy attached as <role>-<suffix>.
type managedPolicy struct{ suffix, policy string }

// newFunctionRole creates the execution role resourceName with the managed
// policies its function needs: X-Ray when ingest.tracing is on and, for a
// function in the VPC, ENI management and its own logs.
func newFunctionRole(ctx *pulumi.Context, cfg *Config, resourceName, description string, inVPC bool) (*functionRole, error) {
	role, err := iam.NewRole(ctx, childName(ctx, resourceName), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("lambda.amazonaws.com")),
		Description:      pulumi.String(description),
		Tags:             tags(cfg, resourceName),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	r := &functionRole{name: resourceName, role: role, tracing: cfg.Ingest.Tracing}
	var managed []managedPolicy
	if r.tracing {
		managed = append(managed, managedPolicy{"xray", "AWSXRayDaemonWriteAccess"})
	}
	if inVPC {
		managed = append(managed, managedPolicy{"vpc-access", "service-role/AWSLambdaVPCAccessExecutionRole"})
	}
	for _, m := range managed {
		a, err := iam.NewRolePolicyAttachment(ctx, childName(ctx, resourceName+"-"+m.suffix), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/%s", cfg.Partition, m.policy),
		}, childOptions(ctx)...)
		if err != nil {
			return nil, err
		}
		r.grants = append(r.grants, a)
	}
	return r, nil
}

// allowInline gives the role its own inline policy, named like the role.
func (r *functionRole) allowInline(ctx *pulumi.Context, policy pulumi.StringInput) (*iam.RolePolicy, error) {
	p, err := iam.NewRolePolicy(ctx, childName(ctx, r.name), &iam.RolePolicyArgs{Role: r.role.ID(), Policy: policy}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	r.grants = append(r.grants, p)
	return p, nil
}

// jsonLogging sends a function's logs to logGroup as JSON lines: the
// code's from INFO up, Lambda's own from WARN up.
func jsonLogging(logGroup *cloudwatch.LogGroup) *lambda.FunctionLoggingConfigArgs {
	return &lambda.FunctionLoggingConfigArgs{
		LogFormat:           pulumi.String("JSON"),
		LogGroup:            logGroup.Name,
		ApplicationLogLevel: pulumi.String("INFO"),
		SystemLogLevel:      pulumi.String("WARN"),
	}
}

// relativeToWorkingDir keeps machine-specific directories out of the
// Pulumi state: run from the project directory, the archive is recorded as
// ".build/<name>.zip" on every machine.
func relativeToWorkingDir(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil {
		return rel
	}
	return path
}

// buildLambdaZip compiles the main package pkg (relative to root) into
// outDir/<name>/bootstrap and packs it into outDir/<name>.zip.
func buildLambdaZip(root, pkg, outDir, name string) (string, error) {
	binDir := filepath.Join(outDir, name)
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", fmt.Errorf("lambda %s: %w", name, err)
	}
	bin := filepath.Join(binDir, "bootstrap")
	cmd, err := lambdaBuildCommand(root, pkg, bin)
	if err != nil {
		return "", fmt.Errorf("lambda %s: %w", name, err)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("lambda %s: go build %s failed: %w\n%s", name, pkg, err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("lambda %s: %w", name, err)
	}
	zipBytes, err := bootstrapZip(binary)
	if err != nil {
		return "", fmt.Errorf("lambda %s: %w", name, err)
	}
	zipPath := filepath.Join(outDir, name+".zip")
	if err := writeIfChanged(zipPath, zipBytes); err != nil {
		return "", fmt.Errorf("lambda %s: %w", name, err)
	}
	return zipPath, nil
}

// lambdaBuildCommand is the `go build` of pkg into bin, run in root (the
// module root), for Lambda's linux/arm64.
//
// GOTOOLCHAIN pins the compiler to go.mod's toolchain line: a deployer
// whose local Go is another patch release would otherwise compile
// different bytes, change every function's code hash and show spurious
// updates in each preview. The go command downloads that toolchain once
// if it is not the local one (https://go.dev/doc/toolchain).
func lambdaBuildCommand(root, pkg, bin string) (*exec.Cmd, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the Go toolchain is needed to build the function code; install Go and put it on PATH: %w", err)
	}
	toolchain, err := moduleToolchain(root)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", bin, pkg)
	cmd.Dir = root
	// Later entries win (os/exec keeps the last of duplicate keys), so a
	// deployer's own GOTOOLCHAIN or GOOS cannot change the build.
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN="+toolchain)
	return cmd, nil
}

// moduleToolchain is the toolchain line of root/go.mod (e.g. go1.26.8).
func moduleToolchain(root string) (string, error) {
	path := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", err
	}
	if f.Toolchain == nil || f.Toolchain.Name == "" {
		return "", fmt.Errorf("%s has no toolchain line; the Lambda zips are only reproducible with a pinned toolchain: add one with `go mod edit -toolchain=go<version>`", path)
	}
	return f.Toolchain.Name, nil
}

// zipFile is a read-only data file packed beside bootstrap.
type zipFile struct {
	name    string
	content []byte
}

// bootstrapZip packs a Lambda custom-runtime binary: an entry named
// "bootstrap", executable, then each of files (mode 0644), all with a fixed
// timestamp.
func bootstrapZip(binary []byte, files ...zipFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries := append([]zipFile{{name: "bootstrap", content: binary}}, files...)
	for i, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: zipEpoch}
		mode := fs.FileMode(0o644)
		if i == 0 {
			mode = 0o755
		}
		hdr.SetMode(mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.content); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeIfChanged replaces path atomically, and not at all when the bytes
// are already there.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// moduleRoot finds the directory of this module's go.mod, walking up from
// the working directory: Pulumi runs the program in the project directory,
// `go test` in the package directory.
// lambdaSource is where the function code is built from and the zips go:
// this project (pulumi run in its directory) and its .build; or, for a Go
// program of another module that imports this package, this module's
// directory as the go command resolves it (the module cache, read-only, or
// a replace directory), with the zips in the user's cache directory.
func lambdaSource() (root, outDir string, err error) {
	root, err = moduleRoot()
	if err == nil {
		return root, filepath.Join(root, ".build"), nil
	}
	dir, listErr := importedModuleDir()
	if listErr != nil {
		return "", "", fmt.Errorf("%w; nor does the working directory's module require it: %w", err, listErr)
	}
	cache, cacheErr := os.UserCacheDir()
	if cacheErr != nil {
		return "", "", fmt.Errorf("building the function code of %s: %w", modulePath, cacheErr)
	}
	return dir, filepath.Join(cache, "logsearch", "lambda-build"), nil
}

// importedModuleDir is the directory of this module as a dependency of the
// working directory's module (`go list -m`).
func importedModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", modulePath).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", fmt.Errorf("go list -m %s: %w: %s", modulePath, err, bytes.TrimSpace(exit.Stderr))
		}
		return "", fmt.Errorf("go list -m %s: %w", modulePath, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: the module is not downloaded; run go mod download %s", modulePath, modulePath)
	}
	return dir, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && declaresModule(data, modulePath) {
			return dir, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above the working directory; run pulumi from the project directory", modulePath)
		}
		dir = parent
	}
}

func declaresModule(goMod []byte, path string) bool {
	for _, line := range strings.Split(string(goMod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == path {
			return true
		}
	}
	return false
}
