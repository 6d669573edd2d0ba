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
//     In September 2025 EBS raised one gp3 volume to 64 TiB, 80,000 IOPS
//     and 2,000 MiB/s
//     (https://aws.amazon.com/about-aws/whats-new/2025/09/amazon-ebs-size-provisioned-performance-gp3-volumes/,
//     as cited in aws/aws-cdk#38000 and ansible-collections/amazon.aws#2749).
//     No OpenSearch Service document read here says how a domain's
//     per-node limits follow (the stripe size, and the IOPS and throughput
//     per stripe); aws/aws-cdk#38001 raised CDK's flat 1000 MiB/s check to
//     2000 on a contributor's word that "OpenSearch Service supports it",
//     which the 2023 rule already allows from 3073 GiB (two stripes). So
//     the 2023 rule stays: it is never looser than AWS, at worst stricter
//     on volumes of one stripe.
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

// ebsLimit is what one instance type takes as a data node's EBS volume, in
// GiB: at least minGiB, at most maxGp2 of gp2 and maxGp3 of gp3 (0: not
// that volume type; both 0: instance storage only, no EBS volume at all).
// ebsMbps is its EC2 EBS bandwidth in Mbps, which caps gp3 throughput (0:
// not known).
type ebsLimit struct{ minGiB, maxGp2, maxGp3, ebsMbps int }

const (
	tib = 1024
	// optimizedMinGiB is the smallest volume of the OpenSearch optimized
	// types (OR1, OR2, OM2), where every other EBS-backed type takes 10.
	optimizedMinGiB = 20
)

func gp2Only(maxGp2 int) ebsLimit { return ebsLimit{minVolumeSize, maxGp2, 0, 0} }
func gp2AndGp3(maxGp2, maxGp3, mbps int) ebsLimit {
	return ebsLimit{minVolumeSize, maxGp2, maxGp3, mbps}
}
func gp3Only(maxGp3, mbps int) ebsLimit { return ebsLimit{minVolumeSize, 0, maxGp3, mbps} }

// openSearchOptimized is an OR1, OR2 or OM2 type: gp3 only, from 20 GiB,
// on hardware whose EC2 EBS bandwidth AWS does not publish.
func openSearchOptimized(maxGp3 int) ebsLimit { return ebsLimit{optimizedMinGiB, 0, maxGp3, 0} }

// instanceStoreOnly is a type whose data lives on its own NVMe disks: AWS
// lists no EBS size for it ("N/A"), and "EBS volumes are not an option
// when you select these instance types" (developer guide, "Petabyte scale",
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/petabyte-scale.html).
var instanceStoreOnly = ebsLimit{}

// takesEBS is false for the types with instance storage only.
func (l ebsLimit) takesEBS() bool { return l.maxGp2 > 0 || l.maxGp3 > 0 }

// ebsLimits is every row of the "EBS volume size quotas" table of the
// OpenSearch Service developer guide,
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource
// as it stands with the OR2, OM2, OI2, 7i and 8g families (the copy in
// awsdocs/amazon-opensearch-service-developer-guide stops in 2023, before
// them). Every size of a family is listed, so that a size of a listed
// family missing here is refused as a typo (instancetype.go). Where the page gives two values for one type,
// the smaller is kept, so validation is never looser than AWS: the page
// lists "r7i.12xlarge" twice, at 24 and 36 TiB, and no r7i.16xlarge, so
// both get 24 TiB (a 16xlarge never takes less than its 12xlarge); "1532
// GiB" for or1/or2/r8g.large is kept as written, where the same size of
// r7g and r7i takes 1.5 TiB (1536 GiB).
//
// Each type's maximum EBS bandwidth is from the EC2 guide's "Amazon EBS
// specifications" (EBS-optimized instances: "Maximum bandwidth (Mbps)";
// https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html#gp_storage-ebs,
// .../co.html, .../mo.html; for the 5, 6g and 7g families as of
// awsdocs/amazon-ec2-user-guide doc_source/ebs-optimized.md at d289961 of
// 2023-05-11, for 7i and r8g the Amazon EC2 Instance Types guide of 2024).
// AWS refuses gp3 throughput above a node's EBS bandwidth: the refusal
// "Throughput must be between 250 and 593" in
// ministryofjustice/cloud-platform-environments#11233 does not name its
// instance type, but 593 is 4750 Mbps / 8, the maximum bandwidth of the
// *.large to *.4xlarge types of the 5 and 6g families. The EC2 guide
// publishes no m8g or c8g row in the versions read here, and AWS names no
// EC2 type behind OR1, OR2 or OM2: their bandwidth is 0 (not known), and
// a throughput above one stripe's 1000 MiB/s on them is only warned about
// (ebsBandwidthWarning).
var ebsLimits = map[string]ebsLimit{
	// Burstable.
	"t2.micro.search":  gp2Only(35),
	"t2.small.search":  gp2Only(35),
	"t2.medium.search": gp2Only(35),
	"t3.small.search":  gp2AndGp3(100, 100, 2085),
	"t3.medium.search": gp2AndGp3(200, 200, 2085),
	// Previous generations: gp2 only.
	"m3.medium.search":   gp2Only(100),
	"m3.large.search":    gp2Only(512),
	"m3.xlarge.search":   gp2Only(512),
	"m3.2xlarge.search":  gp2Only(512),
	"m4.large.search":    gp2Only(512),
	"m4.xlarge.search":   gp2Only(1 * tib),
	"m4.2xlarge.search":  gp2Only(1536),
	"m4.4xlarge.search":  gp2Only(1536),
	"m4.10xlarge.search": gp2Only(1536),
	"c4.large.search":    gp2Only(100),
	"c4.xlarge.search":   gp2Only(512),
	"c4.2xlarge.search":  gp2Only(1 * tib),
	"c4.4xlarge.search":  gp2Only(1536),
	"c4.8xlarge.search":  gp2Only(1536),
	"r3.large.search":    gp2Only(512),
	"r3.xlarge.search":   gp2Only(512),
	"r3.2xlarge.search":  gp2Only(512),
	"r3.4xlarge.search":  gp2Only(512),
	"r3.8xlarge.search":  gp2Only(512),
	"r4.large.search":    gp2Only(1 * tib),
	"r4.xlarge.search":   gp2Only(1536),
	"r4.2xlarge.search":  gp2Only(1536),
	"r4.4xlarge.search":  gp2Only(1536),
	"r4.8xlarge.search":  gp2Only(1536),
	"r4.16xlarge.search": gp2Only(1536),
	"i2.xlarge.search":   gp2Only(512),
	"i2.2xlarge.search":  gp2Only(512),
	// gp2 and gp3.
	"m5.large.search":     gp2AndGp3(512, 1*tib, 4750),
	"m5.xlarge.search":    gp2AndGp3(1*tib, 2*tib, 4750),
	"m5.2xlarge.search":   gp2AndGp3(1536, 3*tib, 4750),
	"m5.4xlarge.search":   gp2AndGp3(3*tib, 6*tib, 4750),
	"m5.12xlarge.search":  gp2AndGp3(9*tib, 18*tib, 9500),
	"m6g.large.search":    gp2AndGp3(512, 1*tib, 4750),
	"m6g.xlarge.search":   gp2AndGp3(1*tib, 2*tib, 4750),
	"m6g.2xlarge.search":  gp2AndGp3(1536, 3*tib, 4750),
	"m6g.4xlarge.search":  gp2AndGp3(3*tib, 6*tib, 4750),
	"m6g.8xlarge.search":  gp2AndGp3(6*tib, 12*tib, 9500),
	"m6g.12xlarge.search": gp2AndGp3(9*tib, 18*tib, 14250),
	"c5.large.search":     gp2AndGp3(256, 256, 4750),
	"c5.xlarge.search":    gp2AndGp3(512, 512, 4750),
	"c5.2xlarge.search":   gp2AndGp3(1*tib, 1*tib, 4750),
	"c5.4xlarge.search":   gp2AndGp3(1536, 1536, 4750),
	"c5.9xlarge.search":   gp2AndGp3(3584, 3584, 9500),
	"c5.18xlarge.search":  gp2AndGp3(7*tib, 7*tib, 19000),
	"c6g.large.search":    gp2AndGp3(256, 256, 4750),
	"c6g.xlarge.search":   gp2AndGp3(512, 512, 4750),
	"c6g.2xlarge.search":  gp2AndGp3(1*tib, 1*tib, 4750),
	"c6g.4xlarge.search":  gp2AndGp3(1536, 1536, 4750),
	"c6g.8xlarge.search":  gp2AndGp3(3*tib, 3*tib, 9500),
	"c6g.12xlarge.search": gp2AndGp3(4608, 4608, 14250),
	"r5.large.search":     gp2AndGp3(1*tib, 2*tib, 4750),
	"r5.xlarge.search":    gp2AndGp3(1536, 3*tib, 4750),
	"r5.2xlarge.search":   gp2AndGp3(3*tib, 6*tib, 4750),
	"r5.4xlarge.search":   gp2AndGp3(6*tib, 12*tib, 4750),
	"r5.12xlarge.search":  gp2AndGp3(12*tib, 24*tib, 9500),
	"r6g.large.search":    gp2AndGp3(1*tib, 2*tib, 4750),
	"r6g.xlarge.search":   gp2AndGp3(1536, 3*tib, 4750),
	"r6g.2xlarge.search":  gp2AndGp3(3*tib, 6*tib, 4750),
	"r6g.4xlarge.search":  gp2AndGp3(6*tib, 12*tib, 4750),
	"r6g.8xlarge.search":  gp2AndGp3(8*tib, 16*tib, 9500),
	"r6g.12xlarge.search": gp2AndGp3(12*tib, 24*tib, 14250),
	// gp3 only.
	"c7g.large.search":    gp3Only(256, 10000),
	"c7g.xlarge.search":   gp3Only(512, 10000),
	"c7g.2xlarge.search":  gp3Only(1*tib, 10000),
	"c7g.4xlarge.search":  gp3Only(1536, 10000),
	"c7g.8xlarge.search":  gp3Only(3*tib, 10000),
	"c7g.12xlarge.search": gp3Only(4608, 15000),
	"c7g.16xlarge.search": gp3Only(6*tib, 20000),
	"m7g.medium.search":   gp3Only(512, 10000),
	"m7g.large.search":    gp3Only(768, 10000),
	"m7g.xlarge.search":   gp3Only(2*tib, 10000),
	"m7g.2xlarge.search":  gp3Only(3*tib, 10000),
	"m7g.4xlarge.search":  gp3Only(6*tib, 10000),
	"m7g.8xlarge.search":  gp3Only(12*tib, 10000),
	"m7g.12xlarge.search": gp3Only(18*tib, 15000),
	"m7g.16xlarge.search": gp3Only(24*tib, 20000),
	"r7g.medium.search":   gp3Only(768, 10000),
	"r7g.large.search":    gp3Only(1536, 10000),
	"r7g.xlarge.search":   gp3Only(3*tib, 10000),
	"r7g.2xlarge.search":  gp3Only(6*tib, 10000),
	"r7g.4xlarge.search":  gp3Only(12*tib, 10000),
	"r7g.8xlarge.search":  gp3Only(16*tib, 10000),
	"r7g.12xlarge.search": gp3Only(24*tib, 15000),
	"r7g.16xlarge.search": gp3Only(36*tib, 20000),
	"c7i.large.search":    gp3Only(256, 10000),
	"c7i.xlarge.search":   gp3Only(512, 10000),
	"c7i.2xlarge.search":  gp3Only(1*tib, 10000),
	"c7i.4xlarge.search":  gp3Only(1536, 10000),
	"c7i.8xlarge.search":  gp3Only(3*tib, 10000),
	"c7i.12xlarge.search": gp3Only(4608, 15000),
	"c7i.16xlarge.search": gp3Only(6*tib, 20000),
	"m7i.large.search":    gp3Only(768, 10000),
	"m7i.xlarge.search":   gp3Only(2*tib, 10000),
	"m7i.2xlarge.search":  gp3Only(3*tib, 10000),
	"m7i.4xlarge.search":  gp3Only(6*tib, 10000),
	"m7i.8xlarge.search":  gp3Only(12*tib, 10000),
	"m7i.12xlarge.search": gp3Only(18*tib, 15000),
	"m7i.16xlarge.search": gp3Only(24*tib, 20000),
	"r7i.large.search":    gp3Only(1536, 10000),
	"r7i.xlarge.search":   gp3Only(3*tib, 10000),
	"r7i.2xlarge.search":  gp3Only(6*tib, 10000),
	"r7i.4xlarge.search":  gp3Only(12*tib, 10000),
	"r7i.8xlarge.search":  gp3Only(16*tib, 10000),
	"r7i.12xlarge.search": gp3Only(24*tib, 15000),
	"r7i.16xlarge.search": gp3Only(24*tib, 20000),
	"c8g.large.search":    gp3Only(256, 0),
	"c8g.xlarge.search":   gp3Only(512, 0),
	"c8g.2xlarge.search":  gp3Only(1*tib, 0),
	"c8g.4xlarge.search":  gp3Only(1536, 0),
	"c8g.8xlarge.search":  gp3Only(3*tib, 0),
	"c8g.12xlarge.search": gp3Only(4608, 0),
	"c8g.16xlarge.search": gp3Only(6*tib, 0),
	"m8g.medium.search":   gp3Only(512, 0),
	"m8g.large.search":    gp3Only(768, 0),
	"m8g.xlarge.search":   gp3Only(2*tib, 0),
	"m8g.2xlarge.search":  gp3Only(3*tib, 0),
	"m8g.4xlarge.search":  gp3Only(6*tib, 0),
	"m8g.8xlarge.search":  gp3Only(12*tib, 0),
	"m8g.12xlarge.search": gp3Only(18*tib, 0),
	"m8g.16xlarge.search": gp3Only(24*tib, 0),
	"r8g.medium.search":   gp3Only(768, 10000),
	"r8g.large.search":    gp3Only(1532, 10000),
	"r8g.xlarge.search":   gp3Only(3*tib, 10000),
	"r8g.2xlarge.search":  gp3Only(6*tib, 10000),
	"r8g.4xlarge.search":  gp3Only(12*tib, 10000),
	"r8g.8xlarge.search":  gp3Only(16*tib, 10000),
	"r8g.12xlarge.search": gp3Only(24*tib, 15000),
	"r8g.16xlarge.search": gp3Only(36*tib, 20000),
	// OpenSearch optimized: gp3, at least 20 GiB.
	"or1.medium.search":   openSearchOptimized(768),
	"or1.large.search":    openSearchOptimized(1532),
	"or1.xlarge.search":   openSearchOptimized(3 * tib),
	"or1.2xlarge.search":  openSearchOptimized(6 * tib),
	"or1.4xlarge.search":  openSearchOptimized(12 * tib),
	"or1.8xlarge.search":  openSearchOptimized(16 * tib),
	"or1.12xlarge.search": openSearchOptimized(24 * tib),
	"or1.16xlarge.search": openSearchOptimized(36 * tib),
	"or2.medium.search":   openSearchOptimized(768),
	"or2.large.search":    openSearchOptimized(1532),
	"or2.xlarge.search":   openSearchOptimized(3 * tib),
	"or2.2xlarge.search":  openSearchOptimized(6 * tib),
	"or2.4xlarge.search":  openSearchOptimized(12 * tib),
	"or2.8xlarge.search":  openSearchOptimized(16 * tib),
	"or2.12xlarge.search": openSearchOptimized(24 * tib),
	"or2.16xlarge.search": openSearchOptimized(36 * tib),
	"om2.large.search":    openSearchOptimized(768),
	"om2.xlarge.search":   openSearchOptimized(2 * tib),
	"om2.2xlarge.search":  openSearchOptimized(3 * tib),
	"om2.4xlarge.search":  openSearchOptimized(6 * tib),
	"om2.8xlarge.search":  openSearchOptimized(12 * tib),
	"om2.12xlarge.search": openSearchOptimized(18 * tib),
	"om2.16xlarge.search": openSearchOptimized(24 * tib),
	// Instance storage only: no EBS volume.
	"r6gd.large.search":     instanceStoreOnly,
	"r6gd.xlarge.search":    instanceStoreOnly,
	"r6gd.2xlarge.search":   instanceStoreOnly,
	"r6gd.4xlarge.search":   instanceStoreOnly,
	"r6gd.8xlarge.search":   instanceStoreOnly,
	"r6gd.12xlarge.search":  instanceStoreOnly,
	"r6gd.16xlarge.search":  instanceStoreOnly,
	"r7gd.large.search":     instanceStoreOnly,
	"r7gd.xlarge.search":    instanceStoreOnly,
	"r7gd.2xlarge.search":   instanceStoreOnly,
	"r7gd.4xlarge.search":   instanceStoreOnly,
	"r7gd.8xlarge.search":   instanceStoreOnly,
	"r7gd.12xlarge.search":  instanceStoreOnly,
	"r7gd.16xlarge.search":  instanceStoreOnly,
	"r8gd.medium.search":    instanceStoreOnly,
	"r8gd.large.search":     instanceStoreOnly,
	"r8gd.xlarge.search":    instanceStoreOnly,
	"r8gd.2xlarge.search":   instanceStoreOnly,
	"r8gd.4xlarge.search":   instanceStoreOnly,
	"r8gd.8xlarge.search":   instanceStoreOnly,
	"r8gd.12xlarge.search":  instanceStoreOnly,
	"r8gd.16xlarge.search":  instanceStoreOnly,
	"i3.large.search":       instanceStoreOnly,
	"i3.xlarge.search":      instanceStoreOnly,
	"i3.2xlarge.search":     instanceStoreOnly,
	"i3.4xlarge.search":     instanceStoreOnly,
	"i3.8xlarge.search":     instanceStoreOnly,
	"i3.16xlarge.search":    instanceStoreOnly,
	"i4g.large.search":      instanceStoreOnly,
	"i4g.xlarge.search":     instanceStoreOnly,
	"i4g.2xlarge.search":    instanceStoreOnly,
	"i4g.4xlarge.search":    instanceStoreOnly,
	"i4g.8xlarge.search":    instanceStoreOnly,
	"i4g.16xlarge.search":   instanceStoreOnly,
	"i4i.large.search":      instanceStoreOnly,
	"i4i.xlarge.search":     instanceStoreOnly,
	"i4i.2xlarge.search":    instanceStoreOnly,
	"i4i.4xlarge.search":    instanceStoreOnly,
	"i4i.8xlarge.search":    instanceStoreOnly,
	"i4i.12xlarge.search":   instanceStoreOnly,
	"i4i.16xlarge.search":   instanceStoreOnly,
	"i4i.24xlarge.search":   instanceStoreOnly,
	"i4i.32xlarge.search":   instanceStoreOnly,
	"i7i.large.search":      instanceStoreOnly,
	"i7i.xlarge.search":     instanceStoreOnly,
	"i7i.2xlarge.search":    instanceStoreOnly,
	"i7i.4xlarge.search":    instanceStoreOnly,
	"i7i.8xlarge.search":    instanceStoreOnly,
	"i7i.12xlarge.search":   instanceStoreOnly,
	"i7i.16xlarge.search":   instanceStoreOnly,
	"i8g.large.search":      instanceStoreOnly,
	"i8g.xlarge.search":     instanceStoreOnly,
	"i8g.2xlarge.search":    instanceStoreOnly,
	"i8g.4xlarge.search":    instanceStoreOnly,
	"i8g.8xlarge.search":    instanceStoreOnly,
	"i8g.12xlarge.search":   instanceStoreOnly,
	"i8g.16xlarge.search":   instanceStoreOnly,
	"im4gn.large.search":    instanceStoreOnly,
	"im4gn.xlarge.search":   instanceStoreOnly,
	"im4gn.2xlarge.search":  instanceStoreOnly,
	"im4gn.4xlarge.search":  instanceStoreOnly,
	"im4gn.8xlarge.search":  instanceStoreOnly,
	"im4gn.16xlarge.search": instanceStoreOnly,
	"oi2.large.search":      instanceStoreOnly,
	"oi2.xlarge.search":     instanceStoreOnly,
	"oi2.2xlarge.search":    instanceStoreOnly,
	"oi2.4xlarge.search":    instanceStoreOnly,
	"oi2.8xlarge.search":    instanceStoreOnly,
	"oi2.12xlarge.search":   instanceStoreOnly,
	"oi2.16xlarge.search":   instanceStoreOnly,
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

// ebsBackedTwin names an EBS-backed type for an instance-storage type:
// the same size without local disks (r6gd.large.search: r6g.large.search)
// where the table has it, else a current memory-optimized type.
func ebsBackedTwin(instanceType string) string {
	family, size, _ := strings.Cut(instanceType, ".")
	if twin := strings.TrimSuffix(family, "d") + "." + size; twin != instanceType {
		if l, ok := ebsLimits[twin]; ok && l.maxGp3 > 0 {
			return twin
		}
	}
	return "r7g.large.search"
}

// gp3Successor names a current type for a previous-generation one that
// takes gp2 only: t3 for the burstable t2, else a memory-optimized type.
func gp3Successor(instanceType string) string {
	if strings.HasPrefix(instanceType, "t2.") {
		return "t3.medium.search or larger"
	}
	return "r7g.large.search"
}

// validateStorage checks the data nodes' gp3 volume against the instance
// type's maximum and the size's IOPS and throughput range, and fills in
// AWS's baseline for IOPS and throughput left out of the config.
func (d *DomainConfig) validateStorage(ps *problems, validInstance bool) {
	limit, known := ebsLimitFor(d.InstanceType)
	known = known && validInstance
	switch {
	case known && limit.minGiB > minVolumeSize && d.VolumeSize < limit.minGiB:
		ps.add("domain.volumeSize", d.VolumeSize, "%s takes at least %d GiB of EBS per node", d.InstanceType, limit.minGiB)
	case d.VolumeSize < minVolumeSize:
		ps.add("domain.volumeSize", d.VolumeSize, "the minimum EBS volume is %d GiB", minVolumeSize)
	}
	if known {
		switch {
		case !limit.takesEBS():
			ps.add("domain.instanceType", d.InstanceType, "keeps its data on instance storage and takes no EBS volume, while this stack's data nodes keep theirs on gp3 EBS volumes; choose an EBS-backed type, e.g. %s", ebsBackedTwin(d.InstanceType))
		case limit.maxGp3 == 0:
			ps.add("domain.instanceType", d.InstanceType, "this instance type has no gp3 storage (a previous generation: gp2 only, at most %d GiB); choose a current type, e.g. %s", limit.maxGp2, gp3Successor(d.InstanceType))
		case d.VolumeSize > limit.maxGp3:
			hint := "choose a larger instance type"
			if t := largerGp3Type(d.InstanceType, d.VolumeSize); t != "" {
				hint = fmt.Sprintf("choose a larger instance type (e.g. %s: %d GiB)", t, ebsLimits[t].maxGp3)
			}
			ps.add("domain.volumeSize", d.VolumeSize, "%s takes at most %d GiB of gp3 per node; lower volumeSize or %s", d.InstanceType, limit.maxGp3, hint)
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

// ebsBandwidthWarning says when a data node is asked for more throughput
// than one stripe's 1000 MiB/s on an instance type whose EBS bandwidth the
// table does not know: AWS refuses throughput above it, and nothing here
// can check that first.
func (c *Config) ebsBandwidthWarning() string {
	d := c.Domain
	l, ok := ebsLimitFor(d.InstanceType)
	if !ok || !l.takesEBS() || l.ebsMbps > 0 || d.Throughput <= gp3MaxThroughputPerSt {
		return ""
	}
	return fmt.Sprintf("logsearch:domain.throughput = %d: AWS publishes no EBS bandwidth for %s, so nothing checks that one node carries more than %d MiB/s; AWS refuses a throughput above the instance's EBS bandwidth, so lower throughput to %d or less if the deployment is refused",
		d.Throughput, d.InstanceType, gp3MaxThroughputPerSt, gp3MaxThroughputPerSt)
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
