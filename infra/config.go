package infra

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/fieldtypes"
)

// Config is the whole `logsearch:` stack config, read and validated once.
// STUB: the infra-core work replaces LoadConfig and may add fields; the field
// names below are the contract the other infra files build on.
type Config struct {
	Stack         string // pulumi stack name
	Production    bool   // logsearch:production; default true for a stack named "prod"
	Network       NetworkConfig
	Domain        DomainConfig
	LogGroups     []LogGroupConfig
	Ingest        IngestConfig
	Dashboards    DashboardsConfig
	RetentionDays int
	AlarmEmails   []string
}

// NetworkConfig is either an existing VPC (VpcID + SubnetIDs) or a new one.
type NetworkConfig struct {
	VpcID      string
	SubnetIDs  []string
	VpcCidr    string
	AzCount    int
	NatGateway bool
}

// DomainConfig sizes the OpenSearch domain.
type DomainConfig struct {
	EngineVersion        string
	InstanceType         string
	InstanceCount        int
	ZoneAwareness        bool
	AzCount              int
	DedicatedMasterType  string
	DedicatedMasterCount int
	VolumeSize           int
	Iops                 int
	Throughput           int
	Shards               int
	Replicas             int
}

// LogGroupConfig is one CloudWatch Logs group to subscribe.
type LogGroupConfig struct {
	Name          string
	FilterPattern string
}

// IngestConfig is what the ingest function (and the index template) need.
type IngestConfig struct {
	IndexPrefix string
	Timezone    string
	TimeField   string
	FieldTypes  fieldtypes.Map
}

// DashboardsConfig is the office entry to OpenSearch Dashboards.
type DashboardsConfig struct {
	HostName       string
	HostedZone     string
	PrivateZone    bool
	CertificateArn string
	OfficeCidrs    []string
	Oidc           *OidcConfig
}

// OidcConfig enables the ALB's authenticate-oidc action before forwarding.
type OidcConfig struct {
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	UserInfoEndpoint      string
	ClientID              string
	ClientSecret          pulumi.StringOutput // a Pulumi secret
}

// LoadConfig reads and validates the stack config. STUB.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	return nil, errors.New("LoadConfig: not implemented yet")
}
