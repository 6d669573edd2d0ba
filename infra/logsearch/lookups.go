package logsearch

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lookupProblems are the problems only the stack's account can answer,
// looked up before any resource is registered, so that they are listed
// with every other problem and nothing is created when one is found
// (resources registered before a failing lookup are created by pulumi up:
// a VPC, its VPN, a KMS key that then waits 30 days to be deleted): the
// log groups that do not exist, the hosted zone that is not there, and an
// existing VPC that cannot be read or whose ranges overlap the office's,
// and a new VPC's zones that the region does not have.
func (c *Config) lookupProblems(ctx *pulumi.Context) (problems, error) {
	ps, err := c.missingLogGroups(ctx)
	if err != nil {
		return nil, err
	}
	ps = append(ps, c.hostedZoneProblems(ctx)...)
	ps = append(ps, c.existingVpcProblems(ctx)...)
	if c.Network.NewVpc() {
		zones, zps, err := stackZones(ctx, c)
		if err != nil {
			return nil, err
		}
		c.vpcZones = zones
		ps = append(ps, zps...)
	}
	return ps, nil
}

// hostedZoneProblems looks dashboards.hostedZone up (as public or private
// zone, after dashboards.privateZone) and keeps its ID for the records.
// Args.Existing.HostedZoneID is checked where it resolves instead.
func (c *Config) hostedZoneProblems(ctx *pulumi.Context) problems {
	d := c.Dashboards
	if c.Existing.HostedZoneID != nil || d.HostedZone == "" {
		return nil
	}
	zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{Name: pulumi.StringRef(d.HostedZone), PrivateZone: pulumi.BoolRef(d.PrivateZone)})
	if err != nil {
		kind := "public"
		if d.PrivateZone {
			kind = "private"
		}
		var ps problems
		ps.add("dashboards.hostedZone", d.HostedZone, "no %s Route53 hosted zone of this name in the stack's account (%v): create it, correct the name, or set dashboards.privateZone to the zone's kind (the deployer needs route53:ListHostedZones)", kind, err)
		return ps
	}
	c.hostedZoneID = zone.ZoneId
	return nil
}

// existingVpcProblems reads an existing VPC given by ID (network.vpcId)
// and refuses office ranges that overlap its ranges.
func (c *Config) existingVpcProblems(ctx *pulumi.Context) problems {
	id := c.knownVpcID()
	if c.Network.NewVpc() || id == "" {
		return nil
	}
	cidrs, err := lookupVpcCidrs(ctx, id)
	if err != nil {
		var ps problems
		ps.add("network.vpcId", id, "cannot read the VPC (does it exist in this account and region? the deployer needs ec2:DescribeVpcs): %v", err)
		return ps
	}
	c.existingVpcCidrs = cidrs
	return c.officeOverlapProblems(cidrs)
}
