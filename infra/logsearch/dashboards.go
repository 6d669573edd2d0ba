package logsearch

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DashboardsAccess is the office entry: internal ALB, listeners, DNS name and
// the function that keeps the ALB's targets on the domain's current IPs.
type DashboardsAccess struct {
	pulumi.ResourceState

	URL                   pulumi.StringOutput
	LoadBalancerArnSuffix pulumi.StringOutput
	TargetGroupArnSuffix  pulumi.StringOutput
	TargetGroupArn        pulumi.StringOutput
	LoadBalancerDNSName   pulumi.StringOutput
	// TargetSyncFunctionName is the target-sync Lambda, for alarms on its errors.
	TargetSyncFunctionName pulumi.StringOutput
	AccessLogBucket        pulumi.StringOutput
}

// The office entry's fixed choices, named so tests and docs/dashboards.md quote them.
const (
	// DashboardsPath is where OpenSearch Service serves Dashboards.
	DashboardsPath = "/_dashboards"
	// albSslPolicy is AWS's current recommendation for ALB HTTPS listeners
	// (TLS 1.3 and 1.2, hybrid post-quantum key exchange; describe-ssl-policies).
	albSslPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
	// healthCheckPath answers without a session: behind fine-grained access
	// control Dashboards replies 401 (or 302 to its login page; 200 on
	// versions that leave the status route open). All three prove the node
	// serves; a dead or starting node gives a timeout or 5xx.
	healthCheckPath    = DashboardsPath + "/api/status"
	healthCheckMatcher = "200,302,401"
	// Health check timing: a new target is healthy after 2 passes 10 s
	// apart, a dead one unhealthy after 2 failures. docs/dashboards.md#recovery-within-2-minutes-of-a-bluegreen-switch
	// adds these to the sync period.
	healthCheckInterval  = 10
	healthCheckTimeout   = 5
	healthCheckThreshold = 2
	// deregistrationDelay lets requests in flight to a retired node finish;
	// the ELB default of 300 s would only delay a blue/green cleanup.
	deregistrationDelay = 30
	// dashboardsRequestTimeout is the longest Dashboards request (a
	// Discover search, a visualization over a long range) this stack lets
	// finish: 300 s. Upstream OpenSearch Dashboards waits 30 s by default
	// (opensearch.requestTimeout) and AWS does not publish the value on
	// managed domains, so the office ALB must simply never be what cuts a
	// search short.
	dashboardsRequestTimeout = 300
	// albIdleTimeout must outlast dashboardsRequestTimeout: the ALB closes
	// a connection on which nothing was sent for this long and answers 504,
	// and a running search sends nothing until it returns. The attribute is
	// idle_timeout.timeout_seconds, 1-4000 s, default 60 s
	// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
	// The margin covers the TLS handshake to the target and the response
	// transfer after the search returns.
	albIdleTimeout = dashboardsRequestTimeout + 30
	// accessLogPrefix is where the ALB writes its logs in the bucket.
	accessLogPrefix = "alb"
	// elbLogDeliveryService writes ALB access logs in Regions opened since
	// August 2022; older Regions use a per-Region ELB account (see
	// accessLogBucketPolicy).
	elbLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"
	// targetSyncSchedule is how often the target-sync function reconciles.
	targetSyncSchedule = "rate(1 minute)"
)

// domainChangeEvents are the OpenSearch Service events (source aws.es) after
// which the domain's IPs may have changed: blue/green deployments come from
// software updates, configuration changes, Auto-Tune and node replacement
// (EventBridge reference, "Amazon OpenSearch Service events").
var domainChangeEvents = []string{
	"Amazon OpenSearch Service Software Update Notification",
	"Amazon OpenSearch Service Domain Update Notification",
	"Amazon OpenSearch Service Auto-Tune Notification",
	"Amazon OpenSearch Service Notification",
}

// DashboardsAccessArgs are the inputs of the DashboardsAccess stage.
type DashboardsAccessArgs struct {
	Config  *Config       // the validated settings
	Network *Network      // the subnets and the load balancer's security group
	Domain  *SearchDomain // the domain the load balancer forwards to
}

// The DashboardsAccess stage's component type and name (see newStage).
const dashboardsAccessKind, dashboardsAccessStage = "DashboardsAccess", "dashboards-access"

// NewDashboardsAccess builds the office entry to OpenSearch Dashboards.
func NewDashboardsAccess(ctx *pulumi.Context, args DashboardsAccessArgs) (*DashboardsAccess, error) {
	cfg, network, domain := args.Config, args.Network, args.Domain
	access := &DashboardsAccess{}
	ctx, err := newStage(ctx, dashboardsAccessKind, dashboardsAccessStage, access)
	if err != nil {
		return nil, err
	}
	d := cfg.Dashboards
	zoneID, err := dashboardsZoneID(ctx, cfg)
	if err != nil {
		return nil, err
	}

	logs, err := newAccessLogBucket(ctx, cfg)
	if err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, childName(ctx, "dashboards"), &lb.LoadBalancerArgs{
		Internal:                 pulumi.Bool(true),
		LoadBalancerType:         pulumi.String("application"),
		IpAddressType:            pulumi.String("ipv4"),
		Subnets:                  network.PrivateSubnetIDs,
		SecurityGroups:           pulumi.StringArray{network.AlbSecurityGroupID},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("strictest"),
		EnableDeletionProtection: pulumi.Bool(cfg.Production),
		IdleTimeout:              pulumi.Int(albIdleTimeout),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  logs.bucket.Bucket,
			Prefix:  pulumi.String(accessLogPrefix),
			Enabled: pulumi.Bool(true),
		},
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{logs.policy}))...) // ELB test-writes to the bucket on creation
	if err != nil {
		return nil, err
	}

	group, err := lb.NewTargetGroup(ctx, childName(ctx, "dashboards"), &lb.TargetGroupArgs{
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String("HTTPS"),
		ProtocolVersion:     pulumi.String("HTTP1"),
		Port:                pulumi.Int(443),
		VpcId:               network.VpcID,
		DeregistrationDelay: pulumi.Int(deregistrationDelay),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("HTTPS"),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(healthCheckPath),
			Matcher:            pulumi.String(healthCheckMatcher),
			Interval:           pulumi.Int(healthCheckInterval),
			Timeout:            pulumi.Int(healthCheckTimeout),
			HealthyThreshold:   pulumi.Int(healthCheckThreshold),
			UnhealthyThreshold: pulumi.Int(healthCheckThreshold),
		},
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}

	if err := newListeners(ctx, d, alb, group, domain.DashboardsCertificateArn); err != nil {
		return nil, err
	}

	if _, err := route53.NewRecord(ctx, childName(ctx, "dashboards"), &route53.RecordArgs{
		ZoneId: zoneID,
		Name:   pulumi.String(d.HostName),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
			Name:                 alb.DnsName,
			ZoneId:               alb.ZoneId,
			EvaluateTargetHealth: pulumi.Bool(false), // one record, nothing to fail over to
		}},
	}, childOptions(ctx)...); err != nil {
		return nil, err
	}

	syncName, err := newTargetSync(ctx, cfg, network, domain, group)
	if err != nil {
		return nil, err
	}

	access.URL = pulumi.String(dashboardsURL(d.HostName)).ToStringOutput()
	access.LoadBalancerArnSuffix, access.TargetGroupArnSuffix = alb.ArnSuffix, group.ArnSuffix
	access.TargetGroupArn, access.LoadBalancerDNSName = group.Arn, alb.DnsName
	access.TargetSyncFunctionName, access.AccessLogBucket = syncName, logs.bucket.Bucket
	return access, registerStageOutputs(ctx, access)
}

// dashboardsURL is what support staff open.
func dashboardsURL(hostName string) string {
	return "https://" + hostName + DashboardsPath + "/"
}

type accessLogBucket struct {
	bucket *s3.BucketV2
	policy *s3.BucketPolicy
}

// newAccessLogBucket creates the ALB access-log bucket: private, SSE-S3 (the
// only encryption ELB log delivery supports), TLS-only, objects owned by the
// bucket owner, logs expiring after logRetentionDays.
func newAccessLogBucket(ctx *pulumi.Context, cfg *Config) (*accessLogBucket, error) {
	bucket, block, err := newPrivateBucket(ctx, cfg, privateBucketSpec{
		name: "dashboards-alb-logs",
		encryption: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("AES256"),
		},
		lifecycleID: "expire-access-logs",
		expireDays:  cfg.LogRetentionDays,
	})
	if err != nil {
		return nil, err
	}

	legacyAccount := legacyELBLogAccount(ctx, cfg.Region)
	policy, err := s3.NewBucketPolicy(ctx, childName(ctx, "dashboards-alb-logs"), &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucket.Arn.ApplyT(func(arn string) string {
			return accessLogBucketPolicy(arn, cfg.AccountID, legacyAccount)
		}).(pulumi.StringOutput),
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{block}))...) // S3 refuses a policy while the block is being set
	if err != nil {
		return nil, err
	}
	return &accessLogBucket{bucket: bucket, policy: policy}, nil
}

// legacyELBLogAccount is the per-Region Elastic Load Balancing account that
// delivers access logs in Regions opened before August 2022, or "" where the
// provider knows none (newer Regions, which use elbLogDeliveryService only).
func legacyELBLogAccount(ctx *pulumi.Context, region string) string {
	acct, err := elb.GetServiceAccount(ctx, &elb.GetServiceAccountArgs{Region: pulumi.StringRef(region)})
	if err != nil {
		_ = ctx.Log.Info(fmt.Sprintf("ALB access logs: no Elastic Load Balancing log account for %s (%v); the bucket grants %s only, as AWS documents for Regions opened since August 2022", region, err, elbLogDeliveryService), nil)
		return ""
	}
	return acct.Arn
}

// accessLogBucketPolicy refuses plain-HTTP access to the bucket and lets ELB
// write this account's access logs under accessLogPrefix. Both ELB
// principals are granted where the Region has a legacy account, so delivery
// works whichever one the Region uses.
func accessLogBucketPolicy(bucketArn, accountID, legacyAccountArn string) string {
	logs := fmt.Sprintf("%s/%s/AWSLogs/%s/*", bucketArn, accessLogPrefix, accountID)
	stmts := []policyStatement{
		denyInsecureTransport(bucketArn),
		{
			Sid:       "ELBLogDelivery",
			Effect:    "Allow",
			Principal: map[string]any{"Service": elbLogDeliveryService},
			Action:    []string{"s3:PutObject"},
			Resource:  logs,
		},
	}
	if legacyAccountArn != "" {
		stmts = append(stmts, policyStatement{
			Sid:       "ELBLogDeliveryLegacyRegion",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": legacyAccountArn},
			Action:    []string{"s3:PutObject"},
			Resource:  logs,
		})
	}
	return policyJSON(stmts...)
}

// listenerCertificate is the configured certificate or a new ACM certificate
// validated by a DNS record in the zone. NewSearchDomain creates it; stacks
// deployed without SAML before that had it in DashboardsAccess, which the
// alias carries over without replacing it.
func listenerCertificate(ctx *pulumi.Context, d DashboardsConfig, zoneID pulumi.StringOutput) (pulumi.StringOutput, error) {
	if d.CertificateArn != "" {
		return pulumi.String(d.CertificateArn).ToStringOutput(), nil
	}
	moved := formerlyInStage(ctx, dashboardsAccessKind, dashboardsAccessStage)
	cert, err := acm.NewCertificate(ctx, childName(ctx, "dashboards"), &acm.CertificateArgs{
		DomainName:       pulumi.String(d.HostName),
		ValidationMethod: pulumi.String("DNS"),
	}, childOptions(ctx, moved)...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	option := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, childName(ctx, "dashboards-cert-validation"), &route53.RecordArgs{
		ZoneId:         zoneID,
		Name:           option.ResourceRecordName().Elem(),
		Type:           option.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true), // a re-created certificate gets the same record
	}, childOptions(ctx, moved)...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	validation, err := acm.NewCertificateValidation(ctx, childName(ctx, "dashboards"), &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, childOptions(ctx, moved)...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return validation.CertificateArn, nil
}

// newListeners wires the ALB: HTTP only redirects to HTTPS; HTTPS sends "/"
// to Dashboards, forwards Dashboards' own path (after SSO when configured)
// and answers everything else 404, so the OpenSearch REST API (and with it
// index deletion) is never reachable through the office entry.
func newListeners(ctx *pulumi.Context, d DashboardsConfig, alb *lb.LoadBalancer, group *lb.TargetGroup, certArn pulumi.StringOutput) error {
	if _, err := lb.NewListener(ctx, childName(ctx, "dashboards-http"), &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, childOptions(ctx)...); err != nil {
		return err
	}

	https, err := lb.NewListener(ctx, childName(ctx, "dashboards-https"), &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(albSslPolicy),
		CertificateArn:  certArn,
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("fixed-response"),
			FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
				ContentType: pulumi.String("text/plain"),
				StatusCode:  pulumi.String("404"),
				MessageBody: pulumi.String("Not found. OpenSearch Dashboards is at " + dashboardsURL(d.HostName) + "\n"),
			},
		}},
	}, childOptions(ctx)...)
	if err != nil {
		return err
	}

	if _, err := lb.NewListenerRule(ctx, childName(ctx, "dashboards-root"), &lb.ListenerRuleArgs{
		ListenerArn: https.Arn,
		Priority:    pulumi.Int(10),
		Conditions: lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.StringArray{pulumi.String("/")}},
		}},
		Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerRuleActionRedirectArgs{
				Path: pulumi.String(DashboardsPath + "/"),
				// 302: browsers do not cache it, so "/" can point elsewhere later.
				StatusCode: pulumi.String("HTTP_302"),
			},
		}},
	}, childOptions(ctx)...); err != nil {
		return err
	}

	var actions lb.ListenerRuleActionArray
	if o := d.Oidc; o != nil {
		actions = append(actions, &lb.ListenerRuleActionArgs{
			Type:  pulumi.String("authenticate-oidc"),
			Order: pulumi.Int(1),
			AuthenticateOidc: &lb.ListenerRuleActionAuthenticateOidcArgs{
				Issuer:                   pulumi.String(o.Issuer),
				AuthorizationEndpoint:    pulumi.String(o.AuthorizationEndpoint),
				TokenEndpoint:            pulumi.String(o.TokenEndpoint),
				UserInfoEndpoint:         pulumi.String(o.UserInfoEndpoint),
				ClientId:                 pulumi.String(o.ClientID),
				ClientSecret:             o.ClientSecret, // stays a Pulumi secret
				OnUnauthenticatedRequest: pulumi.String("authenticate"),
				Scope:                    pulumi.String("openid"),
			},
		})
	}
	actions = append(actions, &lb.ListenerRuleActionArgs{
		Type:           pulumi.String("forward"),
		Order:          pulumi.Int(len(actions) + 1),
		TargetGroupArn: group.Arn,
	})
	_, err = lb.NewListenerRule(ctx, childName(ctx, "dashboards-app"), &lb.ListenerRuleArgs{
		ListenerArn: https.Arn,
		Priority:    pulumi.Int(20),
		Conditions: lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.StringArray{
				pulumi.String(DashboardsPath), pulumi.String(DashboardsPath + "/*"),
			}},
		}},
		Actions: actions,
	}, childOptions(ctx)...)
	return err
}

// newTargetSync deploys the function that keeps the target group on the
// domain's current IPs (lambda/targetsync), its least-privilege role, its log
// group and the EventBridge rules that run it. Pulumi registers no targets
// itself: any static attachment would be reverted on the next `pulumi up`
// after a blue/green deployment, and the function would fight Pulumi.
//
// The function runs outside the VPC on purpose: it only calls the public
// EC2 and ELBv2 APIs, so it needs neither a NAT gateway nor VPC endpoints,
// and it keeps working when the VPC's routing is what broke.
func newTargetSync(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain, group *lb.TargetGroup) (pulumi.StringOutput, error) {
	name := cfg.Names().TargetSyncFunction
	logGroup, err := newLogGroup(ctx, cfg, "dashboards-targetsync", FunctionLogGroup(name), domain.KmsKeyArn)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	role, err := newFunctionRole(ctx, cfg, "dashboards-targetsync", "logsearch: keeps the Dashboards target group on the OpenSearch domain's IPs", false)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := role.allowInline(ctx, policyOf(targetSyncPolicy, group.Arn, logGroup.Arn)); err != nil {
		return pulumi.StringOutput{}, err
	}
	fn, err := newGoFunction(ctx, "dashboards-targetsync", "targetsync", role, &lambda.FunctionArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String("Registers the OpenSearch domain's current IPs in the Dashboards target group"),
		MemorySize:  pulumi.Int(128),
		Timeout:     pulumi.Int(30),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"TARGET_GROUP_ARN": group.Arn,
			"DOMAIN_NAME":      domain.Name,
			"VPC_ID":           network.VpcID,
			"DOMAIN_ENDPOINT":  domain.Endpoint,
		}},
		LoggingConfig: jsonLogging(logGroup),
		Tags:          tags(cfg, "dashboards-targetsync"),
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// A failed run is retried by the next scheduled one a minute later;
	// Lambda's own async retries would only pile up stale runs.
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, childName(ctx, "dashboards-targetsync"), &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:             fn.Name,
		MaximumRetryAttempts:     pulumi.Int(0),
		MaximumEventAgeInSeconds: pulumi.Int(60),
	}, childOptions(ctx)...); err != nil {
		return pulumi.StringOutput{}, err
	}

	pattern := domain.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{
			"source":      []string{"aws.es"},
			"detail-type": domainChangeEvents,
			"resources":   []string{arn},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	rules := []struct {
		name string
		args *cloudwatch.EventRuleArgs
	}{
		{"dashboards-targetsync-schedule", &cloudwatch.EventRuleArgs{
			Description:        pulumi.String("Reconcile the Dashboards target group with the OpenSearch domain's IPs"),
			ScheduleExpression: pulumi.String(targetSyncSchedule),
		}},
		{"dashboards-targetsync-domain-events", &cloudwatch.EventRuleArgs{
			Description:  pulumi.String("Reconcile the Dashboards target group right after the OpenSearch domain changes"),
			EventPattern: pattern,
		}},
	}
	for _, r := range rules {
		if err := invokeOnRule(ctx, r.name, r.args, fn, nil); err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	return fn.Name, nil
}

// targetSyncPolicy is the function's whole permission set. The two Describe
// calls support no resource-level permissions, so they take Resource "*";
// the calls that change anything are limited to the one target group.
func targetSyncPolicy(arns []string) []policyStatement {
	targetGroupArn, logGroupArn := arns[0], arns[1]
	return []policyStatement{
		allow([]string{"ec2:DescribeNetworkInterfaces", "elasticloadbalancing:DescribeTargetHealth"}, "*"),
		allow([]string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}, targetGroupArn),
		allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroupArn+":*"),
	}
}
