package logsearch

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Network is the VPC, its private subnets and every security group of the
// stack; all SGs live here so their cross-references read in one place.
type Network struct {
	pulumi.ResourceState

	VpcID                 pulumi.StringOutput
	PrivateSubnetIDs      pulumi.StringArrayOutput
	DomainSecurityGroupID pulumi.StringOutput
	IngestSecurityGroupID pulumi.StringOutput
	SetupSecurityGroupID  pulumi.StringOutput
	AlbSecurityGroupID    pulumi.StringOutput
	// DomainSubnetIDs are the subnets the domain uses: one per domain AZ,
	// the first entries of PrivateSubnetIDs.
	DomainSubnetIDs pulumi.StringArrayOutput
	// SetupPath are the rules that let the setup function reach the domain
	// (setup egress, domain ingress); its invocation waits for them.
	SetupPath []pulumi.Resource
	// OfficeVpn is what the office router needs, nil unless the stack
	// creates the Site-to-Site VPN (network.officeVpn).
	OfficeVpn *OfficeVpn
}

const httpsPort = 443

// NetworkArgs are the inputs of the Network stage.
type NetworkArgs struct {
	Config *Config  // the validated settings
	Key    *kms.Key // the stack key, for the flow-log group
}

// NewNetwork creates a VPC with private subnets (or adopts the configured
// one) and the security groups. Traffic allowed, and nothing else:
//
//	office CIDRs --443/80--> ALB --443--> domain
//	                         ALB --443--> anywhere (only with dashboards.oidc:
//	                                      the identity provider's endpoints)
//	ingest fn --443--> domain, ingest fn --443--> SQS endpoint (the stack's,
//	                   or with sqsEndpoint: false the existing VPC's CIDRs)
//	setup fn  --443--> domain
//
// key encrypts the flow-log group.
func NewNetwork(ctx *pulumi.Context, args NetworkArgs) (*Network, error) {
	cfg, key := args.Config, args.Key
	n := &Network{}
	ctx, err := newStage(ctx, "Network", "network", n)
	if err != nil {
		return nil, err
	}
	if cfg.Network.NewVpc() {
		vpcID, ids, vpn, err := newVpc(ctx, cfg, key.Arn)
		if err != nil {
			return nil, err
		}
		n.VpcID, n.PrivateSubnetIDs, n.OfficeVpn = vpcID, ids.ToStringArrayOutput(), vpn
	} else {
		n.VpcID, n.PrivateSubnetIDs = cfg.existingNetwork()
	}
	var existingCidrs []string
	if id := cfg.knownVpcID(); !cfg.Network.NewVpc() && id != "" {
		// The office ranges must lie outside an existing VPC's ranges too:
		// its local route wins over any route to the office.
		if existingCidrs, err = cfg.vpcCidrs(ctx, id); err != nil {
			return nil, err
		}
		if ps := cfg.officeOverlapProblems(existingCidrs); len(ps) > 0 {
			return nil, &ConfigError{Stack: cfg.Stack, Problems: ps}
		}
	}
	domainSubnets := cfg.Domain.SubnetCount()
	n.DomainSubnetIDs = n.PrivateSubnetIDs.ApplyT(func(ids []string) []string { return ids[:domainSubnets] }).(pulumi.StringArrayOutput)

	sg := func(name, description string) (pulumi.StringOutput, error) {
		g, err := ec2.NewSecurityGroup(ctx, childName(ctx, name), &ec2.SecurityGroupArgs{
			VpcId:               n.VpcID,
			Description:         pulumi.String(description),
			RevokeRulesOnDelete: pulumi.Bool(true),
			Tags:                tags(cfg, name),
		}, childOptions(ctx)...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		return g.ID().ToStringOutput(), nil
	}
	if n.DomainSecurityGroupID, err = sg("domain-sg", "OpenSearch domain: HTTPS from the ingest and setup functions and the Dashboards load balancer only"); err != nil {
		return nil, err
	}
	if n.IngestSecurityGroupID, err = sg("ingest-sg", "Ingest function: HTTPS out to the domain and the SQS endpoint only"); err != nil {
		return nil, err
	}
	if n.SetupSecurityGroupID, err = sg("setup-sg", "Domain setup function: HTTPS out to the domain only"); err != nil {
		return nil, err
	}
	if n.AlbSecurityGroupID, err = sg("alb-sg", "Dashboards load balancer: HTTPS (and HTTP, redirect only) from the office networks; HTTPS to the domain"); err != nil {
		return nil, err
	}

	rules := []sgRule{
		{name: "domain-from-ingest", group: n.DomainSecurityGroupID, peer: n.IngestSecurityGroupID, port: httpsPort, why: "ingest function writes documents"},
		{name: "domain-from-setup", group: n.DomainSecurityGroupID, peer: n.SetupSecurityGroupID, port: httpsPort, why: "setup function configures the domain", setupPath: true},
		{name: "domain-from-alb", group: n.DomainSecurityGroupID, peer: n.AlbSecurityGroupID, port: httpsPort, why: "Dashboards load balancer forwards office users"},
		{name: "ingest-to-domain", egress: true, group: n.IngestSecurityGroupID, peer: n.DomainSecurityGroupID, port: httpsPort, why: "bulk requests to the domain"},
		{name: "setup-to-domain", egress: true, group: n.SetupSecurityGroupID, peer: n.DomainSecurityGroupID, port: httpsPort, why: "setup requests to the domain", setupPath: true},
		{name: "alb-to-domain", egress: true, group: n.AlbSecurityGroupID, peer: n.DomainSecurityGroupID, port: httpsPort, why: "forward to the domain"},
	}
	for i, cidr := range cfg.Dashboards.OfficeCidrs {
		for _, port := range []int{httpsPort, 80} {
			rules = append(rules, sgRule{
				name: fmt.Sprintf("alb-from-office-%d-%d", i, port), group: n.AlbSecurityGroupID,
				cidr: cidr, port: port, why: "office network " + cidr,
			})
		}
	}
	if cfg.Dashboards.Oidc != nil {
		// The ALB itself calls the identity provider's token and user-info
		// endpoints, wherever they are; config validation made sure a new
		// VPC has the NAT gateway that routes them.
		rules = append(rules, sgRule{name: "alb-to-identity-provider", egress: true, group: n.AlbSecurityGroupID, cidr: "0.0.0.0/0", port: httpsPort, why: "OIDC token and user-info endpoints"})
	}
	if !cfg.Network.SqsEndpoint {
		// The existing VPC's own SQS endpoint sits somewhere in its CIDRs.
		for i, cidr := range existingCidrs {
			rules = append(rules, sgRule{name: fmt.Sprintf("ingest-to-vpc-sqs-endpoint-%d", i), egress: true, group: n.IngestSecurityGroupID, cidr: cidr, port: httpsPort, why: "dead-letter queue through the VPC's SQS endpoint"})
		}
	}
	var endpoints []interfaceEndpoint
	if cfg.Network.SqsEndpoint {
		endpoints = append(endpoints, interfaceEndpoint{service: "sqs", why: "dead-letter queue",
			clients: []endpointClient{{"ingest", n.IngestSecurityGroupID}}})
	}
	if cfg.Ingest.Tracing {
		// With no NAT route to X-Ray (and egress limited to named peers),
		// the in-VPC functions' traces would be dropped without it.
		endpoints = append(endpoints, interfaceEndpoint{service: "xray", why: "X-Ray traces",
			clients: []endpointClient{{"ingest", n.IngestSecurityGroupID}, {"setup", n.SetupSecurityGroupID}}})
	}
	for _, e := range endpoints {
		endpointRules, err := e.create(ctx, cfg, n.VpcID, n.PrivateSubnetIDs, sg)
		if err != nil {
			return nil, err
		}
		rules = append(rules, endpointRules...)
	}
	if cfg.Archive.Create {
		// The archive is written through S3's gateway endpoint (a new VPC
		// gets one below; an existing VPC must route to S3 itself), whose
		// addresses are the region's S3 prefix list.
		pl, err := ec2.GetPrefixList(ctx, &ec2.GetPrefixListArgs{Name: pulumi.StringRef(fmt.Sprintf("com.amazonaws.%s.s3", cfg.Region))})
		if err != nil {
			return nil, fmt.Errorf("looking up the S3 prefix list of %s for the archive: %w", cfg.Region, err)
		}
		rules = append(rules, sgRule{name: "ingest-to-s3", egress: true, group: n.IngestSecurityGroupID, prefixList: pl.Id, port: httpsPort, why: "archive writes through the S3 gateway endpoint"})
	}
	for _, r := range rules {
		res, err := r.register(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if r.setupPath {
			n.SetupPath = append(n.SetupPath, res)
		}
	}
	return n, registerStageOutputs(ctx, n)
}

// interfaceEndpoint is an AWS service reached from inside the VPC through
// an interface endpoint with private DNS, admitting only its clients.
type interfaceEndpoint struct {
	service string // <service> of the endpoint service <prefix>.<region>.<service>
	why     string
	clients []endpointClient
}

// endpointClient is a function's security group that uses the endpoint.
type endpointClient struct {
	name  string
	group pulumi.StringOutput
}

// create registers the endpoint and its security group and returns the
// rules that connect each client to it (registered with the others).
func (e interfaceEndpoint) create(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, subnetIDs pulumi.StringArrayOutput,
	sg func(name, description string) (pulumi.StringOutput, error)) ([]sgRule, error) {
	var names []string
	for _, c := range e.clients {
		names = append(names, c.name)
	}
	functions := "function"
	if len(names) > 1 {
		functions = "functions"
	}
	endpointSG, err := sg(e.service+"-endpoint-sg", fmt.Sprintf("%s interface endpoint: HTTPS from the %s %s only", strings.ToUpper(e.service), strings.Join(names, " and "), functions))
	if err != nil {
		return nil, err
	}
	var rules []sgRule
	for _, c := range e.clients {
		rules = append(rules,
			sgRule{name: e.service + "-endpoint-from-" + c.name, group: endpointSG, peer: c.group, port: httpsPort, why: c.name + " function: " + e.why},
			sgRule{name: c.name + "-to-" + e.service + "-endpoint", egress: true, group: c.group, peer: endpointSG, port: httpsPort, why: e.why + " through the " + strings.ToUpper(e.service) + " endpoint"},
		)
	}
	_, err = ec2.NewVpcEndpoint(ctx, childName(ctx, e.service+"-endpoint"), &ec2.VpcEndpointArgs{
		VpcId:             vpcID,
		ServiceName:       pulumi.String(cfg.interfaceEndpointService(e.service)),
		VpcEndpointType:   pulumi.String("Interface"),
		PrivateDnsEnabled: pulumi.Bool(true),
		SubnetIds:         subnetIDs,
		SecurityGroupIds:  pulumi.StringArray{endpointSG},
		Tags:              tags(cfg, e.service+"-endpoint"),
	}, childOptions(ctx)...)
	return rules, err
}

// vpcCidrs lists the IPv4 networks of an existing VPC: the primary one and
// every secondary one associated with it (as lookupProblems found them
// when it looked them up).
func (c *Config) vpcCidrs(ctx *pulumi.Context, vpcID string) ([]string, error) {
	if c.existingVpcCidrs != nil {
		return c.existingVpcCidrs, nil
	}
	cidrs, err := lookupVpcCidrs(ctx, vpcID)
	if err != nil {
		return nil, fmt.Errorf("logsearch:network.vpcId %q: cannot read the VPC (does it exist in this account and region?): %w", vpcID, err)
	}
	return cidrs, nil
}

// lookupVpcCidrs reads the VPC's primary and associated IPv4 networks.
func lookupVpcCidrs(ctx *pulumi.Context, vpcID string) ([]string, error) {
	v, err := ec2.LookupVpc(ctx, &ec2.LookupVpcArgs{Id: pulumi.StringRef(vpcID)})
	if err != nil {
		return nil, err
	}
	cidrs := []string{v.CidrBlock}
	for _, a := range v.CidrBlockAssociations {
		if a.State == "associated" && !slices.Contains(cidrs, a.CidrBlock) {
			cidrs = append(cidrs, a.CidrBlock)
		}
	}
	return cidrs, nil
}

// sgRule is one standalone security-group rule: TCP on one port, from or
// to either another group or a CIDR. Standalone rules only, never inline
// ones, so Pulumi never fights itself over a group's rule set.
type sgRule struct {
	name   string
	egress bool
	group  pulumi.StringOutput
	peer   pulumi.StringInput // a security group; or
	cidr   string             // an IPv4 CIDR; or
	// prefixList is a managed prefix list (an AWS service's addresses).
	prefixList string
	port       int
	why        string
	// setupPath marks the rules the setup function needs (Network.SetupPath).
	setupPath bool
}

func (r sgRule) register(ctx *pulumi.Context, cfg *Config) (pulumi.Resource, error) {
	var peerSG, cidr pulumi.StringPtrInput
	if r.peer != nil {
		peerSG = r.peer.ToStringOutput().ToStringPtrOutput()
	}
	if r.cidr != "" {
		cidr = pulumi.StringPtr(r.cidr)
	}
	var prefixList pulumi.StringPtrInput
	if r.prefixList != "" {
		prefixList = pulumi.StringPtr(r.prefixList)
	}
	args := &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: r.group, IpProtocol: pulumi.String("tcp"),
		FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
		ReferencedSecurityGroupId: peerSG, CidrIpv4: cidr, PrefixListId: prefixList,
		Description: pulumi.String(r.why), Tags: tags(cfg, r.name),
	}
	if r.egress {
		// The two argument types have the same fields, so one converts to
		// the other; should the provider ever let them differ, this stops
		// compiling rather than dropping a field.
		return vpc.NewSecurityGroupEgressRule(ctx, childName(ctx, r.name), (*vpc.SecurityGroupEgressRuleArgs)(args), childOptions(ctx)...)
	}
	return vpc.NewSecurityGroupIngressRule(ctx, childName(ctx, r.name), args, childOptions(ctx)...)
}

// newVpc creates the VPC: private subnets in azCount AZs with a route table
// that leads nowhere but the VPC and the office (newOfficeAccess), plus
// (natGateway: true) public subnets, an internet gateway and one NAT
// gateway. The default SG is emptied (EC2.2)
// and rejected traffic is logged.
func newVpc(ctx *pulumi.Context, cfg *Config, keyArn pulumi.StringInput) (pulumi.StringOutput, pulumi.StringArray, *OfficeVpn, error) {
	zones, ps, err := stackZones(ctx, cfg)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	if len(ps) > 0 {
		return pulumi.StringOutput{}, nil, nil, &ConfigError{Stack: cfg.Stack, Problems: ps}
	}
	v, err := ec2.NewVpc(ctx, childName(ctx, "vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cfg.Network.VpcCidr),
		EnableDnsSupport:   pulumi.Bool(true), // both needed for private DNS of
		EnableDnsHostnames: pulumi.Bool(true), // the SQS interface endpoint
		Tags:               tags(cfg, "vpc"),
	}, childOptions(ctx)...)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	vpcID := v.ID().ToStringOutput()
	if _, err := ec2.NewDefaultSecurityGroup(ctx, childName(ctx, "default-sg"), &ec2.DefaultSecurityGroupArgs{
		VpcId: vpcID, // no ingress, no egress: nothing may use the default group
		Tags:  tags(cfg, "default-sg-unused"),
	}, childOptions(ctx)...); err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}

	// Split the VPC into 8 equal blocks: 0..2 private, 4..6 public.
	blocks, err := splitCidr(cfg.Network.VpcCidr, 3)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	privateRT, err := ec2.NewRouteTable(ctx, childName(ctx, "private-rt"), &ec2.RouteTableArgs{VpcId: vpcID, Tags: tags(cfg, "private-rt")}, childOptions(ctx)...)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	privateIDs, err := newZoneSubnets(ctx, cfg, "private", vpcID, privateRT.ID(), blocks, zones)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	var private pulumi.StringArray
	for _, id := range privateIDs {
		private = append(private, id.ToStringOutput())
	}
	if cfg.Archive.Create {
		// Free, and keeps the archive writes off any NAT gateway.
		if _, err := ec2.NewVpcEndpoint(ctx, childName(ctx, "s3-endpoint"), &ec2.VpcEndpointArgs{
			VpcId:           vpcID,
			ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", cfg.Region),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   pulumi.StringArray{privateRT.ID().ToStringOutput()},
			Tags:            tags(cfg, "s3-endpoint"),
		}, childOptions(ctx)...); err != nil {
			return pulumi.StringOutput{}, nil, nil, err
		}
	}
	if cfg.Network.NatGateway {
		if err := newNat(ctx, cfg, vpcID, privateRT.ID(), blocks[4:], zones); err != nil {
			return pulumi.StringOutput{}, nil, nil, err
		}
	}
	if cfg.Network.FlowLogs {
		if err := newFlowLogs(ctx, cfg, vpcID, keyArn); err != nil {
			return pulumi.StringOutput{}, nil, nil, err
		}
	}
	vpn, err := newOfficeAccess(ctx, cfg, vpcID, privateRT.ID(), private)
	if err != nil {
		return pulumi.StringOutput{}, nil, nil, err
	}
	return vpcID, private, vpn, nil
}

// newZoneSubnets creates one subnet per availability zone, "<kind>-<i>" in
// zones[i] with CIDR blocks[i], each routed by routeTable. No subnet maps
// public IPs on launch: the NAT gateway has its own Elastic IP and nothing
// else may be reachable from outside.
func newZoneSubnets(ctx *pulumi.Context, cfg *Config, kind string, vpcID pulumi.StringOutput, routeTable pulumi.IDOutput, blocks, zones []string) ([]pulumi.IDOutput, error) {
	ids := make([]pulumi.IDOutput, 0, cfg.Network.AzCount)
	for i := 0; i < cfg.Network.AzCount; i++ {
		name := fmt.Sprintf("%s-%d", kind, i)
		s, err := ec2.NewSubnet(ctx, childName(ctx, name), &ec2.SubnetArgs{
			VpcId: vpcID, CidrBlock: pulumi.String(blocks[i]), AvailabilityZone: pulumi.String(zones[i]),
			MapPublicIpOnLaunch: pulumi.Bool(false), Tags: tags(cfg, name),
		}, childOptions(ctx)...)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, childName(ctx, name), &ec2.RouteTableAssociationArgs{SubnetId: s.ID(), RouteTableId: routeTable}, childOptions(ctx)...); err != nil {
			return nil, err
		}
		ids = append(ids, s.ID())
	}
	return ids, nil
}

// newNat gives the private subnets a way out: public subnets, an internet
// gateway and one NAT gateway (one, not one per AZ: it only serves
// outbound calls that can wait for a retry, at a third of the cost).
func newNat(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, privateRT pulumi.IDOutput, blocks, azNames []string) error {
	igw, err := ec2.NewInternetGateway(ctx, childName(ctx, "igw"), &ec2.InternetGatewayArgs{VpcId: vpcID, Tags: tags(cfg, "igw")}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	publicRT, err := ec2.NewRouteTable(ctx, childName(ctx, "public-rt"), &ec2.RouteTableArgs{VpcId: vpcID, Tags: tags(cfg, "public-rt")}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	if _, err := ec2.NewRoute(ctx, childName(ctx, "public-default"), &ec2.RouteArgs{
		RouteTableId: publicRT.ID(), DestinationCidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID(),
	}, childOptions(ctx)...); err != nil {
		return err
	}
	public, err := newZoneSubnets(ctx, cfg, "public", vpcID, publicRT.ID(), blocks, azNames)
	if err != nil {
		return err
	}
	eip, err := ec2.NewEip(ctx, childName(ctx, "nat-eip"), &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: tags(cfg, "nat-eip")}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	nat, err := ec2.NewNatGateway(ctx, childName(ctx, "nat"), &ec2.NatGatewayArgs{
		AllocationId: eip.ID(), SubnetId: public[0], Tags: tags(cfg, "nat"),
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{igw}))...)
	if err != nil {
		return err
	}
	_, err = ec2.NewRoute(ctx, childName(ctx, "private-default"), &ec2.RouteArgs{
		RouteTableId: privateRT, DestinationCidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID(),
	}, childOptions(ctx)...)
	return err
}

// newFlowLogs records rejected connections of the new VPC: the cheap
// answer to "why can't X reach the domain?".
func newFlowLogs(ctx *pulumi.Context, cfg *Config, vpcID pulumi.StringOutput, keyArn pulumi.StringInput) error {
	group, err := newLogGroup(ctx, cfg, "vpc-flow-logs", "", keyArn)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, childName(ctx, "vpc-flow-logs"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("vpc-flow-logs.amazonaws.com")),
		Description:      pulumi.String("VPC flow logs write rejected traffic to their log group"),
		Tags:             tags(cfg, "vpc-flow-logs"),
	}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, childName(ctx, "vpc-flow-logs"), &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: policyOf(func(v []string) []policyStatement {
			return []policyStatement{allow(
				[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				v[0], v[0]+":*",
			)}
		}, group.Arn),
	}, childOptions(ctx)...); err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, childName(ctx, "vpc-flow-logs"), &ec2.FlowLogArgs{
		VpcId:              vpcID,
		TrafficType:        pulumi.String("REJECT"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		Tags:               tags(cfg, "vpc-flow-logs"),
	}, childOptions(ctx)...)
	return err
}

// splitCidr cuts an IPv4 network into 2^extraBits equal blocks.
func splitCidr(cidr string, extraBits int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	bits := p.Bits() + extraBits
	base := p.Masked().Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint32(1) << (32 - bits)
	out := make([]string, 1<<extraBits)
	for i := range out {
		a := start + uint32(i)*size
		out[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).String()
	}
	return out, nil
}

// tags labels every resource with its stack, so a shared account shows
// what belongs to which deployment.
func tags(cfg *Config, name string) pulumi.StringMap {
	return pulumi.StringMap{
		"Name":            pulumi.Sprintf("logsearch-%s-%s", cfg.Stack, name),
		"logsearch:stack": pulumi.String(cfg.Stack),
	}
}
