package logsearch

// The office's way into a new VPC. The Dashboards load balancer is
// internal: it "can route requests only from clients with access to the
// VPC" (ELBv2 API reference, CreateLoadBalancer, Scheme:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html),
// so a new VPC gets either an attachment to the company's transit gateway
// or a Site-to-Site VPN to the office router, and a route back to every
// office range. docs/office-access.md is the user's side of it.

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// OfficeVpnConfig is the Site-to-Site VPN between a new VPC and the office
// router.
type OfficeVpnConfig struct {
	// RouterIP is the public IPv4 address of the office router's outside
	// interface (the customer gateway), e.g. 198.51.100.7. Required with
	// officeVpn. It must be static; the router may sit behind NAT.
	RouterIP string `json:"routerIp"`
	// BgpAsn is the office router's BGP autonomous system number, for
	// dynamic routing: the router then advertises the office ranges over
	// BGP. 1 to 4294967294, not the virtual private gateway's own ASN
	// (64512). Leave it out for static routing.
	BgpAsn int64 `json:"bgpAsn"`
	// StaticRoutes are the office networks the VPN routes with static
	// routing (no bgpAsn). Default: dashboards.officeCidrs. Each must be an
	// IPv4 CIDR with no host bits set, listed once, and together they must
	// cover every office range. Refused with bgpAsn.
	StaticRoutes []string `json:"staticRoutes"`
}

// vgwDefaultAsn is the Amazon-side ASN a virtual private gateway gets when
// none is given (CreateVpnGateway, AmazonSideAsn: "Default: 64512",
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpnGateway.html).
// The customer gateway's ASN must differ from it: BGP drops routes that
// carry its own ASN in their path.
const vgwDefaultAsn = 64512

// maxBgpAsn is the largest ASN a customer gateway takes: bgpAsn up to
// 2147483647, bgpAsnExtended from 2147483648 to 4294967294
// (CreateCustomerGateway, BgpAsn and BgpAsnExtended,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateCustomerGateway.html).
const (
	maxBgpAsn      = 4294967294
	maxShortBgpAsn = 2147483647
)

// transitGatewayIDPattern is EC2's ID form: tgw- and 17 (older: 8) hex digits.
var transitGatewayIDPattern = regexp.MustCompile(`^tgw-([0-9a-f]{8}|[0-9a-f]{17})$`)

// vpnRoutes are the office networks a static VPN routes.
func (v *OfficeVpnConfig) vpnRoutes(officeCidrs []string) []string {
	if len(v.StaticRoutes) > 0 {
		return v.StaticRoutes
	}
	return officeCidrs
}

// validateOfficeAccess refuses a network the office cannot reach
// Dashboards through, each problem naming its fix.
func (c *Config) validateOfficeAccess(ps *problems) {
	n := c.Network
	tgw, vpn := n.TransitGatewayID != "", n.OfficeVpn != nil
	if !n.NewVpc() {
		if tgw {
			ps.add("network.transitGatewayId", n.TransitGatewayID, "is only for a new VPC; an existing VPC keeps its own routing, so attach it to the transit gateway and route the office ranges yourself (docs/office-access.md), and remove transitGatewayId")
		}
		if vpn {
			ps.add("network.officeVpn", "", "is only for a new VPC; an existing VPC keeps its own routing, so connect the office to it yourself (docs/office-access.md), and remove officeVpn")
		}
		return
	}
	switch {
	case !tgw && !vpn:
		ps.add("network", "", "a new VPC has no way in from the office, and the Dashboards load balancer is internal (only clients with access to the VPC reach it); set network.officeVpn.routerIp (a Site-to-Site VPN to the office router) or network.transitGatewayId (the company's transit gateway), or deploy into a VPC the office already reaches (network.vpcId and subnetIds); see docs/office-access.md")
	case tgw && vpn:
		ps.add("network.officeVpn", "", "is set together with network.transitGatewayId; choose one way in from the office and remove the other")
	}
	if tgw && !transitGatewayIDPattern.MatchString(n.TransitGatewayID) {
		ps.add("network.transitGatewayId", n.TransitGatewayID, "not a transit gateway ID; it looks like tgw-0123456789abcdef0")
	}
	if vpn {
		c.validateOfficeVpn(ps)
	}
	*ps = append(*ps, c.officeOverlapProblems([]string{n.VpcCidr})...)
}

func (c *Config) validateOfficeVpn(ps *problems) {
	v := c.Network.OfficeVpn
	if ip, err := netip.ParseAddr(v.RouterIP); err != nil || !ip.Is4() {
		ps.add("network.officeVpn.routerIp", v.RouterIP, "required: the office router's public IPv4 address, e.g. 198.51.100.7")
	} else if !isPublicIPv4(ip) {
		ps.add("network.officeVpn.routerIp", v.RouterIP, "is not a public address; AWS's VPN endpoints reach the router over the internet, so give the public IPv4 address of its outside interface (or of the NAT device in front of it)")
	}
	if v.BgpAsn != 0 {
		switch {
		case v.BgpAsn < 1 || v.BgpAsn > maxBgpAsn:
			ps.add("network.officeVpn.bgpAsn", v.BgpAsn, "must be 1 to %d (the office router's ASN), or left out for static routing", int64(maxBgpAsn))
		case v.BgpAsn == vgwDefaultAsn:
			ps.add("network.officeVpn.bgpAsn", v.BgpAsn, "is the virtual private gateway's own ASN; give the office router another one (a private ASN such as 65010)")
		}
		if len(v.StaticRoutes) > 0 {
			ps.add("network.officeVpn.staticRoutes", "", "static routes are only for static routing; with bgpAsn the router advertises the office ranges over BGP, so remove staticRoutes (or bgpAsn)")
		}
		return
	}
	var routes []netip.Prefix
	seen := map[netip.Prefix]int{}
	for i, r := range v.StaticRoutes {
		p, err := netip.ParsePrefix(r)
		if j, dup := seen[p]; err == nil && dup {
			ps.add(fmt.Sprintf("network.officeVpn.staticRoutes[%d]", i), r, "is already listed as network.officeVpn.staticRoutes[%d]; list each route once (AWS refuses a second static route for it)", j)
			routes = append(routes, p)
			continue
		}
		seen[p] = i
		switch {
		case err != nil || !p.Addr().Is4():
			ps.add(fmt.Sprintf("network.officeVpn.staticRoutes[%d]", i), r, "not an IPv4 CIDR; write a network with a prefix length, e.g. 10.20.0.0/16")
		case p.Masked() != p:
			ps.add(fmt.Sprintf("network.officeVpn.staticRoutes[%d]", i), r, "has host bits set; did you mean %s?", p.Masked())
		default:
			routes = append(routes, p)
		}
	}
	if len(routes) != len(v.StaticRoutes) {
		return
	}
	for i, cidr := range c.Dashboards.OfficeCidrs {
		if p, err := netip.ParsePrefix(cidr); err == nil && len(routes) > 0 && !coveredBy(p, routes) {
			ps.add(fmt.Sprintf("dashboards.officeCidrs[%d]", i), cidr, "no route of network.officeVpn.staticRoutes covers it, so answers to it would not go back over the VPN; add it to staticRoutes (or remove staticRoutes: the default routes every office range)")
		}
	}
}

// coveredBy reports whether one of routes contains all of p.
func coveredBy(p netip.Prefix, routes []netip.Prefix) bool {
	for _, r := range routes {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// nonPublicIPv4 are the IPv4 ranges that are not public unicast addresses
// (RFC 6890's special-purpose registry, as IANA lists it:
// https://www.iana.org/assignments/iana-ipv4-special-registry/) besides
// RFC 1918, which netip's IsPrivate covers. The documentation ranges
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) stand for public
// addresses in examples and stay accepted.
var nonPublicIPv4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (carrier-grade NAT), RFC 6598
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

func isPublicIPv4(ip netip.Addr) bool {
	if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublicIPv4 {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// isPrivateRange reports whether every address of p is private (RFC 1918)
// or shared address space (RFC 6598), the ranges an office network
// normally uses inside.
func isPrivateRange(p netip.Prefix) bool {
	for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"} {
		if coveredBy(p, []netip.Prefix{netip.MustParsePrefix(r)}) {
			return true
		}
	}
	return false
}

// officeWarnings: a public office range is allowed but usually a mistake.
// The internal load balancer's security group judges the source address
// packets arrive with; through a VPN or transit gateway those are the
// office's inside addresses (the address the office is seen with on the
// internet never reaches a private VPC), so a public range matches only
// when the office itself addresses or NATs its traffic into it.
func (c *Config) officeWarnings() []string {
	var ws []string
	for i, cidr := range c.Dashboards.OfficeCidrs {
		if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr().Is4() && p.Bits() > 0 && !isPrivateRange(p) {
			ws = append(ws, fmt.Sprintf("logsearch:dashboards.officeCidrs[%d] %s is a public range: the internal load balancer only sees the addresses office traffic carries inside the VPN or transit gateway, normally the office's private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); keep it only if the office sends Dashboards traffic from that range (docs/office-access.md)", i, cidr))
		}
	}
	return ws
}

// OfficeVpn is what the office router needs to bring up the Site-to-Site
// VPN: the stack outputs officeVpn (public values) and
// officeVpnPresharedKeys (secret).
type OfficeVpn struct {
	// Settings are the tunnels' outside addresses, inside addresses and
	// ASNs, and the connection's ID and routing.
	Settings pulumi.MapOutput
	// PresharedKeys are both tunnels' pre-shared keys and AWS's generated
	// router configuration (which holds them), as a secret.
	PresharedKeys pulumi.MapOutput
}

// newOfficeAccess gives the new VPC its way in from the office: the
// transit gateway attachment or the Site-to-Site VPN, and the routes back
// to the office ranges in the private route table (the only one the load
// balancer's subnets use). It returns the VPN's router settings, nil
// without a VPN.
func newOfficeAccess(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, privateRT pulumi.IDOutput, privateSubnets pulumi.StringArray) (*OfficeVpn, error) {
	n := cfg.Network
	if n.TransitGatewayID != "" {
		return nil, newTransitGatewayAccess(ctx, cfg, vpcID, privateRT, privateSubnets)
	}
	if n.OfficeVpn != nil {
		return newOfficeVpn(ctx, cfg, vpcID, privateRT)
	}
	return nil, nil
}

// newTransitGatewayAccess attaches the VPC to the transit gateway in every
// private subnet (one per AZ: a transit gateway reaches only the AZs it has
// an attachment subnet in,
// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html)
// and routes each office range to it. The transit gateway's route table
// association and propagation are left to its defaults, which its owner
// controls (a transit gateway shared through RAM takes no setting from
// here).
func newTransitGatewayAccess(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, privateRT pulumi.IDOutput, privateSubnets pulumi.StringArray) error {
	attachment, err := ec2transitgateway.NewVpcAttachment(ctx, childName(ctx, "office-tgw"), &ec2transitgateway.VpcAttachmentArgs{
		TransitGatewayId: pulumi.String(cfg.Network.TransitGatewayID),
		VpcId:            vpcID,
		SubnetIds:        privateSubnets,
		DnsSupport:       pulumi.String("enable"),
		Tags:             tags(cfg, "office-tgw"),
	}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	for i, cidr := range cfg.Dashboards.OfficeCidrs {
		// A route to a transit gateway is refused until the VPC has an
		// attachment to it.
		if _, err := ec2.NewRoute(ctx, childName(ctx, fmt.Sprintf("office-%d", i)), &ec2.RouteArgs{
			RouteTableId:         privateRT,
			DestinationCidrBlock: pulumi.String(cidr),
			TransitGatewayId:     pulumi.String(cfg.Network.TransitGatewayID),
		}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{attachment}))...); err != nil {
			return err
		}
	}
	return nil
}

// newOfficeVpn creates the customer gateway (the office router), a virtual
// private gateway attached to the VPC, the VPN connection (static routes,
// or BGP), and the propagation of its routes into the private route table
// (https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html).
func newOfficeVpn(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, privateRT pulumi.IDOutput) (*OfficeVpn, error) {
	v := cfg.Network.OfficeVpn
	cgwArgs := &ec2.CustomerGatewayArgs{
		IpAddress: pulumi.String(v.RouterIP),
		Type:      pulumi.String("ipsec.1"), // the only type AWS offers
		// An identical request (type, IP, ASN) returns an existing customer
		// gateway instead of a new one; a device name of this stack keeps
		// two stacks on one router from sharing (and deleting) one
		// (CreateCustomerGateway API reference).
		DeviceName: pulumi.String(cfg.officeRouterDeviceName()),
		Tags:       tags(cfg, "office-router"),
	}
	static := v.BgpAsn == 0
	switch {
	case static:
	case v.BgpAsn > maxShortBgpAsn:
		cgwArgs.BgpAsnExtended = pulumi.String(strconv.FormatInt(v.BgpAsn, 10))
	default:
		cgwArgs.BgpAsn = pulumi.String(strconv.FormatInt(v.BgpAsn, 10))
	}
	cgw, err := ec2.NewCustomerGateway(ctx, childName(ctx, "office-router"), cgwArgs, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	vgw, err := ec2.NewVpnGateway(ctx, childName(ctx, "office-vgw"), &ec2.VpnGatewayArgs{
		VpcId: vpcID, // attached to the VPC
		Tags:  tags(cfg, "office-vgw"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	conn, err := ec2.NewVpnConnection(ctx, childName(ctx, "office-vpn"), &ec2.VpnConnectionArgs{
		CustomerGatewayId: cgw.ID(),
		VpnGatewayId:      vgw.ID(),
		Type:              pulumi.String("ipsec.1"),
		StaticRoutesOnly:  pulumi.Bool(static),
		Tags:              tags(cfg, "office-vpn"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	if static {
		for i, cidr := range v.vpnRoutes(cfg.Dashboards.OfficeCidrs) {
			if _, err := ec2.NewVpnConnectionRoute(ctx, childName(ctx, fmt.Sprintf("office-vpn-route-%d", i)), &ec2.VpnConnectionRouteArgs{
				DestinationCidrBlock: pulumi.String(cidr),
				VpnConnectionId:      conn.ID(),
			}, childOptions(ctx)...); err != nil {
				return nil, err
			}
		}
	}
	// The VPN's routes (static, or learnt over BGP) appear in the route
	// table as propagated routes to the virtual private gateway.
	if _, err := ec2.NewVpnGatewayRoutePropagation(ctx, childName(ctx, "office-vpn"), &ec2.VpnGatewayRoutePropagationArgs{
		RouteTableId: privateRT,
		VpnGatewayId: vgw.ID(),
	}, childOptions(ctx)...); err != nil {
		return nil, err
	}
	routing := "bgp"
	if static {
		routing = "static"
	}
	return &OfficeVpn{
		Settings: pulumi.Map{
			"vpnConnectionId":         conn.ID().ToStringOutput(),
			"routing":                 pulumi.String(routing),
			"officeRouterIp":          pulumi.String(v.RouterIP),
			"amazonSideAsn":           vgw.AmazonSideAsn,
			"tunnel1Address":          conn.Tunnel1Address,
			"tunnel1CgwInsideAddress": conn.Tunnel1CgwInsideAddress,
			"tunnel1VgwInsideAddress": conn.Tunnel1VgwInsideAddress,
			"tunnel2Address":          conn.Tunnel2Address,
			"tunnel2CgwInsideAddress": conn.Tunnel2CgwInsideAddress,
			"tunnel2VgwInsideAddress": conn.Tunnel2VgwInsideAddress,
		}.ToMapOutput(),
		// Secret whatever the provider's schema says: the engine keeps
		// these values encrypted in the state and in stack outputs.
		PresharedKeys: pulumi.ToSecret(pulumi.Map{
			"tunnel1PresharedKey":          conn.Tunnel1PresharedKey,
			"tunnel2PresharedKey":          conn.Tunnel2PresharedKey,
			"customerGatewayConfiguration": conn.CustomerGatewayConfiguration,
		}.ToMapOutput()).(pulumi.MapOutput),
	}, nil
}

// officeRouterDeviceName is the customer gateway's device name, unique per
// stack and LogSearch as namesFor makes physical names.
func (c *Config) officeRouterDeviceName() string {
	s := c.Stack
	if c.instance != "" && c.instance != DefaultName {
		s += "/" + c.instance
	}
	return cloudWatchNameRule.name(s, "office-router")
}

// officeOverlapProblems refuses office ranges that overlap the VPC's
// ranges (an existing VPC's, once looked up).
func (c *Config) officeOverlapProblems(vpcCidrs []string) problems {
	var ps problems
	for _, v := range vpcCidrs {
		vpc, err := netip.ParsePrefix(v)
		if err != nil {
			continue
		}
		for i, cidr := range c.Dashboards.OfficeCidrs {
			// Ranges validateDashboards refuses anyway are left to it.
			if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr().Is4() && p.Bits() > 0 && p.Masked() == p && p.Overlaps(vpc) {
				ps.add(fmt.Sprintf("dashboards.officeCidrs[%d]", i), cidr, "overlaps the VPC's range %s: answers to those addresses would stay inside the VPC (its local route wins over any route to the office); %s", v, c.overlapFix())
			}
		}
	}
	return ps
}

func (c *Config) overlapFix() string {
	if c.Network.NewVpc() {
		return "pick a network.vpcCidr disjoint from every office range"
	}
	return "office and VPC ranges must be disjoint, so list only the office's own networks"
}
