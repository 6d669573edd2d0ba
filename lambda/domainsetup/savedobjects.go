package domainsetup

import (
	"context"
	"encoding/json"
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
