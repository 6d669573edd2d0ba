package logsearch

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
)

// regionKey is the AWS provider's region setting, which the stack file must
// set: a missing one would leave the region to whatever the deployer's
// environment (AWS_REGION, a profile) says, a different one per person.
const regionKey = "aws:region"

// knownRegions are the regions the pinned pulumi-aws SDK knows: its Region
// enum (sdk/go/aws/pulumiEnums.go of github.com/pulumi/pulumi-aws).
// TestKnownRegionsAreTheSDKEnum fails when an upgrade adds one that is not
// listed here.
var knownRegions = []aws.Region{
	aws.RegionAFSouth1, aws.RegionAPEast1, aws.RegionAPNortheast1, aws.RegionAPNortheast2,
	aws.RegionAPNortheast3, aws.RegionAPSouth1, aws.RegionAPSouth2, aws.RegionAPSoutheast1,
	aws.RegionAPSoutheast2, aws.RegionAPSoutheast3, aws.RegionAPSoutheast4, aws.RegionAPSoutheast5,
	aws.RegionAPSoutheast7, aws.RegionCACentral, aws.RegionCAWest1, aws.RegionEUCentral1,
	aws.RegionEUCentral2, aws.RegionEUNorth1, aws.RegionEUSouth1, aws.RegionEUSouth2,
	aws.RegionEUWest1, aws.RegionEUWest2, aws.RegionEUWest3, aws.RegionILCentral1,
	aws.RegionMECentral1, aws.RegionMESouth1, aws.RegionMXCentral1, aws.RegionSAEast1,
	aws.RegionUSEast1, aws.RegionUSEast2, aws.RegionUSWest1, aws.RegionUSWest2,
	aws.RegionCNNorth1, aws.RegionCNNorthwest1, aws.RegionUSGovEast1, aws.RegionUSGovWest1,
	aws.RegionUSISOEast1, aws.RegionUSISOWest1, aws.RegionUSISOBEast1, aws.RegionEUISOEWest1,
}

// regionNames are knownRegions as strings.
func regionNames() []string {
	names := make([]string, len(knownRegions))
	for i, r := range knownRegions {
		names[i] = string(r)
	}
	return names
}

// regionShape is <area>-<direction>-<number>, as every AWS region is named.
var regionShape = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+)-([0-9]+)$`)

// regionStatus says whether a region name is one to deploy to.
type regionStatus int

const (
	regionKnown   regionStatus = iota
	regionNewer                // an unknown number in a known area: a region newer than the SDK
	regionUnknown              // anything else: a typo, or not a region
)

// classifyRegion places name among the known regions. A region opened after
// the SDK release carries a new number in an area that already exists
// (ap-east-2 after ap-east-1); a misspelt one (eu-centrall-1) names no
// known area, and is refused.
func classifyRegion(name string) regionStatus {
	known := regionNames()
	if slices.Contains(known, name) {
		return regionKnown
	}
	m := regionShape.FindStringSubmatch(name)
	if m == nil {
		return regionUnknown
	}
	for _, k := range known {
		if km := regionShape.FindStringSubmatch(k); km != nil && km[1] == m[1] {
			return regionNewer
		}
	}
	return regionUnknown
}

// checkRegion reads aws:region from the stack config: required, and one
// of the regions AWS has. It returns the region, "" when refused.
func checkRegion(src configSource, ps *problems) string {
	raw, _ := src.GetConfig(regionKey)
	region := strings.TrimSpace(raw)
	switch {
	case region == "":
		ps.addKey(regionKey, "", "required: the stack file names the region it deploys to, so every deployer and CI deploy to the same one (without it the region would come from each deployer's environment); pulumi config set aws:region <region>, e.g. eu-west-1")
		return ""
	case classifyRegion(region) == regionUnknown:
		hint := didYouMean(region, regionNames())
		if hint == "" {
			hint = " The regions are " + strings.Join(regionNames(), ", ") + "."
		}
		ps.addKey(regionKey, region, "not an AWS region.%s", hint)
		return ""
	}
	return region
}

// regionWarning is said of a region newer than the SDK's list.
func regionWarning(region string) string {
	if region == "" || classifyRegion(region) != regionNewer {
		return ""
	}
	return fmt.Sprintf("%s %q is not among the regions this pulumi-aws release knows; if AWS opened it after that release, go ahead, otherwise check the name", regionKey, region)
}
