package logsearch

// Every security and reliability control that applies to this stack,
// asserted as properties of the resources the real Program registers, for
// every Pulumi.<stack>.yaml.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/settings"
)

const (
	rtDomain          = "aws:opensearch/domain:Domain"
	rtDomainPolicy    = "aws:opensearch/domainPolicy:DomainPolicy"
	rtKey             = "aws:kms/key:Key"
	rtLogGroup        = "aws:cloudwatch/logGroup:LogGroup"
	rtLogPolicy       = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
	rtSG              = "aws:ec2/securityGroup:SecurityGroup"
	rtIngress         = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	rtEgress          = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	rtFunction        = "aws:lambda/function:Function"
	rtPermission      = "aws:lambda/permission:Permission"
	rtInvokeConfig    = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	rtSubscription    = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
	rtQueue           = "aws:sqs/queue:Queue"
	rtRole            = "aws:iam/role:Role"
	rtRolePolicy      = "aws:iam/rolePolicy:RolePolicy"
	rtRoleAttach      = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	rtVpc             = "aws:ec2/vpc:Vpc"
	rtSubnet          = "aws:ec2/subnet:Subnet"
	rtNat             = "aws:ec2/natGateway:NatGateway"
	rtDefaultSG       = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	rtVpcEndpoint     = "aws:ec2/vpcEndpoint:VpcEndpoint"
	rtFlowLog         = "aws:ec2/flowLog:FlowLog"
	rtRandomPasswd    = "random:index/randomPassword:RandomPassword"
	mockPartitionName = "aws"
)

// stackRegion is the region the run deployed to: the stack file's
// aws:region, or the harness default.
func stackRegion(run *stackRun) string {
	if r := run.Config["aws:region"]; r != "" {
		return r
	}
	return defaultMockRegion
}

func outStr(t *testing.T, r registered, path string) string {
	t.Helper()
	s, ok := get(t, r.Outputs, path).(string)
	if !ok {
		t.Fatalf("%s %s: output %s is not a string", r.Type, r.Name, path)
	}
	return s
}

func asStrings(t *testing.T, v any) []string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				t.Fatalf("element %d of %v is %T, not a string", i, v, e)
			}
			out[i] = s
		}
		return out
	case nil:
		return nil
	}
	t.Fatalf("%v (%T) is not a string or list of strings", v, v)
	return nil
}

// statement is one parsed policy statement.
type statement map[string]any

func (s statement) actions(t *testing.T) []string   { return asStrings(t, s["Action"]) }
func (s statement) resources(t *testing.T) []string { return asStrings(t, s["Resource"]) }

func policyStatementsOf(t *testing.T, doc string) []statement {
	t.Helper()
	var p struct {
		Statement []statement `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, doc)
	}
	if len(p.Statement) == 0 {
		t.Fatalf("policy has no statements: %s", doc)
	}
	return p.Statement
}

func TestDomainControls(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		cfg, err := parseConfig(stack, mapSource{values: run.Config})
		if err != nil {
			t.Fatal(err)
		}
		domain := run.one(t, rtDomain, "domain")
		key := run.one(t, rtKey, "domain-key")
		in := domain.Inputs

		// Opensearch.1: encryption at rest with the stack's CMK; KMS.3/4.
		if get(t, in, "encryptAtRest.enabled") != true {
			t.Error("encryption at rest is off")
		}
		if got, want := str(t, in, "encryptAtRest.kmsKeyId"), outStr(t, key, "arn"); got != want {
			t.Errorf("encrypted with %s, want the stack's CMK %s", got, want)
		}
		if get(t, key.Inputs, "enableKeyRotation") != true {
			t.Error("KMS key rotation is off")
		}
		if get(t, key.Inputs, "deletionWindowInDays") != 30.0 {
			t.Errorf("KMS deletion window %v, want 30", get(t, key.Inputs, "deletionWindowInDays"))
		}
		// Opensearch.2: in the VPC, private subnets, the domain's own SG.
		subnets := asStrings(t, get(t, in, "vpcOptions.subnetIds"))
		if len(subnets) != cfg.Domain.SubnetCount() {
			t.Errorf("domain in %d subnets, want one per AZ (%d)", len(subnets), cfg.Domain.SubnetCount())
		}
		for _, s := range subnets {
			if sub := findByID(run, rtSubnet, s); sub != nil && get(t, sub.Inputs, "mapPublicIpOnLaunch") != false {
				t.Errorf("domain subnet %s maps public IPs", s)
			}
		}
		domainSG := run.one(t, rtSG, "domain-sg").ID
		if sgs := asStrings(t, get(t, in, "vpcOptions.securityGroupIds")); !slices.Equal(sgs, []string{domainSG}) {
			t.Errorf("domain security groups %v, want only %s", sgs, domainSG)
		}
		// Opensearch.3, .8.
		if get(t, in, "nodeToNodeEncryption.enabled") != true {
			t.Error("node-to-node encryption is off")
		}
		if get(t, in, "domainEndpointOptions.enforceHttps") != true {
			t.Error("HTTPS is not enforced")
		}
		if got := get(t, in, "domainEndpointOptions.tlsSecurityPolicy"); got != "Policy-Min-TLS-1-2-PFS-2023-10" {
			t.Errorf("TLS policy %v", got)
		}
		// Opensearch.7: FGAC with the internal user database, no anonymous auth.
		if get(t, in, "advancedSecurityOptions.enabled") != true || get(t, in, "advancedSecurityOptions.internalUserDatabaseEnabled") != true {
			t.Error("fine-grained access control with the internal user database is off")
		}
		if get(t, in, "advancedSecurityOptions.anonymousAuthEnabled") != false {
			t.Error("anonymous auth is not explicitly off")
		}
		if !secretAt(t, in, "advancedSecurityOptions.masterUserOptions.masterUserPassword") {
			t.Error("the master password is not a secret")
		}
		if get(t, in, "advancedSecurityOptions.masterUserOptions.masterUserName") != MasterUserName {
			t.Error("unexpected master user name")
		}
		checkPasswordRules(t, run.one(t, rtRandomPasswd, "domain-master-password"))
		// Opensearch.4/.5: all four log types, each to a retained, encrypted group.
		checkLogPublishing(t, run, domain, key, cfg)
		// Opensearch.10: automatic software updates in the off-peak window.
		if get(t, in, "softwareUpdateOptions.autoSoftwareUpdateEnabled") != true {
			t.Error("automatic software updates are off")
		}
		if get(t, in, "offPeakWindowOptions.enabled") != true {
			t.Error("off-peak window is off")
		}
		// gp3 sized from config.
		if get(t, in, "ebsOptions.volumeType") != "gp3" || get(t, in, "ebsOptions.volumeSize") != float64(cfg.Domain.VolumeSize) {
			t.Errorf("EBS %v, want gp3 of %d GiB", get(t, in, "ebsOptions"), cfg.Domain.VolumeSize)
		}
		// Opensearch.6/.11 and deletion protection, by stack kind.
		cc := "clusterConfig."
		if cfg.Production {
			if get(t, in, cc+"zoneAwarenessEnabled") != true || get(t, in, cc+"zoneAwarenessConfig.availabilityZoneCount") != 3.0 {
				t.Error("prod domain does not span 3 AZs")
			}
			if n, _ := get(t, in, cc+"instanceCount").(float64); n < 3 || int(n)%3 != 0 {
				t.Errorf("prod data nodes %v, want a multiple of 3", n)
			}
			if get(t, in, cc+"dedicatedMasterEnabled") != true || get(t, in, cc+"dedicatedMasterCount") != 3.0 {
				t.Error("prod domain lacks 3 dedicated masters")
			}
			if !domain.Protect || !key.Protect {
				t.Error("prod domain and key are not protected from deletion")
			}
		} else if domain.Protect || key.Protect {
			t.Error("a non-production stack is protected: pulumi destroy would fail")
		}
		if get(t, in, cc+"instanceType") != cfg.Domain.InstanceType {
			t.Error("instance type not from config")
		}
	})
}

func secretAt(t *testing.T, m resource.PropertyMap, path string) bool {
	t.Helper()
	v := resource.NewObjectProperty(m)
	for _, step := range strings.Split(path, ".") {
		for v.IsSecret() || v.IsOutput() {
			if v.IsSecret() || v.OutputValue().Secret {
				return true
			}
			v = v.OutputValue().Element
		}
		if !v.IsObject() {
			t.Fatalf("%s: %s is not an object", path, step)
		}
		v = v.ObjectValue()[resource.PropertyKey(step)]
	}
	return v.IsSecret() || (v.IsOutput() && v.OutputValue().Secret)
}

func checkPasswordRules(t *testing.T, pw registered) {
	t.Helper()
	if n := get(t, pw.Inputs, "length"); n.(float64) < 8 || n.(float64) > 128 {
		t.Errorf("password length %v: OpenSearch takes 8-128", n)
	}
	for _, k := range []string{"minUpper", "minLower", "minNumeric", "minSpecial"} {
		if v, ok := lookup(pw.Inputs, k); !ok || v.(float64) < 1 {
			t.Errorf("password %s = %v; OpenSearch needs upper, lower, digit and special", k, v)
		}
	}
}

func checkLogPublishing(t *testing.T, run *stackRun, domain, key registered, cfg *Config) {
	t.Helper()
	opts, _ := get(t, domain.Inputs, "logPublishingOptions").([]any)
	published := map[string]string{}
	for _, o := range opts {
		m := o.(map[string]any)
		if m["enabled"] != true {
			t.Errorf("log type %v is not enabled", m["logType"])
		}
		published[m["logType"].(string)] = m["cloudwatchLogGroupArn"].(string)
	}
	groupsByArn := map[string]registered{}
	for _, g := range run.ofType(rtLogGroup) {
		groupsByArn[outStr(t, g, "arn")] = g
	}
	var resources []string
	for _, lp := range run.ofType(rtLogPolicy) {
		for _, s := range policyStatementsOf(t, str(t, lp.Inputs, "policyDocument")) {
			if p, _ := s["Principal"].(map[string]any); p["Service"] == "es.amazonaws.com" {
				resources = append(resources, s.resources(t)...)
				cond, _ := json.Marshal(s["Condition"])
				if !strings.Contains(string(cond), `"aws:SourceAccount":"`+mockAccount+`"`) {
					t.Errorf("log resource policy for es.amazonaws.com is not scoped to the account: %s", cond)
				}
				if !domain.dependsOn(rtLogPolicy, lp.Name) {
					t.Errorf("domain does not wait for log resource policy %s: log publishing fails on create", lp.Name)
				}
			}
		}
	}
	for _, lt := range []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"} {
		arn, ok := published[lt]
		if !ok {
			t.Errorf("%s not published", lt)
			continue
		}
		g, ok := groupsByArn[arn]
		if !ok {
			t.Errorf("%s goes to %s, which is no log group of this stack", lt, arn)
			continue
		}
		checkLogGroup(t, g, key, cfg)
		if !slices.Contains(resources, arn+":*") {
			t.Errorf("no resource policy lets OpenSearch write %s (%s)", lt, arn)
		}
	}
}

// checkLogGroup: CloudWatch.16 retention and CMK encryption.
func checkLogGroup(t *testing.T, g, key registered, cfg *Config) {
	t.Helper()
	if r := get(t, g.Inputs, "retentionInDays"); r != float64(cfg.LogRetentionDays) || cfg.LogRetentionDays < 365 {
		t.Errorf("log group %s retention %v, want logRetentionDays (>= 365)", g.Name, r)
	}
	if k, _ := lookup(g.Inputs, "kmsKeyId"); k != outStr(t, key, "arn") {
		t.Errorf("log group %s not encrypted with the stack key (%v)", g.Name, k)
	}
}

func findByID(run *stackRun, typ, id string) *registered {
	for _, r := range run.ofType(typ) {
		if r.ID == id {
			return &r
		}
	}
	return nil
}

// rule is one standalone SG rule, flattened.
type rule struct {
	name, group, peerSG, cidr string
	from, to                  float64
	protocol                  string
}

func rulesOf(t *testing.T, run *stackRun, typ string) []rule {
	t.Helper()
	var out []rule
	for _, r := range run.ofType(typ) {
		x := rule{name: r.Name, group: str(t, r.Inputs, "securityGroupId"), protocol: str(t, r.Inputs, "ipProtocol")}
		if v, ok := lookup(r.Inputs, "referencedSecurityGroupId"); ok {
			x.peerSG, _ = v.(string)
		}
		if v, ok := lookup(r.Inputs, "cidrIpv4"); ok {
			x.cidr, _ = v.(string)
		}
		if v, ok := lookup(r.Inputs, "cidrIpv6"); ok && v != nil {
			t.Errorf("rule %s opens IPv6 %v", r.Name, v)
		}
		x.from, _ = get(t, r.Inputs, "fromPort").(float64)
		x.to, _ = get(t, r.Inputs, "toPort").(float64)
		out = append(out, x)
	}
	return out
}

func TestNetworkControls(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		cfg, err := parseConfig(stack, mapSource{values: run.Config})
		if err != nil {
			t.Fatal(err)
		}
		checkNetwork(t, run, cfg)
	})
}

// checkNetwork asserts the security-group rules and VPC resources of one run.
func checkNetwork(t *testing.T, run *stackRun, cfg *Config) {
	t.Helper()
	sg := func(name string) string { return run.one(t, rtSG, name).ID }
	domainSG, ingestSG, setupSG, albSG := sg("domain-sg"), sg("ingest-sg"), sg("setup-sg"), sg("alb-sg")

	// Standalone rules only (AWSGuard security-group-no-rule-management-conflicts).
	for _, g := range run.ofType(rtSG) {
		for _, inline := range []string{"ingress", "egress"} {
			if v, ok := lookup(g.Inputs, inline); ok && len(v.([]any)) > 0 {
				t.Errorf("security group %s has inline %s rules", g.Name, inline)
			}
		}
	}
	ingress := rulesOf(t, run, rtIngress)
	egress := rulesOf(t, run, rtEgress)
	var domainPeers []string
	var officeCidrs []string
	for _, r := range ingress {
		if r.protocol != "tcp" {
			t.Errorf("ingress %s protocol %s, want tcp", r.name, r.protocol)
		}
		// EC2.18/19: nothing open to the world, no high-risk ports.
		if r.cidr == "0.0.0.0/0" {
			t.Errorf("ingress %s open to 0.0.0.0/0", r.name)
		}
		switch r.group {
		case domainSG:
			if r.from != 443 || r.to != 443 || r.cidr != "" {
				t.Errorf("domain ingress %s: %v-%v from %q, want 443 from a security group", r.name, r.from, r.to, r.cidr)
			}
			domainPeers = append(domainPeers, r.peerSG)
		case albSG:
			if (r.from != 443 && r.from != 80) || r.from != r.to || r.peerSG != "" {
				t.Errorf("ALB ingress %s: ports %v-%v, peer %q; want 443 or 80 from a CIDR", r.name, r.from, r.to, r.peerSG)
			}
			officeCidrs = append(officeCidrs, fmt.Sprintf("%s:%v", r.cidr, r.from))
		case ingestSG, setupSG:
			t.Errorf("function security group admits traffic: %s", r.name)
		}
	}
	sort.Strings(domainPeers)
	want := []string{albSG, ingestSG, setupSG}
	sort.Strings(want)
	if !slices.Equal(domainPeers, want) {
		t.Errorf("domain admits %v, want exactly the ALB, ingest and setup groups %v", domainPeers, want)
	}
	var wantOffice []string
	for _, c := range cfg.Dashboards.OfficeCidrs {
		wantOffice = append(wantOffice, c+":443", c+":80")
	}
	sort.Strings(officeCidrs)
	sort.Strings(wantOffice)
	if !slices.Equal(officeCidrs, wantOffice) {
		t.Errorf("ALB admits %v, want the office CIDRs on 443 and 80: %v", officeCidrs, wantOffice)
	}
	var albToAnywhere bool
	var ingestToCidrs []string
	for _, r := range egress {
		if r.from != 443 || r.to != 443 {
			t.Errorf("egress %s: ports %v-%v, want 443", r.name, r.from, r.to)
		}
		switch {
		case r.group == albSG && r.cidr == "0.0.0.0/0":
			// The ALB calls the identity provider's endpoints itself.
			albToAnywhere = true
		case r.group == ingestSG && r.cidr != "":
			// The existing VPC's own SQS endpoint, somewhere in its CIDRs.
			ingestToCidrs = append(ingestToCidrs, r.cidr)
		case r.cidr != "" || r.peerSG == "":
			t.Errorf("egress %s to %q/%q, want a security group", r.name, r.cidr, r.peerSG)
		case r.group == albSG && r.peerSG != domainSG:
			t.Errorf("ALB egress %s goes to %s, want only the domain", r.name, r.peerSG)
		}
	}
	if albToAnywhere != (cfg.Dashboards.Oidc != nil) {
		t.Errorf("ALB egress to 0.0.0.0/0:443 = %v with OIDC sign-in %v; want it exactly with OIDC", albToAnywhere, cfg.Dashboards.Oidc != nil)
	}
	var wantIngestCidrs []string
	if !cfg.Network.SqsEndpoint {
		wantIngestCidrs = mockVpcCidrs
	}
	sort.Strings(ingestToCidrs)
	if !slices.Equal(ingestToCidrs, wantIngestCidrs) {
		t.Errorf("ingest egress to CIDRs %v with sqsEndpoint %v, want %v (the existing VPC's CIDRs, where its SQS endpoint is)", ingestToCidrs, cfg.Network.SqsEndpoint, wantIngestCidrs)
	}
	// New VPC: default SG closed (EC2.2), no NAT unless asked, flow logs.
	if cfg.Network.NewVpc() {
		d := run.one(t, rtDefaultSG, "default-sg")
		for _, k := range []string{"ingress", "egress"} {
			if v, ok := lookup(d.Inputs, k); ok && len(v.([]any)) > 0 {
				t.Errorf("default security group keeps %s rules", k)
			}
		}
		if n := len(run.ofType(rtNat)); n != 0 && !cfg.Network.NatGateway {
			t.Errorf("%d NAT gateways without natGateway: true", n)
		}
		wantSubnets := cfg.Network.AzCount
		if cfg.Network.NatGateway {
			wantSubnets *= 2 // and as many public ones for the NAT gateway
		}
		if n := len(run.ofType(rtSubnet)); n != wantSubnets {
			t.Errorf("%d subnets, want %d (%d private, public ones only with natGateway)", n, wantSubnets, cfg.Network.AzCount)
		}
		if len(run.ofType(rtFlowLog)) != 1 {
			t.Error("no VPC flow log")
		}
	}
	if cfg.Network.SqsEndpoint {
		e := run.one(t, rtVpcEndpoint, "sqs-endpoint")
		if get(t, e.Inputs, "privateDnsEnabled") != true || get(t, e.Inputs, "vpcEndpointType") != "Interface" {
			t.Error("SQS endpoint without private DNS: the function would resolve the public SQS name and time out")
		}
		if got := str(t, e.Inputs, "serviceName"); got != "com.amazonaws."+stackRegion(run)+".sqs" {
			t.Errorf("endpoint service %s", got)
		}
	}
}

func TestNatGatewayOnlyWhenAsked(t *testing.T) {
	run := mustRunStack(t, "dev", map[string]string{
		"logsearch:network": `{"vpcCidr": "10.40.0.0/16", "azCount": 2, "natGateway": true, "officeVpn": {"routerIp": "198.51.100.7"}}`,
	})
	if n := len(run.ofType(rtNat)); n != 1 {
		t.Fatalf("%d NAT gateways, want 1", n)
	}
	if n := len(run.ofType(rtSubnet)); n != 4 {
		t.Errorf("%d subnets, want 2 private + 2 public", n)
	}
	for _, s := range run.ofType(rtSubnet) {
		if get(t, s.Inputs, "mapPublicIpOnLaunch") != false {
			t.Errorf("subnet %s hands out public IPs", s.Name)
		}
	}
}

func TestExistingVpcIsUsedAsIs(t *testing.T) {
	run := mustRunStack(t, "prod", map[string]string{
		"logsearch:network": `{"vpcId": "vpc-0123", "subnetIds": ["subnet-a", "subnet-b", "subnet-c"], "sqsEndpoint": false}`,
	})
	for _, typ := range []string{rtVpc, rtSubnet, rtNat, rtDefaultSG, rtVpcEndpoint, rtFlowLog} {
		if n := len(run.ofType(typ)); n != 0 {
			t.Errorf("%d %s created in an existing VPC", n, typ)
		}
	}
	if got := asStrings(t, get(t, run.one(t, rtDomain, "domain").Inputs, "vpcOptions.subnetIds")); !slices.Equal(got, []string{"subnet-a", "subnet-b", "subnet-c"}) {
		t.Errorf("domain subnets %v", got)
	}
	if got := asStrings(t, get(t, run.one(t, rtFunction, "ingest").Inputs, "vpcConfig.subnetIds")); !slices.Equal(got, []string{"subnet-a", "subnet-b", "subnet-c"}) {
		t.Errorf("function subnets %v", got)
	}
	if got := str(t, run.one(t, rtSG, "domain-sg").Inputs, "vpcId"); got != "vpc-0123" {
		t.Errorf("security groups in %s, want the configured VPC", got)
	}
	// sqsEndpoint: false: the ingest function reaches the VPC's own SQS
	// endpoint through egress to the VPC's CIDRs, read from the VPC.
	looked := false
	for _, inv := range run.Invokes {
		if inv.Token == "aws:ec2/getVpc:getVpc" && inv.Args["id"].IsString() && inv.Args["id"].StringValue() == "vpc-0123" {
			looked = true
		}
	}
	if !looked {
		t.Error("the configured VPC was not looked up for its CIDRs")
	}
	cfg, err := parseConfig("prod", mapSource{values: run.Config})
	if err != nil {
		t.Fatal(err)
	}
	checkNetwork(t, run, cfg)
}

// With OIDC sign-in the ALB may call out to the identity provider on 443;
// its ingress stays the office networks only (checkNetwork).
func TestOidcLetsTheLoadBalancerReachTheIdentityProvider(t *testing.T) {
	for name, network := range map[string]string{
		"new VPC with NAT": devNatNetwork,
		"existing VPC":     `{"vpcId": "vpc-0123", "subnetIds": ["subnet-a", "subnet-b"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			run := mustRunStack(t, "dev", devOidcOverrides(t, network))
			cfg, err := parseConfig("dev", mapSource{values: run.Config, secrets: map[string]bool{"logsearch:dashboards": true}})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Dashboards.Oidc == nil {
				t.Fatal("OIDC is not configured in this run")
			}
			checkNetwork(t, run, cfg)
		})
	}
}

// Every log group the stack creates keeps its events logRetentionDays and
// is encrypted with the stack's key (CloudWatch.16), whatever creates it.
func TestEveryLogGroupIsRetainedAndEncrypted(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		cfg, err := parseConfig(stack, mapSource{values: run.Config})
		if err != nil {
			t.Fatal(err)
		}
		key := run.one(t, rtKey, "domain-key")
		var names []string
		for _, g := range run.ofType(rtLogGroup) {
			checkLogGroup(t, g, key, cfg)
			names = append(names, g.Name)
		}
		for _, want := range []string{"ingest-logs", "setup", "dashboards-targetsync", "vpc-flow-logs", "domain-audit"} {
			if !slices.Contains(names, want) {
				t.Errorf("log group %s not registered (have %v); the check is blind to it", want, names)
			}
		}
		// The key policy must let CloudWatch Logs use the key, or every
		// group above fails to create.
		var logsMay []string
		for _, st := range policyStatementsOf(t, str(t, key.Inputs, "policy")) {
			if p, _ := st["Principal"].(map[string]any); p["Service"] == "logs."+stackRegion(run)+".amazonaws.com" && st["Effect"] == "Allow" {
				logsMay = append(logsMay, st.actions(t)...)
			}
		}
		for _, a := range []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"} {
			if !slices.Contains(logsMay, a) {
				t.Errorf("the stack key policy does not let logs.%s.amazonaws.com %s", stackRegion(run), a)
			}
		}
	})
}

// Every function waits for every policy of its role (CreateFunction with a
// VpcConfig fails while the VPC access policy is not attached yet), traces
// actively and may write its traces.
// tracingMode is the X-Ray mode every function of cfg's stack must have.
func tracingMode(cfg *Config) string {
	if cfg.Ingest.Tracing {
		return "Active"
	}
	return "PassThrough"
}

func TestEveryFunctionWaitsForItsRolePolicies(t *testing.T) {
	forEachStack(t, checkFunctionRoles)
}

// TestTracingIsDeliveredOrOff: with ingest.tracing every function traces and
// the in-VPC ones reach X-Ray through the stack's endpoint; without it
// nothing traces, so no trace is silently lost.
func TestTracingIsDeliveredOrOff(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, _ := stackConfig(t, stack)
			var network map[string]any
			_ = json.Unmarshal([]byte(cfg["logsearch:network"]), &network)
			if network["vpcId"] != nil {
				t.Skip("tracing needs a new VPC")
			}
			var ingest map[string]any
			_ = json.Unmarshal([]byte(cfg["logsearch:ingest"]), &ingest)
			if ingest == nil {
				ingest = map[string]any{}
			}
			for _, on := range []bool{false, true} {
				ingest["tracing"] = on
				b, _ := json.Marshal(ingest)
				run := mustRunStack(t, stack, map[string]string{"logsearch:ingest": string(b)})
				checkFunctionRoles(t, stack, run)
				endpoints := 0
				for _, e := range run.ofType(rtVpcEndpoint) {
					if strings.HasSuffix(str(t, e.Inputs, "serviceName"), ".xray") {
						endpoints++
						checkEndpointReach(t, run, e, "ingest-sg", "setup-sg")
					}
				}
				if want := map[bool]int{false: 0, true: 1}[on]; endpoints != want {
					t.Errorf("tracing %v: %d X-Ray endpoints, want %d", on, endpoints, want)
				}
			}
		})
	}
}

// checkEndpointReach: each client security group may send HTTPS to the
// endpoint's group, and the endpoint's group admits it.
func checkEndpointReach(t *testing.T, run *stackRun, endpoint registered, clients ...string) {
	t.Helper()
	groups := asStrings(t, get(t, endpoint.Inputs, "securityGroupIds"))
	if len(groups) != 1 {
		t.Fatalf("endpoint %s has security groups %v, want its own one", endpoint.Name, groups)
	}
	for _, c := range clients {
		clientID := run.one(t, rtSG, c).ID
		out, in := false, false
		for _, r := range rulesOf(t, run, rtEgress) {
			out = out || (r.group == clientID && r.peerSG == groups[0] && r.from == 443 && r.to == 443)
		}
		for _, r := range rulesOf(t, run, rtIngress) {
			in = in || (r.group == groups[0] && r.peerSG == clientID && r.from == 443 && r.to == 443)
		}
		if !out || !in {
			t.Errorf("%s cannot reach endpoint %s on 443 (egress %v, endpoint ingress %v)", c, endpoint.Name, out, in)
		}
	}
}

func checkFunctionRoles(t *testing.T, stack string, run *stackRun) {
	t.Helper()
	cfg, err := parseConfig(stack, mapSource{values: run.Config})
	if err != nil {
		t.Fatal(err)
	}
	{
		fns := run.ofType(rtFunction)
		if len(fns) < 3 {
			t.Fatalf("%d functions, want ingest, setup and target sync at least", len(fns))
		}
		for _, fn := range fns {
			var role *registered
			for _, r := range run.ofType(rtRole) {
				if outStr(t, r, "arn") == str(t, fn.Inputs, "role") {
					role = &r
				}
			}
			if role == nil {
				t.Errorf("function %s: no role of this stack", fn.Name)
				continue
			}
			if got := get(t, fn.Inputs, "tracingConfig.mode"); got != tracingMode(cfg) {
				t.Errorf("function %s traces %v, want %s (ingest.tracing %v)", fn.Name, got, tracingMode(cfg), cfg.Ingest.Tracing)
			}
			var grants []string
			for _, a := range run.ofType(rtRoleAttach) {
				if str(t, a.Inputs, "role") == outStr(t, *role, "name") {
					grants = append(grants, str(t, a.Inputs, "policyArn"))
					if !fn.dependsOn(rtRoleAttach, a.Name) {
						t.Errorf("function %s does not wait for %s (%s)", fn.Name, a.Name, str(t, a.Inputs, "policyArn"))
					}
				}
			}
			for _, p := range run.ofType(rtRolePolicy) {
				if str(t, p.Inputs, "role") == role.ID && !fn.dependsOn(rtRolePolicy, p.Name) {
					t.Errorf("function %s does not wait for its inline policy %s", fn.Name, p.Name)
				}
			}
			if slices.Contains(grants, "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess") != cfg.Ingest.Tracing {
				t.Errorf("function %s: AWSXRayDaemonWriteAccess granted %v with ingest.tracing %v (has %v)", fn.Name, !cfg.Ingest.Tracing, cfg.Ingest.Tracing, grants)
			}
			if _, inVPC := lookup(fn.Inputs, "vpcConfig"); inVPC && !slices.Contains(grants, "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole") {
				t.Errorf("function %s is in the VPC, but its role lacks AWSLambdaVPCAccessExecutionRole (has %v)", fn.Name, grants)
			}
		}
	}
}

func TestIngestionControls(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		cfg, err := parseConfig(stack, mapSource{values: run.Config})
		if err != nil {
			t.Fatal(err)
		}
		fn := run.one(t, rtFunction, "ingest")
		dlq := run.one(t, rtQueue, "ingest-dlq")
		domain := run.one(t, rtDomain, "domain")
		dlqArn, fnArn := outStr(t, dlq, "arn"), outStr(t, fn, "arn")
		in := fn.Inputs

		// Lambda.2/.3/.5 and the Checkov-only checks.
		for path, want := range map[string]any{
			"runtime": "provided.al2023", "handler": "bootstrap", "tracingConfig.mode": tracingMode(cfg),
			"deadLetterConfig.targetArn": dlqArn, "memorySize": float64(cfg.Ingest.MemorySize), "timeout": 300.0,
		} {
			if got := get(t, in, path); got != want {
				t.Errorf("function %s = %v, want %v", path, got, want)
			}
		}
		if a := asStrings(t, get(t, in, "architectures")); !slices.Equal(a, []string{"arm64"}) {
			t.Errorf("architectures %v", a)
		}
		if subnets := asStrings(t, get(t, in, "vpcConfig.subnetIds")); len(subnets) < 2 {
			t.Errorf("function in %d subnets, want >= 2 AZs", len(subnets))
		}
		if sgs := asStrings(t, get(t, in, "vpcConfig.securityGroupIds")); !slices.Equal(sgs, []string{run.one(t, rtSG, "ingest-sg").ID}) {
			t.Errorf("function SGs %v, want its own", sgs)
		}
		if code := get(t, in, "code"); fmt.Sprint(code) != fmt.Sprint(map[string]any{"archive": ".build/ingest.zip"}) {
			t.Errorf("code %v, want the deterministic .build/ingest.zip", code)
		}
		if _, set := lookup(in, "reservedConcurrentExecutions"); set != (cfg.Ingest.MaxConcurrency > 0) {
			t.Errorf("reserved concurrency set = %v with maxConcurrency %d", set, cfg.Ingest.MaxConcurrency)
		}
		env, _ := get(t, in, "environment.variables").(map[string]any)
		wantEnv := map[string]any{
			"OPENSEARCH_ENDPOINT": "https://" + outStr(t, domain, "endpoint"),
			"OPENSEARCH_AUTH":     "sigv4",
			"INDEX_PREFIX":        cfg.Ingest.IndexPrefix,
			"INDEX_TIMEZONE":      cfg.Ingest.Timezone,
			"TIME_FIELD":          cfg.Ingest.TimeField,
			"FIELD_TYPES":         cfg.Ingest.FieldTypes.EncodeJSON(),
			"DLQ_URL":             outStr(t, dlq, "url"),
			"BULK_MAX_BYTES":      "5242880",
			"BULK_COMPRESSION":    cfg.Ingest.Compression,
			// Below the function's memory, so the runtime collects before
			// Lambda stops it.
			"GOMEMLIMIT": fmt.Sprintf("%dMiB", cfg.Ingest.MemorySize*9/10),
		}
		if fmt.Sprint(env) != fmt.Sprint(wantEnv) {
			t.Errorf("environment\n got %v\nwant %v", env, wantEnv)
		}
		if _, errs := fieldtypes.DecodeJSON(env["FIELD_TYPES"].(string)); len(errs) > 0 {
			t.Errorf("FIELD_TYPES does not decode: %v", errs)
		}
		// The function's own settings loader must accept what the program
		// sets, or every cold start of this stack would stop.
		loaded, err := settings.Load(func(k string) string { s, _ := env[k].(string); return s })
		if err != nil {
			t.Errorf("the ingest function would refuse the environment the program gives it: %v", err)
		} else if d := loaded.Document; d.IndexPrefix != cfg.Ingest.IndexPrefix || d.TimeField != cfg.Ingest.TimeField || d.Location.String() != cfg.Ingest.Timezone || len(d.FieldTypes) != len(cfg.Ingest.FieldTypes) ||
			string(loaded.Compression) != cfg.Ingest.Compression {
			t.Errorf("ingest would read %+v, compression %q; config says %+v", d, loaded.Compression, cfg.Ingest)
		}
		// The function's own log group exists first, retained and encrypted.
		lg := run.one(t, rtLogGroup, "ingest-logs")
		if str(t, lg.Inputs, "name") != "/aws/lambda/"+str(t, in, "name") {
			t.Errorf("log group %s is not the function's", str(t, lg.Inputs, "name"))
		}
		checkLogGroup(t, lg, run.one(t, rtKey, "domain-key"), cfg)
		if !fn.dependsOn(rtLogGroup, "ingest-logs") {
			t.Error("function does not wait for its log group (Lambda would create one without retention)")
		}
		// SQS.1 and retention.
		if get(t, dlq.Inputs, "sqsManagedSseEnabled") != true {
			t.Error("DLQ not encrypted")
		}
		if get(t, dlq.Inputs, "messageRetentionSeconds") != 1209600.0 {
			t.Error("DLQ does not keep messages 14 days")
		}
		// Async config.
		ic := run.one(t, rtInvokeConfig, "ingest")
		for path, want := range map[string]any{
			"maximumRetryAttempts": 2.0, "maximumEventAgeInSeconds": 21600.0,
			"destinationConfig.onFailure.destination": dlqArn, "functionName": outStr(t, fn, "name"),
		} {
			if got := get(t, ic.Inputs, path); got != want {
				t.Errorf("invoke config %s = %v, want %v", path, got, want)
			}
		}
		// Lambda.1 and the subscription filters: one permission and one
		// filter per log group, the filter waiting for the permission.
		perms := map[string]registered{}
		for _, p := range run.ofType(rtPermission) {
			if get(t, p.Inputs, "principal") == "logs.amazonaws.com" {
				perms[str(t, p.Inputs, "sourceArn")] = p
			}
		}
		filters := run.ofType(rtSubscription)
		if len(filters) != len(cfg.LogGroups) || len(perms) != len(cfg.LogGroups) {
			t.Fatalf("%d filters and %d logs permissions for %d log groups", len(filters), len(perms), len(cfg.LogGroups))
		}
		for _, g := range cfg.LogGroups {
			arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", mockPartitionName, stackRegion(run), mockAccount, g.Name)
			p, ok := perms[arn]
			if !ok {
				t.Errorf("no permission with source ARN %s", arn)
				continue
			}
			if get(t, p.Inputs, "sourceAccount") != mockAccount || get(t, p.Inputs, "action") != "lambda:InvokeFunction" || get(t, p.Inputs, "function") != outStr(t, fn, "name") {
				t.Errorf("permission %s: %v", p.Name, p.Inputs)
			}
			var f *registered
			for i := range filters {
				if get(t, filters[i].Inputs, "logGroup") == g.Name {
					f = &filters[i]
				}
			}
			if f == nil {
				t.Errorf("no subscription filter on %s", g.Name)
				continue
			}
			if get(t, f.Inputs, "destinationArn") != fnArn || get(t, f.Inputs, "filterPattern") != g.FilterPattern {
				t.Errorf("filter %s: %v", f.Name, f.Inputs)
			}
			if !f.dependsOn(rtPermission, p.Name) {
				t.Errorf("filter %s does not depend on permission %s: AccessDenied loses logs silently", f.Name, p.Name)
			}
		}
		checkIngestRole(t, run, fn, domain, dlqArn, cfg.Ingest.Tracing)
	})
}

// checkIngestRole: least privilege, exactly the actions the function uses.
func checkIngestRole(t *testing.T, run *stackRun, fn, domain registered, dlqArn string, tracing bool) {
	t.Helper()
	role := run.one(t, rtRole, "ingest")
	if str(t, fn.Inputs, "role") != outStr(t, role, "arn") {
		t.Fatal("function does not run as the ingest role")
	}
	trust := policyStatementsOf(t, str(t, role.Inputs, "assumeRolePolicy"))
	if len(trust) != 1 || fmt.Sprint(trust[0]["Principal"]) != "map[Service:lambda.amazonaws.com]" {
		t.Errorf("ingest role trust %v", trust)
	}
	got := map[string][]string{}
	for _, rp := range run.ofType(rtRolePolicy) {
		if str(t, rp.Inputs, "role") != role.ID {
			continue
		}
		for _, s := range policyStatementsOf(t, str(t, rp.Inputs, "policy")) {
			for _, a := range s.actions(t) {
				got[a] = append(got[a], s.resources(t)...)
			}
		}
	}
	domainArn := outStr(t, domain, "arn")
	want := map[string][]string{
		"es:ESHttpPost":   {domainArn + "/*"},
		"es:ESHttpPut":    {domainArn + "/*"},
		"sqs:SendMessage": {dlqArn},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ingest role inline permissions\n got %v\nwant %v", got, want)
	}
	var managed []string
	for _, a := range run.ofType(rtRoleAttach) {
		if str(t, a.Inputs, "role") == outStr(t, role, "name") {
			managed = append(managed, str(t, a.Inputs, "policyArn"))
		}
	}
	sort.Strings(managed)
	wantManaged := []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}
	if tracing {
		wantManaged = append([]string{"arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"}, wantManaged...)
	}
	if !slices.Equal(managed, wantManaged) {
		t.Errorf("managed policies %v, want %v", managed, wantManaged)
	}
}

func TestDomainAccessPolicy(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		domain := run.one(t, rtDomain, "domain")
		domainArn := outStr(t, domain, "arn")
		dp := run.one(t, rtDomainPolicy, "domain-access")
		if str(t, dp.Inputs, "domainName") != outStr(t, domain, "domainName") {
			t.Error("policy is not on the stack's domain")
		}
		if _, set := lookup(domain.Inputs, "accessPolicies"); set {
			t.Error("domain carries an inline access policy too; DomainPolicy and it would fight")
		}
		ingestRole := outStr(t, run.one(t, rtRole, "ingest"), "arn")
		var sawIngest, sawAnonymous bool
		for _, s := range policyStatementsOf(t, str(t, dp.Inputs, "accessPolicies")) {
			if s["Effect"] != "Allow" {
				continue
			}
			for _, a := range s.actions(t) {
				if a == "es:*" || a == "*" || strings.HasSuffix(a, "*") {
					t.Errorf("wildcard action %s", a)
				}
			}
			principal := fmt.Sprint(s["Principal"])
			switch principal {
			case "map[AWS:" + ingestRole + "]":
				sawIngest = true
				if a := s.actions(t); !slices.Equal(a, []string{"es:ESHttpPost", "es:ESHttpPut"}) {
					t.Errorf("ingest role may %v, want only POST and PUT", a)
				}
			case "map[AWS:*]":
				sawAnonymous = true
				assertFGACDecidesStatement(t, s, domain, domainArn)
			default:
				if !strings.HasPrefix(principal, "map[AWS:arn:aws:iam::"+mockAccount+":role/") {
					t.Errorf("statement for unexpected principal %s", principal)
				}
			}
		}
		if !sawIngest || !sawAnonymous {
			t.Errorf("ingest statement %v, FGAC statement %v; want both", sawIngest, sawAnonymous)
		}
	})
}

// assertFGACDecidesStatement pins the one statement with an anonymous
// principal to the shape AWS documents for a VPC domain with fine-grained
// access control and the internal user database
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html#fgac-recommendations):
// this domain's sub-resources only, the HTTP methods named one by one, and
// only while the domain has no public endpoint, FGAC is on and anonymous
// auth is off. If any of those changes, the statement would make the
// domain public or FGAC-less, so the test fails.
func assertFGACDecidesStatement(t *testing.T, s statement, domain registered, domainArn string) {
	t.Helper()
	if s["Sid"] != fgacDecidesSid {
		t.Errorf("anonymous statement %v: the only one allowed is %s", s["Sid"], fgacDecidesSid)
	}
	if r := s.resources(t); !slices.Equal(r, []string{domainArn + "/*"}) {
		t.Errorf("anonymous statement reaches %v, want exactly this domain's sub-resources %s/*", r, domainArn)
	}
	if a := s.actions(t); !slices.Equal(a, esHTTPAllMethods) {
		t.Errorf("anonymous statement allows %v, want the HTTP methods %v", a, esHTTPAllMethods)
	}
	if _, ok := s["Condition"]; ok {
		t.Errorf("anonymous statement has a condition %v: the documented shape has none, and an IP condition never matches VPC clients", s["Condition"])
	}
	subnets, _ := lookup(domain.Inputs, "vpcOptions.subnetIds")
	if l, _ := subnets.([]any); len(l) == 0 {
		t.Error("an open access policy on a domain without VPC subnets is a public domain")
	}
	for path, want := range map[string]bool{
		"advancedSecurityOptions.enabled":                     true,
		"advancedSecurityOptions.internalUserDatabaseEnabled": true,
		"advancedSecurityOptions.anonymousAuthEnabled":        false,
	} {
		if got, _ := lookup(domain.Inputs, path); got != want {
			t.Errorf("domain %s = %v, want %v: the open access policy relies on FGAC authenticating every request", path, got, want)
		}
	}
}

func TestAPIPrincipalsGetSignedAccess(t *testing.T) {
	engineer := "arn:aws:iam::123456789012:role/engineers"
	run := mustRunStack(t, "dev", map[string]string{
		"logsearch:domain": `{"instanceType": "t3.small.search", "volumeSize": 20, "apiPrincipals": ["` + engineer + `"]}`,
	})
	dp := run.one(t, rtDomainPolicy, "domain-access")
	domainArn := outStr(t, run.one(t, rtDomain, "domain"), "arn")
	for _, s := range policyStatementsOf(t, str(t, dp.Inputs, "accessPolicies")) {
		if fmt.Sprint(s["Principal"]) == "map[AWS:"+engineer+"]" {
			if !slices.Equal(s.resources(t), []string{domainArn + "/*"}) {
				t.Errorf("engineers reach %v", s.resources(t))
			}
			if !slices.Contains(s.actions(t), "es:ESHttpDelete") || slices.Contains(s.actions(t), "es:ESHttp*") {
				t.Errorf("engineer actions %v", s.actions(t))
			}
			return
		}
	}
	t.Error("no statement for the configured API principal")
}

// A backfill operator in domain.writerPrincipals is admitted by the signed
// statement and mapped to the writer role only, never to all_access.
func TestWriterPrincipalsGetTheWriterRoleOnly(t *testing.T) {
	operator := "arn:aws:iam::123456789012:role/backfill-operator"
	run := mustRunStack(t, "dev", map[string]string{
		"logsearch:domain": `{"instanceType": "t3.small.search", "volumeSize": 20, "writerPrincipals": ["` + operator + `"]}`,
	})
	admitted := false
	for _, s := range policyStatementsOf(t, str(t, run.one(t, rtDomainPolicy, "domain-access").Inputs, "accessPolicies")) {
		admitted = admitted || strings.Contains(fmt.Sprint(s["Principal"]), operator)
	}
	if !admitted {
		t.Error("the domain access policy does not admit the writer principal's signed requests")
	}
	req := deployedRequest(t, run)
	if !slices.Contains(req.Spec.WriterBackendRoles, operator) || slices.Contains(req.Spec.AdminBackendRoles, operator) {
		t.Errorf("setup maps writers %v and admins %v; want the operator among the writers only", req.Spec.WriterBackendRoles, req.Spec.AdminBackendRoles)
	}
	for _, m := range req.Spec.RoleMappings("master") {
		if slices.Contains(m.BackendRoles, operator) != (m.Role == domainstate.WriterRole) {
			t.Errorf("role %s: backend roles %v", m.Role, m.BackendRoles)
		}
	}
}

// wildcardAllowlist are the Allow actions with `*` the program may write,
// each with the AWS documentation that requires exactly that form. None is
// needed today: the alarm topic's key policy (alarms.go) grants CloudWatch
// kms:GenerateDataKey itself rather than the kms:GenerateDataKey* of the
// SNS guide.
var wildcardAllowlist = map[string]string{}

// wildcardAction reports an action that is or contains a wildcard (`*`,
// `es:*`, `es:ESHttp*`, `s3:Get*`) and is not allowlisted.
func wildcardAction(a string) bool {
	_, allowed := wildcardAllowlist[a]
	return strings.ContainsAny(a, "*?") && !allowed
}

// TestNoPolicyAllowsWildcardActions scans every policy document the
// program writes (any input that is a JSON document with a Statement:
// role and inline policies, managed policies, key, queue, topic, bucket,
// log resource and domain policies) for Allow statements with any wildcard
// action or NotAction.
func TestNoPolicyAllowsWildcardActions(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		scanned := map[string]bool{}
		for _, r := range run.Resources {
			for path, doc := range policyDocuments(r.Inputs) {
				scanned[r.Type] = true
				for i, s := range policyStatementsOf(t, doc) {
					if s["Effect"] != "Allow" {
						continue
					}
					if _, ok := s["NotAction"]; ok {
						t.Errorf("%s %s %s statement %d: Allow with NotAction", r.Type, r.Name, path, i)
					}
					for _, a := range s.actions(t) {
						if wildcardAction(a) {
							t.Errorf("%s %s %s statement %d allows %q; list the actions one by one", r.Type, r.Name, path, i, a)
						}
					}
				}
			}
		}
		for _, typ := range []string{rtRolePolicy, rtKey, rtDomainPolicy, rtLogPolicy, rtRole} {
			if !scanned[typ] {
				t.Errorf("no policy of %s was scanned; the scan is blind", typ)
			}
		}
	})
}

func TestPolicyScanCatchesWildcards(t *testing.T) {
	for a, want := range map[string]bool{
		"*": true, "kms:*": true, "es:ESHttp*": true, "s3:Get*": true, "s3:GetObject?": true, "es:*Http*": true,
		"kms:GenerateDataKey*": true, "es:ESHttpGet": false, "kms:GenerateDataKey": false,
	} {
		if got := wildcardAction(a); got != want {
			t.Errorf("wildcardAction(%q) = %v, want %v", a, got, want)
		}
	}
	wildcardAllowlist["kms:GenerateDataKey*"] = "test entry"
	defer delete(wildcardAllowlist, "kms:GenerateDataKey*")
	if wildcardAction("kms:GenerateDataKey*") {
		t.Error("an allowlisted action is still refused")
	}
	inputs := resource.NewPropertyMapFromMap(map[string]any{
		"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"es:ESHttp*","Resource":"*"}]}`,
	})
	docs := policyDocuments(inputs)
	if len(docs) != 1 {
		t.Fatalf("found %d documents", len(docs))
	}
	for _, s := range policyStatementsOf(t, docs["policy"]) {
		if !wildcardAction(s.actions(t)[0]) {
			t.Error("es:ESHttp* in a policy document not recognised as a wildcard")
		}
	}
}

// policyDocuments finds every string input that is a policy document.
func policyDocuments(inputs resource.PropertyMap) map[string]string {
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, `"Statement"`) {
				var probe struct {
					Statement json.RawMessage
				}
				if json.Unmarshal([]byte(x), &probe) == nil && probe.Statement != nil {
					out[path] = x
				}
			}
		case map[string]any:
			for k, e := range x {
				walk(strings.TrimPrefix(path+"."+k, "."), e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", plainValue(resource.NewObjectProperty(inputs)))
	return out
}

func TestStackOutputs(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		domain := run.one(t, rtDomain, "domain")
		want := map[string]string{
			"domainEndpoint":     outStr(t, domain, "endpoint"),
			"domainArn":          outStr(t, domain, "arn"),
			"ingestFunctionName": outStr(t, run.one(t, rtFunction, "ingest"), "name"),
			"dlqUrl":             outStr(t, run.one(t, rtQueue, "ingest-dlq"), "url"),
			"alarmTopicArn":      outStr(t, run.one(t, "aws:sns/topic:Topic", "alarms-topic"), "arn"),
			// The function whose name its alarm and the steps of
			// docs/troubleshooting.md#the-office-address-fails refer to.
			"targetSyncFunctionName": outStr(t, run.one(t, rtFunction, "dashboards-targetsync"), "name"),
		}
		for k, v := range want {
			if run.Outputs[k] != v {
				t.Errorf("output %s = %v, want %v", k, run.Outputs[k], v)
			}
		}
		checkDashboardConsoleURL(t, run, want["alarmTopicArn"])
		if u, _ := run.Outputs["dashboardsUrl"].(string); !strings.HasPrefix(u, "https://") {
			t.Errorf("dashboardsUrl %q", u)
		}
		if p, _ := run.Outputs["masterPassword"].(string); len(p) < 16 || !run.SecretOutputs["masterPassword"] {
			t.Errorf("masterPassword must be exported as a secret (len %d, secret %v)", len(p), run.SecretOutputs["masterPassword"])
		}
		if run.Outputs["masterUserName"] == "" || run.SecretOutputs["domainEndpoint"] {
			t.Errorf("masterUserName %v exported; domainEndpoint secret %v", run.Outputs["masterUserName"], run.SecretOutputs["domainEndpoint"])
		}
		if !strings.HasSuffix(want["domainEndpoint"], ".es.amazonaws.com") || !strings.HasPrefix(want["domainEndpoint"], "vpc-") {
			t.Errorf("endpoint %s is not a VPC endpoint", want["domainEndpoint"])
		}
	})
}

// checkDashboardConsoleURL: operationsDashboardUrl opens the stack's own
// dashboard in the console of the region the stack deploys to (read from
// the alarm topic's ARN, arn:<partition>:sns:<region>:...).
func checkDashboardConsoleURL(t *testing.T, run *stackRun, topicArn string) {
	t.Helper()
	raw, _ := run.Outputs["operationsDashboardUrl"].(string)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("operationsDashboardUrl %q: %v", raw, err)
	}
	region := strings.Split(topicArn, ":")[3]
	name := outStr(t, run.one(t, "aws:cloudwatch/dashboard:Dashboard", "operations-dashboard"), "dashboardName")
	if u.Scheme != "https" || u.Host != region+".console.aws.amazon.com" || u.Path != "/cloudwatch/home" || u.Query().Get("region") != region {
		t.Errorf("operationsDashboardUrl %q is not the CloudWatch console of %s", raw, region)
	}
	if u.Fragment != "dashboards:name="+name {
		t.Errorf("operationsDashboardUrl %q does not open dashboard %s", raw, name)
	}
}

func TestDashboardConsoleURLPerPartition(t *testing.T) {
	for _, c := range []struct{ partition, region, want string }{
		{"aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=logsearch-x"},
		{"aws-cn", "cn-north-1", "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards:name=logsearch-x"},
		{"aws-us-gov", "us-gov-west-1", "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards:name=logsearch-x"},
	} {
		if got := dashboardConsoleURL(c.partition, c.region, "logsearch-x"); got != c.want {
			t.Errorf("%s: %s, want %s", c.partition, got, c.want)
		}
	}
}

// TestTracingRefusedWhereItCannotBeDelivered: an existing VPC may have no
// route to X-Ray, so tracing there is refused rather than lost.
func TestTracingRefusedWhereItCannotBeDelivered(t *testing.T) {
	_, err := parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{
		"network": to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-2"}}),
		"ingest":  set("tracing", true),
	}))
	if err == nil || !strings.Contains(err.Error(), "logsearch:ingest.tracing = true: is only available with a new VPC") {
		t.Errorf("want tracing in an existing VPC refused, got %v", err)
	}
}
