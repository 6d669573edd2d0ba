package domainsetup

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// same reports whether the domain's current object already is the desired
// one. Both go through canonical first, which erases what the domain adds
// or reformats on its own (the keys in serverKeys, empty values, numbers
// and booleans returned as strings) but nothing either side declared.
func same(current, desired any, serverKeys ...string) bool {
	ignore := map[string]bool{}
	for _, k := range serverKeys {
		ignore[k] = true
	}
	return reflect.DeepEqual(canonical(roundTrip(current), ignore), canonical(roundTrip(desired), ignore))
}

// roundTrip gives Go values the shapes encoding/json decodes into.
func roundTrip(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func canonical(v any, ignore map[string]bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if ignore[k] {
				continue
			}
			if c := canonical(e, ignore); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = canonical(e, ignore)
		}
		return out
	case string:
		if t == "" {
			return nil
		}
		return t
	case nil:
		return nil
	default: // float64, bool: OpenSearch returns settings as strings
		return fmt.Sprint(t)
	}
}
