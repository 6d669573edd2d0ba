package logsearch

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// zoneIDPattern is an ordinary availability zone ID such as use1-az1 or
// euw1-az3. Local and Wavelength zone IDs (use1-bos1-az1, use1-wl1-bos-wlz1)
// do not match: the domain, the load balancer and the functions need
// regular zones.
var zoneIDPattern = regexp.MustCompile(`^[a-z]+[0-9]+-az[0-9]+$`)

func (c *Config) validateZoneIDs(ps *problems) {
	n := &c.Network
	if len(n.ZoneIDs) == 0 {
		return
	}
	seen := map[string]bool{}
	for i, id := range n.ZoneIDs {
		key := fmt.Sprintf("network.zoneIds[%d]", i)
		if !zoneIDPattern.MatchString(id) {
			ps.add(key, id, "not an ordinary availability zone ID; they look like use1-az1 (see `aws ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneId'`); Local and Wavelength zones are not supported")
		}
		if seen[id] {
			ps.add(key, id, "listed twice; list each zone once")
		}
		if slices.Contains(constrainedZoneIDs, id) {
			ps.add(key, id, "this zone lacks current instance types (AWS documents it for Amazon MSK and RDS Proxy), so it is skipped by default and refused when listed; pick another zone ID of the region")
		}
		seen[id] = true
	}
	if len(n.ZoneIDs) != n.AzCount {
		ps.add("network.zoneIds", strings.Join(n.ZoneIDs, ","), "lists %d zone(s) but network.azCount is %d; list exactly azCount zone IDs, or remove azCount (it then follows the list)", len(n.ZoneIDs), n.AzCount)
	}
}

// constrainedZoneIDs are ordinary zones AWS documents as lacking current
// instance types, which the domain, the load balancer and the functions
// may need. The default choice skips them and network.zoneIds may not name
// them.
//
// Confirmed by AWS for other services only, not by an OpenSearch Service
// document (its VPC and limits pages name no zone):
//   - Amazon MSK: "Client subnets can't occupy the Availability Zone with
//     ID use1-az3" (AWS::MSK::Cluster BrokerNodeGroupInfo ClientSubnets,
//     CloudFormation reference);
//   - RDS Proxy: "US East (N. Virginia) Region does not support RDS Proxy
//     in the use1-az3 Availability Zone" (RDS user guide,
//     https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations),
//     also in terraform-provider-aws' aws_db_proxy documentation.
//
// Excluding it for OpenSearch is a precaution from those documents.
var constrainedZoneIDs = []string{"use1-az3"}

// ordinaryZonesFilter keeps Local Zones and Wavelength Zones (opted-in
// zones) out: only zones every account has without opting in
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html,
// filter opt-in-status).
var ordinaryZonesFilter = aws.GetAvailabilityZonesFilter{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}

// stackZones picks the new VPC's availability zone names: the zones
// network.zoneIds pins (in that order), or the region's first azCount
// ordinary zones. The problems are the config's (zones the region does not
// have); the error is the lookup's.
func stackZones(ctx *pulumi.Context, cfg *Config) ([]string, problems, error) {
	if cfg.vpcZones != nil {
		return cfg.vpcZones, nil, nil
	}
	n := cfg.Network
	azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:          pulumi.StringRef("available"),
		Filters:        []aws.GetAvailabilityZonesFilter{ordinaryZonesFilter},
		ExcludeZoneIds: constrainedZoneIDs,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("listing availability zones: %w", err)
	}
	if len(azs.Names) != len(azs.ZoneIds) {
		return nil, nil, fmt.Errorf("listing availability zones: %d names but %d zone IDs", len(azs.Names), len(azs.ZoneIds))
	}
	var ps problems
	if len(n.ZoneIDs) == 0 {
		if len(azs.Names) < n.AzCount {
			ps.add("network.azCount", n.AzCount, "region %s has only %d ordinary availability zones (%s); lower it", cfg.Region, len(azs.Names), strings.Join(azs.Names, ", "))
			return nil, ps, nil
		}
		return azs.Names[:n.AzCount], nil, nil
	}
	names := make([]string, 0, len(n.ZoneIDs))
	var missing []string
	for _, id := range n.ZoneIDs {
		if i := slices.Index(azs.ZoneIds, id); i >= 0 {
			names = append(names, azs.Names[i])
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ps.add("network.zoneIds", "", "%s is not an available ordinary zone in region %s; pick from %s", strings.Join(missing, ", "), cfg.Region, strings.Join(azs.ZoneIds, ", "))
		return nil, ps, nil
	}
	return names, nil, nil
}
