package logsearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// secretPlaceholder stands for a value that must not be shown.
const secretPlaceholder = "[secret]"

// keyChecker walks one config object's value alongside the Go type it
// decodes into, so that a misspelt or mistyped nested key is reported on
// its own and the rest of the object is still read and checked: before,
// one unknown key made the whole object unreadable and hid its other
// problems.
type keyChecker struct {
	ps *problems
	// hidden are the keys whose written value could not be taken (a
	// misspelt key's nearest setting, a mistyped value): their checks
	// would judge the default, not what the user wrote.
	hidden []string
	// secret: the object is stored encrypted; no value of it is shown.
	secret bool
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// check reports what in v (decoded with UseNumber) does not fit t; path
// is the key without the logsearch: namespace (domain.shards,
// logGroups[0].name).
func (k *keyChecker) check(path string, v any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return // null: the default
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		b, _ := json.Marshal(v)
		if err := json.Unmarshal(b, reflect.New(t).Interface()); err != nil {
			k.mistyped(path, v, err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			k.mistyped(path, v, "must be a block of keys (an object)")
			return
		}
		fields := jsonFields(t)
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		keys := make([]string, 0, len(m))
		for key := range m {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			name := matchField(key, names)
			if name == "" {
				k.unknown(path, key, m[key], names)
				continue
			}
			k.check(path+"."+name, m[key], fields[name])
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			k.mistyped(path, v, "must be a list")
			return
		}
		for i, e := range list {
			k.check(fmt.Sprintf("%s[%d]", path, i), e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			k.mistyped(path, v, "must be a block of keys (a map)")
			return
		}
		for key, e := range m {
			k.check(path+"."+key, e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			k.mistyped(path, v, "must be text")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			k.mistyped(path, v, "must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := v.(json.Number); !ok || !isWholeNumber(n) {
			k.mistyped(path, v, "must be a whole number")
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			k.mistyped(path, v, "must be a number")
		}
	}
}

func isWholeNumber(n json.Number) bool {
	_, err := n.Int64()
	return err == nil
}

// jsonFields maps the json names of t's fields to their types, with the
// fields of embedded structs as encoding/json sees them (an outer field
// wins over an embedded one of the same name).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			embedded = append(embedded, f.Type)
			continue
		}
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		out[name] = f.Type
	}
	for _, e := range embedded {
		for n, ft := range jsonFields(e) {
			if _, taken := out[n]; !taken {
				out[n] = ft
			}
		}
	}
	return out
}

// matchField is the field name key selects: exactly, or ignoring case as
// encoding/json does; "" for none.
func matchField(key string, names []string) string {
	for _, n := range names {
		if n == key {
			return n
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return n
		}
	}
	return ""
}

func (k *keyChecker) shown(v any) any {
	if k.secret {
		return secretPlaceholder
	}
	return v
}

func (k *keyChecker) mistyped(path string, v any, want string) {
	k.hidden = append(k.hidden, path)
	b, _ := json.Marshal(k.shown(v))
	k.ps.add(path, "", "%s; it is %s", want, b)
}

// unknown reports a key that is not a setting of the object at path, with
// the nearest setting written out as it would stand in the stack file.
func (k *keyChecker) unknown(path, key string, v any, names []string) {
	near := nearestKey(key, names)
	if near == "" {
		k.ps.add(path+"."+key, "", "is not a setting of %s:%s; its settings are %s (docs/configuration.md)", configNamespace, path, strings.Join(names, ", "))
		return
	}
	k.hidden = append(k.hidden, path+"."+near)
	k.ps.add(path+"."+key, "", "is not a setting of %s:%s. Did you mean %s? In the stack file:\n%s", configNamespace, path, near, yamlExample(path+"."+near, k.shown(v)))
}

// yamlExample writes value at path (domain.shards, logGroups[0].name) as
// it stands in Pulumi.<stack>.yaml, indented to sit under a problem line.
func yamlExample(path string, value any) string {
	segments := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })
	v := value
	for i := len(segments) - 1; i >= 1; i-- {
		if strings.HasSuffix(segments[i], "]") {
			v = []any{v}
		} else {
			v = map[string]any{segments[i]: v}
		}
	}
	top := segments[0]
	if i := strings.IndexByte(top, ']'); i >= 0 {
		top = top[:i]
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	_ = enc.Encode(map[string]any{configNamespace + ":" + top: yamlValue(v)})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return "        " + strings.Join(lines, "\n        ")
}

// yamlValue turns json.Numbers back into numbers, so they are written
// unquoted.
func yamlValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlValue(e)
		}
		return out
	}
	return v
}

// checkObjectKeys reports the unknown and mistyped keys of the config
// object logsearch:<key> (raw JSON) against into's type, and returns the
// keys whose value was not taken.
func checkObjectKeys(key, raw string, t reflect.Type, secret bool, ps *problems) (hidden []string, ok bool) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	k := &keyChecker{ps: ps, secret: secret}
	k.check(key, v, t)
	return k.hidden, true
}

// isHidden reports whether a problem's full key is, or lies under, one of
// the hidden keys.
func isHidden(full string, hidden []string) bool {
	name := strings.TrimPrefix(full, configNamespace+":")
	for _, h := range hidden {
		if name == h || strings.HasPrefix(name, h+".") || strings.HasPrefix(name, h+"[") {
			return true
		}
	}
	return false
}
