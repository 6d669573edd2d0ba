package logsearch

// The AWS rules test: AWS refuses (or silently breaks) what Pulumi's mocks
// accept, so every stack's resource graph is checked against a table of
// service constraints, one row per rule, each citing its AWS document. The
// graphs are every stack file as it is, and generated variants of each: odd
// stack names and the smallest and largest domain the config allows.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/domainsetup"
)

// awsRule is one service constraint.
type awsRule struct {
	name string
	doc  string // the AWS document the rule is taken from
	// unconfirmed says what of the rule AWS's documents do not state; ""
	// when the document states it all.
	unconfirmed string
	check       func(t *testing.T, g ruleGraph)
}

// ruleGraph is one deployed stack under the mocks and its parsed config.
type ruleGraph struct {
	run *stackRun
	cfg *Config
}

const (
	rtAlarm       = "aws:cloudwatch/metricAlarm:MetricAlarm"
	rtLoadBalance = "aws:lb/loadBalancer:LoadBalancer"
	rtTargetGroup = "aws:lb/targetGroup:TargetGroup"
	// pulumiAutonameSuffix is what Pulumi appends to a logical name when it
	// names a resource itself: "-" and 7 random characters.
	pulumiAutonameSuffix = 8
)

// namedInput is a resource type whose physical name is one input, and the
// rule for it.
var namedInputs = []struct {
	typ, input string
	valid      *regexp.Regexp
}{
	{rtDomain, "domainName", regexp.MustCompile(`^[a-z][a-z0-9-]{2,27}$`)},
	{rtFunction, "name", regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)},
	{"aws:kms/alias:Alias", "name", regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)},
	{rtLogGroup, "name", logGroupNamePattern},
	{rtAlarm, "name", regexp.MustCompile(`^[ -~]{1,255}$`)},
	{"aws:cloudwatch/dashboard:Dashboard", "dashboardName", regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)},
	{rtLogPolicy, "policyName", regexp.MustCompile(`^[^:*]{1,255}$`)},
	{rtSubscription, "name", regexp.MustCompile(`^[^:*]{1,512}$`)},
}

// autonamed are resources Pulumi names "<logical name>-<7 random>", with
// the longest name AWS takes.
var autonamed = map[string]int{
	rtLoadBalance:         32,
	rtTargetGroup:         32,
	rtRole:                64,
	rtQueue:               80,
	"aws:sns/topic:Topic": 256,
}

// esClusterMetrics are the metrics AWS/ES publishes per domain (dimensions
// DomainName and ClientId) that this stack alarms on, from "Monitoring
// OpenSearch cluster metrics with Amazon CloudWatch"; master metrics exist
// only with dedicated master nodes.
var esClusterMetrics = []string{
	"ClusterStatus.green", "ClusterStatus.yellow", "ClusterStatus.red", "Shards.active", "Nodes",
	"CPUUtilization", "FreeStorageSpace", "ClusterIndexWritesBlocked", "JVMMemoryPressure",
	"OldGenJVMMemoryPressure", "AutomatedSnapshotFailure", "KMSKeyError", "KMSKeyInaccessible",
	"IndexingLatency", "ThreadpoolWriteQueue", "ThreadpoolWriteRejected",
	"CoordinatingWriteRejected", "PrimaryWriteRejected", "ReplicaWriteRejected", "MasterReachableFromNode",
}

var esMasterMetrics = []string{"MasterCPUUtilization", "MasterJVMMemoryPressure", "MasterOldGenJVMMemoryPressure"}

var awsRules = []awsRule{
	{
		name: "names: every physical name the stack chooses follows its service's rule",
		doc:  "OpenSearch CreateDomain DomainName; Lambda CreateFunction FunctionName; KMS CreateAlias AliasName; CloudWatch Logs CreateLogGroup, PutResourcePolicy, PutSubscriptionFilter; CloudWatch PutMetricAlarm, PutDashboard (API references; URLs in names_test.go)",
		check: func(t *testing.T, g ruleGraph) {
			for _, n := range namedInputs {
				for _, r := range g.run.ofType(n.typ) {
					if v, ok := lookup(r.Inputs, n.input); ok {
						if s, _ := v.(string); !n.valid.MatchString(s) {
							t.Errorf("%s %s: %s %q breaks %s", n.typ, r.Name, n.input, s, n.valid)
						}
					}
				}
			}
			for typ, limit := range autonamed {
				for _, r := range g.run.ofType(typ) {
					if v, ok := lookup(r.Inputs, "name"); ok && v != nil {
						if s, _ := v.(string); len(s) > limit {
							t.Errorf("%s %s: name %q is over %d characters", typ, r.Name, s, limit)
						}
					} else if len(r.LogicalName)+pulumiAutonameSuffix > limit {
						t.Errorf("%s %s: Pulumi's auto-name would be %d characters, over %d", typ, r.LogicalName, len(r.LogicalName)+pulumiAutonameSuffix, limit)
					}
				}
			}
		},
	},
	{
		name: "tags: a Name tag value is at most 256 characters",
		doc:  "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions",
		check: func(t *testing.T, g ruleGraph) {
			for _, r := range g.run.Resources {
				if v, ok := lookup(r.Inputs, "tags"); ok {
					if m, _ := v.(map[string]any); m != nil {
						if s, _ := m["Name"].(string); len(s) > 256 {
							t.Errorf("%s %s: Name tag is %d characters", r.Type, r.Name, len(s))
						}
					}
				}
			}
		},
	},
	{
		name: "gp3: volume within the instance type's maximum; IOPS and throughput within the range for the volume size",
		// The limits below are literals from these documents, not the
		// validation's own functions, so a wrong rule in ebs.go fails here.
		doc: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource (minimum and maximum volume per type; N/A: no EBS, or no gp3); " +
			"https://aws.amazon.com/about-aws/whats-new/2023/07/amazon-opensearch-service-iops-throughput-gp3/ (16,000 IOPS and 1,000 MiB/s per started 3 TiB); " +
			"https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type (3,000 IOPS and 125 MiB/s at least, 500 IOPS per GiB, 0.25 MiB/s per IOPS); " +
			"EC2 instance type guide, Amazon EBS specifications (EBS bandwidth per type); " +
			"AWS Pricing Calculator formula in infracost internal/resources/aws/search_domain.go and hashicorp/terraform-provider-aws#39136 (included 3 IOPS per GiB, 250 MiB/s per started 3000 GiB)",
		unconfirmed: "the volume size at which the throughput floor rises from 125 to 250 MiB/s (170 GiB here; the calculator's re-implementation keeps 170 GiB itself at 125), whether the included throughput steps every 3000 or 3072 GiB, and its 1000 MiB/s cap are not in AWS's published documents; per-instance IOPS caps are not encoded (only the throughput cap, confirmed by AWS's 'between 250 and 593' refusal); families missing from the quotas table only warn; how a domain's per-node limits follow EBS's September 2025 gp3 increase (80,000 IOPS and 2,000 MiB/s per volume) is in no OpenSearch document, so the 2023 per-stripe rule stays; AWS publishes no EBS bandwidth for m8g, c8g, OR1, OR2 and OM2, whose throughput above 1000 MiB/s is only warned about",
		check: func(t *testing.T, g ruleGraph) {
			d := g.run.one(t, rtDomain, "domain")
			typ := str(t, d.Inputs, "clusterConfig.instanceType")
			size := int(get(t, d.Inputs, "ebsOptions.volumeSize").(float64))
			iops := int(get(t, d.Inputs, "ebsOptions.iops").(float64))
			mibs := int(get(t, d.Inputs, "ebsOptions.throughput").(float64))
			if vt := get(t, d.Inputs, "ebsOptions.volumeType"); vt != "gp3" {
				t.Errorf("volume type %v, want gp3", vt)
			}
			l, known := ebsLimitFor(typ)
			if known && (l.maxGp3 == 0 || size > l.maxGp3) {
				t.Errorf("%s takes at most %d GiB of gp3, the domain asks for %d", typ, l.maxGp3, size)
			}
			minSize := 10
			if f := instanceFamily(typ); f == "or1" || f == "or2" || f == "om2" {
				minSize = 20
			}
			if size < minSize {
				t.Errorf("volume %d GiB under the %d GiB minimum of %s", size, minSize, typ)
			}
			stripes := (size + 3071) / 3072
			iopsFloor := min(max(3*size, 3000), 16000)
			if iops < iopsFloor || iops > 16000*stripes || iops > 500*size {
				t.Errorf("%d GiB gp3 at %d IOPS; AWS takes %d IOPS at least, at most 16000 per started 3072 GiB and 500 per GiB", size, iops, iopsFloor)
			}
			mibsFloor := 125
			if size >= 170 {
				mibsFloor = min(250*((size+2999)/3000), 1000)
			}
			if mibs < mibsFloor || mibs > 1000*stripes || 4*mibs > iops {
				t.Errorf("%d GiB gp3 at %d MiB/s with %d IOPS; AWS takes %d MiB/s at least, at most 1000 per started 3072 GiB and 0.25 per IOPS", size, mibs, iops, mibsFloor)
			}
			if known && l.ebsMbps > 0 && mibs*8 > l.ebsMbps {
				t.Errorf("%d MiB/s on %s is over its EBS bandwidth of %d Mbps", mibs, typ, l.ebsMbps)
			}
		},
	},
	{
		name: "OpenSearch optimized instances: OpenSearch 2.11 or later, encryption at rest, Graviton dedicated masters",
		doc:  "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/or1.html (Limitations)",
		unconfirmed: "which processor the OR1, OR2 and OM2 types run on, as dedicated masters (let through); " +
			"the rule for an existing domain moving to these types (OpenSearch 2.15 or later) needs the live domain and is not checked",
		check: func(t *testing.T, g ruleGraph) {
			d := g.run.one(t, rtDomain, "domain")
			typ := str(t, d.Inputs, "clusterConfig.instanceType")
			if !slices.Contains([]string{"or1", "or2", "om2", "oi2"}, instanceFamily(typ)) {
				return
			}
			version := str(t, d.Inputs, "engineVersion")
			var major, minor int
			if _, err := fmt.Sscanf(version, "OpenSearch_%d.%d", &major, &minor); err != nil || major < 2 || major == 2 && minor < 11 {
				t.Errorf("%s data nodes on %s; a new domain of them runs OpenSearch 2.11 or later", typ, version)
			}
			if on, _ := get(t, d.Inputs, "encryptAtRest.enabled").(bool); !on {
				t.Errorf("%s data nodes without encryption at rest", typ)
			}
			if masters, _ := lookup(d.Inputs, "clusterConfig.dedicatedMasterEnabled"); masters == true {
				master := str(t, d.Inputs, "clusterConfig.dedicatedMasterType")
				if m := regexp.MustCompile(`^[a-z]+[0-9]+([a-z-]*)\.`).FindStringSubmatch(master); m != nil && !strings.HasPrefix(master, "o") && !strings.Contains(m[1], "g") {
					t.Errorf("%s data nodes with %s dedicated masters; they must be Graviton (a g after the generation)", typ, master)
				}
			}
		},
	},
	{
		name: "subnets: the domain has one subnet per availability zone, as many as its zone awareness says",
		doc:  "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html#vpc-limitations (one subnet per AZ; the number of subnets equals the number of AZs)",
		check: func(t *testing.T, g ruleGraph) {
			d := g.run.one(t, rtDomain, "domain")
			ids := asStrings(t, get(t, d.Inputs, "vpcOptions.subnetIds"))
			if want := g.cfg.Domain.SubnetCount(); len(ids) != want {
				t.Errorf("domain in %d subnets, want %d (one per AZ)", len(ids), want)
			}
			if zones := subnetAZs(t, g.run, ids); zones != nil && len(distinct(zones)) != len(ids) {
				t.Errorf("domain subnets share an AZ: %v", zones)
			}
		},
	},
	{
		name: "load balancer: the ALB spans at least 2 availability zones",
		doc:  "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones",
		check: func(t *testing.T, g ruleGraph) {
			for _, lb := range g.run.ofType(rtLoadBalance) {
				ids := asStrings(t, get(t, lb.Inputs, "subnets"))
				if len(ids) < 2 {
					t.Errorf("ALB %s in %d subnet(s), needs 2 AZs", lb.Name, len(ids))
				}
				if zones := subnetAZs(t, g.run, ids); zones != nil && len(distinct(zones)) < 2 {
					t.Errorf("ALB %s subnets are all in %v", lb.Name, distinct(zones))
				}
			}
		},
	},
	{
		name: "security groups: at most 60 inbound and 60 outbound rules per group",
		doc:  "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups (default quota, adjustable)",
		check: func(t *testing.T, g ruleGraph) {
			for _, typ := range []string{rtIngress, rtEgress} {
				per := map[string]int{}
				for _, r := range rulesOf(t, g.run, typ) {
					per[r.group]++
				}
				for group, n := range per {
					if n > 60 {
						t.Errorf("security group %s has %d %s rules; the default quota is 60", group, n, typ)
					}
				}
			}
		},
	},
	{
		name: "alarms: AWS/ES alarms use metrics OpenSearch publishes, with exactly the DomainName and ClientId dimensions",
		doc:  "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-cloudwatchmetrics.html",
		check: func(t *testing.T, g ruleGraph) {
			for _, a := range g.run.ofType(rtAlarm) {
				for _, m := range alarmMetrics(t, a) {
					if m.namespace != "AWS/ES" {
						continue
					}
					known := slices.Contains(esClusterMetrics, m.name) || (g.cfg.Domain.DedicatedMasterCount > 0 && slices.Contains(esMasterMetrics, m.name))
					if !known {
						t.Errorf("alarm %s: AWS/ES does not publish %s for this domain", a.Name, m.name)
					}
					if fmt.Sprint(m.dimensionNames) != "[ClientId DomainName]" {
						t.Errorf("alarm %s: dimensions %v, want ClientId and DomainName", a.Name, m.dimensionNames)
					}
					if m.dimensions["DomainName"] != g.cfg.Names().Domain || m.dimensions["ClientId"] != mockAccount {
						t.Errorf("alarm %s watches domain %q of account %q", a.Name, m.dimensions["DomainName"], m.dimensions["ClientId"])
					}
				}
			}
		},
	},
	{
		name: "CloudWatch Logs resource policies: 10 per account and region, so the stack uses one",
		doc:  "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html",
		check: func(t *testing.T, g ruleGraph) {
			if n := len(g.run.ofType(rtLogPolicy)); n > 1 {
				t.Errorf("%d CloudWatch Logs resource policies; reuse one (10 per region in all)", n)
			}
		},
	},
	{
		name: "subscription filters: 2 per log group, the stack takes one",
		doc:  "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html",
		check: func(t *testing.T, g ruleGraph) {
			per := map[string]int{}
			for _, f := range g.run.ofType(rtSubscription) {
				per[str(t, f.Inputs, "logGroup")]++
			}
			for group, n := range per {
				if n > 1 {
					t.Errorf("log group %s gets %d filters from one stack; CloudWatch Logs allows %d in all", group, n, maxSubscriptionFilters)
				}
			}
		},
	},
	{
		name: "EventBridge: a target's Input is at most 8192 characters; the setup schedule's is the constant one, whatever the config",
		doc:  "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html (Input, Length Constraints: Maximum length of 8192)",
		check: func(t *testing.T, g ruleGraph) {
			for _, r := range g.run.ofType(typeEventTarget) {
				if v, ok := lookup(r.Inputs, "input"); ok {
					if s, _ := v.(string); len(s) > 8192 {
						t.Errorf("event target %s: input of %d characters", r.Name, len(s))
					}
				}
			}
			if got := str(t, g.run.one(t, typeEventTarget, "domain-setup-schedule").Inputs, "input"); got != domainsetup.ScheduledInvocation {
				t.Errorf("the setup schedule's input %q is not the constant %q", got, domainsetup.ScheduledInvocation)
			}
		},
	},
	{
		name: "OpenSearch SAML: the access policy is set before the SAML options, never concurrently",
		doc: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/saml.html (configure the domain access policy first); " +
			"hashicorp/terraform-provider-aws#38136 (\"A change/update is in progress\" on concurrent domain updates)",
		check: func(t *testing.T, g ruleGraph) {
			for _, r := range g.run.ofType(samlOptionsType) {
				if !r.dependsOn(rtDomainPolicy, "domain-access") {
					t.Errorf("SAML options %s do not wait for the domain access policy", r.Name)
				}
			}
		},
	},
	{
		name: "OpenSearch VPC domain: created after the service-linked role it needs, when the stack creates that role",
		doc: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/slr.html; pulumi/pulumi-aws#2349 (refused seconds after the role is created); " +
			"terraform-provider-aws internal/service/opensearch/domain.go domainErrorRetryable (retries only the 'Amazon ES' wording), internal/service/iam/wait.go propagationTimeout (2 minutes)",
		unconfirmed: "AWS documents no propagation time for IAM; the 2-minute wait is the provider's own window (serviceRolePropagation)",
		check: func(t *testing.T, g ruleGraph) {
			for _, role := range g.run.ofType(rtServiceLinkedRole) {
				if role.ImportID != "" {
					t.Errorf("service-linked role %s imported: an existing role is used as it is", role.Name)
				}
				for _, d := range g.run.ofType(rtDomain) {
					if !slices.Contains(d.Dependencies, role.URN) {
						t.Errorf("domain %s does not wait for the service-linked role the stack creates", d.Name)
					}
				}
			}
		},
	},
	{
		name: "CloudWatch Logs: a subscription filter needs an existing log group, looked up before anything is created",
		doc:  "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html (ResourceNotFoundException)",
		check: func(t *testing.T, g ruleGraph) {
			looked := map[string]bool{}
			for _, inv := range g.run.Invokes {
				if inv.Token == "aws:cloudwatch/getLogGroup:getLogGroup" {
					looked[inv.Args["name"].StringValue()] = true
				}
			}
			for _, f := range g.run.ofType(rtSubscription) {
				if group := str(t, f.Inputs, "logGroup"); !looked[group] {
					t.Errorf("subscription filter %s: log group %s was not looked up first", f.Name, group)
				}
			}
		},
	}, // The office's way in (office.go, reachability_test.go).
	{
		name: "office: every office range has a path to the internal load balancer's HTTPS listener, and lies outside the VPC range",
		doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (Scheme: an internal load balancer routes requests only from clients with access to the VPC); " +
			"https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html (longest prefix; the local route wins over propagated routes; static over propagated at equal length)",
		unconfirmed: "the transit gateway's route tables, the office router's BGP announcements and an existing VPC's routing are outside the graph; the path names them as assumptions",
		check: func(t *testing.T, g ruleGraph) {
			for _, p := range officeReachability(t, g.run, g.cfg.Dashboards.OfficeCidrs) {
				if len(p.missing) > 0 {
					t.Errorf("office range %s has no path to Dashboards: %s", p.cidr, strings.Join(p.missing, "; "))
				}
			}
		},
	},
	{
		name: "transit gateway: the attachment has one subnet in each AZ of the load balancer, and routes to the transit gateway wait for it",
		doc:  "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html (one subnet per AZ; resources in AZs without an attachment subnet cannot reach the transit gateway); CreateTransitGatewayVpcAttachment SubnetIds (only one subnet per AZ)",
		check: func(t *testing.T, g ruleGraph) {
			for _, a := range g.run.ofType(rtTgwAttachment) {
				ids := asStrings(t, get(t, a.Inputs, "subnetIds"))
				if zones := subnetAZs(t, g.run, ids); zones != nil && len(distinct(zones)) != len(zones) {
					t.Errorf("attachment %s has two subnets in one AZ: %v", a.Name, zones)
				}
			}
		},
	},
	{
		name: "Site-to-Site VPN: customer gateway of type ipsec.1 with a device name of its own, an ASN AWS takes and that differs from the gateway's",
		doc: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateCustomerGateway.html (Type ipsec.1; BgpAsn 1-2147483647, BgpAsnExtended 2147483648-4294967294; an identical request returns the existing gateway unless the device name differs); " +
			"https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpnGateway.html (AmazonSideAsn default 64512)",
		check: func(t *testing.T, g ruleGraph) {
			for _, c := range g.run.ofType(rtCustomerGw) {
				if get(t, c.Inputs, "type") != "ipsec.1" {
					t.Errorf("customer gateway %s type %v", c.Name, get(t, c.Inputs, "type"))
				}
				if str(t, c.Inputs, "deviceName") == "" {
					t.Errorf("customer gateway %s has no device name: AWS would hand back another stack's gateway for the same router", c.Name)
				}
				for _, r := range []struct {
					key    string
					lo, hi int64
				}{{"bgpAsn", 1, maxShortBgpAsn}, {"bgpAsnExtended", maxShortBgpAsn + 1, maxBgpAsn}} {
					if v, ok := lookup(c.Inputs, r.key); ok && v != nil {
						asn, err := strconv.ParseInt(v.(string), 10, 64)
						if err != nil || asn < r.lo || asn > r.hi || asn == vgwDefaultAsn {
							t.Errorf("customer gateway %s %s %v: AWS takes %d-%d, and it must differ from the gateway's %d", c.Name, r.key, v, r.lo, r.hi, vgwDefaultAsn)
						}
					}
				}
			}
		},
	},
}

// alarmMetric is one metric an alarm reads.
type alarmMetric struct {
	namespace, name string
	dimensions      map[string]any
	dimensionNames  []string
}

func alarmMetrics(t *testing.T, a registered) []alarmMetric {
	t.Helper()
	one := func(m map[string]any, ns, name string) alarmMetric {
		dims, _ := m["dimensions"].(map[string]any)
		var names []string
		for k := range dims {
			names = append(names, k)
		}
		slices.Sort(names)
		return alarmMetric{namespace: ns, name: name, dimensions: dims, dimensionNames: names}
	}
	in := plainValue(resource.NewObjectProperty(a.Inputs)).(map[string]any)
	if ns, ok := in["namespace"].(string); ok {
		name, _ := in["metricName"].(string)
		return []alarmMetric{one(in, ns, name)}
	}
	var out []alarmMetric
	qs, _ := in["metricQueries"].([]any)
	for _, q := range qs {
		if m, ok := q.(map[string]any)["metric"].(map[string]any); ok {
			ns, _ := m["namespace"].(string)
			name, _ := m["metricName"].(string)
			out = append(out, one(m, ns, name))
		}
	}
	return out
}

// subnetAZs maps subnet IDs of a new VPC to their availability zones; nil
// for an existing VPC (its subnets are not in the graph).
func subnetAZs(t *testing.T, run *stackRun, ids []string) []string {
	t.Helper()
	var zones []string
	for _, id := range ids {
		s := findByID(run, rtSubnet, id)
		if s == nil {
			return nil
		}
		zones = append(zones, str(t, s.Inputs, "availabilityZone"))
	}
	return zones
}

func distinct(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// ruleGraphs deploys every fixture as it is and its generated variants,
// among them a LogSearch named by a user's program (the longest name New
// takes, with upper case) in an odd stack, and every repository stack file
// as it is.
func ruleGraphs(t *testing.T) map[string]func(t *testing.T) ruleGraph {
	graphs := map[string]func(t *testing.T) ruleGraph{}
	for _, file := range stackNames(t) {
		cfg, _ := stackConfig(t, file)
		var domain map[string]any
		_ = json.Unmarshal([]byte(cfg["logsearch:domain"]), &domain)
		production, _ := parseConfig(file, mapSource{values: cfg})
		small := "t3.small.search"
		if production != nil && production.Production {
			small = "m6g.large.search" // production refuses burstable types
		}
		large := "r8g.16xlarge.search"
		longestInstance := "Team-" + strings.Repeat("x", maxInstanceName-len("Team-"))
		variants := map[string]struct {
			stack  string
			domain map[string]any
			// instance names the LogSearch of a user's program; "" runs Program.
			instance string
		}{
			"as is":                        {file, nil, ""},
			"stack name Team.Prod_EU":      {"Team.Prod_EU", nil, ""},
			"stack name of 100 characters": {strings.Repeat("Long.Stack_", 9) + "x", nil, ""},
			"smallest domain":              {file, map[string]any{"instanceType": small, "volumeSize": minVolumeSize, "iops": nil, "throughput": nil}, ""},
			"largest domain": {file, map[string]any{"instanceType": large, "volumeSize": ebsLimits[large].maxGp3,
				"iops": Gp3RangeOn(large, ebsLimits[large].maxGp3).MaxIops, "throughput": Gp3RangeOn(large, ebsLimits[large].maxGp3).MaxThroughput}, ""},
			"OpenSearch optimized domain":                                {file, map[string]any{"instanceType": "or1.medium.search", "volumeSize": optimizedMinGiB, "iops": nil, "throughput": nil}, ""},
			"component " + longestInstance + " in stack Team.Prod_EU":    {"Team.Prod_EU", nil, longestInstance},
			"component " + longestInstance + " in a 100-character stack": {strings.Repeat("Long.Stack_", 9) + "x", nil, longestInstance},
		}
		for label, v := range variants {
			graphs[file+"/"+label] = func(t *testing.T) ruleGraph {
				overrides := map[string]string{}
				if v.domain != nil {
					d := map[string]any{}
					for k, x := range domain {
						d[k] = x
					}
					for k, x := range v.domain {
						if x == nil {
							delete(d, k)
						} else {
							d[k] = x
						}
					}
					b, _ := json.Marshal(d)
					overrides["logsearch:domain"] = string(b)
				}
				program := StackProgram
				if v.instance != "" {
					program = func(ctx *pulumi.Context) error {
						cfg, err := LoadConfig(ctx)
						if err != nil {
							return err
						}
						_, err = New(ctx, v.instance, cfg)
						return err
					}
				}
				run, err := runProgram(t, file, v.stack, overrides, program)
				if err != nil {
					t.Fatalf("stack %s (%s): %v", v.stack, label, err)
				}
				c, err := parseConfig(v.stack, mapSource{values: run.Config})
				if err != nil {
					t.Fatal(err)
				}
				if v.instance != "" {
					c = c.forInstance(v.instance)
				}
				return ruleGraph{run: run, cfg: c}
			}
		}
	}
	for _, stack := range repositoryStacks(t) {
		graphs["Pulumi."+stack+".yaml"] = func(t *testing.T) ruleGraph {
			run, err := runRepositoryStack(t, stack)
			if err != nil {
				t.Fatalf("%s: %v", repositoryStackFile(stack), err)
			}
			c, err := parseConfig(stack, mapSource{values: run.Config})
			if err != nil {
				t.Fatal(err)
			}
			return ruleGraph{run: run, cfg: c}
		}
	}
	return graphs
}

func TestAWSRules(t *testing.T) {
	for label, deploy := range ruleGraphs(t) {
		t.Run(label, func(t *testing.T) {
			g := deploy(t)
			for _, r := range awsRules {
				t.Run(r.name, func(t *testing.T) {
					r.check(t, g)
				})
			}
		})
	}
}

// TestAWSRulesCiteTheirDocument keeps the table honest: every row names
// its source.
func TestAWSRulesCiteTheirDocument(t *testing.T) {
	for _, r := range awsRules {
		if r.doc == "" || r.check == nil {
			t.Errorf("rule %q has no document or no check", r.name)
		}
	}
}
