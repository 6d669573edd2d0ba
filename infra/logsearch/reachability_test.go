package logsearch

// The offline reachability test: for a stack's registered resource graph,
// a path from every office range to the internal load balancer's HTTPS
// listener, through the route tables of the load balancer's subnets
// (routes to a transit gateway, routes a virtual private gateway
// propagates), the attachments behind them, network ACLs and the load
// balancer's security groups. It is the offline counterpart of VPC
// Reachability Analyzer, and like it judges only what the graph holds:
// outside it are the transit gateway's route tables, the office router's
// BGP announcements, and an existing VPC's routing (docs/office-access.md
// lists what they must provide); each path says which of these it relies on.

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	rtRoute         = "aws:ec2/route:Route"
	rtTgwAttachment = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
	rtCustomerGw    = "aws:ec2/customerGateway:CustomerGateway"
	rtVpnGateway    = "aws:ec2/vpnGateway:VpnGateway"
	rtVpnConnection = "aws:ec2/vpnConnection:VpnConnection"
	rtVpnRoute      = "aws:ec2/vpnConnectionRoute:VpnConnectionRoute"
	rtVpnPropagate  = "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"
	rtListener      = "aws:lb/listener:Listener"
)

// naclTypes are the network ACL resources; the analysis does not model
// their rules, so a graph holding any is reported rather than passed.
var naclTypes = []string{"aws:ec2/networkAcl:NetworkAcl", "aws:ec2/networkAclRule:NetworkAclRule", "aws:ec2/networkAclAssociation:NetworkAclAssociation", "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"}

// officePath is one office range's way to the listener, hop by hop, or
// why there is none.
type officePath struct {
	cidr    string
	hops    []string
	missing []string
}

// officeReachability computes the path of every office range to every
// internal load balancer's HTTPS listener in run.
func officeReachability(t *testing.T, run *stackRun, officeCidrs []string) []officePath {
	t.Helper()
	g := reachGraph{t: t, run: run}
	var out []officePath
	albs := run.ofType(rtLoadBalance)
	for _, cidr := range officeCidrs {
		p := officePath{cidr: cidr}
		office, err := netip.ParsePrefix(cidr)
		if err != nil {
			p.missing = append(p.missing, "not a CIDR")
			out = append(out, p)
			continue
		}
		if len(albs) == 0 {
			p.missing = append(p.missing, "no load balancer in the graph")
		}
		for _, alb := range albs {
			g.pathTo(&p, office, alb)
		}
		out = append(out, p)
	}
	return out
}

type reachGraph struct {
	t   *testing.T
	run *stackRun
}

func (g reachGraph) inputString(r registered, path string) string {
	v, _ := lookup(r.Inputs, path)
	s, _ := v.(string)
	return s
}

func (g reachGraph) inputStrings(r registered, path string) []string {
	v, ok := lookup(r.Inputs, path)
	if !ok || v == nil {
		return nil
	}
	return asStrings(g.t, v)
}

// pathTo adds alb's leg of p: listener, security group, then the way back
// from each of its subnets (the load balancer has a node in every one, and
// DNS hands out all of them).
func (g reachGraph) pathTo(p *officePath, office netip.Prefix, alb registered) {
	miss := func(format string, a ...any) { p.missing = append(p.missing, fmt.Sprintf(format, a...)) }
	if v, _ := lookup(alb.Inputs, "internal"); v != true {
		miss("load balancer %s is not internal", alb.Name)
		return
	}
	listener := false
	for _, l := range g.run.ofType(rtListener) {
		if g.inputString(l, "loadBalancerArn") == alb.ID && fmt.Sprint(get(g.t, l.Inputs, "port")) == fmt.Sprint(httpsPort) {
			listener = true
		}
	}
	if !listener {
		miss("load balancer %s has no listener on %d", alb.Name, httpsPort)
		return
	}
	groups := g.inputStrings(alb, "securityGroups")
	admitted := ""
	for _, r := range rulesOf(g.t, g.run, rtIngress) {
		if !slices.Contains(groups, r.group) || r.cidr == "" || (r.protocol != "tcp" && r.protocol != "-1") {
			continue
		}
		if c, err := netip.ParsePrefix(r.cidr); err == nil && coveredBy(office, []netip.Prefix{c}) && (r.protocol == "-1" || (r.from <= httpsPort && httpsPort <= r.to)) {
			admitted = r.name
		}
	}
	if admitted == "" {
		miss("no ingress rule of the load balancer's security groups %v admits %s on TCP %d", groups, office, httpsPort)
		return
	}
	p.hops = append(p.hops, fmt.Sprintf("security group rule %s admits %s on %d to listener of %s", admitted, office, httpsPort, alb.Name))
	for _, typ := range naclTypes {
		if n := len(g.run.ofType(typ)); n > 0 {
			miss("%d %s in the graph: network ACL rules are not modelled here; extend the analysis before relying on it", n, typ)
		}
	}
	for _, subnetID := range g.inputStrings(alb, "subnets") {
		g.wayBack(p, office, subnetID)
	}
}

// wayBack checks that the answer from a load balancer node in subnetID
// goes back to the office: the subnet's route table's most specific route
// for the office range leads to a transit gateway the VPC is attached to
// in the subnet's AZ, or to a virtual private gateway whose VPN carries
// the range. Requests come in the same way (a transit gateway or VPN
// delivers them to the VPC, whose local route reaches every subnet).
func (g reachGraph) wayBack(p *officePath, office netip.Prefix, subnetID string) {
	miss := func(format string, a ...any) { p.missing = append(p.missing, fmt.Sprintf(format, a...)) }
	subnet := findByID(g.run, rtSubnet, subnetID)
	if subnet == nil {
		p.hops = append(p.hops, fmt.Sprintf("subnet %s of an existing VPC: its routing is outside this stack (docs/office-access.md says what it must provide)", subnetID))
		return
	}
	vpcID := g.inputString(*subnet, "vpcId")
	vpc := findByID(g.run, rtVpc, vpcID)
	if vpc == nil {
		miss("subnet %s: its VPC %s is not in the graph", subnet.Name, vpcID)
		return
	}
	if local, err := netip.ParsePrefix(g.inputString(*vpc, "cidrBlock")); err == nil && local.Overlaps(office) {
		miss("%s overlaps the VPC range %s, whose local route wins over any route to the office", office, local)
		return
	}
	table := ""
	for _, a := range g.run.ofType(rtRouteTableA) {
		if g.inputString(a, "subnetId") == subnetID {
			table = g.inputString(a, "routeTableId")
		}
	}
	if table == "" {
		table, _ = plainValue(vpc.Outputs["mainRouteTableId"]).(string)
	}
	zone := g.inputString(*subnet, "availabilityZone")

	// Candidate routes for the office range: static routes and the
	// routes virtual private gateways propagate into the table.
	type candidate struct {
		dest   netip.Prefix
		static bool
		via    string // how the route leads on; "" for a target that is not the office
		lacks  string
	}
	var cands []candidate
	for _, r := range g.run.ofType(rtRoute) {
		if g.inputString(r, "routeTableId") != table {
			continue
		}
		dest, err := netip.ParsePrefix(g.inputString(r, "destinationCidrBlock"))
		if err != nil || !dest.Overlaps(office) {
			continue
		}
		c := candidate{dest: dest, static: true}
		switch tgw, gw := g.inputString(r, "transitGatewayId"), g.inputString(r, "gatewayId"); {
		case tgw != "":
			c.via, c.lacks = g.throughTransitGateway(tgw, vpcID, zone, r)
		case strings.HasPrefix(gw, "vgw-"):
			c.via, c.lacks = g.throughVpn(gw, vpcID, office)
		}
		cands = append(cands, c)
	}
	for _, prop := range g.run.ofType(rtVpnPropagate) {
		if g.inputString(prop, "routeTableId") != table {
			continue
		}
		vgw := g.inputString(prop, "vpnGatewayId")
		via, lacks := g.throughVpn(vgw, vpcID, office)
		if via == "" && lacks == "" {
			continue // propagates nothing for this range
		}
		cands = append(cands, candidate{dest: office, via: "propagated from " + via, lacks: lacks})
	}
	// Longest prefix wins; at equal length a static route wins over a
	// propagated one (https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html).
	// A more specific route inside the range takes part of it elsewhere.
	var best *candidate
	for i := range cands {
		c := &cands[i]
		if c.dest.Bits() > office.Bits() {
			if c.via == "" {
				miss("route table %s sends %s, part of %s, elsewhere", table, c.dest, office)
			}
			continue
		}
		if !c.dest.Contains(office.Addr()) {
			continue
		}
		if best == nil || c.dest.Bits() > best.dest.Bits() || (c.dest.Bits() == best.dest.Bits() && c.static && !best.static) {
			best = c
		}
	}
	switch {
	case best == nil:
		miss("route table %s of subnet %s has no route to %s", table, subnet.Name, office)
	case best.lacks != "":
		miss("subnet %s: %s", subnet.Name, best.lacks)
	case best.via == "":
		miss("route table %s sends %s to something other than the office's way in", table, office)
	default:
		p.hops = append(p.hops, fmt.Sprintf("subnet %s (%s): route table %s, %s -> %s", subnet.Name, zone, table, best.dest, best.via))
	}
}

// throughTransitGateway: a route to transit gateway tgw leads on only
// when the VPC is attached to it with a subnet in the AZ the traffic
// leaves from (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html),
// and AWS creates the route only once the attachment exists, so the route
// waits for it.
func (g reachGraph) throughTransitGateway(tgw, vpcID, zone string, route registered) (via, lacks string) {
	for _, a := range g.run.ofType(rtTgwAttachment) {
		if g.inputString(a, "transitGatewayId") != tgw || g.inputString(a, "vpcId") != vpcID {
			continue
		}
		var zones []string
		for _, id := range g.inputStrings(a, "subnetIds") {
			if s := findByID(g.run, rtSubnet, id); s != nil {
				zones = append(zones, g.inputString(*s, "availabilityZone"))
			}
		}
		if !slices.Contains(zones, zone) {
			return "", fmt.Sprintf("transit gateway attachment %s has no subnet in %s (it has %v), so traffic from there cannot reach %s", a.Name, zone, zones, tgw)
		}
		if !slices.Contains(route.Dependencies, a.URN) {
			return "", fmt.Sprintf("route %s to %s does not wait for attachment %s; AWS refuses it until the attachment exists", route.Name, tgw, a.Name)
		}
		return fmt.Sprintf("transit gateway %s through attachment %s (the transit gateway's route table must lead to the office and back to the VPC: outside this stack)", tgw, a.Name), ""
	}
	return "", fmt.Sprintf("routes to transit gateway %s, but the VPC has no attachment to it", tgw)
}

// throughVpn: a virtual private gateway leads to the office when it is
// attached to the VPC and a VPN connection to a customer gateway carries
// the office range: a static route of the connection covers it, or the
// connection routes dynamically (the router announces it over BGP). via
// and lacks are both "" when the gateway carries nothing for the range.
func (g reachGraph) throughVpn(vgwID, vpcID string, office netip.Prefix) (via, lacks string) {
	vgw := findByID(g.run, rtVpnGateway, vgwID)
	if vgw == nil {
		return "", fmt.Sprintf("virtual private gateway %s is not in the graph", vgwID)
	}
	if g.inputString(*vgw, "vpcId") != vpcID {
		return "", fmt.Sprintf("virtual private gateway %s is not attached to VPC %s", vgw.Name, vpcID)
	}
	for _, conn := range g.run.ofType(rtVpnConnection) {
		if g.inputString(conn, "vpnGatewayId") != vgwID {
			continue
		}
		cgw := findByID(g.run, rtCustomerGw, g.inputString(conn, "customerGatewayId"))
		if cgw == nil {
			return "", fmt.Sprintf("VPN connection %s has no customer gateway in the graph", conn.Name)
		}
		router := g.inputString(*cgw, "ipAddress")
		if static, _ := lookup(conn.Inputs, "staticRoutesOnly"); static == true {
			for _, r := range g.run.ofType(rtVpnRoute) {
				if g.inputString(r, "vpnConnectionId") != conn.ID {
					continue
				}
				if dest, err := netip.ParsePrefix(g.inputString(r, "destinationCidrBlock")); err == nil && coveredBy(office, []netip.Prefix{dest}) {
					return fmt.Sprintf("virtual private gateway %s, VPN %s static route %s, office router %s", vgw.Name, conn.Name, dest, router), ""
				}
			}
			return "", fmt.Sprintf("VPN connection %s routes statically, and none of its static routes covers %s", conn.Name, office)
		}
		return fmt.Sprintf("virtual private gateway %s, VPN %s over BGP, office router %s (it must announce %s)", vgw.Name, conn.Name, router, office), ""
	}
	return "", ""
}

// reachabilityFixtures are the stack files under testdata/office: one per
// way in.
func reachabilityFixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(officeFixtureDir, "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", officeFixtureDir, err)
	}
	var stacks []string
	for _, f := range files {
		stacks = append(stacks, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	return stacks
}

// requireOfficePaths fails unless every office range of run reaches the
// load balancer.
func requireOfficePaths(t *testing.T, run *stackRun) {
	t.Helper()
	cfg, err := parseConfig("reach", mapSource{values: run.Config})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range officeReachability(t, run, cfg.Dashboards.OfficeCidrs) {
		if len(p.missing) > 0 {
			t.Errorf("office range %s cannot reach Dashboards: %s", p.cidr, strings.Join(p.missing, "; "))
			continue
		}
		t.Logf("office range %s: %s", p.cidr, strings.Join(p.hops, " | "))
	}
}

// TestEveryOfficeRangeReachesDashboards runs the analysis over every
// fixture, every stack file of the repository, and every fixture of the
// office's ways in.
func TestEveryOfficeRangeReachesDashboards(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ string, run *stackRun) {
		requireOfficePaths(t, run)
	})
	if os.Getenv(stackDirEnv) != "" {
		return // only the stack files of that directory are validated
	}
	for _, stack := range reachabilityFixtures(t) {
		t.Run("fixture "+stack, func(t *testing.T) {
			requireOfficePaths(t, mustRunStack(t, stack, nil))
		})
	}
}
