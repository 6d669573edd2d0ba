package fakeopensearch

import (
	"path"
	"strings"
)

// filterPath trims a response the way OpenSearch's filter_path parameter
// does: comma-separated dotted paths whose segments may be globs ("*"),
// arrays are transparent (each element is filtered), and an object or
// array element left with no field is dropped, so a path that keeps
// nothing of a bulk item removes the item from "items" altogether. A
// client that filters too much loses the positions it needs, and this
// fake shows it. An empty filter keeps everything.
// https://docs.opensearch.org/latest/api-reference/common-parameters/
func filterPath(v any, filter string) any {
	if filter == "" {
		return v
	}
	var paths [][]string
	for _, p := range strings.Split(filter, ",") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, strings.Split(p, "."))
		}
	}
	if out := filterValue(v, paths); out != nil {
		return out
	}
	return map[string]any{}
}

// filterValue keeps the parts of v that paths reach; nil when none.
func filterValue(v any, paths [][]string) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range t {
			var rest [][]string
			whole := false
			for _, p := range paths {
				if ok, _ := path.Match(p[0], k); !ok {
					continue
				}
				if len(p) == 1 {
					whole = true
					break
				}
				rest = append(rest, p[1:])
			}
			switch {
			case whole:
				out[k] = child
			case rest != nil:
				if kept := filterValue(child, rest); kept != nil {
					out[k] = kept
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []map[string]any:
		return filterElements(len(t), func(i int) any { return t[i] }, paths)
	case []any:
		return filterElements(len(t), func(i int) any { return t[i] }, paths)
	default:
		return nil // a scalar where the path goes deeper
	}
}

func filterElements(n int, at func(int) any, paths [][]string) any {
	var out []any
	for i := range n {
		if kept := filterValue(at(i), paths); kept != nil {
			out = append(out, kept)
		}
	}
	if out == nil {
		return nil
	}
	return out
}
