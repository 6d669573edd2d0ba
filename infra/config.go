package infra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone names validate the same on every deployer's machine

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/problemlist"
)

// configNamespace is the Pulumi config namespace of every key: logsearch:<key>.
const configNamespace = "logsearch"

// Config is the whole `logsearch:` stack config, read and validated once.
// The json tags are the config key names users write in Pulumi.<stack>.yaml.
type Config struct {
	Stack         string           `json:"-"`          // pulumi stack name
	Production    bool             `json:"production"` // logsearch:production; default true for a stack named "prod"
	Network       NetworkConfig    `json:"network"`
	Domain        DomainConfig     `json:"domain"`
	LogGroups     []LogGroupConfig `json:"logGroups"`
	Ingest        IngestConfig     `json:"ingest"`
	Dashboards    DashboardsConfig `json:"dashboards"`
	RetentionDays int              `json:"retentionDays"` // days an index stays searchable
	AlarmEmails   []string         `json:"alarmEmails"`
	// LogRetentionDays is how long the CloudWatch log groups this stack
	// creates (domain and function logs) keep their events.
	LogRetentionDays int `json:"logRetentionDays"`
	// Region, AccountID and Partition come from the AWS provider, not from
	// logsearch config; they are filled by LoadConfig so ARNs can be built.
	Region    string `json:"-"`
	AccountID string `json:"-"`
	Partition string `json:"-"`
	// AllowedAccountIDs is aws:allowedAccountIds, the provider's account pin.
	AllowedAccountIDs []string `json:"-"`
}

// NetworkConfig is either an existing VPC (VpcID + SubnetIDs) or a new one.
type NetworkConfig struct {
	VpcID     string   `json:"vpcId"`
	SubnetIDs []string `json:"subnetIds"`
	VpcCidr   string   `json:"vpcCidr"`
	AzCount   int      `json:"azCount"`
	// NatGateway gives a new VPC's private subnets a way out; only
	// dashboards.oidc needs it (the ALB calls the identity provider).
	NatGateway bool `json:"natGateway"`
	// SqsEndpoint creates an SQS interface endpoint so the in-VPC ingest
	// function reaches its dead-letter queue without a NAT gateway. Turn it
	// off only in an existing VPC that already has one with private DNS:
	// the ingest function may then send HTTPS to the VPC's CIDRs.
	SqsEndpoint bool `json:"sqsEndpoint"`
	// FlowLogs records rejected traffic of a new VPC to CloudWatch Logs.
	FlowLogs bool `json:"flowLogs"`
	// ZoneIDs pins a new VPC's availability zones by zone ID (e.g.
	// ["use1-az1", "use1-az2"]), the same physical zones in every account,
	// unlike zone names. Use it to avoid a zone that lacks the instance
	// types you need. Default: the region's first azCount ordinary zones
	// (never Local or Wavelength zones). azCount defaults to the number of
	// IDs listed. Only for a new VPC.
	ZoneIDs    []string `json:"zoneIds"`
	azCountSet bool     // azCount written in the config
}

// NewVpc reports whether the stack creates its own VPC.
func (n NetworkConfig) NewVpc() bool { return n.VpcID == "" }

// DomainConfig sizes the OpenSearch domain.
type DomainConfig struct {
	EngineVersion        string `json:"engineVersion"`
	InstanceType         string `json:"instanceType"`
	InstanceCount        int    `json:"instanceCount"`
	ZoneAwareness        bool   `json:"zoneAwareness"`
	AzCount              int    `json:"azCount"`
	DedicatedMasterType  string `json:"dedicatedMasterType"`
	DedicatedMasterCount int    `json:"dedicatedMasterCount"`
	VolumeSize           int    `json:"volumeSize"`
	// Iops is the provisioned IOPS of each data node's gp3 volume. Leave it
	// out to get what OpenSearch includes for the volume size: 3 IOPS per
	// GiB, at least 3000 and at most 16000. Allowed: that baseline up to
	// 16000 per started 3072 GiB of volumeSize.
	Iops int `json:"iops"`
	// Throughput is the provisioned throughput (MiB/s) of each data node's
	// gp3 volume. Leave it out to get what OpenSearch includes: 125 MiB/s
	// below 170 GiB, 250 MiB/s from 170 GiB. Allowed: that baseline up to
	// 1000 per started 3072 GiB of volumeSize.
	Throughput int `json:"throughput"`
	// ExpectedDailyGiB is the raw log volume (GiB per day) this stack is
	// sized for. When set, validation warns if the data nodes would sit
	// within 10 points of the free-storage alarm (25% free) once
	// retentionDays of indices are kept; it is the sizing the stack file's
	// comment states, checked. Default 0: not checked.
	ExpectedDailyGiB float64 `json:"expectedDailyGiB"`
	Shards           int     `json:"shards"`
	// Replicas defaults to 0, or to 1 with zone awareness: the replica in
	// another AZ is what zone awareness is for.
	Replicas    int  `json:"replicas"`
	replicasSet bool // replicas written in the config, so no default applies
	// APIPrincipals are IAM role or user ARNs (engineers, the backfill
	// tool) whose SigV4-signed requests the domain access policy admits.
	// Fine-grained access control must still map them to a role.
	APIPrincipals []string `json:"apiPrincipals"`
}

// SubnetCount is how many subnets (one per AZ) the domain spans.
func (d DomainConfig) SubnetCount() int {
	if d.ZoneAwareness {
		return d.AzCount
	}
	return 1
}

// LogGroupConfig is one CloudWatch Logs group to subscribe.
type LogGroupConfig struct {
	Name          string `json:"name"`
	FilterPattern string `json:"filterPattern"`
}

// IngestConfig is what the ingest function (and the index template) need.
type IngestConfig struct {
	IndexPrefix string         `json:"indexPrefix"`
	Timezone    string         `json:"timezone"`
	TimeField   string         `json:"timeField"`
	FieldTypes  fieldtypes.Map `json:"fieldTypes"`
	// MaxConcurrency caps concurrent ingest invocations (reserved
	// concurrency) so bursts queue in Lambda instead of flooding the domain
	// with 429s. 0 leaves the function on the account's shared pool: a
	// reservation fails to deploy in accounts with a small concurrency quota.
	MaxConcurrency int `json:"maxConcurrency"`
	// Tracing turns on AWS X-Ray active tracing for the stack's functions
	// (ingest, setup, target sync). The functions in the VPC reach X-Ray
	// through an X-Ray interface endpoint the stack then creates in its new
	// VPC (about the price of the SQS endpoint: one endpoint hour per AZ,
	// plus data). Default false: no traces, no endpoint. Not available with
	// an existing VPC (network.vpcId): the stack cannot tell whether that
	// VPC already routes to X-Ray, and traces without a route are lost.
	Tracing bool `json:"tracing"`
}

// DashboardsConfig is the office entry to OpenSearch Dashboards.
type DashboardsConfig struct {
	HostName       string      `json:"hostName"`
	HostedZone     string      `json:"hostedZone"`
	PrivateZone    bool        `json:"privateZone"`
	CertificateArn string      `json:"certificateArn"`
	OfficeCidrs    []string    `json:"officeCidrs"`
	Oidc           *OidcConfig `json:"oidc"`
}

// OidcConfig enables the ALB's authenticate-oidc action before forwarding.
type OidcConfig struct {
	Issuer                string              `json:"issuer"`
	AuthorizationEndpoint string              `json:"authorizationEndpoint"`
	TokenEndpoint         string              `json:"tokenEndpoint"`
	UserInfoEndpoint      string              `json:"userInfoEndpoint"`
	ClientID              string              `json:"clientId"`
	ClientSecret          pulumi.StringOutput `json:"-"` // a Pulumi secret
	clientSecret          string              // plain value while validating; never leaves LoadConfig
}

// Defaults. They are also the documentation: README's config table quotes them.
const (
	DefaultEngineVersion       = "OpenSearch_2.19"
	DefaultInstanceType        = "t3.small.search"
	DefaultDedicatedMasterType = "m6g.large.search"
	DefaultVpcCidr             = "10.40.0.0/16"
	DefaultIndexPrefix         = "cwl"
	DefaultRetentionDays       = 30
	DefaultLogRetentionDays    = 365
)

func defaultConfig(stack string) Config {
	return Config{
		Stack:      stack,
		Production: stack == "prod",
		Network: NetworkConfig{
			VpcCidr:     DefaultVpcCidr,
			AzCount:     2,
			SqsEndpoint: true,
			FlowLogs:    true,
		},
		Domain: DomainConfig{
			EngineVersion: DefaultEngineVersion,
			InstanceType:  DefaultInstanceType,
			InstanceCount: 1,
			VolumeSize:    minVolumeSize,
			Shards:        1,
		},
		Ingest: IngestConfig{
			IndexPrefix: DefaultIndexPrefix,
			Timezone:    "UTC",
			TimeField:   "time",
			FieldTypes:  fieldtypes.Map{},
		},
		RetentionDays:    DefaultRetentionDays,
		LogRetentionDays: DefaultLogRetentionDays,
	}
}

// ConfigProblem is one thing wrong with the stack config.
type ConfigProblem struct {
	Key     string // full key, e.g. logsearch:domain.volumeSize
	Value   string // the offending value as the user wrote it ("" when missing)
	Problem string // what is wrong and how to fix it
}

func (p ConfigProblem) String() string {
	if p.Value == "" {
		return fmt.Sprintf("%s: %s", p.Key, p.Problem)
	}
	return fmt.Sprintf("%s = %s: %s", p.Key, p.Value, p.Problem)
}

// ConfigError lists every problem found in one pass, so a single edit round
// fixes them all.
type ConfigError struct{ Problems []ConfigProblem }

func (e *ConfigError) Error() string {
	return problemlist.Format(func(n int) string {
		return fmt.Sprintf("the stack config has %d problem(s); fix them in Pulumi.<stack>.yaml or with `pulumi config set`:", n)
	}, e.Problems)
}

// configSource is where raw values come from: the Pulumi context in a run,
// a plain map in unit tests.
type configSource interface {
	GetConfig(key string) (string, bool)
	IsConfigSecret(key string) bool
}

// problems collects ConfigProblems while validating.
type problems []ConfigProblem

func (ps *problems) add(key string, value any, format string, args ...any) {
	v := ""
	switch x := value.(type) {
	case nil:
	case string:
		if x != "" {
			v = strconv.Quote(x)
		}
	default:
		v = fmt.Sprint(x)
	}
	*ps = append(*ps, ConfigProblem{Key: configNamespace + ":" + key, Value: v, Problem: fmt.Sprintf(format, args...)})
}

// addKey is add for a key outside the logsearch namespace (e.g. aws:...).
func (ps *problems) addKey(fullKey string, value any, format string, args ...any) {
	ps.add("", value, format, args...)
	(*ps)[len(*ps)-1].Key = fullKey
}

// LoadConfig reads and validates the stack config. It fails before any
// resource is registered, listing every problem at once.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	cfg, err := parseConfig(ctx.Stack(), ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.warnings() {
		_ = ctx.Log.Warn(w, nil)
	}
	if o := cfg.Dashboards.Oidc; o != nil {
		o.ClientSecret = pulumi.ToSecret(pulumi.String(o.clientSecret)).(pulumi.StringOutput)
		o.clientSecret = ""
	}
	if err := cfg.loadAccount(ctx); err != nil {
		return nil, err
	}
	// Pulumi runs the program in the project directory, next to every
	// stack file: stacks sharing a log group show there.
	if wd, err := os.Getwd(); err == nil {
		for _, w := range cfg.subscriptionWarnings(readStackFiles(wd), cfg.AllowedAccountIDs) {
			_ = ctx.Log.Warn(w, nil)
		}
	}
	return cfg, nil
}

// parseConfig decodes every key over the defaults and validates the result.
func parseConfig(stack string, src configSource) (*Config, error) {
	cfg := defaultConfig(stack)
	var ps problems

	scalar := func(key string, parse func(string) error) {
		if raw, ok := src.GetConfig(configNamespace + ":" + key); ok && strings.TrimSpace(raw) != "" {
			if err := parse(strings.TrimSpace(raw)); err != nil {
				ps.add(key, raw, "%v", err)
			}
		}
	}
	object := func(key string, into any, example string) {
		raw, ok := src.GetConfig(configNamespace + ":" + key)
		if !ok || strings.TrimSpace(raw) == "" {
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.DisallowUnknownFields() // a misspelt key must not silently fall back to its default
		if err := dec.Decode(into); err != nil {
			ps.add(key, "", "cannot read it (%v); it must look like %s", err, example)
		}
	}

	scalar("production", func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean: write true or false")
		}
		cfg.Production = b
		return nil
	})
	intKey := func(into *int) func(string) error {
		return func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("not a whole number")
			}
			*into = n
			return nil
		}
	}
	scalar("retentionDays", intKey(&cfg.RetentionDays))
	scalar("logRetentionDays", intKey(&cfg.LogRetentionDays))
	object("network", &cfg.Network, `{"vpcCidr": "10.40.0.0/16", "azCount": 2} or {"vpcId": "vpc-…", "subnetIds": ["subnet-…", "subnet-…"]}`)
	object("domain", &cfg.Domain, `{"instanceType": "t3.small.search", "instanceCount": 1, "volumeSize": 20}`)
	cfg.Domain.replicasSet = objectHasKey(src, "domain", "replicas")
	cfg.Network.azCountSet = objectHasKey(src, "network", "azCount")
	object("logGroups", &cfg.LogGroups, `[{"name": "/app/web", "filterPattern": ""}]`)
	object("ingest", &cfg.Ingest, `{"indexPrefix": "cwl", "timezone": "UTC", "fieldTypes": {"status": "integer"}}`)
	object("alarmEmails", &cfg.AlarmEmails, `["ops@example.com"]`)

	// dashboards carries the OIDC client secret; it is read on its own so the
	// secret is only ever held in a secret Output.
	dashKey := configNamespace + ":dashboards"
	if raw, ok := src.GetConfig(dashKey); ok && strings.TrimSpace(raw) != "" {
		var dash struct {
			DashboardsConfig
			Oidc *struct {
				OidcConfig
				ClientSecret *string `json:"clientSecret"`
			} `json:"oidc"`
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&dash); err != nil {
			ps.add("dashboards", "", `cannot read it (%v); it must look like {"hostName": "logs.example.com", "hostedZone": "example.com", "officeCidrs": ["203.0.113.0/24"]}`, err)
		} else {
			cfg.Dashboards = dash.DashboardsConfig
			if dash.Oidc != nil {
				o := dash.Oidc.OidcConfig
				if dash.Oidc.ClientSecret != nil {
					o.clientSecret = *dash.Oidc.ClientSecret
				}
				cfg.Dashboards.Oidc = &o
			}
		}
	}

	if len(ps) == 0 { // values only make sense once every key decoded
		cfg.applyDerivedDefaults()
		cfg.validate(&ps)
		cfg.AllowedAccountIDs = checkAllowedAccounts(src, cfg.Production, &ps)
		if cfg.Dashboards.Oidc != nil && cfg.Dashboards.Oidc.clientSecret != "" && !src.IsConfigSecret(dashKey) {
			ps.add("dashboards.oidc.clientSecret", "", "is stored in plain text; store it encrypted: pulumi config set --path --secret dashboards.oidc.clientSecret <value>")
		}
	}
	if len(ps) > 0 {
		return nil, &ConfigError{Problems: ps}
	}
	return &cfg, nil
}

// objectHasKey reports whether the config object logsearch:<key> spells out
// field (as a value, not null).
func objectHasKey(src configSource, key, field string) bool {
	raw, ok := src.GetConfig(configNamespace + ":" + key)
	if !ok {
		return false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &fields) != nil {
		return false
	}
	v, ok := fields[field]
	return ok && string(v) != "null"
}

func (c *Config) applyDerivedDefaults() {
	if len(c.Network.ZoneIDs) > 0 && !c.Network.azCountSet {
		c.Network.AzCount = len(c.Network.ZoneIDs)
	}
	if c.Domain.ZoneAwareness && c.Domain.AzCount == 0 {
		c.Domain.AzCount = 2
	}
	if c.Domain.ZoneAwareness && !c.Domain.replicasSet {
		c.Domain.Replicas = 1
	}
	if !c.Domain.ZoneAwareness && c.Domain.AzCount == 0 {
		c.Domain.AzCount = 1
	}
	if c.Domain.DedicatedMasterCount > 0 && c.Domain.DedicatedMasterType == "" {
		c.Domain.DedicatedMasterType = DefaultDedicatedMasterType
	}
	c.Dashboards.HostName = normalizeDNSName(c.Dashboards.HostName)
	c.Dashboards.HostedZone = normalizeDNSName(c.Dashboards.HostedZone)
	if c.Ingest.FieldTypes == nil {
		c.Ingest.FieldTypes = fieldtypes.Map{}
	}
}

func normalizeDNSName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

func (c *Config) validate(ps *problems) {
	c.validateNetwork(ps)
	c.validateDomain(ps)
	c.validateLogGroups(ps)
	c.validateIngest(ps)
	c.validateDashboards(ps)
	if c.RetentionDays < 1 {
		ps.add("retentionDays", c.RetentionDays, "indices must be kept at least 1 day; set a number of days >= 1 (default %d)", DefaultRetentionDays)
	}
	if !sortedContains(cloudWatchRetentionDays, c.LogRetentionDays) {
		ps.add("logRetentionDays", c.LogRetentionDays, "CloudWatch Logs accepts only %s; pick one (>= 365 meets CloudWatch.16)", joinInts(cloudWatchRetentionDays))
	}
	for i, e := range c.AlarmEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			ps.add(fmt.Sprintf("alarmEmails[%d]", i), e, "not an e-mail address; write a bare address such as ops@example.com")
		}
	}
}

// cloudWatchRetentionDays are the retention values CloudWatch Logs accepts.
var cloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (c *Config) validateNetwork(ps *problems) {
	n := &c.Network
	if n.NewVpc() {
		if len(n.SubnetIDs) > 0 {
			ps.add("network.subnetIds", strings.Join(n.SubnetIDs, ","), "subnets are only used with network.vpcId; set vpcId too, or remove subnetIds to create a new VPC")
		}
		if p, err := netip.ParsePrefix(n.VpcCidr); err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 24 || p.Masked() != p {
			ps.add("network.vpcCidr", n.VpcCidr, "must be an IPv4 network between /16 and /24 with no host bits set, e.g. %s", DefaultVpcCidr)
		}
		if n.AzCount < 2 || n.AzCount > 3 {
			ps.add("network.azCount", n.AzCount, "a new VPC spans 2 or 3 availability zones (the load balancer and the function need at least 2)")
		} else if c.Domain.SubnetCount() > n.AzCount {
			ps.add("network.azCount", n.AzCount, "the domain spans %d AZs (domain.azCount); raise network.azCount to at least %d", c.Domain.SubnetCount(), c.Domain.SubnetCount())
		}
		if !n.SqsEndpoint {
			ps.add("network.sqsEndpoint", n.SqsEndpoint, "a new VPC has no other SQS endpoint, so the ingest function could not reach its dead-letter queue and failed events would be lost; remove the key (default true). false is only for an existing VPC (network.vpcId) that already has an SQS endpoint with private DNS")
		}
		c.validateZoneIDs(ps)
		if c.Dashboards.Oidc != nil && !n.NatGateway {
			ps.add("dashboards.oidc", "", "the load balancer calls the identity provider's token and user-info endpoints itself, and a new VPC without a NAT gateway has no route to them (sign-in would fail with HTTP 500); set network.natGateway: true, or remove dashboards.oidc")
		}
		return
	}
	if c.Ingest.Tracing {
		ps.add("ingest.tracing", true, "is only available with a new VPC, where the stack adds the X-Ray endpoint the in-VPC functions need; in an existing VPC their traces would be lost without a route to X-Ray (NAT gateway or an X-Ray interface endpoint, plus security-group egress), so remove tracing")
	}
	if len(n.ZoneIDs) > 0 {
		ps.add("network.zoneIds", strings.Join(n.ZoneIDs, ","), "only pins the zones of a new VPC; in an existing VPC the subnets in network.subnetIds decide the zones, so remove zoneIds")
	}
	if !strings.HasPrefix(n.VpcID, "vpc-") {
		ps.add("network.vpcId", n.VpcID, "not a VPC ID; it looks like vpc-0123456789abcdef0")
	}
	if n.NatGateway {
		ps.add("network.natGateway", true, "a NAT gateway is only created in a new VPC; remove it (an existing VPC keeps its own routing)")
	}
	if len(n.SubnetIDs) < 2 {
		ps.add("network.subnetIds", strings.Join(n.SubnetIDs, ","), "list at least 2 private subnets in different availability zones (the load balancer and the function need 2 AZs)")
	} else if len(n.SubnetIDs) < c.Domain.SubnetCount() {
		ps.add("network.subnetIds", strings.Join(n.SubnetIDs, ","), "the domain spans %d AZs; list one private subnet per AZ (%d or more)", c.Domain.SubnetCount(), c.Domain.SubnetCount())
	}
	seen := map[string]bool{}
	for i, s := range n.SubnetIDs {
		if !strings.HasPrefix(s, "subnet-") {
			ps.add(fmt.Sprintf("network.subnetIds[%d]", i), s, "not a subnet ID; it looks like subnet-0123456789abcdef0")
		}
		if seen[s] {
			ps.add(fmt.Sprintf("network.subnetIds[%d]", i), s, "listed twice; each subnet must be in its own availability zone")
		}
		seen[s] = true
	}
}

var engineVersionPattern = regexp.MustCompile(`^OpenSearch_[1-9][0-9]*\.[0-9]+$`)

func (c *Config) validateDomain(ps *problems) {
	d := &c.Domain
	if !engineVersionPattern.MatchString(d.EngineVersion) {
		ps.add("domain.engineVersion", d.EngineVersion, "must be OpenSearch_<major>.<minor>, e.g. %s", DefaultEngineVersion)
	}
	validInstance := checkInstanceType(ps, "domain.instanceType", d.InstanceType)
	if d.InstanceCount < 1 {
		ps.add("domain.instanceCount", d.InstanceCount, "a domain needs at least 1 data node")
	}
	if d.ZoneAwareness {
		if d.AzCount != 2 && d.AzCount != 3 {
			ps.add("domain.azCount", d.AzCount, "with zone awareness the domain spans 2 or 3 availability zones")
		} else if d.InstanceCount%d.AzCount != 0 {
			ps.add("domain.instanceCount", d.InstanceCount, "with zone awareness across %d AZs the data node count must be a multiple of %d (e.g. %d)", d.AzCount, d.AzCount, roundUp(d.InstanceCount, d.AzCount))
		}
	} else if d.AzCount != 1 {
		ps.add("domain.azCount", d.AzCount, "only applies with zone awareness; set domain.zoneAwareness: true or remove azCount")
	}
	if d.DedicatedMasterCount != 0 {
		if d.DedicatedMasterCount != 3 && d.DedicatedMasterCount != 5 {
			ps.add("domain.dedicatedMasterCount", d.DedicatedMasterCount, "must be 3 or 5 (an odd quorum), or 0 for none")
		}
		checkInstanceType(ps, "domain.dedicatedMasterType", d.DedicatedMasterType)
	}
	d.validateStorage(ps, validInstance)
	if d.Shards < 1 || d.Shards > 1024 {
		ps.add("domain.shards", d.Shards, "primary shards per daily index must be 1..1024 (aim for 30-50 GiB per shard)")
	}
	switch {
	case d.Replicas < 0:
		ps.add("domain.replicas", d.Replicas, "cannot be negative")
	case d.InstanceCount >= 1 && d.Replicas > d.InstanceCount-1:
		ps.add("domain.replicas", d.Replicas, "%d data node(s) can hold at most %d replica(s); unassigned replicas keep the cluster yellow. Lower replicas or add data nodes", d.InstanceCount, d.InstanceCount-1)
	case d.Replicas == 0 && d.ZoneAwareness: // only when written: the default is 1
		ps.add("domain.replicas", d.Replicas, "with zone awareness the replica in another AZ is what keeps every index whole when an AZ fails; set replicas to 1 or more (or remove the key: 1 is the default with zone awareness), or turn domain.zoneAwareness off")
	case d.Replicas == 0 && c.Production:
		ps.add("domain.replicas", d.Replicas, "a production stack keeps at least 1 replica so one lost node loses no data")
	}
	for i, p := range d.APIPrincipals {
		if !iamPrincipalPattern.MatchString(p) {
			ps.add(fmt.Sprintf("domain.apiPrincipals[%d]", i), p, "not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); wildcards are not allowed")
		}
	}
	if c.Production {
		if !d.ZoneAwareness || d.AzCount != 3 {
			ps.add("domain.zoneAwareness", d.ZoneAwareness, "a production stack spans 3 AZs: set domain.zoneAwareness: true and domain.azCount: 3 (or logsearch:production false)")
		}
		if d.DedicatedMasterCount < 3 {
			ps.add("domain.dedicatedMasterCount", d.DedicatedMasterCount, "a production stack needs 3 dedicated master nodes (or logsearch:production false)")
		}
		if d.InstanceCount < 3 {
			ps.add("domain.instanceCount", d.InstanceCount, "a production stack needs at least 3 data nodes (one per AZ)")
		}
		if strings.HasPrefix(d.InstanceType, "t2.") || strings.HasPrefix(d.InstanceType, "t3.") {
			ps.add("domain.instanceType", d.InstanceType, "burstable t2/t3 instances are not for production; use e.g. r6g.large.search")
		}
	}
}

var iamPrincipalPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$`)

var instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[0-9]*x?[a-z]+\.search$`)

func checkInstanceType(ps *problems, key, typ string) bool {
	if !instanceTypePattern.MatchString(typ) {
		ps.add(key, typ, "not an OpenSearch instance type; they look like r6g.large.search")
		return false
	}
	return true
}

func roundUp(n, m int) int {
	if n < m {
		return m
	}
	return (n + m - 1) / m * m
}

// logGroupNamePattern is CloudWatch Logs' rule for group names.
var logGroupNamePattern = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)

func (c *Config) validateLogGroups(ps *problems) {
	seen := map[string]int{}
	for i, g := range c.LogGroups {
		key := fmt.Sprintf("logGroups[%d].name", i)
		if !logGroupNamePattern.MatchString(g.Name) {
			ps.add(key, g.Name, "not a CloudWatch Logs group name (1-512 of letters, digits and . - _ / #)")
		}
		if j, dup := seen[g.Name]; dup {
			ps.add(key, g.Name, "already listed as logGroups[%d]; list each group once (a group takes at most 2 subscription filters in all)", j)
		} else {
			seen[g.Name] = i
		}
		if own := c.ownLogGroupPrefixes(); hasAnyPrefix(g.Name, own) {
			ps.add(key, g.Name, "is one of this stack's own log groups (%s); subscribing it would feed the function its own output in a loop, remove it", strings.Join(own, ", "))
		}
		if len(g.FilterPattern) > 1024 {
			ps.add(fmt.Sprintf("logGroups[%d].filterPattern", i), "", "is %d characters; CloudWatch Logs allows at most 1024", len(g.FilterPattern))
		}
	}
}

// indexPrefixPattern keeps "<prefix>-YYYY.MM.DD" a valid, lower-case index name.
var indexPrefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)

// timeFieldPattern keeps the time field usable as a plain JSON key and in
// index templates.
var timeFieldPattern = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_@.-]{0,99}$`)

func (c *Config) validateIngest(ps *problems) {
	in := &c.Ingest
	if !indexPrefixPattern.MatchString(in.IndexPrefix) {
		ps.add("ingest.indexPrefix", in.IndexPrefix, "index names must be lower case: start with a letter or digit, then letters, digits, - or _ (at most 100), e.g. %s", DefaultIndexPrefix)
	}
	if in.Timezone == "" || in.Timezone == "Local" {
		ps.add("ingest.timezone", in.Timezone, "name an IANA timezone such as UTC or Asia/Tokyo")
	} else if _, err := time.LoadLocation(in.Timezone); err != nil {
		ps.add("ingest.timezone", in.Timezone, "unknown timezone; use an IANA name such as UTC, Europe/Berlin or Asia/Tokyo")
	}
	if !timeFieldPattern.MatchString(in.TimeField) {
		ps.add("ingest.timeField", in.TimeField, "must be a field name of letters, digits, _ @ . - (e.g. time)")
	}
	raw := make(map[string]string, len(in.FieldTypes))
	for f, t := range in.FieldTypes {
		raw[f] = string(t)
	}
	parsed, errs := fieldtypes.ParseMap(raw)
	for _, err := range errs {
		ps.add("ingest.fieldTypes", "", "%v", err)
	}
	in.FieldTypes = parsed
	if len(errs) == 0 {
		// The ingest function refuses the same things at start-up (fields
		// logsearch adds itself, such as @timestamp); refusing them here
		// keeps every event from failing into the dead-letter queue.
		if _, err := document.NewBuilder(document.Config{IndexPrefix: DefaultIndexPrefix, FieldTypes: parsed}); err != nil {
			for _, e := range splitJoined(err) {
				ps.add("ingest.fieldTypes", "", "%v", e)
			}
		}
	}
	if in.MaxConcurrency < 0 || in.MaxConcurrency > 1000 {
		ps.add("ingest.maxConcurrency", in.MaxConcurrency, "must be 0 (no reservation) to 1000 concurrent invocations")
	}
	if t, ok := parsed[in.TimeField]; ok && t != fieldtypes.Date {
		ps.add("ingest.fieldTypes", "", "the time field %q is declared %q; it is always a date, remove it from fieldTypes or declare it date", in.TimeField, t)
	}
}

func (c *Config) validateDashboards(ps *problems) {
	d := &c.Dashboards
	if d.HostedZone == "" {
		ps.add("dashboards.hostedZone", "", "required: the Route53 hosted zone (e.g. example.com) that gets the Dashboards name")
	}
	if d.HostName == "" {
		ps.add("dashboards.hostName", "", "required: the name office users type (e.g. logs.example.com)")
	} else if d.HostedZone != "" && !strings.HasSuffix(d.HostName, "."+d.HostedZone) {
		ps.add("dashboards.hostName", d.HostName, "is outside the hosted zone %q; use a name ending in .%s", d.HostedZone, d.HostedZone)
	}
	if d.CertificateArn != "" && !regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`).MatchString(d.CertificateArn) {
		ps.add("dashboards.certificateArn", d.CertificateArn, "not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)")
	}
	if d.PrivateZone && d.CertificateArn == "" {
		ps.add("dashboards.certificateArn", "", "a private hosted zone cannot DNS-validate a new ACM certificate (ACM resolves the record from the internet); import or request one and set its ARN here")
	}
	if len(d.OfficeCidrs) == 0 {
		ps.add("dashboards.officeCidrs", "", "list the office networks allowed to reach Dashboards, e.g. [\"203.0.113.0/24\"]")
	}
	for i, cidr := range d.OfficeCidrs {
		key := fmt.Sprintf("dashboards.officeCidrs[%d]", i)
		p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
		switch {
		case err != nil:
			ps.add(key, cidr, "not a CIDR; write an address with a prefix length, e.g. 203.0.113.0/24")
		case p.Bits() == 0:
			ps.add(key, cidr, "opens Dashboards to every address; list only the office networks")
		case !p.Addr().Is4():
			ps.add(key, cidr, "IPv6 ranges are not supported by the internal load balancer; list the office's IPv4 networks")
		case p.Masked() != p:
			ps.add(key, cidr, "has host bits set; did you mean %s?", p.Masked())
		}
	}
	if o := d.Oidc; o != nil {
		for _, f := range []struct{ key, val string }{
			{"issuer", o.Issuer}, {"authorizationEndpoint", o.AuthorizationEndpoint},
			{"tokenEndpoint", o.TokenEndpoint}, {"userInfoEndpoint", o.UserInfoEndpoint},
		} {
			if !strings.HasPrefix(f.val, "https://") || len(f.val) <= len("https://") {
				ps.add("dashboards.oidc."+f.key, f.val, "required with oidc: an https:// URL from your identity provider")
			}
		}
		if o.ClientID == "" {
			ps.add("dashboards.oidc.clientId", "", "required with oidc: the client ID registered at your identity provider")
		}
		if o.clientSecret == "" {
			ps.add("dashboards.oidc.clientSecret", "", "required with oidc: pulumi config set --path --secret dashboards.oidc.clientSecret <value>")
		}
	}
}

// warnings are advice that does not stop a deployment.
func (c *Config) warnings() []string {
	var ws []string
	if w := c.sizingWarning(); w != "" {
		ws = append(ws, w)
	}
	if _, known := ebsLimitFor(c.Domain.InstanceType); !known {
		ws = append(ws, fmt.Sprintf("logsearch:domain.instanceType %q: its EBS maximum is not in the built-in table (%s), so domain.volumeSize %d GiB is not checked; AWS will refuse the deployment if it is too large",
			c.Domain.InstanceType, strings.Join(KnownInstanceTypes(), ", "), c.Domain.VolumeSize))
	}
	if len(c.LogGroups) == 0 {
		ws = append(ws, "logsearch:logGroups is empty: nothing will be ingested until you list log groups")
	}
	if len(c.AlarmEmails) == 0 {
		ws = append(ws, "logsearch:alarmEmails is empty: alarms will fire with nobody notified")
	}
	if c.Dashboards.Oidc != nil && !c.Network.NewVpc() {
		ws = append(ws, "logsearch:dashboards.oidc in an existing VPC: the load balancer calls the identity provider's token and user-info endpoints itself (publicly resolvable names, HTTPS); the subnets in logsearch:network.subnetIds must route to them (NAT gateway or similar), or sign-in fails with HTTP 500")
	}
	return ws
}

// ownLogGroupPrefixes are the log groups this stack writes: its functions'
// and the domain's.
func (c *Config) ownLogGroupPrefixes() []string {
	n := c.Names()
	return []string{FunctionLogGroup(n.IngestFunction), FunctionLogGroup(n.SetupFunction), FunctionLogGroup(n.TargetSyncFunction), "/aws/opensearch/" + n.Domain + "/"}
}

// Names are the physical names of the resources the stack names itself.
func (c *Config) Names() StackNames { return NamesFor(c.Stack) }

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// splitJoined lists the parts of an errors.Join error.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func sortedContains(xs []int, x int) bool {
	i := sort.SearchInts(xs, x)
	return i < len(xs) && xs[i] == x
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// loadAccount asks the AWS provider where the stack deploys, so ARNs of
// existing resources (the subscribed log groups) can be written out.
func (c *Config) loadAccount(ctx *pulumi.Context) error {
	id, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the AWS account (are AWS credentials set?): %w", err)
	}
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the AWS region (set it with `pulumi config set aws:region eu-west-1`): %w", err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the AWS partition: %w", err)
	}
	c.AccountID, c.Region, c.Partition = id.AccountId, region.Name, partition.Partition
	return nil
}
