package logsearch

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone names validate the same on every deployer's machine

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/infra/logsearch/filterpattern"
	"github.com/logsearch/logsearch/lambda/archivewriter"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/domainstate"
	"github.com/logsearch/logsearch/lambda/fieldtypes"
	"github.com/logsearch/logsearch/lambda/problemlist"
	"github.com/logsearch/logsearch/lambda/settings"
)

// configNamespace is the Pulumi config namespace of every key: logsearch:<key>.
const configNamespace = "logsearch"

// Config is the whole `logsearch:` stack config, read and validated once.
// The json tags are the config key names users write in Pulumi.<stack>.yaml.
// Every keyed field's doc comment is its entry in docs/configuration.md
// (go test ./infra/logsearch -run TestConfigReference -update regenerates it), so it
// is written for the person editing the stack file.
type Config struct {
	Stack string `json:"-"` // pulumi stack name
	// Production holds the stack to the production rules (3 AZs, 3 or 5
	// dedicated masters, at least 3 data nodes, no t2/t3 instances, at least
	// 1 replica) and guards it against deletion (protected domain and KMS
	// key, load balancer deletion protection, access-log bucket kept).
	// Any stack may set it. Default: true for a stack named prod, false
	// for every other name; a stack named prod may set false.
	Production bool `json:"production"`
	// Network is where the stack runs: leave out vpcId and the stack
	// creates its own VPC; give vpcId and subnetIds and it uses that
	// existing VPC as it is.
	Network NetworkConfig `json:"network"`
	// Domain sizes the OpenSearch domain.
	Domain DomainConfig `json:"domain"`
	// LogGroups are the CloudWatch Logs groups (in the stack's account and
	// region) whose events are indexed, one subscription filter each. An
	// entry names one existing group (name) or every group whose name
	// starts with a prefix (prefix), those that exist at deploy and those
	// created later, which the subscriber function subscribes within
	// minutes without a deploy (see docs/loggroups.md). An empty list only
	// gives a warning: nothing is ingested. A group takes at most 2
	// subscription filters in all, counting other tools' filters and other
	// stacks' (see docs/ingestion.md). Refused: a name that is not a log
	// group name, a group listed twice, a group that other stack files
	// pinned to the same account and region already subscribe twice, an
	// entry with both or neither of name and prefix, overlapping prefixes,
	// a name a prefix already covers, and the stack's own log groups
	// (/aws/lambda/logsearch-<stack>-*, /aws/opensearch/logsearch-<stack>/*),
	// which would feed the function its own output in a loop (a prefix
	// that covers them skips them), and a list so long (about 60 entries)
	// that the ingest function's resource-based policy, one statement per
	// entry, would pass Lambda's 20 KB: list groups that share the start
	// of their names as one prefix entry.
	LogGroups []LogGroupConfig `json:"logGroups"`
	// Ingest is how log events become documents: index names, time zone,
	// time field, field types, concurrency.
	Ingest IngestConfig `json:"ingest"`
	// Dashboards is the office entry to OpenSearch Dashboards. Required.
	Dashboards DashboardsConfig `json:"dashboards"`
	// RetentionDays is how many days a daily index stays searchable before
	// the index lifecycle policy deletes it. At least 1. A change applies at
	// once to every existing index.
	RetentionDays int `json:"retentionDays"`
	// AlarmEmails are the e-mail addresses that receive alarms (bare
	// addresses such as ops@example.com). Each must confirm the subscription
	// mail AWS sends, and is listed once. An empty list only gives a
	// warning: alarms would fire with nobody notified.
	AlarmEmails []string `json:"alarmEmails"`
	// LogRetentionDays is how long the CloudWatch log groups this stack
	// creates (domain logs, function logs, VPC flow logs) keep their events;
	// the load balancer's S3 access logs expire after the same number of
	// days. Allowed: a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30,
	// 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
	// 2922, 3288, 3653). 365 or more meets Security Hub CloudWatch.16.
	LogRetentionDays int `json:"logRetentionDays"`
	// Archive says where a copy of the logs is kept for the backfill tool.
	Archive ArchiveConfig `json:"archive"`
	// StorageGuard deletes the oldest daily indices before a data node
	// reaches OpenSearch Service's write block.
	StorageGuard StorageGuardConfig `json:"storageGuard"`
	// Existing gives a Go program's own VPC, subnets and hosted zone as
	// Pulumi inputs (New only; a stack file uses network and dashboards).
	Existing ExistingResources `json:"-"`
	// Region, AccountID and Partition come from the AWS provider, not from
	// logsearch config; they are filled by LoadConfig so ARNs can be built.
	Region    string `json:"-"`
	AccountID string `json:"-"`
	Partition string `json:"-"`
	// hostedZoneID, existingVpcCidrs and vpcZones are what lookupProblems
	// found of dashboards.hostedZone, an existing VPC and a new VPC's
	// zones, before any resource.
	hostedZoneID     string
	existingVpcCidrs []string
	vpcZones         []string // a new VPC's availability zone names
	// dnsSuffix and reverseDNSPrefix are the partition's DNS suffix and
	// service-name prefix, as the provider reports them (partition.go).
	dnsSuffix, reverseDNSPrefix string
	// AllowedAccountIDs is aws:allowedAccountIds, the provider's account pin.
	AllowedAccountIDs []string `json:"-"`
	// instance is the name of the LogSearch built from this config (New
	// sets it); the physical names derive from it and the stack name.
	instance string
	// validated is set by LoadConfig; New validates any other Args itself.
	validated bool
}

// NetworkConfig is either an existing VPC (VpcID + SubnetIDs) or a new one.
type NetworkConfig struct {
	// VpcID is an existing VPC to deploy into, e.g. vpc-0123456789abcdef0.
	// Empty: the stack creates its own VPC. An existing VPC needs
	// enableDnsSupport and enableDnsHostnames on, or the SQS endpoint's
	// private DNS does not work.
	VpcID string `json:"vpcId"`
	// SubnetIDs are the existing VPC's private subnets, at least 2, each in
	// a different availability zone (only with vpcId). The domain uses the
	// first one (or the first domain.azCount with zone awareness); the
	// functions, the load balancer and the SQS endpoint use all of them.
	SubnetIDs []string `json:"subnetIds"`
	// VpcCidr is a new VPC's IPv4 network, /16 to /24 with no host bits
	// set. It is split into 8 equal blocks: the first azCount are private
	// subnets, blocks 4 onwards are public subnets (only with natGateway).
	VpcCidr string `json:"vpcCidr"`
	// AzCount is how many availability zones a new VPC spans: 2 or 3, and at
	// least as many as the domain spans (the load balancer and the functions
	// need 2).
	AzCount int `json:"azCount"`
	// NatGateway gives a new VPC public subnets, an internet gateway and
	// one NAT gateway. Only dashboards.oidc needs it (the load balancer
	// calls the identity provider itself): a new VPC with dashboards.oidc
	// and without natGateway is refused. Refused with an existing VPC, which
	// keeps its own routing.
	NatGateway bool `json:"natGateway"`
	// SqsEndpoint creates an SQS interface endpoint with private DNS so the
	// in-VPC ingest function reaches its dead-letter queue without a NAT
	// gateway. Set it to false only in an existing VPC that already has one
	// (a second endpoint with private DNS for the same service fails to
	// deploy); the ingest function may then send HTTPS to the VPC's own
	// CIDRs, where that endpoint lives. false in a new VPC is refused: failed
	// events could not reach the dead-letter queue.
	SqsEndpoint bool `json:"sqsEndpoint"`
	// FlowLogs records a new VPC's rejected traffic in a CloudWatch log
	// group: cheap, and it answers "why can't X reach the domain?".
	FlowLogs bool `json:"flowLogs"`
	// ZoneIDs pins a new VPC's availability zones by zone ID (e.g.
	// ["use1-az1", "use1-az2"]), the same physical zones in every account,
	// unlike zone names. Use it to avoid a zone that lacks the instance
	// types you need. Default: the region's first azCount ordinary zones
	// (never Local or Wavelength zones). use1-az3 is skipped by default and
	// refused when listed: it lacks current instance types. azCount
	// defaults to the number of IDs listed. Only for a new VPC.
	ZoneIDs []string `json:"zoneIds"`
	// TransitGatewayID is an existing transit gateway (tgw-…) that the
	// office network already reaches, for a new VPC: the stack attaches the
	// VPC to it (one attachment subnet per private subnet) and routes every
	// dashboards.officeCidrs range to it. The transit gateway's own route
	// table needs a route back to the VPC range (docs/office-access.md).
	// A new VPC needs this or officeVpn: the load balancer is internal.
	// Refused with an existing VPC, and together with officeVpn.
	TransitGatewayID string `json:"transitGatewayId"`
	// OfficeVpn is a Site-to-Site VPN the stack creates for a new VPC, for
	// an office that has a router and no AWS network yet: a customer
	// gateway for the router, a virtual private gateway attached to the
	// VPC, the VPN connection and route propagation. Billed per connection
	// hour (docs/office-access.md). Refused with an existing VPC, and
	// together with transitGatewayId.
	OfficeVpn  *OfficeVpnConfig `json:"officeVpn"`
	azCountSet bool             // azCount written in the config
	// newVpcKeysSet are the keys that shape only a new VPC and were
	// written in the config: with an existing VPC they are ignored, and
	// said so.
	newVpcKeysSet []string
	// existingVpc: Args.Existing.VpcID gives the VPC (VpcID stays empty).
	existingVpc bool
}

// NewVpc reports whether the stack creates its own VPC.
func (n NetworkConfig) NewVpc() bool { return n.VpcID == "" && !n.existingVpc }

// DomainConfig sizes the OpenSearch domain.
type DomainConfig struct {
	// EngineVersion is the OpenSearch version, OpenSearch_<major>.<minor>.
	// Check the live list (aws opensearch list-versions) before changing it.
	EngineVersion string `json:"engineVersion"`
	// InstanceType is the data node type, e.g. r6g.large.search. Its EBS
	// maximum limits volumeSize (OpenSearch optimized types or1, or2, om2:
	// at least 20 GiB, and OpenSearch 2.11 or later); a type with instance
	// storage only or without gp3 is refused; a type missing from the
	// built-in table deploys with a warning that the size was not checked.
	InstanceType string `json:"instanceType"`
	// InstanceCount is the number of data nodes, at least 1. With zone
	// awareness it must be a multiple of azCount.
	InstanceCount int `json:"instanceCount"`
	// ZoneAwareness spreads nodes and replicas over availability zones, and
	// makes the replicas default 1.
	ZoneAwareness bool `json:"zoneAwareness"`
	// AzCount is how many availability zones the domain spans with zone
	// awareness: 2 or 3 (default 2). Without zone awareness it is 1 and may
	// not be set.
	AzCount int `json:"azCount"`
	// DedicatedMasterType is the dedicated master node type, used when
	// dedicatedMasterCount is above 0 (then the default is
	// m6g.large.search).
	DedicatedMasterType string `json:"dedicatedMasterType"`
	// DedicatedMasterCount is the number of dedicated master nodes: 0 for
	// none, otherwise 3 or 5 (an odd quorum).
	DedicatedMasterCount int `json:"dedicatedMasterCount"`
	// VolumeSize is the gp3 storage per data node in GiB: at least 10, at
	// most the instance type's EBS maximum (see docs/operations.md).
	VolumeSize int `json:"volumeSize"`
	// Iops is the provisioned IOPS of each data node's gp3 volume. Leave it
	// out to get what OpenSearch includes for the volume size: 3 IOPS per
	// GiB, at least 3000 and at most 16000. Allowed: that baseline up to
	// 16000 per started 3072 GiB of volumeSize, and at most 500 per GiB.
	Iops int `json:"iops" configdefault:"the included baseline for volumeSize"`
	// Throughput is the provisioned throughput (MiB/s) of each data node's
	// gp3 volume. Leave it out to get what OpenSearch includes: 125 MiB/s
	// below 170 GiB, from 170 GiB 250 MiB/s for every started 3000 GiB (at
	// most 1000). Allowed: that baseline up to 1000 per started 3072 GiB of
	// volumeSize, at most 0.25 MiB/s per IOPS (raise iops for more), and
	// never above the instance type's EBS bandwidth (e.g. 593 MiB/s for
	// 4750 Mbps on r6g.large.search); validation names the exact range.
	Throughput int `json:"throughput" configdefault:"the included baseline for volumeSize"`
	// ExpectedDailyGiB is the raw log volume (GiB per day) this stack is
	// sized for. When set, validation warns if the data nodes would sit
	// within 10 points of the free-storage alarm (25% free) once
	// retentionDays of indices are kept; it is the sizing the stack file's
	// comment states, checked. Default 0: not checked.
	ExpectedDailyGiB float64 `json:"expectedDailyGiB"`
	// Shards is the number of primary shards per daily index, 1 to 1024.
	// Aim for 30-50 GiB per shard. Applies from the next daily index.
	Shards int `json:"shards"`
	// Replicas is the number of replica copies of each shard. Default 0, or
	// 1 with zone awareness: the replica in another AZ is what zone awareness
	// is for, so 0 is then refused. At most instanceCount - 1, or the cluster
	// stays yellow. A production stack keeps at least 1. Applies from the
	// next daily index.
	Replicas    int  `json:"replicas"`
	replicasSet bool // replicas written in the config, so no default applies
	// APIPrincipals are IAM role or user ARNs of the stack's partition (no
	// wildcards; arn:aws-cn:... in China, arn:aws-us-gov:... in GovCloud) whose
	// SigV4-signed requests the domain access policy admits, e.g. engineers
	// who run the backfill tool with their own AWS credentials. Setup maps
	// each ARN to all_access as a backend role.
	APIPrincipals []string `json:"apiPrincipals"`
	// WriterPrincipals are IAM role or user ARNs (whoever runs
	// `backfill` or `backfill replay-dlq`) whose SigV4-signed requests the
	// domain admits with only the ingest function's rights: fine-grained
	// access control maps them to the logsearch_writer role, which may
	// create <prefix>-* indices and bulk-index into them, but not read or
	// delete (so `backfill redo` needs apiPrincipals). Default: none.
	// Each must be a full ARN of the stack's partition such as
	// arn:aws:iam::123456789012:role/backfill; wildcards are refused.
	WriterPrincipals []string `json:"writerPrincipals"`
}

// SubnetCount is how many subnets (one per AZ) the domain spans.
func (d DomainConfig) SubnetCount() int {
	if d.ZoneAwareness {
		return d.AzCount
	}
	return 1
}

// LogGroupConfig is one CloudWatch Logs group, or every group under a
// prefix, to subscribe. Set name or prefix, not both.
type LogGroupConfig struct {
	// Name is the log group's name, e.g. /example/app/web: 1 to 512 of
	// letters, digits and . - _ / #. The group must exist.
	Name string `json:"name"`
	// Prefix subscribes every log group whose name starts with it, e.g.
	// /acme/ (1 to 512 of letters, digits and . - _ / #), including groups
	// created after the deploy. The subscriber function adds logsearch's
	// filter where a group has a free slot, reports the groups where
	// other owners hold both, and removes logsearch's filters from groups
	// no prefix covers any more.
	Prefix string `json:"prefix"`
	// FilterPattern is a CloudWatch Logs filter pattern (at most 1024
	// characters) choosing which events are indexed, e.g. -"DEBUG". Empty:
	// every event.
	FilterPattern string `json:"filterPattern"`
	// KeepLastSlotFree (prefix entries only): a group under the prefix
	// that already has one subscription filter of another owner is left
	// alone and reported, so that owner keeps its second slot. Default
	// false: such a group is subscribed, and the run reports that it took
	// the group's last slot.
	KeepLastSlotFree bool `json:"keepLastSlotFree"`
}

// IngestConfig is what the ingest function (and the index template) need.
type IngestConfig struct {
	// IndexPrefix names the daily indices <prefix>-YYYY.MM.DD: lower-case
	// letters, digits, - and _, starting with a letter or digit, at most 100
	// characters. Changing it creates new roles, template, policy and index
	// pattern; the old ones stay until deleted by hand.
	IndexPrefix string `json:"indexPrefix"`
	// Timezone is the IANA time zone (UTC, Europe/Berlin, Asia/Tokyo) whose
	// calendar day picks an event's daily index; times without a UTC offset
	// are read in it. Local is refused.
	Timezone string `json:"timezone"`
	// TimeField is the top-level log field (LTSV label or JSON key, as the
	// log writes it) that holds the event time; @timestamp works too. When
	// it parses it gives @timestamp and picks the daily index, and the field
	// is stored as a date in @timestamp's form whatever form it came in;
	// when it does not, its value is kept under @invalid and the CloudWatch
	// event time is used. Refused: message (where plain-text lines are
	// stored), and a fieldTypes entry for it other than date.
	TimeField string `json:"timeField"`
	// FieldTypes maps log field names to types: keyword, text, long,
	// integer, float, double, boolean, date or ip. Fields not listed stay as
	// they are (LTSV values are strings). A value that does not fit its type
	// is kept under @invalid. The fields logsearch adds itself (@timestamp,
	// @message, ...) are refused. Applies from the next daily index.
	FieldTypes fieldtypes.Map `json:"fieldTypes"`
	// MaxConcurrency caps concurrent ingest invocations (reserved
	// concurrency), 0 to 1000, so bursts wait in Lambda's queue (up to 6 h)
	// instead of flooding the domain with HTTP 429s. 0 leaves the function
	// on the account's shared pool: a reservation fails to deploy in
	// accounts with a small concurrency quota, such as new accounts.
	MaxConcurrency int `json:"maxConcurrency"`
	// LookupFields are the identifiers support staff look things up by,
	// e.g. ["device_id", "customer_id"]: the landing dashboard gets a
	// drop-down per field that filters every panel to the chosen values,
	// and the events table shows them as columns. Optional, empty by
	// default, at most 10. Each must be a field name of letters, digits,
	// _ @ . - not starting with @ or _, listed once, and either undeclared
	// (strings are mapped as keywords) or declared keyword in fieldTypes.
	LookupFields []string `json:"lookupFields"`
	// MemorySize is the ingest function's memory in MB (default 384).
	// Lambda bills memory × duration and gives CPU in proportion to memory
	// (1 vCPU at 1,769 MB), so below that the CPU-bound part of an
	// invocation costs the same at any size while the time spent waiting
	// for the domain costs more the bigger the function: the default is
	// the smallest size with headroom for the largest payload. Allowed:
	// 224 (what a payload at the decoder's 64 MiB inflation limit needs)
	// to 10240.
	MemorySize int `json:"memorySize"`
	// Compression of the _bulk requests to the domain: "none" (default)
	// or "gzip". Inside the VPC bytes are not billed while CPU is: on
	// nginx-style logs gzip, even at its fastest level, adds 10-25% to an
	// invocation's CPU for a twelfth of the bytes. Choose gzip for long,
	// repetitive lines (stack traces: there it costs less than hashing
	// and sending ten times the bytes) or when the network between the
	// function and the domain is the bottleneck.
	Compression string `json:"compression"`
	// Tracing turns on AWS X-Ray active tracing for the stack's functions
	// (ingest, setup, target sync). The functions in the VPC reach X-Ray
	// through an X-Ray interface endpoint the stack then creates in its new
	// VPC (about the price of the SQS endpoint: one endpoint hour per AZ,
	// plus data). Default false: no traces, no endpoint. Not available with
	// an existing VPC (network.vpcId): the stack cannot tell whether that
	// VPC already routes to X-Ray, and traces without a route are lost.
	Tracing bool `json:"tracing"`
}

// ArchiveConfig is "the archive": the copy of the logs, one gzip'd or plain
// text file of log lines per object under <prefix>YYYY/MM/DD/, that the
// backfill tool re-indexes after data is lost. Either the stack creates and
// fills one (create), or it names the company's existing daily export
// (bucket), or there is none (the default).
type ArchiveConfig struct {
	// Create makes the stack create a private, KMS-encrypted bucket, and
	// has the ingest function write every event it receives into it (one
	// object per invocation, before indexing). Default false.
	Create bool `json:"create"`
	// Bucket names an existing archive bucket instead (not with create):
	// the stack changes nothing in it, but exports its location and names
	// it in alarm descriptions. Default none.
	Bucket string `json:"bucket"`
	// Prefix is the key prefix of the archive's objects: empty (the
	// default) or ending in "/", e.g. "logs/".
	Prefix string `json:"prefix"`
	// ExpireDays is how long a created archive keeps each object, in days
	// (1 to 3650). Default 365.
	ExpireDays int `json:"expireDays"`
}

// Configured reports whether the stack has an archive to backfill from.
func (a ArchiveConfig) Configured() bool { return a.Create || a.Bucket != "" }

// DashboardsConfig is the office entry to OpenSearch Dashboards.
type DashboardsConfig struct {
	// HostName is the name office users open, e.g. logs.example.com.
	// Required; it must lie inside hostedZone, or be hostedZone itself (a
	// zone of its own, such as logs.example.com, gets its alias record at
	// the apex). A DNS name only (no https://, path or port), at most 64
	// characters unless certificateArn is set (a requested certificate
	// carries it as its common name). Case and a trailing dot do not
	// matter.
	HostName string `json:"hostName"`
	// HostedZone is the Route53 hosted zone, e.g. example.com, that gets an
	// alias A record for hostName pointing at the load balancer. Required.
	HostedZone string `json:"hostedZone"`
	// PrivateZone says hostedZone is a private hosted zone; certificateArn
	// is then required.
	PrivateZone bool `json:"privateZone"`
	// CertificateArn is an ACM certificate for hostName, in the stack's own
	// region and account (the load balancer takes no other). Empty: a new
	// certificate is requested and DNS-validated in hostedZone. Required with
	// privateZone: ACM validates over public DNS, so validation in a private
	// zone never finishes.
	CertificateArn string `json:"certificateArn"`
	// OfficeCidrs are the office networks allowed to reach the load
	// balancer on 443 (and 80, which only redirects), e.g.
	// ["10.20.0.0/16"]: the addresses the office's traffic carries when it
	// arrives through the VPN or transit gateway, normally the office's
	// private ranges. Required. Each must be an IPv4 CIDR with no host bits
	// set, listed once, outside the VPC's range; 0.0.0.0/0 and IPv6 ranges are refused,
	// a public range gives a warning (docs/office-access.md).
	OfficeCidrs []string `json:"officeCidrs"`
	// Oidc turns on single sign-on at the load balancer (ALB action
	// authenticate-oidc, scope openid) before any Dashboards request. Off
	// when absent. The load balancer calls the token and user-info endpoints
	// itself: a new VPC then needs network.natGateway (see
	// docs/dashboards.md). Refused together with saml, which already signs
	// staff in with the identity provider.
	Oidc *OidcConfig `json:"oidc"`
	// Saml signs support staff in to Dashboards with the company's identity
	// provider (SAML 2.0), beside the master user and internal users. Off
	// when absent. With saml the domain also answers under hostName (its
	// custom endpoint, with the load balancer's certificate), and at least
	// one group must be listed in readerBackendRoles or adminBackendRoles.
	Saml *SamlConfig `json:"saml"`
	// ReaderBackendRoles are backend roles mapped to the support-staff role
	// logsearch_reader, beside the fixed backend role logsearch_reader: the
	// group names (or IDs) your identity provider sends, or backend roles
	// given to internal users. Optional. Each must be the exact name:
	// letters, digits, spaces and _ . @ : / = + , & ( ) ' -, starting with a letter
	// or digit, at most 256 characters, listed once; wildcards are refused.
	// Removing an entry removes its mapping on the next pulumi up; entries
	// added by hand in the Security UI are kept.
	ReaderBackendRoles []string `json:"readerBackendRoles"`
	// AdminBackendRoles are backend roles mapped to the engineer roles
	// all_access and security_manager, beside the fixed backend role
	// logsearch_admin. Same rules as readerBackendRoles; a name may not be
	// in both lists.
	AdminBackendRoles []string `json:"adminBackendRoles"`
}

// OidcConfig enables the ALB's authenticate-oidc action before forwarding.
type OidcConfig struct {
	// Issuer is the identity provider's issuer URL (https://). Required
	// with oidc.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is the identity provider's authorization URL
	// (https://). Required with oidc.
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	// TokenEndpoint is the identity provider's token URL (https://).
	// Required with oidc.
	TokenEndpoint string `json:"tokenEndpoint"`
	// UserInfoEndpoint is the identity provider's user-info URL (https://).
	// Required with oidc.
	UserInfoEndpoint string `json:"userInfoEndpoint"`
	// ClientID is the client ID registered at the identity provider.
	// Required with oidc.
	ClientID string `json:"clientId"`
	// ClientSecret is the client secret registered at the identity
	// provider. Required with oidc, and refused unless stored encrypted:
	// pulumi config set --path --secret dashboards.oidc.clientSecret <value>.
	ClientSecret pulumi.StringOutput `json:"-" configdoc:"clientSecret,secret string"`
	clientSecret string              // plain value while validating; never leaves LoadConfig
}

// Defaults. docs/configuration.md shows them, read from defaultConfig.
const (
	DefaultEngineVersion       = "OpenSearch_2.19"
	DefaultInstanceType        = "t3.small.search"
	DefaultDedicatedMasterType = "m6g.large.search"
	DefaultVpcCidr             = "10.40.0.0/16"
	DefaultIndexPrefix         = "cwl"
	DefaultRetentionDays       = 30
	DefaultLogRetentionDays    = 365
	DefaultIngestMemorySize    = 384 // MB
	maxLambdaMemorySize        = 10240
	DefaultArchiveExpireDays   = 365
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
			MemorySize:  DefaultIngestMemorySize,
			Compression: string(settings.DefaultCompression),
		},
		RetentionDays:    DefaultRetentionDays,
		LogRetentionDays: DefaultLogRetentionDays,
		Archive:          ArchiveConfig{ExpireDays: DefaultArchiveExpireDays},
		StorageGuard:     StorageGuardConfig{Enabled: true, MinDays: DefaultStorageGuardMinDays},
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
type ConfigError struct {
	Stack    string // the stack whose Pulumi.<stack>.yaml holds the config
	Problems []ConfigProblem
	// fromArgs: the settings came from a program's Args, not a stack file.
	fromArgs bool
}

func (e *ConfigError) Error() string {
	if e.fromArgs {
		return problemlist.Format(func(n int) string {
			return fmt.Sprintf("logsearch.Args have %d problem(s), each named by its config key (the json tag of the Args field: domain.volumeSize is Args.Domain.VolumeSize):", n)
		}, e.Problems)
	}
	file := "Pulumi.<stack>.yaml"
	if e.Stack != "" {
		file = "Pulumi." + e.Stack + ".yaml"
	}
	return problemlist.Format(func(n int) string {
		return fmt.Sprintf("the stack config has %d problem(s); fix them in %s or with `pulumi config set`:", n, file)
	}, e.Problems)
}

// configSource is where raw values come from: the Pulumi context in a run,
// a plain map in unit tests.
type configSource interface {
	GetConfig(key string) (string, bool)
	IsConfigSecret(key string) bool
}

// configKeyLister is a configSource that can also list every key it
// holds, so misspelt keys are refused instead of silently ignored.
type configKeyLister interface {
	ConfigKeys() []string
}

// engineSource is the Pulumi context plus the keys the engine passed.
type engineSource struct {
	*pulumi.Context
	keys []string
}

func (s engineSource) ConfigKeys() []string { return s.keys }

// engineConfigKeys lists every config key of the stack. The context can
// only look keys up, but the engine also hands the program the whole
// config as a JSON object in PULUMI_CONFIG (Go SDK v3 pulumi/run.go,
// getEnvInfo), which is what this reads.
func engineConfigKeys() []string {
	var all map[string]string
	if json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &all) != nil {
		return nil
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// settingKeys are the top-level keys of the logsearch: namespace, from
// Config's json tags.
func settingKeys() []string {
	t := reflect.TypeOf(Config{})
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	return keys
}

// checkUnknownKeys refuses logsearch: keys that are not settings, naming
// the nearest valid key: a misspelt retentionDays would otherwise leave
// retention at its default without a word.
func checkUnknownKeys(keys []string, ps *problems) {
	valid := settingKeys()
	for _, full := range keys {
		name, ok := strings.CutPrefix(full, configNamespace+":")
		if !ok || slices.Contains(valid, name) {
			continue
		}
		if near := problemlist.Nearest(name, valid); near != "" {
			ps.add(name, "", "is not a logsearch setting; did you mean %s:%s? Rename the key in the stack file (or `pulumi config rm %s` and set the right one)", configNamespace, near, full)
		} else {
			ps.add(name, "", "is not a logsearch setting; the settings are %s. Remove it with `pulumi config rm %s`", strings.Join(valid, ", "), full)
		}
	}
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
// resource is registered, listing every problem at once; the warnings are
// logged first. `go run ./infra/checkstack` runs the same check offline.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	// Pulumi runs the program in the project directory, next to every
	// stack file: stacks sharing a log group show there.
	var stackFiles []stackFileSubscriptions
	if wd, err := os.Getwd(); err == nil {
		stackFiles = readStackFiles(wd)
	}
	cfg, ps, warnings := checkStack(ctx.Stack(), engineSource{Context: ctx, keys: engineConfigKeys()}, stackFiles)
	for _, w := range warnings {
		_ = ctx.Log.Warn(w, nil)
	}
	if len(ps) > 0 {
		return nil, &ConfigError{Stack: cfg.Stack, Problems: ps}
	}
	cfg.validated = true
	if o := cfg.Dashboards.Oidc; o != nil {
		o.ClientSecret = pulumi.ToSecret(pulumi.String(o.clientSecret)).(pulumi.StringOutput)
		o.clientSecret = ""
	}
	if err := cfg.loadAccount(ctx); err != nil {
		return nil, err
	}
	// The account the credentials belong to is known now: what depends on
	// it is checked again.
	ps, more := cfg.accountChecks(stackFiles)
	for _, w := range more {
		if !slices.Contains(warnings, w) {
			_ = ctx.Log.Warn(w, nil)
		}
	}
	found, err := cfg.lookupProblems(ctx)
	if err != nil {
		return nil, err
	}
	ps = append(ps, found...)
	if len(ps) > 0 {
		return nil, &ConfigError{Stack: cfg.Stack, Problems: ps}
	}
	return cfg, nil
}

// parseConfig decodes every key over the defaults and validates the result.
func parseConfig(stack string, src configSource) (*Config, error) {
	cfg, ps, _ := readConfig(stack, src)
	if len(ps) > 0 {
		return nil, &ConfigError{Stack: stack, Problems: ps}
	}
	cfg.validated = true
	return cfg, nil
}

// readConfig decodes every key over the defaults and validates the result:
// every problem, and the keys whose written value could not be taken (so
// warnings about them are not shown either).
func readConfig(stack string, src configSource) (*Config, problems, []string) {
	cfg := defaultConfig(stack)
	var ps problems
	if lister, ok := src.(configKeyLister); ok {
		checkUnknownKeys(lister.ConfigKeys(), &ps)
	}
	// hidden are the keys whose value could not be taken (unreadable, of
	// the wrong kind, or the nearest setting to a misspelt key): they keep
	// their defaults, and the value checks of those keys are not reported
	// (they would judge the defaults, not what the user wrote).
	var hidden []string

	scalar := func(key string, parse func(string) error) {
		if raw, ok := src.GetConfig(configNamespace + ":" + key); ok && strings.TrimSpace(raw) != "" {
			if err := parse(strings.TrimSpace(raw)); err != nil {
				ps.add(key, raw, "%v", err)
				hidden = append(hidden, key)
			}
		}
	}
	// object reads logsearch:<key> into into, through want (into's type, or
	// a type that decodes the same keys). An unknown or mistyped nested key
	// is reported on its own and the rest of the object is still read.
	object := func(key string, into any, want reflect.Type, example string) bool {
		raw, ok := src.GetConfig(configNamespace + ":" + key)
		if !ok || strings.TrimSpace(raw) == "" {
			return false
		}
		h, parsed := checkObjectKeys(key, raw, want, src.IsConfigSecret(configNamespace+":"+key), &ps)
		hidden = append(hidden, h...)
		if !parsed || slices.Contains(h, key) {
			if !parsed {
				ps.add(key, "", "cannot read it; it must look like this in the stack file:\n%s", example)
			} else {
				ps[len(ps)-1].Problem += ", e.g.:\n" + example
			}
			hidden = append(hidden, key)
			return false
		}
		// Mistyped fields are skipped (and reported above); the rest is
		// decoded.
		_ = json.Unmarshal([]byte(raw), into)
		return true
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
	decode := func(key string, into any, example string) {
		t := reflect.TypeOf(into).Elem()
		// Decoded into a copy, so a value that fails half-way leaves the
		// defaults whole.
		target := reflect.New(t)
		target.Elem().Set(reflect.ValueOf(into).Elem())
		if object(key, target.Interface(), t, example) {
			reflect.ValueOf(into).Elem().Set(target.Elem())
		}
	}
	decode("network", &cfg.Network, yamlBlock(`logsearch:network:
  vpcCidr: 10.40.0.0/16
  azCount: 2`)+"\n      or\n"+yamlBlock(`logsearch:network:
  vpcId: vpc-0123456789abcdef0
  subnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]`))
	decode("domain", &cfg.Domain, yamlBlock(`logsearch:domain:
  instanceType: t3.small.search
  instanceCount: 1
  volumeSize: 20`))
	cfg.Domain.replicasSet = objectHasKey(src, "domain", "replicas")
	cfg.Network.azCountSet = objectHasKey(src, "network", "azCount")
	for _, k := range []string{"vpcCidr", "azCount", "flowLogs"} {
		if objectHasKey(src, "network", k) {
			cfg.Network.newVpcKeysSet = append(cfg.Network.newVpcKeysSet, k)
		}
	}
	decode("logGroups", &cfg.LogGroups, yamlBlock(`logsearch:logGroups:
  - name: /app/web
  - name: /app/worker
    filterPattern: '-"DEBUG"'
  - prefix: /app/devices/`))
	decode("ingest", &cfg.Ingest, yamlBlock(`logsearch:ingest:
  indexPrefix: cwl
  timezone: UTC
  fieldTypes:
    status: integer`))
	decode("alarmEmails", &cfg.AlarmEmails, yamlBlock(`logsearch:alarmEmails:
  - ops@example.com`))
	decode("archive", &cfg.Archive, yamlBlock(`logsearch:archive:
  create: true`)+"\n      or\n"+yamlBlock(`logsearch:archive:
  bucket: company-log-export
  prefix: logs/`))
	decode("storageGuard", &cfg.StorageGuard, yamlBlock(`logsearch:storageGuard:
  enabled: true
  floorGiB: 6
  minDays: 3`))

	// dashboards carries the OIDC client secret; it is read on its own so the
	// secret is only ever held in a secret Output.
	dashKey := configNamespace + ":dashboards"
	var dash struct {
		DashboardsConfig
		Oidc *struct {
			OidcConfig
			ClientSecret *string `json:"clientSecret"`
		} `json:"oidc"`
	}
	if object("dashboards", &dash, reflect.TypeOf(dash), yamlBlock(`logsearch:dashboards:
  hostName: logs.example.com
  hostedZone: example.com
  officeCidrs: [203.0.113.0/24]`)) {
		cfg.Dashboards = dash.DashboardsConfig
		if s := cfg.Dashboards.Saml; s != nil {
			// The engine says only whether the whole object holds a
			// secret, not which value: the metadata is the one that may be.
			s.secret = src.IsConfigSecret(dashKey)
		}
		if dash.Oidc != nil {
			o := dash.Oidc.OidcConfig
			if dash.Oidc.ClientSecret != nil {
				o.clientSecret = *dash.Oidc.ClientSecret
			}
			cfg.Dashboards.Oidc = &o
		}
	}

	// The values are checked even when some key could not be read, so one
	// round of edits fixes everything.
	cfg.applyDerivedDefaults()
	var checked problems
	cfg.validate(&checked)
	cfg.Region = checkRegion(src, &checked)
	cfg.AllowedAccountIDs = checkAllowedAccounts(src, cfg.Production, &checked)
	if cfg.Dashboards.Oidc != nil && cfg.Dashboards.Oidc.clientSecret != "" && !src.IsConfigSecret(dashKey) {
		checked.add("dashboards.oidc.clientSecret", "", "is stored in plain text; store it encrypted: pulumi config set --path --secret dashboards.oidc.clientSecret <value>")
	}
	for _, p := range checked {
		if !isHidden(p.Key, hidden) {
			ps = append(ps, p)
		}
	}
	return &cfg, ps, hidden
}

// yamlBlock indents a stack-file example to sit under a problem line.
func yamlBlock(example string) string {
	return "        " + strings.ReplaceAll(example, "\n", "\n        ")
}

// Args are the settings of one LogSearch built by a Go program's own call
// to New: the stack config's keys as Go fields (each field's json tag is
// its key), checked by the same validation with the same problems.
type Args = Config

// DefaultArgs are the defaults of every setting for a stack (its name
// decides production's default), to set fields on before New.
func DefaultArgs(stack string) Args { return defaultConfig(stack) }

// checkArgs validates Args that did not come from LoadConfig (a user's
// program calling New), as LoadConfig validates the stack config, and
// reads the AWS account, region and partition when they are not set.
func (c *Config) checkArgs(ctx *pulumi.Context) error {
	if c.validated {
		return nil
	}
	c.applyDerivedDefaults()
	var ps problems
	c.validate(&ps)
	if len(ps) > 0 {
		return &ConfigError{Stack: c.Stack, Problems: ps, fromArgs: true}
	}
	for _, w := range c.warnings() {
		_ = ctx.Log.Warn(w, nil)
	}
	if c.AccountID == "" || c.Region == "" || c.Partition == "" {
		if err := c.loadAccount(ctx); err != nil {
			return err
		}
	}
	ps, err := c.accountProblems(ctx)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return &ConfigError{Stack: c.Stack, Problems: ps, fromArgs: true}
	}
	return nil
}

// accountProblems are what only the stack's account can answer, in one
// list: the certificate's region and account, and what lookupProblems
// finds.
func (c *Config) accountProblems(ctx *pulumi.Context) (problems, error) {
	ps := append(c.certificatePlacementProblems(), c.arnPartitionProblems()...)
	missing, err := c.lookupProblems(ctx)
	if err != nil {
		return nil, err
	}
	return append(ps, missing...), nil
}

// certificatePlacementProblems refuses a dashboards.certificateArn from
// another region or account than the stack's, once those are known: the
// load balancer's listener and the domain's custom endpoint take only an ACM
// certificate of their own region
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html,
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/customendpoint.html),
// and ACM certificates are not shared between accounts
// (https://docs.aws.amazon.com/acm/latest/userguide/acm-services.html).
func (c *Config) certificatePlacementProblems() problems {
	var ps problems
	arn := c.Dashboards.CertificateArn
	parts := strings.Split(arn, ":")
	if arn == "" || len(parts) < 6 {
		return nil
	}
	if region := parts[3]; c.Region != "" && region != c.Region {
		ps.add("dashboards.certificateArn", arn, "is in %s, but the stack deploys to %s; request or import the certificate for %s in %s", region, c.Region, c.Dashboards.HostName, c.Region)
	}
	if account, stackAccount := parts[4], pinnedAccount(c.deployAccounts()); stackAccount != "" && account != stackAccount {
		ps.add("dashboards.certificateArn", arn, "belongs to account %s, but the stack deploys to account %s; use a certificate of the stack's own account", account, stackAccount)
	}
	return ps
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
	c.Network.existingVpc = c.Existing.VpcID != nil
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
	// Ranges are used as written in rules, routes and overlap checks:
	// white space around one ("10.20.0.0/16 " quoted in YAML) would reach
	// AWS, or hide an overlap.
	c.Dashboards.OfficeCidrs = trimAll(c.Dashboards.OfficeCidrs)
	if v := c.Network.OfficeVpn; v != nil {
		v.StaticRoutes = trimAll(v.StaticRoutes)
	}
	c.Dashboards.HostName = normalizeDNSName(c.Dashboards.HostName)
	c.Dashboards.HostedZone = normalizeDNSName(c.Dashboards.HostedZone)
	c.Dashboards.Saml.applyDefaults()
	if c.Ingest.FieldTypes == nil {
		c.Ingest.FieldTypes = fieldtypes.Map{}
	}
}

// dnsNamePattern is a DNS name as ACM takes it for a certificate and
// OpenSearch for a custom endpoint, in lower case: labels of letters,
// digits and -, not starting or ending with -, 1 to 63 characters each
// (ACM API reference, RequestCertificate, DomainName: Pattern
// (\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9]),
// https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html),
// at most 253 in all (isDNSName). A zone may have one label.
var dnsNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// isDNSName reports whether s is a DNS name of at most 253 characters.
func isDNSName(s string) bool { return len(s) <= 253 && dnsNamePattern.MatchString(s) }

// acmCommonNameMax is the longest name ACM puts in a certificate's common
// name: "cannot exceed 64 octets (characters), including periods" (ACM
// API reference, RequestCertificate, DomainName).
const acmCommonNameMax = 64

// inZone reports whether the DNS name host (normalized) is zone's apex or
// lies below it. Route53 takes an alias record at the apex, where no
// CNAME may stand ("you can create an alias record at the top node of a
// DNS namespace, also known as the zone apex", Route 53 developer guide,
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
func inZone(host, zone string) bool {
	return host == zone || strings.HasSuffix(host, "."+zone)
}

// trimAll is xs with the white space around each entry removed (nil
// stays nil).
func trimAll(xs []string) []string {
	if xs == nil {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.TrimSpace(x)
	}
	return out
}

func normalizeDNSName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

func (c *Config) validate(ps *problems) {
	c.validateExistingNetwork(ps)
	c.validateOfficeAccess(ps)
	c.validateDomain(ps)
	c.validateLogGroups(ps)
	c.validateIngest(ps)
	c.validateDashboards(ps)
	c.validateSaml(ps)
	c.validateArchive(ps)
	c.validateStorageGuard(ps)
	if c.RetentionDays < 1 {
		ps.add("retentionDays", c.RetentionDays, "indices must be kept at least 1 day; set a number of days >= 1 (default %d)", DefaultRetentionDays)
	}
	if !sortedContains(cloudWatchRetentionDays, c.LogRetentionDays) {
		ps.add("logRetentionDays", c.LogRetentionDays, "CloudWatch Logs accepts only %s; pick one (>= 365 meets CloudWatch.16)", joinInts(cloudWatchRetentionDays))
	}
	for i, e := range c.AlarmEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			ps.add(fmt.Sprintf("alarmEmails[%d]", i), e, "not an e-mail address; write a bare address such as ops@example.com")
		} else if j := slices.Index(c.AlarmEmails, e); j < i {
			// Each address is one subscription named by the address.
			ps.add(fmt.Sprintf("alarmEmails[%d]", i), e, "is already listed as alarmEmails[%d]; list each address once", j)
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
	d.validateOptimizedInstances(ps)
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
	for _, list := range []struct {
		key        string
		principals []string
	}{{"apiPrincipals", d.APIPrincipals}, {"writerPrincipals", d.WriterPrincipals}} {
		for i, p := range list.principals {
			if !iamPrincipalPattern.MatchString(p) {
				ps.add(fmt.Sprintf("domain.%s[%d]", list.key, i), p, "not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); wildcards are not allowed")
			}
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
		if g.isName() {
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
		}
		if len(g.FilterPattern) > 1024 {
			ps.add(fmt.Sprintf("logGroups[%d].filterPattern", i), "", "is %d characters; CloudWatch Logs allows at most 1024", len(g.FilterPattern))
		} else if err := filterpattern.Check(g.FilterPattern); err != nil {
			ps.add(fmt.Sprintf("logGroups[%d].filterPattern", i), g.FilterPattern, "%v (CloudWatch Logs would refuse it only at the end of pulumi up)", err)
		}
	}
	c.validatePrefixes(ps)
	if size := c.ingestPolicyBytes(); size > lambdaPolicyMaxBytes {
		ps.add("logGroups", "", "its %d entries give the ingest function at least %d bytes of resource-based policy (one statement letting CloudWatch Logs invoke it per name and per prefix), and Lambda allows %d bytes (20 KB, not adjustable): pulumi up would fail with PolicyLengthExceededException. Subscribe groups that share the start of their names with one prefix entry (e.g. - prefix: /acme/app/) instead of listing them one by one",
			len(c.LogGroups), size, lambdaPolicyMaxBytes)
	}
}

// indexPrefixPattern keeps "<prefix>-YYYY.MM.DD" a valid, lower-case index name.
var indexPrefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)

// timeFieldPattern keeps the time field usable as a plain JSON key and in
// index templates.
var timeFieldPattern = domainstate.FieldNamePattern

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
	// The ingest function refuses the same time fields at start-up.
	if err := document.CheckTimeField(in.TimeField, parsed); err != nil {
		ps.add("ingest.timeField", in.TimeField, "%v", err)
	}
	addListProblems(ps, "ingest.lookupFields", domainstate.CheckLookupFields(in.LookupFields, parsed))
	if i := slices.Index(in.LookupFields, in.TimeField); i >= 0 {
		ps.add(fmt.Sprintf("ingest.lookupFields[%d]", i), in.TimeField, "is the time field, always a date; a lookup field must be a keyword identifier such as device_id")
	}
	// https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
	// (128 to 10,240 MB); below settings.MinMemoryMB the largest payload
	// would not fit.
	if in.MemorySize < settings.MinMemoryMB || in.MemorySize > maxLambdaMemorySize {
		ps.add("ingest.memorySize", in.MemorySize, "must be %d to %d MB: Lambda allows up to %d, and the largest payload CloudWatch Logs can deliver needs %d (default %d)",
			settings.MinMemoryMB, maxLambdaMemorySize, maxLambdaMemorySize, settings.MinMemoryMB, DefaultIngestMemorySize)
	}
	switch settings.Compression(in.Compression) {
	case settings.CompressionNone, settings.CompressionGzip:
	default:
		ps.add("ingest.compression", in.Compression, `must be "none" (default: least CPU) or "gzip" (fewer bytes on the network)`)
	}
}

func (c *Config) validateDashboards(ps *problems) {
	d := &c.Dashboards
	zoneOK, hostOK := isDNSName(d.HostedZone), isDNSName(d.HostName)
	switch {
	case d.HostedZone == "":
		ps.add("dashboards.hostedZone", "", "required: the Route53 hosted zone (e.g. example.com) that gets the Dashboards name")
	case !zoneOK:
		ps.add("dashboards.hostedZone", d.HostedZone, "not a DNS name: write the zone's name only, e.g. example.com (labels of letters, digits and -, at most 63 characters each; no https://, no path)")
	}
	switch {
	case d.HostName == "":
		ps.add("dashboards.hostName", "", "required: the name office users type (e.g. logs.example.com)")
	case !hostOK:
		ps.add("dashboards.hostName", d.HostName, "not a DNS name: write the name only, e.g. logs.example.com (labels of letters, digits and -, at most 63 characters each; no https://, no path, no port)")
	case d.CertificateArn == "" && len(d.HostName) > acmCommonNameMax:
		ps.add("dashboards.hostName", d.HostName, "is %d characters, and the certificate requested for it carries it as its common name, which takes at most %d (ACM, RequestCertificate, DomainName; RFC 5280): choose a shorter name, or issue or import a certificate that lists it as a subject alternative name and set dashboards.certificateArn", len(d.HostName), acmCommonNameMax)
	}
	if hostOK && zoneOK && !inZone(d.HostName, d.HostedZone) {
		ps.add("dashboards.hostName", d.HostName, "is outside the hosted zone %q; use %s itself or a name ending in .%s", d.HostedZone, d.HostedZone, d.HostedZone)
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
	seen := map[netip.Prefix]int{}
	for i, cidr := range d.OfficeCidrs {
		key := fmt.Sprintf("dashboards.officeCidrs[%d]", i)
		p, err := netip.ParsePrefix(cidr)
		if j, dup := seen[p]; err == nil && dup {
			ps.add(key, cidr, "is already listed as dashboards.officeCidrs[%d]; list each range once (AWS refuses a second security-group rule for it with InvalidPermission.Duplicate, and a second route with RouteAlreadyExists)", j)
			continue
		}
		seen[p] = i
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
	addListProblems(ps, "dashboards.readerBackendRoles", domainstate.CheckBackendRoles(d.ReaderBackendRoles))
	addListProblems(ps, "dashboards.adminBackendRoles", domainstate.CheckBackendRoles(d.AdminBackendRoles))
	for i, r := range d.AdminBackendRoles {
		if slices.Contains(d.ReaderBackendRoles, r) {
			ps.add(fmt.Sprintf("dashboards.adminBackendRoles[%d]", i), r, "is also in dashboards.readerBackendRoles; keep it in one list (admins can already read everything)")
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
		if o.clientSecret == "" && o.ClientSecret.OutputState == nil { // New's Args give the Output itself
			ps.add("dashboards.oidc.clientSecret", "", "required with oidc: pulumi config set --path --secret dashboards.oidc.clientSecret <value>")
		}
	}
}

// addListProblems reports the refused entries of the list at key.
func addListProblems(ps *problems, key string, lps []domainstate.ListProblem) {
	for _, p := range lps {
		if p.Index < 0 {
			ps.add(key, "", "%s", p.Problem)
		} else {
			ps.add(fmt.Sprintf("%s[%d]", key, p.Index), p.Value, "%s", p.Problem)
		}
	}
}

// s3BucketNamePattern is S3's rule for general purpose bucket names
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
// 3-63 of lower-case letters, digits, dots and hyphens, starting and
// ending with a letter or digit.
var s3BucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func (c *Config) validateArchive(ps *problems) {
	a := &c.Archive
	if a.Create && a.Bucket != "" {
		ps.add("archive.bucket", a.Bucket, "cannot be combined with archive.create: either the stack creates the archive (remove bucket) or it names an existing one (remove create)")
	} else if a.Bucket != "" && (!s3BucketNamePattern.MatchString(a.Bucket) || strings.Contains(a.Bucket, "..")) {
		ps.add("archive.bucket", a.Bucket, "not an S3 bucket name (3-63 lower-case letters, digits, . and -); write the name only, without s3://")
	}
	if strings.HasPrefix(a.Prefix, "/") || (a.Prefix != "" && !strings.HasSuffix(a.Prefix, "/")) {
		ps.add("archive.prefix", a.Prefix, "write the key prefix without a leading / and with a trailing /, e.g. logs/ (or leave it empty)")
	}
	if len(a.Prefix) > archivewriter.MaxPrefixBytes {
		ps.add("archive.prefix", a.Prefix, "is %d bytes: use at most %d, so that every archive key fits S3's 1024 bytes with the longest log group and stream names", len(a.Prefix), archivewriter.MaxPrefixBytes)
	}
	if a.Prefix != "" && !a.Configured() {
		ps.add("archive.prefix", a.Prefix, "there is no archive: set archive.create: true, or archive.bucket to the existing archive")
	}
	if a.ExpireDays < 1 || a.ExpireDays > 3650 {
		ps.add("archive.expireDays", a.ExpireDays, "keep archived objects 1 to 3650 days (default %d)", DefaultArchiveExpireDays)
	}
}

// warnings are advice that does not stop a deployment.
func (c *Config) warnings() []string {
	var ws []string
	if w := c.sizingWarning(); w != "" {
		ws = append(ws, w)
	}
	if w := c.storageGuardWarning(); w != "" {
		ws = append(ws, w)
	}
	if newerInstanceFamily(c.Domain.InstanceType) {
		ws = append(ws, fmt.Sprintf("logsearch:domain.instanceType %q: its EBS maximum is not in the built-in table (families %s), so domain.volumeSize %d GiB is not checked; AWS will refuse the deployment if it is too large",
			c.Domain.InstanceType, strings.Join(knownInstanceFamilies(), ", "), c.Domain.VolumeSize))
	}
	if w := c.ebsBandwidthWarning(); w != "" {
		ws = append(ws, w)
	}
	if w := regionWarning(c.Region); w != "" {
		ws = append(ws, w)
	}
	if len(c.LogGroups) == 0 {
		ws = append(ws, "logsearch:logGroups is empty: nothing will be ingested until you list log groups")
	}
	if len(c.AlarmEmails) == 0 {
		ws = append(ws, "logsearch:alarmEmails is empty: alarms will fire with nobody notified")
	}
	ws = append(ws, c.officeWarnings()...)
	if d := c.Domain; d.DedicatedMasterCount == 0 && d.DedicatedMasterType != "" {
		ws = append(ws, fmt.Sprintf("logsearch:domain.dedicatedMasterType %q: the domain has no dedicated master nodes (domain.dedicatedMasterCount is 0), so the type is ignored; set dedicatedMasterCount: 3 to have them, or remove dedicatedMasterType", d.DedicatedMasterType))
	}
	if !c.Network.NewVpc() && len(c.Network.newVpcKeysSet) > 0 {
		ws = append(ws, fmt.Sprintf("logsearch:network: %s shape only a new VPC (its range, zones and flow logs); with network.vpcId the existing VPC keeps its own, so the stack ignores these settings: remove them (the VPC's owner sets up its flow logs)",
			strings.Join(c.Network.newVpcKeysSet, ", ")))
	}
	if c.Archive.Create && !c.Network.NewVpc() {
		ws = append(ws, "logsearch:archive.create in an existing VPC: the ingest function writes to S3 from logsearch:network.subnetIds; their route tables need an S3 gateway endpoint (or a NAT gateway), or every invocation fails and Lambda parks the payloads in the dead-letter queue")
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
	return []string{FunctionLogGroup(n.IngestFunction), FunctionLogGroup(n.SetupFunction), FunctionLogGroup(n.TargetSyncFunction), FunctionLogGroup(n.SubscriberFunction), FunctionLogGroup(n.StorageGuardFunction), "/aws/opensearch/" + n.Domain + "/"}
}

// Names are the physical names of the resources the stack names itself.
func (c *Config) Names() StackNames { return namesFor(c.Stack, c.instance) }

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
	c.dnsSuffix, c.reverseDNSPrefix = partition.DnsSuffix, partition.ReverseDnsPrefix
	return nil
}
