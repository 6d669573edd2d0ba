package logsearch

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// OpenSearch Service gp3 rules for one data node's volume. AWS checks them
// only when the domain is created or changed (LimitExceededException:
// "Throughput must be between 250 and ..."), so validation checks them first.
//
// Sources:
//   - Maximum gp3 volume per instance type: OpenSearch Service developer
//     guide, "EBS volume size quotas",
//     https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource
//   - IOPS baseline of 3 IOPS per GiB (at least 3,000, at most 16,000) and
//     the 250 MiB/s throughput floor of larger volumes: the AWS Pricing
//     Calculator's OpenSearch gp3 formula, quoted in
//     https://github.com/hashicorp/terraform-provider-aws/issues/39136 and
//     matching the refusals reported in
//     https://github.com/awsdocs/aws-cloudformation-user-guide/issues/1324
//     (throughput 125 refused) and the 128 GiB volume that AWS accepted at
//     125 MiB/s in ministryofjustice/cloud-platform-environments#11233.
//     The exact size at which the floor rises to 250 MiB/s is not in AWS's
//     published documentation; gp3ThroughputStepGiB is the boundary of
//     gp2's own 250 MiB/s throughput (EBS user guide, gp2 volumes), which
//     OpenSearch's gp3 baseline is built not to fall below.
//   - The included throughput above that grows by 250 MiB/s for every
//     started 3000 GiB, up to 1000 MiB/s: the same calculator formula, as
//     re-implemented for OpenSearch gp3 in infracost
//     (internal/resources/aws/search_domain.go, calculateBillableThroughput:
//     "+250 MiB/s free for every 3 TB for volumes above 170 GB (storage is
//     rounded up)", capped at 1000). Unconfirmed by an AWS document: that
//     the step is 3000 and not 3072 GiB, the 1000 MiB/s cap, and 170 GiB
//     itself (infracost counts it as small, at 125 MiB/s; here it already
//     gets 250, which AWS accepts either way as provisioned throughput).
//   - Up to 16,000 IOPS and 1,000 MiB/s for every started 3 TiB of a
//     node's volume: "Amazon OpenSearch Service now supports higher IOPS
//     and throughput for gp3 volumes" (AWS What's New, July 2023),
//     https://aws.amazon.com/about-aws/whats-new/2023/07/amazon-opensearch-service-iops-throughput-gp3/
//   - At most 500 IOPS per GiB and at most 0.25 MiB/s of throughput per
//     provisioned IOPS: EBS user guide, "General Purpose SSD volumes", gp3,
//     https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type;
//     aws-cdk enforces both for OpenSearch domains
//     (packages/aws-cdk-lib/aws-opensearchservice/lib/domain.ts).
const (
	gp3MinIops            = 3000
	gp3MaxIopsPerStripe   = 16000
	gp3IopsPerGiB         = 3
	gp3MinThroughput      = 125 // MiB/s
	gp3LargeThroughput    = 250 // MiB/s, the floor from gp3ThroughputStepGiB on
	gp3ThroughputStepGiB  = 170
	gp3MaxThroughputPerSt = 1000 // MiB/s per stripe
	gp3StripeGiB          = 3072
	gp3BaselineStepGiB    = 3000 // the calculator's step for included throughput
	gp3MaxIopsPerGiB      = 500
	gp3IopsPerMiBPerS     = 4  // at most 0.25 MiB/s per IOPS
	minVolumeSize         = 10 // GiB, every instance type
)

// Gp3Range is what OpenSearch Service accepts for one node's gp3 volume of a
// given size, and what it provisions when IOPS and throughput are omitted.
type Gp3Range struct {
	BaselineIops, MaxIops             int
	BaselineThroughput, MaxThroughput int // MiB/s
}

// Gp3RangeFor is the gp3 range of a volumeGiB volume on one data node.
func Gp3RangeFor(volumeGiB int) Gp3Range {
	stripes := (volumeGiB + gp3StripeGiB - 1) / gp3StripeGiB
	if stripes < 1 {
		stripes = 1
	}
	r := Gp3Range{
		BaselineIops:       min(max(gp3IopsPerGiB*volumeGiB, gp3MinIops), gp3MaxIopsPerStripe),
		MaxIops:            min(gp3MaxIopsPerStripe*stripes, gp3MaxIopsPerGiB*volumeGiB),
		BaselineThroughput: gp3MinThroughput,
		MaxThroughput:      gp3MaxThroughputPerSt * stripes,
	}
	if volumeGiB >= gp3ThroughputStepGiB {
		steps := (volumeGiB + gp3BaselineStepGiB - 1) / gp3BaselineStepGiB
		r.BaselineThroughput = min(gp3LargeThroughput*steps, gp3MaxThroughputPerSt)
	}
	return r
}

// MaxThroughputAt is the most throughput the range allows with iops
// provisioned: gp3 gives at most 0.25 MiB/s per IOPS.
func (r Gp3Range) MaxThroughputAt(iops int) int {
	return min(r.MaxThroughput, iops/gp3IopsPerMiBPerS)
}

// ebsLimit is an instance type's per-node EBS maximum in GiB (maxGp3 0:
// no gp3 volumes) and its EC2 EBS bandwidth in Mbps, which caps gp3
// throughput (0: not known).
type ebsLimit struct{ maxGp2, maxGp3, ebsMbps int }

const tib = 1024

// ebsLimits is the "EBS volume size quotas" table of the OpenSearch Service
// developer guide (limits.html#ebsresource) for the current EBS-backed
// families, with each type's maximum EBS bandwidth from the EC2 guide
// (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html#gp_storage-ebs,
// .../co.html, .../mo.html, .../bp.html "Amazon EBS specifications"). AWS
// refuses gp3 throughput above a node's EBS bandwidth: the refusal
// "Throughput must be between 250 and 593" in
// ministryofjustice/cloud-platform-environments#11233 does not name its
// instance type, but 593 is 4750 Mbps / 8, the bandwidth of the *.large and
// *.xlarge types of the 5 and 6g families in this table. Types with
// instance storage only (r6gd, i3) and previous generations without gp3 are
// left out: validation warns that their size is unchecked.
var ebsLimits = map[string]ebsLimit{
	"t2.micro.search":     {35, 0, 0},
	"t2.small.search":     {35, 0, 0},
	"t2.medium.search":    {35, 0, 0},
	"t3.small.search":     {100, 100, 2085},
	"t3.medium.search":    {200, 200, 2085},
	"m5.large.search":     {512, 1 * tib, 4750},
	"m5.xlarge.search":    {1 * tib, 2 * tib, 4750},
	"m5.2xlarge.search":   {1536, 3 * tib, 4750},
	"m5.4xlarge.search":   {3 * tib, 6 * tib, 4750},
	"m5.12xlarge.search":  {9 * tib, 18 * tib, 9500},
	"m6g.large.search":    {512, 1 * tib, 4750},
	"m6g.xlarge.search":   {1 * tib, 2 * tib, 4750},
	"m6g.2xlarge.search":  {1536, 3 * tib, 4750},
	"m6g.4xlarge.search":  {3 * tib, 6 * tib, 4750},
	"m6g.8xlarge.search":  {6 * tib, 12 * tib, 9000},
	"m6g.12xlarge.search": {9 * tib, 18 * tib, 13500},
	"c5.large.search":     {256, 256, 4750},
	"c5.xlarge.search":    {512, 512, 4750},
	"c5.2xlarge.search":   {1 * tib, 1 * tib, 4750},
	"c5.4xlarge.search":   {1536, 1536, 4750},
	"c5.9xlarge.search":   {3584, 3584, 9500},
	"c5.18xlarge.search":  {7 * tib, 7 * tib, 19000},
	"c6g.large.search":    {256, 256, 4750},
	"c6g.xlarge.search":   {512, 512, 4750},
	"c6g.2xlarge.search":  {1 * tib, 1 * tib, 4750},
	"c6g.4xlarge.search":  {1536, 1536, 4750},
	"c6g.8xlarge.search":  {3 * tib, 3 * tib, 9000},
	"c6g.12xlarge.search": {4608, 4608, 13500},
	"r5.large.search":     {1 * tib, 2 * tib, 4750},
	"r5.xlarge.search":    {1536, 3 * tib, 4750},
	"r5.2xlarge.search":   {3 * tib, 6 * tib, 4750},
	"r5.4xlarge.search":   {6 * tib, 12 * tib, 4750},
	"r5.12xlarge.search":  {12 * tib, 24 * tib, 9500},
	"r6g.large.search":    {1 * tib, 2 * tib, 4750},
	"r6g.xlarge.search":   {1536, 3 * tib, 4750},
	"r6g.2xlarge.search":  {3 * tib, 6 * tib, 4750},
	"r6g.4xlarge.search":  {6 * tib, 12 * tib, 4750},
	"r6g.8xlarge.search":  {8 * tib, 16 * tib, 9000},
	"r6g.12xlarge.search": {12 * tib, 24 * tib, 13500},
}

// Gp3RangeOn is Gp3RangeFor on one instance type: throughput is also
// capped by the instance's EBS bandwidth where the table knows it.
func Gp3RangeOn(instanceType string, volumeGiB int) Gp3Range {
	r := Gp3RangeFor(volumeGiB)
	if l, ok := ebsLimitFor(instanceType); ok && l.ebsMbps > 0 {
		r.MaxThroughput = min(r.MaxThroughput, l.ebsMbps/8)
	}
	return r
}

func ebsLimitFor(instanceType string) (ebsLimit, bool) {
	l, ok := ebsLimits[instanceType]
	return l, ok
}

// KnownInstanceTypes lists the instance types whose EBS limit is checked.
func KnownInstanceTypes() []string {
	out := make([]string, 0, len(ebsLimits))
	for t := range ebsLimits {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// largerGp3Type names a known instance type of the same family that takes
// volumeGiB of gp3, for the refusal message ("" when none does).
func largerGp3Type(instanceType string, volumeGiB int) string {
	family, _, _ := strings.Cut(instanceType, ".")
	best, bestMax := "", 0
	for t, l := range ebsLimits {
		if f, _, _ := strings.Cut(t, "."); f == family && l.maxGp3 >= volumeGiB && (best == "" || l.maxGp3 < bestMax) {
			best, bestMax = t, l.maxGp3
		}
	}
	return best
}

// validateStorage checks the data nodes' gp3 volume against the instance
// type's maximum and the size's IOPS and throughput range, and fills in
// AWS's baseline for IOPS and throughput left out of the config.
func (d *DomainConfig) validateStorage(ps *problems, validInstance bool) {
	if d.VolumeSize < minVolumeSize {
		ps.add("domain.volumeSize", d.VolumeSize, "the minimum EBS volume is %d GiB", minVolumeSize)
	}
	if validInstance {
		if limit, known := ebsLimitFor(d.InstanceType); known {
			switch {
			case limit.maxGp3 == 0:
				ps.add("domain.instanceType", d.InstanceType, "this instance type has no gp3 storage and caps EBS at %d GiB; use t3.medium.search or larger", limit.maxGp2)
			case d.VolumeSize > limit.maxGp3:
				hint := "choose a larger instance type"
				if t := largerGp3Type(d.InstanceType, d.VolumeSize); t != "" {
					hint = fmt.Sprintf("choose a larger instance type (e.g. %s: %d GiB)", t, ebsLimits[t].maxGp3)
				}
				ps.add("domain.volumeSize", d.VolumeSize, "%s takes at most %d GiB of gp3 per node; lower volumeSize or %s", d.InstanceType, limit.maxGp3, hint)
			}
		}
	}
	r := Gp3RangeOn(d.InstanceType, d.VolumeSize)
	maxThroughput := r.MaxThroughput
	if d.Iops == 0 {
		d.Iops = r.BaselineIops
	}
	if d.Iops < r.BaselineIops || d.Iops > r.MaxIops {
		ps.add("domain.iops", d.Iops, "OpenSearch accepts %d to %d IOPS for a %d GiB gp3 volume (at most %d per started %d GiB, and %d per GiB); set a value in that range, or remove iops to get the included baseline (%d)", r.BaselineIops, r.MaxIops, d.VolumeSize, gp3MaxIopsPerStripe, gp3StripeGiB, gp3MaxIopsPerGiB, r.BaselineIops)
	} else {
		maxThroughput = r.MaxThroughputAt(d.Iops)
	}
	if d.Throughput == 0 {
		d.Throughput = r.BaselineThroughput
	} else if d.Throughput < r.BaselineThroughput || d.Throughput > maxThroughput {
		ps.add("domain.throughput", d.Throughput, "OpenSearch accepts %d to %d MiB/s for a %d GiB gp3 volume on %s with %d IOPS (gp3 gives at most 0.25 MiB/s per IOPS, and no more than the instance's EBS bandwidth); set a value in that range or raise iops, or remove throughput to get the included baseline (%d MiB/s)", r.BaselineThroughput, maxThroughput, d.VolumeSize, d.InstanceType, d.Iops, r.BaselineThroughput)
	}
}

const (
	// sizingOverhead is OpenSearch Service's storage rule of thumb: source
	// data x (1 + replicas) x 1.45 covers indexing overhead, the operating
	// system's reserve and the service's own 20% (OpenSearch Service
	// developer guide, "Calculating storage requirements",
	// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/sizing-domains.html#bp-storage).
	sizingOverhead = 1.45
	// freeStorageAlarmFraction is where the domain-free-storage alarm fires:
	// 25% of a node's volume free, as AWS recommends (OpenSearch Service
	// developer guide, "Recommended CloudWatch alarms",
	// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html).
	freeStorageAlarmFraction = 0.25
	// sizingMarginFraction keeps steady state this far below the alarm, so
	// a busier week does not page anyone.
	sizingMarginFraction = 0.10
)

// SteadyStateUse is the share of each data node's volume that
// ExpectedDailyGiB fills once retentionDays of daily indices (plus today's)
// are kept; ok is false when the stack states no expected volume.
func (c *Config) SteadyStateUse() (use float64, ok bool) {
	perNode, ok := c.perNodeGiB(c.RetentionDays + 1)
	return perNode / float64(c.Domain.VolumeSize), ok
}

// perNodeGiB is what days daily indices of ExpectedDailyGiB take on each
// data node, replicas and overhead included; ok is false when the stack
// states no expected volume.
func (c *Config) perNodeGiB(days int) (gib float64, ok bool) {
	d := c.Domain
	if d.ExpectedDailyGiB <= 0 || d.InstanceCount < 1 || d.VolumeSize < 1 {
		return 0, false
	}
	return d.ExpectedDailyGiB * float64(days) * float64(1+d.Replicas) * sizingOverhead / float64(d.InstanceCount), true
}

// sizingWarning says when the stated daily volume would keep the
// free-storage alarm on (or nearly on) at steady state.
func (c *Config) sizingWarning() string {
	use, ok := c.SteadyStateUse()
	limit := 1 - freeStorageAlarmFraction - sizingMarginFraction
	if !ok && c.Production {
		return fmt.Sprintf("logsearch:domain: this production stack states no domain.expectedDailyGiB (GiB of logs a day), so nothing checks that its %d GiB per node stay clear of the free-storage alarm at %.0f%% free; add it", c.Domain.VolumeSize, freeStorageAlarmFraction*100)
	}
	if !ok || use <= limit {
		return ""
	}
	d := c.Domain
	need := int(math.Ceil(use / limit * float64(d.VolumeSize)))
	return fmt.Sprintf("logsearch:domain.expectedDailyGiB = %g: %d day(s) of indices with %d replica(s) fill %.0f%% of each data node's %d GiB, and the free-storage alarm fires at %.0f%% free; keep steady state at or below %.0f%% used: raise domain.volumeSize to %d GiB or more (or add data nodes), or lower logsearch:retentionDays",
		d.ExpectedDailyGiB, c.RetentionDays+1, d.Replicas, use*100, d.VolumeSize, freeStorageAlarmFraction*100, limit*100, need)
}
