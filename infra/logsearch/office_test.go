package logsearch

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// fixtureRun deploys the office fixture stack under the mocks.
func fixtureRun(t *testing.T, stack string, overrides map[string]string) (*stackRun, error) {
	t.Helper()
	return runStack(t, stack, overrides)
}

// fixtureObject is the fixture's logsearch:<key> object with changes
// applied (nil deletes a field), JSON-encoded as an override.
func fixtureObject(t *testing.T, stack, key string, changes map[string]any) string {
	t.Helper()
	cfg, _ := stackConfig(t, stack)
	obj := map[string]any{}
	if err := json.Unmarshal([]byte(cfg["logsearch:"+key]), &obj); err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReachabilityFindsEveryMissingPiece: the analysis is no rubber
// stamp. Each row removes or breaks one piece of a fixture's path and the
// analysis must name what is missing.
func TestReachabilityFindsEveryMissingPiece(t *testing.T) {
	cases := []struct {
		name, stack string
		edit        func(run *stackRun)
		says        string
	}{
		{"no route to the transit gateway", "tgw", dropType(rtRoute), "has no route to"},
		{"no transit gateway attachment", "tgw", dropType(rtTgwAttachment), "no attachment"},
		{"attachment missing an AZ", "tgw", func(run *stackRun) {
			editInput(run, rtTgwAttachment, "subnetIds", func(v any) any { return v.([]any)[:1] })
		}, "has no subnet in"},
		{"route not waiting for the attachment", "tgw", func(run *stackRun) {
			for i, r := range run.Resources {
				if r.Type == rtRoute {
					run.Resources[i].Dependencies = nil
				}
			}
		}, "does not wait for attachment"},
		{"no route propagation", "vpn-static", dropType(rtVpnPropagate), "has no route to"},
		{"no static VPN route", "vpn-static", dropType(rtVpnRoute), "none of its static routes covers"},
		{"virtual private gateway detached", "vpn-bgp", func(run *stackRun) {
			editInput(run, rtVpnGateway, "vpcId", func(any) any { return "vpc-other" })
		}, "is not attached to VPC"},
		{"no VPN connection", "vpn-bgp", dropType(rtVpnConnection), "has no route to"},
		{"security group admits no office", "vpn-bgp", dropType(rtIngress), "admits"},
		{"load balancer not internal", "vpn-bgp", func(run *stackRun) {
			editInput(run, rtLoadBalance, "internal", func(any) any { return false })
		}, "is not internal"},
		{"a network ACL appears", "tgw", func(run *stackRun) {
			run.Resources = append(run.Resources, registered{Type: naclTypes[0], Name: "acl"})
		}, "not modelled"},
		{"a more specific route elsewhere", "tgw", func(run *stackRun) {
			nat := run.ofType(rtRoute)[0]
			nat.Inputs = nat.Inputs.Copy()
			nat.Inputs["destinationCidrBlock"] = resource.NewStringProperty("10.9.0.0/16")
			delete(nat.Inputs, "transitGatewayId")
			run.Resources = append(run.Resources, nat)
		}, "elsewhere"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, err := fixtureRun(t, c.stack, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := parseConfig(c.stack, mapSource{values: run.Config})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range officeReachability(t, run, cfg.Dashboards.OfficeCidrs) {
				if len(p.missing) > 0 {
					t.Fatalf("before the edit, %s has no path: %v", p.cidr, p.missing)
				}
			}
			c.edit(run)
			found := false
			for _, p := range officeReachability(t, run, cfg.Dashboards.OfficeCidrs) {
				if strings.Contains(strings.Join(p.missing, "; "), c.says) {
					found = true
				}
			}
			if !found {
				t.Errorf("after the edit no office range is reported as %q: %+v", c.says, officeReachability(t, run, cfg.Dashboards.OfficeCidrs))
			}
		})
	}
}

// TestStacksWithNoPathAreRefused: every config that would leave an office
// range without a path is refused before anything is created, naming the
// key and the fix.
func TestStacksWithNoPathAreRefused(t *testing.T) {
	cases := []struct {
		name, stack string
		overrides   func(t *testing.T) map[string]string
		key, says   string
	}{
		{"new VPC without a way in", "tgw", network("tgw", map[string]any{"transitGatewayId": nil}),
			"logsearch:network", "network.officeVpn.routerIp"},
		{"office range overlaps a new VPC", "vpn-bgp", dashboards("vpn-bgp", map[string]any{"officeCidrs": []string{"10.61.8.0/24"}}),
			"logsearch:dashboards.officeCidrs[0]", "network.vpcCidr disjoint"},
		{"office range overlaps an existing VPC", "existing", dashboards("existing", map[string]any{"officeCidrs": []string{mockVpcCidrs[1]}}),
			"logsearch:dashboards.officeCidrs[0]", "disjoint"},
		{"static routes miss an office range", "vpn-static", dashboards("vpn-static", map[string]any{"officeCidrs": []string{"10.1.0.0/16", "10.99.0.0/16"}}),
			"logsearch:dashboards.officeCidrs[1]", "add it to staticRoutes"},
		{"static routes with BGP", "vpn-bgp", network("vpn-bgp", map[string]any{"officeVpn": map[string]any{"routerIp": "198.51.100.77", "bgpAsn": 65010, "staticRoutes": []string{"192.168.0.0/16"}}}),
			"logsearch:network.officeVpn.staticRoutes", "remove staticRoutes"},
		{"router ASN equals the gateway's", "vpn-bgp", network("vpn-bgp", map[string]any{"officeVpn": map[string]any{"routerIp": "198.51.100.77", "bgpAsn": 64512}}),
			"logsearch:network.officeVpn.bgpAsn", "another one"},
		{"router ASN out of range", "vpn-bgp", network("vpn-bgp", map[string]any{"officeVpn": map[string]any{"routerIp": "198.51.100.77", "bgpAsn": 4294967295}}),
			"logsearch:network.officeVpn.bgpAsn", "1 to 4294967294"},
		{"router IP private", "vpn-static", network("vpn-static", map[string]any{"officeVpn": map[string]any{"routerIp": "192.168.1.1"}}),
			"logsearch:network.officeVpn.routerIp", "public IPv4 address"},
		{"router IP missing", "vpn-static", network("vpn-static", map[string]any{"officeVpn": map[string]any{}}),
			"logsearch:network.officeVpn.routerIp", "required"},
		{"both ways in", "tgw", network("tgw", map[string]any{"officeVpn": map[string]any{"routerIp": "198.51.100.77"}}),
			"logsearch:network.officeVpn", "choose one way in"},
		{"transit gateway ID malformed", "tgw", network("tgw", map[string]any{"transitGatewayId": "tgw-xyz"}),
			"logsearch:network.transitGatewayId", "tgw-0123456789abcdef0"},
		{"transit gateway with an existing VPC", "existing", network("existing", map[string]any{"transitGatewayId": "tgw-0a1b2c3d4e5f60718"}),
			"logsearch:network.transitGatewayId", "only for a new VPC"},
		{"VPN with an existing VPC", "existing", network("existing", map[string]any{"officeVpn": map[string]any{"routerIp": "198.51.100.77"}}),
			"logsearch:network.officeVpn", "only for a new VPC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, err := fixtureRun(t, c.stack, c.overrides(t))
			if err == nil {
				t.Fatalf("deployed; want %s refused", c.key)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.key) || !strings.Contains(msg, c.says) {
				t.Errorf("want %s refused saying %q, got: %v", c.key, c.says, err)
			}
			for _, typ := range []string{rtVpc, rtVpnConnection, rtTgwAttachment} {
				if n := len(run.ofType(typ)); n > 0 {
					t.Errorf("%d %s registered before the refusal", n, typ)
				}
			}
		})
	}
}

func network(stack string, changes map[string]any) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		return map[string]string{"logsearch:network": fixtureObject(t, stack, "network", changes)}
	}
}

func dashboards(stack string, changes map[string]any) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		return map[string]string{"logsearch:dashboards": fixtureObject(t, stack, "dashboards", changes)}
	}
}

// TestOfficeVpnGivesTheRouterWhatItNeeds: the VPN's outputs carry both
// tunnels' outside and inside addresses and the gateway's ASN in the
// open, the pre-shared keys only as a secret output; static routing
// routes exactly the static routes, BGP none.
func TestOfficeVpnGivesTheRouterWhatItNeeds(t *testing.T) {
	for _, stack := range []string{"vpn-static", "vpn-bgp"} {
		t.Run(stack, func(t *testing.T) {
			run, err := fixtureRun(t, stack, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := parseConfig(stack, mapSource{values: run.Config})
			if err != nil {
				t.Fatal(err)
			}
			settings, _ := run.Outputs["officeVpn"].(map[string]any)
			for _, k := range []string{"tunnel1Address", "tunnel2Address", "tunnel1CgwInsideAddress", "tunnel1VgwInsideAddress", "tunnel2CgwInsideAddress", "tunnel2VgwInsideAddress", "amazonSideAsn", "vpnConnectionId", "officeRouterIp"} {
				if s, _ := settings[k].(string); s == "" {
					t.Errorf("officeVpn.%s is empty (%v)", k, settings)
				}
			}
			if run.SecretOutputs["officeVpn"] {
				t.Error("officeVpn is secret: the router's addresses should be readable without --show-secrets")
			}
			if strings.Contains(jsonOf(t, run.Outputs["officeVpn"]), mockPresharedKey) {
				t.Error("a pre-shared key is in the open officeVpn output")
			}
			keys, _ := run.Outputs["officeVpnPresharedKeys"].(map[string]any)
			psk, _ := keys["tunnel1PresharedKey"].(string)
			if !run.SecretOutputs["officeVpnPresharedKeys"] || !strings.HasPrefix(psk, mockPresharedKey) {
				t.Errorf("officeVpnPresharedKeys must be a secret output holding the keys (secret %v)", run.SecretOutputs["officeVpnPresharedKeys"])
			}
			conn := run.one(t, rtVpnConnection, "office-vpn")
			static := cfg.Network.OfficeVpn.BgpAsn == 0
			if get(t, conn.Inputs, "staticRoutesOnly") != static {
				t.Errorf("staticRoutesOnly %v with bgpAsn %d", get(t, conn.Inputs, "staticRoutesOnly"), cfg.Network.OfficeVpn.BgpAsn)
			}
			var routed []string
			for _, r := range run.ofType(rtVpnRoute) {
				routed = append(routed, str(t, r.Inputs, "destinationCidrBlock"))
			}
			var want []string
			if static {
				want = cfg.Network.OfficeVpn.vpnRoutes(cfg.Dashboards.OfficeCidrs)
			}
			if !slices.Equal(routed, want) {
				t.Errorf("VPN static routes %v, want %v", routed, want)
			}
			cgw := run.one(t, rtCustomerGw, "office-router")
			if get(t, cgw.Inputs, "type") != "ipsec.1" || str(t, cgw.Inputs, "ipAddress") != cfg.Network.OfficeVpn.RouterIP {
				t.Errorf("customer gateway %v", cgw.Inputs)
			}
			if _, ok := lookup(cgw.Inputs, "bgpAsn"); ok == static {
				t.Errorf("customer gateway bgpAsn set %v with static routing %v", ok, static)
			}
		})
	}
}

// TestOfficeVpnDeviceNamesDiffer: two LogSearch instances (or two stacks)
// on one office router each get their own customer gateway, never AWS's
// answer of an existing one for an identical request.
func TestOfficeVpnDeviceNamesDiffer(t *testing.T) {
	run := runTwoInstances(t, "vpn-static", DefaultName, "second", nil, nil)
	var names []string
	for _, c := range run.ofType(rtCustomerGw) {
		names = append(names, str(t, c.Inputs, "deviceName"))
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Errorf("customer gateway device names %v, want two different ones", names)
	}
	other := *mustConfig(t, "vpn-static")
	other.Stack = "vpn-static2"
	if a, b := mustConfig(t, "vpn-static").officeRouterDeviceName(), other.officeRouterDeviceName(); a == b {
		t.Errorf("stacks vpn-static and vpn-static2 share the device name %s", a)
	}
}

func mustConfig(t *testing.T, stack string) *Config {
	t.Helper()
	cfg, _ := stackConfig(t, stack)
	c, err := parseConfig(stack, mapSource{values: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPublicOfficeRangesWarn: a public office range deploys with a warning
// naming it; a private one gives none.
func TestPublicOfficeRangesWarn(t *testing.T) {
	for _, c := range []struct {
		cidr string
		warn bool
	}{{"203.0.113.0/24", true}, {"8.8.8.0/24", true}, {"10.1.0.0/16", false}, {"172.16.0.0/12", false}, {"192.168.4.0/22", false}, {"100.64.1.0/24", false}, {"172.15.0.0/16", true}} {
		cfg := Config{Dashboards: DashboardsConfig{OfficeCidrs: []string{c.cidr}}}
		ws := strings.Join(cfg.officeWarnings(), "\n")
		if got := strings.Contains(ws, c.cidr+" is a public range"); got != c.warn {
			t.Errorf("%s: warning %v, want %v (%q)", c.cidr, got, c.warn, ws)
		}
	}
}

func dropType(typ string) func(run *stackRun) {
	return func(run *stackRun) {
		run.Resources = slices.DeleteFunc(run.Resources, func(r registered) bool { return r.Type == typ })
	}
}

// editInput changes one input of every resource of type typ.
func editInput(run *stackRun, typ, key string, change func(any) any) {
	for i, r := range run.Resources {
		if r.Type != typ {
			continue
		}
		in := r.Inputs.Copy()
		in[resource.PropertyKey(key)] = resource.NewPropertyValue(change(plainValue(r.Inputs[resource.PropertyKey(key)])))
		run.Resources[i].Inputs = in
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOfficeRangesAreTakenOnceAndAsMeant: each office range and static
// route becomes one security-group rule per port and one route; AWS
// refuses a second rule for the same range ("InvalidPermission.Duplicate")
// and a second route for the same destination ("RouteAlreadyExists"), EC2
// API reference, "Error codes",
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
// only in pulumi up. White space around a quoted range is no part of it:
// it is dropped before the range is checked (an overlap with the VPC
// included) and used.
func TestOfficeRangesAreTakenOnceAndAsMeant(t *testing.T) {
	cases := []struct {
		name, stack string
		key         string
		changes     map[string]any
		refused     string // the problem's key and text; "" when the stack deploys
	}{
		{"office range listed twice", "tgw", "dashboards",
			map[string]any{"officeCidrs": []string{"10.8.0.0/14", "172.20.0.0/16", "10.8.0.0/14"}},
			"logsearch:dashboards.officeCidrs[2] = \"10.8.0.0/14\": is already listed as dashboards.officeCidrs[0]"},
		{"static route listed twice", "vpn-static", "network",
			map[string]any{"officeVpn": map[string]any{"routerIp": "203.0.113.10", "staticRoutes": []string{"10.0.0.0/12", "10.0.0.0/12"}}},
			"logsearch:network.officeVpn.staticRoutes[1] = \"10.0.0.0/12\": is already listed as network.officeVpn.staticRoutes[0]"},
		{"padded range overlapping the VPC", "tgw", "dashboards",
			map[string]any{"officeCidrs": []string{" 172.31.8.0/24"}},
			"logsearch:dashboards.officeCidrs[0] = \"172.31.8.0/24\": overlaps the VPC's range 172.31.0.0/16"},
		{"padded range", "tgw", "dashboards", map[string]any{"officeCidrs": []string{"10.99.0.0/16 "}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, err := fixtureRun(t, c.stack, map[string]string{"logsearch:" + c.key: fixtureObject(t, c.stack, c.key, c.changes)})
			if c.refused != "" {
				if err == nil || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("want the config refused with %q, got %v", c.refused, err)
				}
				if n := len(run.Resources); n > 0 {
					t.Errorf("a refused config registered %d resources", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range run.ofType(rtIngress) {
				if v, ok := lookup(r.Inputs, "cidrIpv4"); ok && v != "10.99.0.0/16" {
					t.Errorf("rule %s admits %q, want 10.99.0.0/16", r.Name, v)
				}
			}
			for _, r := range run.ofType(rtRoute) {
				if _, toOffice := lookup(r.Inputs, "transitGatewayId"); !toOffice {
					continue // the NAT gateway's default route
				}
				if v := str(t, r.Inputs, "destinationCidrBlock"); v != "10.99.0.0/16" {
					t.Errorf("route %s to %q, want 10.99.0.0/16", r.Name, v)
				}
			}
		})
	}
}
