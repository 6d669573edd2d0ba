package logsearch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// StackFile is one Pulumi.<stack>.yaml, read as the Pulumi CLI hands its
// config to the program: each key's value as a string (objects and lists
// as JSON). Encrypted values cannot be read offline: they stand as
// [secret], and their keys are marked secret.
type StackFile struct {
	Path    string
	Stack   string
	values  map[string]string
	secrets map[string]bool
}

// GetConfig is the value of one full key (logsearch:domain, aws:region).
func (f *StackFile) GetConfig(key string) (string, bool) {
	v, ok := f.values[key]
	return v, ok
}

// IsConfigSecret reports whether the key's value is, or holds, an
// encrypted value.
func (f *StackFile) IsConfigSecret(key string) bool { return f.secrets[key] }

// ConfigKeys lists every key of the file.
func (f *StackFile) ConfigKeys() []string {
	keys := make([]string, 0, len(f.values))
	for k := range f.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// StackOfFile is the stack a stack file configures: dev of Pulumi.dev.yaml.
func StackOfFile(path string) (string, bool) {
	base := filepath.Base(path)
	stack, ok := strings.CutPrefix(base, "Pulumi.")
	if !ok {
		return "", false
	}
	stack, ok = strings.CutSuffix(stack, ".yaml")
	return stack, ok && stack != ""
}

// ReadStackFile reads a Pulumi.<stack>.yaml.
func ReadStackFile(path string) (*StackFile, error) {
	stack, ok := StackOfFile(path)
	if !ok {
		return nil, fmt.Errorf("%s: a stack file is named Pulumi.<stack>.yaml", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML: %w", path, err)
	}
	f := &StackFile{Path: path, Stack: stack, values: map[string]string{}, secrets: map[string]bool{}}
	for k, v := range file.Config {
		v, secret := hideSecure(v)
		raw, err := cliValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, k, err)
		}
		f.values[k] = raw
		if secret {
			f.secrets[k] = true
		}
	}
	return f, nil
}

// hideSecure replaces every {secure: <ciphertext>} in v with [secret],
// and reports whether there was one.
func hideSecure(v any) (any, bool) {
	return replaceSecure(v, func(any) (any, bool) { return secretPlaceholder, true })
}

// replaceSecure walks a stack-file value and replaces each {secure: x}
// object by what replace makes of x (when it takes it: ok), reporting
// whether it replaced any.
func replaceSecure(v any, replace func(ciphertext any) (any, bool)) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x["secure"]; ok && len(x) == 1 {
			if r, ok := replace(c); ok {
				return r, true
			}
		}
		found := false
		out := make(map[string]any, len(x))
		for k, e := range x {
			var s bool
			out[k], s = replaceSecure(e, replace)
			found = found || s
		}
		return out, found
	case []any:
		found := false
		out := make([]any, len(x))
		for i, e := range x {
			var s bool
			out[i], s = replaceSecure(e, replace)
			found = found || s
		}
		return out, found
	}
	return v, false
}

// cliValue renders one value as the CLI passes it to programs: text as
// it is, scalars in their YAML spelling, objects and lists as JSON.
func cliValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(x), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// CheckResult is everything wrong with one stack's config, found without
// AWS: the problems that stop a deployment, then the warnings that do not.
type CheckResult struct {
	Stack    string
	Problems []ConfigProblem
	Warnings []string
}

// Err is the ConfigError the program refuses the config with, or nil.
func (r *CheckResult) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return &ConfigError{Stack: r.Stack, Problems: r.Problems}
}

// CheckStackFile checks the stack file at path as `pulumi up` would before
// it registers anything, without AWS: the same validation, with the
// other stack files in its directory for the subscription-filter count.
// The region and account are the stack file's own (aws:region,
// aws:allowedAccountIds); `pulumi up` checks again with the account the
// credentials belong to.
func CheckStackFile(path string) (*CheckResult, error) {
	f, err := ReadStackFile(path)
	if err != nil {
		return nil, err
	}
	var bare problems
	for _, k := range f.ConfigKeys() {
		if !strings.Contains(k, ":") {
			bare.addKey(k, "", "a config key names its namespace; write %s:%s", configNamespace, k)
		}
	}
	_, ps, warnings := checkStack(f.Stack, f, readStackFiles(filepath.Dir(path)))
	return &CheckResult{Stack: f.Stack, Problems: append(bare, ps...), Warnings: warnings}, nil
}

// checkStack is the whole offline check of one stack's config, the one
// LoadConfig runs before anything else: every problem, then every warning.
// stackFiles are the project's stack files, for the subscription-filter
// count.
func checkStack(stack string, src configSource, stackFiles []stackFileSubscriptions) (*Config, problems, []string) {
	cfg, ps, hidden := readConfig(stack, src)
	var warnings []string
	for _, w := range cfg.warnings() {
		key, _, _ := strings.Cut(w, " ")
		if !isHidden(strings.TrimSuffix(key, ":"), hidden) {
			warnings = append(warnings, w)
		}
	}
	more, ws := cfg.accountChecks(stackFiles)
	for _, p := range more {
		if !isHidden(p.Key, hidden) {
			ps = append(ps, p)
		}
	}
	return cfg, ps, append(warnings, ws...)
}

// accountChecks are the checks that depend on the account and region:
// offline they use the stack file's own, in `pulumi up` the provider's.
func (c *Config) accountChecks(stackFiles []stackFileSubscriptions) (problems, []string) {
	ps := append(c.certificatePlacementProblems(), c.arnPartitionProblems()...)
	sps, warnings := c.checkSubscriptionLimit(stackFiles, c.deployAccounts())
	return append(ps, sps...), warnings
}
