package logsearch

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ExistingResources are the VPC, its private subnets and the hosted zone a
// Go program hands logsearch as Pulumi inputs: IDs it only learns when its
// own resources are created (vpc.ID(), subnet.ID(), zone.ZoneId). Each
// field replaces its plain-string setting (Network.VpcID,
// Network.SubnetIDs, the lookup of Dashboards.HostedZone); the stack
// config never sets them.
//
// They are validated like the plain strings: what is known when the
// program runs (a pulumi.String, the length of a pulumi.StringArray) at
// once, the rest when the values resolve, failing the resources that use
// them with an error naming the field.
type ExistingResources struct {
	// VpcID is an existing VPC to deploy into, as network.vpcId; not
	// together with Network.VpcID.
	VpcID pulumi.StringInput
	// SubnetIDs are that VPC's private subnets, as network.subnetIds (at
	// least 2, one per availability zone, the domain's first); not together
	// with Network.SubnetIDs.
	SubnetIDs pulumi.StringArrayInput
	// HostedZoneID is the Route53 zone ID (route53.Zone's ZoneId) of
	// Dashboards.HostedZone, which still names the zone so that
	// Dashboards.HostName is checked against it. With it the zone is not
	// looked up by name, so it may be created in the same program.
	HostedZoneID pulumi.StringInput
}

// The Args fields that problems with Existing's values are named by.
const (
	existingVpcKey     = "Args.Existing.VpcID"
	existingSubnetsKey = "Args.Existing.SubnetIDs"
	existingZoneKey    = "Args.Existing.HostedZoneID"
)

// knownVpcID is Existing.VpcID's value when the program runs already knows it.
func (e ExistingResources) knownVpcID() (string, bool) {
	s, ok := e.VpcID.(pulumi.String)
	return string(s), ok
}

// programTimeNetwork is the network validation sees when the program runs:
// Existing's known values in place of the plain ones, and for values not
// known yet placeholders that pass every check (an Output's length is
// taken to be enough). checkResolvedNetwork judges those once resolved.
func (c *Config) programTimeNetwork() NetworkConfig {
	n, e := c.Network, c.Existing
	if e.VpcID != nil {
		n.VpcID = "vpc-(Output)"
		if id, ok := e.knownVpcID(); ok {
			n.VpcID = id
		}
	}
	switch ids := e.SubnetIDs.(type) {
	case nil:
	case pulumi.StringArray:
		n.SubnetIDs = make([]string, len(ids))
		for i, id := range ids {
			if s, ok := id.(pulumi.String); ok {
				n.SubnetIDs[i] = string(s)
			} else {
				n.SubnetIDs[i] = fmt.Sprintf("subnet-(Output %d)", i)
			}
		}
	default:
		n.SubnetIDs = nil
		for i := range max(2, c.Domain.SubnetCount()) {
			n.SubnetIDs = append(n.SubnetIDs, fmt.Sprintf("subnet-(Output %d)", i))
		}
	}
	return n
}

// validateExistingNetwork validates the network with Existing's values as
// far as they are known, naming problems of Existing's values by their
// Args field.
func (c *Config) validateExistingNetwork(ps *problems) {
	e := c.Existing
	if e.VpcID != nil && c.Network.VpcID != "" {
		ps.addKey(existingVpcKey, "", "is set together with Args.Network.VpcID (network.vpcId); give the VPC once")
	}
	if e.SubnetIDs != nil && len(c.Network.SubnetIDs) > 0 {
		ps.addKey(existingSubnetsKey, "", "is set together with Args.Network.SubnetIDs (network.subnetIds); give the subnets once")
	}
	if _, known := e.knownVpcID(); e.VpcID != nil && !known && !c.Network.SqsEndpoint {
		ps.add("network.sqsEndpoint", false, "allows HTTPS to the VPC's own CIDRs, which must be known when the program runs; %s is an Output, so keep sqsEndpoint true (the default) or give the VPC ID as a string", existingVpcKey)
	}
	view := *c
	view.Network = c.programTimeNetwork()
	var nps problems
	view.validateNetwork(&nps)
	*ps = append(*ps, e.renameKeys(nps)...)
}

// renameKeys names the problems of the network keys Existing replaces by
// their Args field: logsearch:network.subnetIds[1] ->
// Args.Existing.SubnetIDs[1].
func (e ExistingResources) renameKeys(ps problems) problems {
	for i, p := range ps {
		for _, r := range []struct {
			set      bool
			key, arg string
		}{{e.VpcID != nil, "network.vpcId", existingVpcKey}, {e.SubnetIDs != nil, "network.subnetIds", existingSubnetsKey}} {
			if rest, ok := strings.CutPrefix(p.Key, configNamespace+":"+r.key); ok && r.set {
				ps[i].Key = r.arg + rest
			}
		}
	}
	return ps
}

// checkResolvedNetwork validates the VPC and subnets once their values are
// known, as validateNetwork does when the program runs.
func (c *Config) checkResolvedNetwork(vpcID string, subnetIDs []string) error {
	view := *c
	view.Network.VpcID, view.Network.SubnetIDs = vpcID, subnetIDs
	var ps problems
	view.validateNetwork(&ps)
	if len(ps) > 0 {
		return &ConfigError{Stack: c.Stack, Problems: c.Existing.renameKeys(ps), fromArgs: true}
	}
	return nil
}

// existingNetwork is the existing VPC and its subnets, from Existing or
// the plain settings, checked when they resolve.
func (c *Config) existingNetwork() (pulumi.StringOutput, pulumi.StringArrayOutput) {
	var vpcID pulumi.StringInput = pulumi.String(c.Network.VpcID)
	if c.Existing.VpcID != nil {
		vpcID = c.Existing.VpcID
	}
	var subnetIDs pulumi.StringArrayInput = pulumi.ToStringArray(c.Network.SubnetIDs)
	if c.Existing.SubnetIDs != nil {
		subnetIDs = c.Existing.SubnetIDs
	}
	// As outputs of their own types: vpc.ID() is an IDOutput, whose value
	// is a pulumi.ID, not a string.
	checked := pulumi.All(vpcID.ToStringOutput(), subnetIDs.ToStringArrayOutput()).ApplyT(func(v []any) ([]any, error) {
		return v, c.checkResolvedNetwork(v[0].(string), v[1].([]string))
	}).(pulumi.ArrayOutput)
	return checked.ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput),
		checked.ApplyT(func(v []any) []string { return v[1].([]string) }).(pulumi.StringArrayOutput)
}

// hostedZoneIDPattern is a Route53 hosted zone ID: upper-case letters and
// digits, at most 32 (HostedZone.Id, "Maximum length of 32",
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html),
// without the /hostedzone/ prefix the API puts in front of it.
var hostedZoneIDPattern = regexp.MustCompile(`^[A-Z0-9]{1,32}$`)

// existingZoneID is Existing.HostedZoneID, checked when it resolves: its
// form, then the zone itself, looked up by ID. A private zone passed
// without Dashboards.PrivateZone is refused: ACM validates DNS only over
// public DNS
// (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html),
// so the requested certificate would wait for validation until the
// provider gives up, 75 minutes later.
func (c *Config) existingZoneID(ctx *pulumi.Context) pulumi.StringOutput {
	return c.Existing.HostedZoneID.ToStringOutput().ApplyT(func(id string) (string, error) {
		var ps problems
		if !hostedZoneIDPattern.MatchString(id) {
			ps.addKey(existingZoneKey, id, "not a Route53 hosted zone ID; pass the zone's ZoneId (e.g. Z0123456789ABCDEFGHIJ), not its ARN or name")
			return "", &ConfigError{Stack: c.Stack, Problems: ps, fromArgs: true}
		}
		zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{ZoneId: pulumi.StringRef(id)})
		switch {
		case err != nil:
			return "", fmt.Errorf("%s %s: looking up the Route53 hosted zone (the deployer needs route53:GetHostedZone): %w", existingZoneKey, id, err)
		case zone.PrivateZone != nil && *zone.PrivateZone && !c.Dashboards.PrivateZone:
			ps.addKey(existingZoneKey, id, "is a private hosted zone, but Dashboards.PrivateZone is false: ACM validates certificates only over public DNS, so validation would never finish; set Dashboards.PrivateZone and Dashboards.CertificateArn (see docs/dashboards.md#certificates-and-private-zones)")
			return "", &ConfigError{Stack: c.Stack, Problems: ps, fromArgs: true}
		}
		return id, nil
	}).(pulumi.StringOutput)
}

// knownVpcID is the existing VPC's ID where the program knows it when it
// runs (validation refuses what needs it otherwise).
func (c *Config) knownVpcID() string {
	if id, ok := c.Existing.knownVpcID(); ok {
		return id
	}
	return c.Network.VpcID
}
