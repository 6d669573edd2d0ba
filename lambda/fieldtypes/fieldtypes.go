// Package fieldtypes is the one list of field types a stack may declare for
// its log fields. The stack config validates against it, the ingest function
// coerces values by it and the domain setup maps indices by it, so the three
// can never disagree about what "long" or "ip" means.
package fieldtypes

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Type is an OpenSearch field type that a log field can be declared as.
type Type string

// The declarable types. Their names are OpenSearch's mapping type names.
const (
	Keyword Type = "keyword"
	Text    Type = "text"
	Long    Type = "long"
	Integer Type = "integer"
	Float   Type = "float"
	Double  Type = "double"
	Boolean Type = "boolean"
	Date    Type = "date"
	IP      Type = "ip"
)

// All lists every declarable type, in a stable order for messages and docs.
var All = []Type{Keyword, Text, Long, Integer, Float, Double, Boolean, Date, IP}

// Parse returns the Type named s, or an error that lists the valid names.
func Parse(s string) (Type, error) {
	for _, t := range All {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown field type %q: use one of %s", s, Names())
}

// Names is the comma-separated list of valid type names.
func Names() string {
	names := make([]string, len(All))
	for i, t := range All {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Map is a field name to type declaration.
type Map map[string]Type

// ParseMap validates a field name to type-name map. It reports every bad
// entry at once, sorted by field name, so one fix round suffices.
func ParseMap(in map[string]string) (Map, []error) {
	out := make(Map, len(in))
	var errs []error
	fields := make([]string, 0, len(in))
	for f := range in {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, fmt.Errorf("field name is empty: remove the entry or name the field"))
			continue
		}
		t, err := Parse(in[f])
		if err != nil {
			errs = append(errs, fmt.Errorf("field %q: %w", f, err))
			continue
		}
		out[f] = t
	}
	return out, errs
}

// DecodeJSON parses the FIELD_TYPES form: a JSON object of field name to
// type name. An empty string is an empty map.
func DecodeJSON(s string) (Map, []error) {
	if strings.TrimSpace(s) == "" {
		return Map{}, nil
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, []error{fmt.Errorf("not a JSON object of field name to type name (e.g. {\"status\":\"integer\"}): %w", err)}
	}
	return ParseMap(raw)
}

// EncodeJSON is the canonical FIELD_TYPES form: keys sorted, no spaces, so
// that the same declaration always yields the same bytes (and no spurious
// Pulumi diff).
func (m Map) EncodeJSON() string {
	b, err := json.Marshal(m) // encoding/json sorts map keys
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
}
