package domainsetup

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
)

// landingDashboard writes the landing dashboard's objects, each after the
// ones it references, then makes it the page Dashboards opens with.
func (s *setup) landingDashboard() []func(context.Context) (Outcome, error) {
	var steps []func(context.Context) (Outcome, error)
	for _, o := range s.spec.LandingObjects() {
		steps = append(steps, s.savedObject(o))
	}
	return append(steps, s.uiSetting("Dashboards default route", "defaultRoute", s.spec.LandingRoute(), s.spec.DefaultRouteBody()))
}

// jsonValue reads a string that holds a JSON object or array (visState,
// panelsJSON, searchSourceJSON) as that JSON; anything else is returned as
// it is.
func jsonValue(v any) any {
	str, ok := v.(string)
	if !ok || (!strings.HasPrefix(str, "{") && !strings.HasPrefix(str, "[")) {
		return v
	}
	var out any
	if json.Unmarshal([]byte(str), &out) != nil {
		return v
	}
	return out
}

// covers reports whether current holds every value desired declares: maps
// may have more keys, arrays must have the same length and scalars be
// equal, after the canonical form same uses.
func covers(current, desired any) bool {
	return coversCanonical(canonical(roundTrip(current), nil), canonical(roundTrip(desired), nil))
}

func coversCanonical(current, desired any) bool {
	switch d := desired.(type) {
	case map[string]any:
		c, ok := current.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range d {
			if !coversCanonical(c[k], v) {
				return false
			}
		}
		return true
	case []any:
		c, ok := current.([]any)
		if !ok || len(c) != len(d) {
			return false
		}
		for i := range d {
			if !coversCanonical(c[i], d[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(current, desired)
	}
}
