package logsearch

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// subnetZones lists the availability zone of each private subnet, in order.
func subnetZones(t *testing.T, run *stackRun) []string {
	t.Helper()
	var zones []string
	for _, s := range run.ofType(rtSubnet) {
		if strings.HasPrefix(s.Name, "private-") {
			zones = append(zones, str(t, s.Inputs, "availabilityZone"))
		}
	}
	return zones
}

// TestNewVpcUsesOnlyOrdinaryZones: the region lists an opted-in Local Zone
// first; the VPC must never land in it (or in a Wavelength Zone).
func TestNewVpcUsesOnlyOrdinaryZones(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		m := &mocks{region: stackRegion(run)}
		ordinary := map[string]bool{}
		for _, z := range m.mockZones() {
			ordinary[z.name] = z.optIn == "opt-in-not-required" && !slices.Contains(constrainedZoneIDs, z.id)
		}
		zones := subnetZones(t, run)
		if len(zones) == 0 {
			t.Skip("stack uses an existing VPC")
		}
		for _, z := range zones {
			if !ordinary[z] {
				t.Errorf("a private subnet is in %s, which is not an ordinary (opt-in-not-required) zone or lacks current instance types", z)
			}
		}
	})
}

func TestZoneIDsPinTheZones(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, _ := stackConfig(t, stack)
			var network map[string]any
			if err := json.Unmarshal([]byte(cfg["logsearch:network"]), &network); err != nil || network["vpcId"] != nil {
				t.Skip("stack uses an existing VPC")
			}
			m := &mocks{region: cfg["aws:region"]}
			zs := m.mockZones()
			// the last ordinary zones, in reverse: order and choice both show
			want := []mockZone{zs[5], zs[3], zs[4]}
			n := map[string]any{}
			for k, v := range network {
				n[k] = v
			}
			delete(n, "azCount") // follows the list
			n["zoneIds"] = []string{want[0].id, want[1].id, want[2].id}
			b, _ := json.Marshal(n)
			run := mustRunStack(t, stack, map[string]string{"logsearch:network": string(b)})
			got := subnetZones(t, run)
			if len(got) != 3 || got[0] != want[0].name || got[1] != want[1].name || got[2] != want[2].name {
				t.Errorf("private subnets in %v, want %s, %s, %s", got, want[0].name, want[1].name, want[2].name)
			}

			n["zoneIds"] = []string{want[0].id, want[1].id, zs[0].id}
			b, _ = json.Marshal(n)
			if _, err := runStack(t, stack, map[string]string{"logsearch:network": string(b)}); err == nil || !strings.Contains(err.Error(), "not an ordinary availability zone ID") {
				t.Errorf("a Local Zone ID was accepted: %v", err)
			}
			n["zoneIds"] = []string{want[0].id, want[1].id, strings.Split(want[0].id, "-")[0] + "-az9"}
			b, _ = json.Marshal(n)
			if _, err := runStack(t, stack, map[string]string{"logsearch:network": string(b)}); err == nil || !strings.Contains(err.Error(), "is not an available ordinary zone in region") {
				t.Errorf("a zone the region lacks was accepted: %v", err)
			}
		})
	}
}

func TestZoneIDsRefusals(t *testing.T) {
	cases := []struct {
		name    string
		network map[string]any
		says    string
	}{
		{"count differs from azCount", map[string]any{"azCount": 3, "zoneIds": []string{"use1-az1", "use1-az2"}}, "lists 2 zone(s) but network.azCount is 3"},
		{"duplicate", map[string]any{"zoneIds": []string{"use1-az1", "use1-az1"}}, "listed twice"},
		{"zone name instead of ID", map[string]any{"zoneIds": []string{"us-east-1a", "us-east-1b"}}, "not an ordinary availability zone ID"},
		{"zone lacking current instance types", map[string]any{"zoneIds": []string{"use1-az3", "use1-az1"}}, "lacks current instance types"},
		{"existing VPC", map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-2"}, "zoneIds": []string{"use1-az1", "use1-az2"}}, "only pins the zones of a new VPC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{"network": to(c.network)}))
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("want %q, got %v", c.says, err)
			}
		})
	}
}
