package logsearch

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/golden"
)

// configReferencePath is the generated configuration reference.
const configReferencePath = "../../docs/configuration.md"

// refreshConfigReference is the one command that rewrites it.
const refreshConfigReference = "go test ./infra/logsearch -run TestConfigReference -update"

// TestConfigReference keeps docs/configuration.md equal to what the config
// types, their doc comments and defaultConfig say, so the reference cannot
// drift from the code. A new keyed field shows up with no change here; one
// without a doc comment fails, naming the field.
func TestConfigReference(t *testing.T) {
	got, problems := renderProjectReference(t)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.FailNow()
	}
	golden.Check(t, configReferencePath, got, *update, refreshConfigReference)
}

// renderProjectReference renders the reference of this package's Config
// from its doc comments and defaults.
func renderProjectReference(t *testing.T) (out []byte, problems []string) {
	t.Helper()
	docs, err := fieldDocs(goSources(t, ".")...)
	if err != nil {
		t.Fatal(err)
	}
	defaults := defaultConfig("example")
	defaults.applyDerivedDefaults()
	return renderConfigReference(reflect.ValueOf(defaults), docs)
}

// undocumentedConfig is a config type with a keyed field that lacks a doc
// comment, for TestConfigReferenceRefusesUndocumentedFields.
type undocumentedConfig struct {
	// Documented has its comment.
	Documented string `json:"documented"`
	Bare       int    `json:"bare"`
	Nested     struct {
		// Inner is documented, its parent field is not.
		Inner bool `json:"inner"`
	} `json:"nested"`
	Skipped string `json:"-"`
}

func TestConfigReferenceRefusesUndocumentedFields(t *testing.T) {
	docs, err := fieldDocs("configdoc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, problems := renderConfigReference(reflect.ValueOf(undocumentedConfig{}), docs)
	want := []string{"undocumentedConfig.Bare (logsearch:bare)", "undocumentedConfig.Nested (logsearch:nested)"}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d: %q", len(problems), len(want), problems)
	}
	for i, w := range want {
		if !strings.Contains(problems[i], w) || !strings.Contains(problems[i], "doc comment") {
			t.Errorf("problem %d = %q; want it to name %s and ask for a doc comment", i, problems[i], w)
		}
	}
}

func TestConfigReferenceRendersKeysTypesAndDefaults(t *testing.T) {
	type leafs struct {
		// Name names it.
		Name string `json:"name"`
		// Count counts.
		Count int `json:"count"`
		// Tags tag.
		Tags []string `json:"tags"`
		// Size is worked out.
		Size int `json:"size" configdefault:"twice the count"`
	}
	docs := map[string]string{"leafs.Name": "Name names it.", "leafs.Count": "Count counts.", "leafs.Tags": "Tags tag.", "leafs.Size": "Size is worked out."}
	got, problems := renderConfigReference(reflect.ValueOf(leafs{Count: 7}), docs)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, row := range []string{
		"| `logsearch:name` | string | none | `name` names it. |",
		"| `logsearch:count` | integer | `7` | `count` counts. |",
		"| `logsearch:tags` | list of strings | `[]` | `tags` tag. |",
		"| `logsearch:size` | integer | twice the count | `size` is worked out. |",
	} {
		if !strings.Contains(string(got), row+"\n") {
			t.Errorf("missing row %s in:\n%s", row, got)
		}
	}
}

// TestConfigReferenceStatesWhatTheDefaultsMean: keys filled in by
// validation show what they are filled with, not the zero value that means
// "fill it in"; the intro promises every key is checked.
func TestConfigReferenceStatesWhatTheDefaultsMean(t *testing.T) {
	got, _ := renderProjectReference(t)
	// row is the reference's row of key, or the whole text for "".
	row := func(key string) string {
		for _, line := range strings.Split(string(got), "\n") {
			if key != "" && strings.HasPrefix(line, "| `logsearch:"+key+"` |") {
				return line
			}
		}
		return strings.Join(strings.Fields(string(got)), " ") // line breaks do not matter
	}
	for _, c := range []struct{ key, says string }{
		{"domain.iops", "| integer | the included baseline for volumeSize |"},
		{"domain.throughput", "| integer | the included baseline for volumeSize |"},
		{"domain.throughput", "instance type's EBS bandwidth"},
		{"network.zoneIds", "use1-az3 is skipped by default and refused when listed"},
		{"", "an unknown top-level key is refused naming the nearest valid key"},
		{"", "a misspelt key inside an object is refused too"},
	} {
		if !strings.Contains(row(c.key), c.says) {
			t.Errorf("the configuration reference (%q) does not say %q", c.key, c.says)
		}
	}
}

// goSources lists the package's non-test Go files in dir.
func goSources(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

// fieldDocs reads the doc comment (or, failing that, the line comment) of
// every struct field declared in files, keyed "TypeName.FieldName".
// Anonymous struct types are keyed by the field that holds them.
func fieldDocs(files ...string) (map[string]string, error) {
	docs := map[string]string{}
	fset := token.NewFileSet()
	var walk func(owner string, st *ast.StructType)
	walk = func(owner string, st *ast.StructType) {
		for _, f := range st.Fields.List {
			text := f.Doc.Text()
			if text == "" {
				text = f.Comment.Text()
			}
			for _, n := range f.Names {
				docs[owner+"."+n.Name] = strings.Join(strings.Fields(text), " ")
				if inner, ok := f.Type.(*ast.StructType); ok {
					walk(owner+"."+n.Name, inner)
				}
			}
		}
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					walk(ts.Name.Name, st)
				}
			}
			return true
		})
	}
	return docs, nil
}

// configKey is one documented key: a leaf row, or an object that gets its
// own section.
type configKey struct {
	path, typ, def, doc string
	section             []configKey // set for objects and lists of objects
}

// renderConfigReference writes the reference for the config type of root,
// whose field values are the defaults. problems names every keyed field
// without a doc comment.
func renderConfigReference(root reflect.Value, docs map[string]string) (out []byte, problems []string) {
	keys := collectKeys(root, root.Type().Name(), "", docs, &problems)
	var b strings.Builder
	b.WriteString(configReferenceIntro)
	var section func(title, doc string, ks []configKey)
	section = func(title, doc string, ks []configKey) {
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if doc != "" {
			b.WriteString(doc + "\n\n")
		}
		b.WriteString("| Key | Type | Default | Description |\n|---|---|---|---|\n")
		for _, k := range ks {
			def := k.def
			if k.section != nil {
				def = fmt.Sprintf("see [%s](#%s)", k.path, anchorOf(k.path))
			}
			fmt.Fprintf(&b, "| `%s:%s` | %s | %s | %s |\n", configNamespace, k.path, k.typ, def, k.doc)
		}
		for _, k := range ks {
			if k.section != nil {
				section(k.path, "", k.section)
			}
		}
	}
	section("Top-level keys", "", keys)
	return []byte(b.String()), problems
}

const configReferenceIntro = `# Configuration reference

<!-- Generated from the config types and doc comments in infra/logsearch/config.go by
     ` + refreshConfigReference + `
     Do not edit by hand: a test fails when this file is stale. -->

Everything a stack needs is in its ` + "`Pulumi.<stack>.yaml`" + `: the keys below, in the
` + "`logsearch:`" + ` namespace, plus ` + "`aws:region`" + ` (required) and, for production stacks,
` + "`aws:allowedAccountIds`" + ` (see [Security model](security.md#one-account-per-production-stack)).
The program reads every key once, checks them all, and refuses to deploy anything if a key is
wrong, listing every problem with the key, the bad value and the fix. Every ` + "`logsearch:`" + ` key
in the stack file is checked: an unknown top-level key is refused naming the nearest valid key
(` + "`retentionDay`" + ` → did you mean ` + "`logsearch:retentionDays`" + `?), and a misspelt key inside an
object is refused too, naming the nearest setting written as it would stand in the stack file,
while the rest of the object is still checked, so no setting can quietly fall back to its
default. ` + "`go run ./infra/checkstack Pulumi.<stack>.yaml`" + ` runs the same checks offline and
lists every problem, then every warning.

Set a plain value with ` + "`pulumi config set`" + `, and a key inside an object with ` + "`--path`" + `:

` + "```sh" + `
pulumi config set --stack dev retentionDays 14
pulumi config set --stack dev --path domain.volumeSize 50
pulumi config set --stack dev --path 'dashboards.officeCidrs[0]' 203.0.113.0/24
pulumi config set --stack prod --path --secret dashboards.oidc.clientSecret '<value>'
` + "```" + `

A default of "none" means the key is empty unless you set it. Keys of a list of objects are
written ` + "`list[].key`" + `.
`

// collectKeys walks the struct v (type name owner) by its json tags.
func collectKeys(v reflect.Value, owner, prefix string, docs map[string]string, problems *[]string) []configKey {
	var keys []configKey
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			keys = append(keys, collectKeys(v.Field(i), f.Type.Name(), prefix, docs, problems)...)
			continue
		}
		name, typ := jsonKeyName(f)
		if name == "" {
			continue
		}
		path := prefix + name
		doc := docs[owner+"."+f.Name]
		if doc == "" {
			*problems = append(*problems, fmt.Sprintf("%s.%s (%s:%s) has no doc comment: write one above the field for the configuration reference (what it does, its default, the allowed values), then run %s", owner, f.Name, configNamespace, path, refreshConfigReference))
		}
		k := configKey{path: path, doc: userDoc(f.Name, name, doc)}
		switch elem := structOf(f.Type); {
		case typ != "":
			k.typ, k.def = typ, "none"
		case elem != nil && f.Type.Kind() == reflect.Slice:
			k.typ, k.def = "list of objects", defaultText(v.Field(i))
			k.section = collectKeys(reflect.New(*elem).Elem(), nestedOwner(*elem, owner, f.Name), path+"[].", docs, problems)
		case elem != nil:
			inner := reflect.New(*elem).Elem() // a pointer's default is its absence
			// Once given, an optional object fills its own defaults.
			if d, ok := inner.Addr().Interface().(interface{ applyDefaults() }); ok && f.Type.Kind() == reflect.Pointer {
				d.applyDefaults()
			}
			if f.Type.Kind() == reflect.Struct {
				inner = v.Field(i)
			}
			k.typ, k.section = "object", collectKeys(inner, nestedOwner(*elem, owner, f.Name), path+".", docs, problems)
		default:
			k.typ, k.def = typeText(f.Type), defaultText(v.Field(i))
			if computed, ok := f.Tag.Lookup("configdefault"); ok {
				k.def = computed
			}
		}
		keys = append(keys, k)
	}
	return keys
}

// A field whose default is computed from other keys (the zero value means
// "work it out") names that default for the reference with
// `configdefault:"<text>"`; the Default column shows the text instead of
// the zero value.

// jsonKeyName is the config key of f ("" when it is not a key), and a
// type override. A field that is read under another name than its json
// tag (a secret held as a Pulumi Output) says so with
// `configdoc:"<key>,<type>"`.
func jsonKeyName(f reflect.StructField) (name, typ string) {
	if tag, ok := f.Tag.Lookup("configdoc"); ok {
		name, typ, _ = strings.Cut(tag, ",")
		return name, typ
	}
	if !f.IsExported() {
		return "", ""
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", ""
	}
	if name, _, _ = strings.Cut(tag, ","); name == "" {
		name = f.Name
	}
	return name, ""
}

// structOf is the struct type a field holds directly, through a pointer or
// as list elements, if it is one of this package's config types.
func structOf(t reflect.Type) *reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || (t.Name() != "" && t.PkgPath() != reflect.TypeOf(Config{}).PkgPath()) {
		return nil
	}
	return &t
}

// nestedOwner is the doc key owner of a nested struct type: its name, or
// for an anonymous struct the field that declares it.
func nestedOwner(t reflect.Type, owner, field string) string {
	if t.Name() != "" {
		return t.Name()
	}
	return owner + "." + field
}

func typeText(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + typeText(t.Elem()) + "s"
	case reflect.Map:
		return "map of " + typeText(t.Key()) + " to " + typeText(t.Elem())
	case reflect.Pointer:
		return typeText(t.Elem())
	}
	return "object"
}

// defaultText shows a default as the user would write it in YAML/JSON.
func defaultText(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Pointer && v.IsNil(), v.Kind() == reflect.String && v.String() == "":
		return "none"
	case v.Kind() == reflect.Slice && v.Len() == 0:
		return "`[]`"
	}
	j, err := json.Marshal(v.Interface())
	if err != nil {
		return "`" + fmt.Sprint(v.Interface()) + "`"
	}
	return "`" + strings.Trim(string(j), `"`) + "`"
}

var docPageRef = regexp.MustCompile(`docs/([a-z-]+\.md)`)

// userDoc turns a Go doc comment into the reference's description: the Go
// name becomes the key, references to docs/ pages become links, and
// neither pipes nor <placeholders> can break the table.
func userDoc(goName, key, doc string) string {
	if rest, ok := strings.CutPrefix(doc, goName+" "); ok {
		doc = "`" + key + "` " + rest
	}
	doc = docPageRef.ReplaceAllString(doc, "[$1]($1)")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(doc)
}

// anchorOf is the GitHub anchor of a "## <path>" heading.
func anchorOf(path string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, path)
}
