package logsearch

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SearchDomain is the OpenSearch Service domain and what later stages need of it.
type SearchDomain struct {
	pulumi.ResourceState

	// ctx registers the access policy, created after ingestion, under this
	// stage; nil once NewAccessPolicy has run.
	ctx *pulumi.Context
	// saml is dashboards.saml, applied after the access policy.
	saml           *SamlConfig
	Name           pulumi.StringOutput
	Arn            pulumi.StringOutput
	Endpoint       pulumi.StringOutput
	MasterUserName string
	MasterPassword pulumi.StringOutput // secret
	KmsKeyArn      pulumi.StringOutput
	// DomainName is Name as a plain string: it is fixed by the stack name,
	// so ARNs and log group names can be written before the domain exists.
	DomainName string
	// Resource is the domain itself, for DependsOn.
	Resource *opensearch.Domain
	// APIPrincipals are the IAM ARNs of domain.apiPrincipals.
	APIPrincipals []string
	// WriterPrincipals are the IAM ARNs of domain.writerPrincipals.
	WriterPrincipals []string
	// CustomEndpoint is the domain's name under dashboards.hostName; nil
	// without SAML.
	CustomEndpoint *CustomEndpoint
	// DashboardsCertificateArn is the certificate for dashboards.hostName
	// that the load balancer serves (and, with SAML, the custom endpoint).
	DashboardsCertificateArn pulumi.StringOutput
}

const (
	// MasterUserName is the internal-database master user. Engineers sign
	// in to Dashboards with it; the password is the secret stack output
	// masterPassword (`pulumi stack output masterPassword --show-secrets`).
	MasterUserName = "logsearch-admin"
	// TLSPolicy is the newest policy OpenSearch offers (Opensearch.8).
	TLSPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"
	// offPeakStartHourUTC starts the 10-hour off-peak window in which
	// service software updates are applied (Opensearch.10).
	offPeakStartHourUTC = 22
	// kmsDeletionWindowDays is the longest window: a deleted key makes the
	// domain unrecoverable (KMSKeyInaccessible), so mistakes get 30 days.
	kmsDeletionWindowDays = 30
)

// domainLogTypes are published to CloudWatch Logs: slow logs and errors
// (Opensearch.4) and audit logs (Opensearch.5).
var domainLogTypes = []struct{ logType, suffix string }{
	{"INDEX_SLOW_LOGS", "index-slow"},
	{"SEARCH_SLOW_LOGS", "search-slow"},
	{"ES_APPLICATION_LOGS", "application"},
	{"AUDIT_LOGS", "audit"},
}

// StackKeyArgs are the inputs of the StackKey stage.
type StackKeyArgs struct {
	Config *Config // the validated settings
}

// NewStackKey creates the stack's customer-managed KMS key: OpenSearch data
// at rest and every log group the stack creates (CloudWatch.16). It comes
// first in Program because the network's flow-log group needs it too. A
// production stack marks it `protect`, like the domain: deleting it makes
// the domain unrecoverable.
func NewStackKey(ctx *pulumi.Context, args StackKeyArgs) (*kms.Key, error) {
	cfg := args.Config
	sk := &StackKey{}
	ctx, err := newStage(ctx, "StackKey", "stack-key", sk)
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, childName(ctx, "domain-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("logsearch %s: OpenSearch data at rest and the stack's log groups", cfg.Stack),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(kmsDeletionWindowDays),
		Policy:               pulumi.String(domainKeyPolicy(cfg)),
		Tags:                 tags(cfg, "domain-key"),
	}, childOptions(ctx, protectInProduction(cfg)...)...)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, childName(ctx, "domain-key"), &kms.AliasArgs{
		Name:        pulumi.String(cfg.Names().StackKeyAlias),
		TargetKeyId: key.KeyId,
	}, childOptions(ctx)...); err != nil {
		return nil, err
	}
	sk.Arn = key.Arn
	return key, registerStageOutputs(ctx, sk)
}

// StackKey is the component (logsearch:index:StackKey) of the stack's KMS
// key and its alias: the network, the archive and the domain all use it.
type StackKey struct {
	pulumi.ResourceState

	Arn pulumi.StringOutput
}

// protectInProduction makes `pulumi destroy` stop at a production
// stack's data: the domain and its key.
func protectInProduction(cfg *Config) []pulumi.ResourceOption {
	if cfg.Production {
		return []pulumi.ResourceOption{pulumi.Protect(true)}
	}
	return nil
}

// SearchDomainArgs are the inputs of the SearchDomain stage.
type SearchDomainArgs struct {
	Config  *Config  // the validated settings
	Network *Network // the subnets and security group the domain sits in
	Key     *kms.Key // the stack key: data at rest and the log groups
}

// NewSearchDomain creates the encrypted (with key), VPC-only domain with
// fine-grained access control and its log groups.
//
// Deletion protection: opensearch.Domain has no such field, so a
// production stack marks the domain and its KMS key `protect`: `pulumi
// destroy` or a replacing change then stops with an error instead of
// deleting every index. Lift it deliberately with
// `pulumi state unprotect`.
func NewSearchDomain(ctx *pulumi.Context, args SearchDomainArgs) (*SearchDomain, error) {
	cfg, network, key := args.Config, args.Network, args.Key
	sd := &SearchDomain{}
	ctx, err := newStage(ctx, "SearchDomain", "search-domain", sd)
	if err != nil {
		return nil, err
	}
	sd.ctx = ctx
	name := cfg.Names().Domain
	domainArn := fmt.Sprintf("arn:%s:es:%s:%s:domain/%s", cfg.Partition, cfg.Region, cfg.AccountID, name)
	protect := protectInProduction(cfg)

	var groupArns []pulumi.StringInput
	var publishing opensearch.DomainLogPublishingOptionArray
	for _, lt := range domainLogTypes {
		g, err := newLogGroup(ctx, cfg, "domain-"+lt.suffix, fmt.Sprintf("/aws/opensearch/%s/%s", name, lt.suffix), key.Arn)
		if err != nil {
			return nil, err
		}
		groupArns = append(groupArns, g.Arn)
		publishing = append(publishing, opensearch.DomainLogPublishingOptionArgs{
			LogType:               pulumi.String(lt.logType),
			CloudwatchLogGroupArn: g.Arn,
			Enabled:               pulumi.Bool(true),
		})
	}
	// The service writes to the groups under this policy; scoped to this
	// account and this domain, so no other domain can use the groups.
	logPolicy, err := cloudwatch.NewLogResourcePolicy(ctx, childName(ctx, "domain-logs"), &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String(cfg.Names().DomainLogsPolicy),
		PolicyDocument: policyOf(func(arns []string) []policyStatement {
			resources := make([]string, len(arns))
			for i, a := range arns {
				resources[i] = a + ":*"
			}
			return []policyStatement{{
				Sid:       "OpenSearchPublishesLogs",
				Effect:    "Allow",
				Principal: map[string]any{"Service": "es.amazonaws.com"},
				Action:    []string{"logs:PutLogEvents", "logs:CreateLogStream"},
				Resource:  resources,
				Condition: map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": cfg.AccountID},
					"ArnLike":      map[string]any{"aws:SourceArn": domainArn},
				},
			}}
		}, groupArns...),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}

	serviceRole, err := NewOpenSearchServiceRole(ctx, cfg)
	if err != nil {
		return nil, err
	}

	password, err := random.NewRandomPassword(ctx, childName(ctx, "domain-master-password"), &random.RandomPasswordArgs{
		// OpenSearch wants 8-128 characters with upper, lower, digit and
		// special; the special set avoids quotes, backslash and $ so the
		// password survives shells and JSON unescaped.
		Length:          pulumi.Int(32),
		MinUpper:        pulumi.Int(1),
		MinLower:        pulumi.Int(1),
		MinNumeric:      pulumi.Int(1),
		MinSpecial:      pulumi.Int(1),
		OverrideSpecial: pulumi.String("!#%*+-=?_"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	masterPassword := pulumi.ToSecret(password.Result).(pulumi.StringOutput)

	// The certificate is requested here whether or not SAML needs it for
	// the custom endpoint: under one parent its URN, and that of its
	// validation record, stay the same when SAML is toggled, so toggling
	// never replaces it and never deletes the validation CNAME that ACM's
	// managed renewal keeps using.
	zoneID, err := dashboardsZoneID(ctx, cfg)
	if err != nil {
		return nil, err
	}
	certArn, err := listenerCertificate(ctx, cfg.Dashboards, zoneID)
	if err != nil {
		return nil, err
	}
	customEndpoint := newCustomEndpoint(cfg, certArn)

	d := cfg.Domain
	cluster := &opensearch.DomainClusterConfigArgs{
		InstanceType:           pulumi.String(d.InstanceType),
		InstanceCount:          pulumi.Int(d.InstanceCount),
		ZoneAwarenessEnabled:   pulumi.Bool(d.ZoneAwareness),
		DedicatedMasterEnabled: pulumi.Bool(d.DedicatedMasterCount > 0),
	}
	if d.ZoneAwareness {
		cluster.ZoneAwarenessConfig = &opensearch.DomainClusterConfigZoneAwarenessConfigArgs{
			AvailabilityZoneCount: pulumi.Int(d.AzCount),
		}
	}
	if d.DedicatedMasterCount > 0 {
		cluster.DedicatedMasterCount = pulumi.Int(d.DedicatedMasterCount)
		cluster.DedicatedMasterType = pulumi.String(d.DedicatedMasterType)
	}

	domain, err := opensearch.NewDomain(ctx, childName(ctx, "domain"), &opensearch.DomainArgs{
		DomainName:    pulumi.String(name),
		EngineVersion: pulumi.String(d.EngineVersion),
		ClusterConfig: cluster,
		EbsOptions: &opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true),
			VolumeType: pulumi.String("gp3"),
			VolumeSize: pulumi.Int(d.VolumeSize),
			Iops:       pulumi.Int(d.Iops),
			Throughput: pulumi.Int(d.Throughput),
		},
		EncryptAtRest: &opensearch.DomainEncryptAtRestArgs{
			Enabled:  pulumi.Bool(true),
			KmsKeyId: key.Arn,
		},
		NodeToNodeEncryption:  &opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: customEndpoint.endpointOptions(),
		AdvancedSecurityOptions: &opensearch.DomainAdvancedSecurityOptionsArgs{
			Enabled:                     pulumi.Bool(true),
			InternalUserDatabaseEnabled: pulumi.Bool(true),
			AnonymousAuthEnabled:        pulumi.Bool(false),
			MasterUserOptions: &opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs{
				MasterUserName:     pulumi.String(MasterUserName),
				MasterUserPassword: masterPassword,
			},
		},
		LogPublishingOptions: publishing,
		SoftwareUpdateOptions: &opensearch.DomainSoftwareUpdateOptionsArgs{
			AutoSoftwareUpdateEnabled: pulumi.Bool(true),
		},
		OffPeakWindowOptions: &opensearch.DomainOffPeakWindowOptionsArgs{
			Enabled: pulumi.Bool(true),
			OffPeakWindow: &opensearch.DomainOffPeakWindowOptionsOffPeakWindowArgs{
				WindowStartTime: &opensearch.DomainOffPeakWindowOptionsOffPeakWindowWindowStartTimeArgs{
					Hours: pulumi.Int(offPeakStartHourUTC), Minutes: pulumi.Int(0),
				},
			},
		},
		VpcOptions: &opensearch.DomainVpcOptionsArgs{
			SubnetIds:        network.DomainSubnetIDs,
			SecurityGroupIds: pulumi.StringArray{network.DomainSecurityGroupID},
		},
		// AWS sets this default itself; stating it keeps previews clean.
		AdvancedOptions: pulumi.StringMap{"rest.action.multi.allow_explicit_index": pulumi.String("true")},
		Tags:            tags(cfg, "domain"),
	}, childOptions(ctx, slices.Concat(protect, []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{logPolicy})}, serviceRole.DomainOptions())...)...)
	if err != nil {
		return nil, err
	}
	sd.Name, sd.Arn, sd.Endpoint = domain.DomainName, domain.Arn, domain.Endpoint
	sd.MasterUserName, sd.MasterPassword = MasterUserName, masterPassword
	sd.KmsKeyArn, sd.DomainName, sd.Resource = key.Arn, name, domain
	sd.APIPrincipals = d.APIPrincipals
	// Admitted by the same signed statement; FGAC gives them only the
	// writer role (setup maps them).
	sd.WriterPrincipals = d.WriterPrincipals
	sd.CustomEndpoint, sd.DashboardsCertificateArn = customEndpoint, certArn
	// The SAML options come in NewAccessPolicy, after the policy; the
	// stage registers its outputs there, after its last child.
	sd.saml = cfg.Dashboards.Saml
	return sd, nil
}

// newLogGroup creates a log group this stack owns: retention from
// logRetentionDays, encrypted with the stack's key (CloudWatch.16). An empty
// groupName lets Pulumi name the group after resourceName.
func newLogGroup(ctx *pulumi.Context, cfg *Config, resourceName, groupName string, kmsKeyArn pulumi.StringInput) (*cloudwatch.LogGroup, error) {
	args := &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(cfg.LogRetentionDays),
		KmsKeyId:        kmsKeyArn,
		Tags:            tags(cfg, resourceName),
	}
	if groupName != "" {
		args.Name = pulumi.String(groupName)
	}
	return cloudwatch.NewLogGroup(ctx, childName(ctx, resourceName), args, childOptions(ctx)...)
}

// domainKeyPolicy lets the account administer and use the key through IAM
// (OpenSearch uses it via grants made with the deployer's permissions) and
// lets CloudWatch Logs encrypt this account's log groups with it. Actions
// are listed one by one: no `kms:*`.
func domainKeyPolicy(cfg *Config) string {
	root := fmt.Sprintf("arn:%s:iam::%s:root", cfg.Partition, cfg.AccountID)
	return policyJSON(
		policyStatement{
			Sid:       "AccountAdministersAndUsesKeyThroughIAM",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": root},
			Action:    kmsAccountActions,
			Resource:  "*", // in a key policy "*" means this key
		},
		policyStatement{
			Sid:       "CloudWatchLogsEncryptsThisAccountsGroups",
			Effect:    "Allow",
			Principal: map[string]any{"Service": cfg.regionalServicePrincipal("logs")},
			Action:    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"},
			Resource:  "*",
			Condition: map[string]any{"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", cfg.Partition, cfg.Region, cfg.AccountID),
			}},
		},
	)
}

// kmsAccountActions is what the account needs to manage and use the key
// (so it can never lock itself out) without granting kms:*.
var kmsAccountActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
	"kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
	"kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyRotations", "kms:ListResourceTags",
	"kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
	"kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
	"kms:UpdateAlias", "kms:UpdateKeyDescription",
}

// Every method a REST client can use, named one by one (never es:ESHttp*).
var esHTTPAllMethods = []string{"es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPatch", "es:ESHttpPost", "es:ESHttpPut"}

// NewAccessPolicy writes the domain's resource policy (the edge
// check that runs before fine-grained access control).
//
// It admits every request to the domain's own sub-resources. That is the
// configuration AWS recommends for a VPC domain with fine-grained access
// control and the internal user database: the security groups decide who
// reaches port 443, and FGAC decides what each request may do. Requests
// authenticated by FGAC (Dashboards sign-in, Dashboards' own calls to the
// cluster, the setup function's basic auth) carry no AWS signature, so
// the edge sees them as anonymous: a policy that names only IAM roles, or
// only some paths, refuses them before FGAC can authenticate them
// ("User: anonymous is not authorized").
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html#fgac-recommendations
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html#fgac-access-policies
//
// Why this is not a public domain:
//   - The domain has no public endpoint (VPC only), and only three
//     security groups reach 443 (ALB, ingest, setup); the ALB admits only
//     the office networks.
//   - Every request must still authenticate with FGAC (an internal user's
//     password or a mapped IAM role); anonymous auth is off.
//   - The statement is limited to this domain's ARN and to the six HTTP
//     methods, named one by one (no es:*, no es:ESHttp*).
//
// The signed principals keep their own statements, so their access does
// not hinge on the open one and reads as intended in a review: the ingest
// role may only POST and PUT, and domain.apiPrincipals (engineers running
// backfill with their own credentials) get the methods they use. The setup
// function's hourly runs sign too; its role's identity policy grants them
// (same account, so that suffices).
//
// Program creates this policy before the setup invocation runs, because
// setup's requests are refused until the policy exists. With
// dashboards.saml, the SAML options follow the policy: AWS says to set the
// access policy before SAML
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/saml.html),
// and refuses a domain update while another one is in progress ("A
// change/update is in progress", hashicorp/terraform-provider-aws#38136).
// They are the stage's last children, so this completes the stage: call it
// once, after NewIngestion.
func (domain *SearchDomain) NewAccessPolicy(ingestion *Ingestion) (*opensearch.DomainPolicy, error) {
	ctx := domain.ctx
	if ctx == nil {
		return nil, fmt.Errorf("search domain: NewAccessPolicy called twice, or on a SearchDomain NewSearchDomain did not create")
	}
	domain.ctx = nil
	policy := policyOf(func(v []string) []policyStatement {
		return domainAccessStatements(v[0], v[1], append(slices.Clone(domain.APIPrincipals), domain.WriterPrincipals...))
	}, domain.Arn, ingestion.RoleArn)
	accessPolicy, err := opensearch.NewDomainPolicy(ctx, childName(ctx, "domain-access"), &opensearch.DomainPolicyArgs{
		DomainName:     domain.Name,
		AccessPolicies: policy,
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	if err := domain.newSamlSignIn(ctx, domain.saml, accessPolicy); err != nil {
		return nil, err
	}
	return accessPolicy, registerStageOutputs(ctx, domain)
}

// fgacDecidesSid names the open statement; the controls tests find it by
// this Sid and check that the domain is VPC-only with FGAC on.
const fgacDecidesSid = "VpcClientsAuthenticateWithFineGrainedAccessControl"

func domainAccessStatements(domainArn, ingestRoleArn string, apiPrincipals []string) []policyStatement {
	stmts := []policyStatement{
		{
			Sid:       "IngestFunctionWritesDocuments",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": ingestRoleArn},
			Action:    []string{"es:ESHttpPost", "es:ESHttpPut"},
			Resource:  domainArn + "/*",
		},
		{
			Sid:       fgacDecidesSid,
			Effect:    "Allow",
			Principal: map[string]any{"AWS": "*"},
			Action:    esHTTPAllMethods,
			Resource:  domainArn + "/*",
		},
	}
	if len(apiPrincipals) > 0 {
		stmts = append(stmts, policyStatement{
			Sid:       "ConfiguredPrincipalsUseTheAPI",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": resourceList(apiPrincipals)},
			Action:    []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"},
			Resource:  domainArn + "/*",
		})
	}
	return stmts
}
