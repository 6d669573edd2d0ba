package logsearch

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestAccountLookupsComeBeforeAnyResource: what only the account can
// answer (the hosted zone, the log groups, an existing VPC's ranges) is
// looked up before anything is registered and listed with every other
// problem. A lookup made while registering let pulumi up create what came
// before it (the stack's KMS key, which then waits 30 days to be deleted,
// the VPC, its VPN) and reported one problem per run.
func TestAccountLookupsComeBeforeAnyResource(t *testing.T) {
	zoneOf := func(t *testing.T, fixture string) string {
		cfg, _ := stackConfig(t, fixture)
		var dash struct {
			HostedZone string `json:"hostedZone"`
		}
		if err := json.Unmarshal([]byte(cfg["logsearch:dashboards"]), &dash); err != nil {
			t.Fatal(err)
		}
		return dash.HostedZone
	}
	for _, c := range []struct {
		name, fixture string
		overrides     func(t *testing.T) map[string]string
		problems      []string
	}{
		{"hosted zone missing", "dev", func(t *testing.T) map[string]string {
			return map[string]string{mockMissingHostedZonesKey: zoneOf(t, "dev")}
		}, []string{"logsearch:dashboards.hostedZone", "no public Route53 hosted zone of this name"}},
		{"hosted zone and a log group missing", "saml", func(t *testing.T) map[string]string {
			return map[string]string{
				mockMissingHostedZonesKey: zoneOf(t, "saml"),
				"logsearch:logGroups":     `[{"name": "/missing/app"}]`,
				mockMissingLogGroupsKey:   "/missing/app",
			}
		}, []string{"2 problem(s)", "logsearch:dashboards.hostedZone", "logsearch:logGroups[0].name"}},
		{"a zone the region lacks", "dev", func(t *testing.T) map[string]string {
			cfg, _ := stackConfig(t, "dev")
			var ordinary string
			for _, z := range (&mocks{region: regionOf(cfg)}).mockZones() {
				if z.optIn == "opt-in-not-required" && !slices.Contains(constrainedZoneIDs, z.id) && ordinary == "" {
					ordinary = z.id
				}
			}
			missing := strings.Split(ordinary, "-")[0] + "-az9"
			return map[string]string{
				"logsearch:network":       fixtureObject(t, "dev", "network", map[string]any{"zoneIds": []string{ordinary, missing}, "azCount": nil}),
				mockMissingHostedZonesKey: zoneOf(t, "dev"),
			}
		}, []string{"2 problem(s)", "logsearch:network.zoneIds: ", "is not an available ordinary zone in region", "logsearch:dashboards.hostedZone"}},
		{"existing VPC's range overlaps an office range", "existing", func(t *testing.T) map[string]string {
			// mockVpcCidrs[1] is the VPC's secondary range.
			return map[string]string{"logsearch:dashboards": fixtureObject(t, "existing", "dashboards", map[string]any{"officeCidrs": []string{"100.64.8.0/24"}})}
		}, []string{"logsearch:dashboards.officeCidrs[0]", "overlaps the VPC's range " + mockVpcCidrs[1]}},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, err := runStack(t, c.fixture, c.overrides(t))
			if err == nil {
				t.Fatal("want the stack refused")
			}
			for _, want := range c.problems {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q:\n%v", want, err)
				}
			}
			if n := len(run.Resources); n > 0 {
				var names []string
				for _, r := range run.Resources {
					names = append(names, r.Type+" "+r.Name)
				}
				t.Errorf("%d resources registered before the refusal: %v", n, names)
			}
		})
	}
}
