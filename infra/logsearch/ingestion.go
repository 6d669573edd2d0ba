package logsearch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Ingestion is the ingest function, its role and its dead-letter queue.
// It is built in two steps: NewIngestion creates the role (the in-domain
// setup maps its ARN to the writer role), then StartIngesting creates the
// function and its subscriptions once that mapping exists.
type Ingestion struct {
	pulumi.ResourceState

	// ctx registers the function and the subscriptions, created after
	// setup, under this stage.
	ctx *pulumi.Context
	// FunctionName and FunctionArn are set by StartIngesting.
	FunctionName pulumi.StringOutput
	FunctionArn  pulumi.StringOutput
	RoleArn      pulumi.StringOutput
	DLQURL       pulumi.StringOutput
	DLQArn       pulumi.StringOutput
	DLQName      pulumi.StringOutput
	// LogGroupName is the function's own log group.
	LogGroupName string
	// SubscriberFunctionName is the function that subscribes the groups
	// under logGroups prefixes; unset (no OutputState) without prefixes.
	SubscriberFunctionName pulumi.StringOutput
	// pending is what StartIngesting needs from NewIngestion.
	pending *pendingFunction
}

// pendingFunction is the ingest function as NewIngestion prepared it: its
// arguments, role and the resources it must wait for.
type pendingFunction struct {
	args       *lambda.FunctionArgs
	role       *functionRole
	logGroup   *cloudwatch.LogGroup
	rolePolicy pulumi.Resource
	dlqArn     pulumi.StringOutput
	kmsKeyArn  pulumi.StringOutput // of the stack's log groups
}

const (
	// ingestTimeoutSeconds covers bulk retries with backoff on 429s.
	ingestTimeoutSeconds = 300
	// bulkMaxBytes: AWS recommends 3-5 MiB bulk requests; every instance
	// type accepts at least 10 MiB (network limits,
	// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#network-limits).
	bulkMaxBytes = 5 << 20
	// Async invocation: retry a failing batch twice, keep trying
	// throttled ones for the longest allowed (6 h), then park the event
	// in the dead-letter queue instead of dropping it.
	maxRetryAttempts = 2
	maxEventAgeSecs  = 21600
	// dlqRetentionSeconds is SQS's maximum, 14 days: time to notice the
	// alarm and redrive.
	dlqRetentionSeconds = 1209600
)

// IngestionArgs are the inputs of the Ingestion stage.
type IngestionArgs struct {
	Config  *Config       // the validated settings
	Network *Network      // the subnets and the function's security group
	Domain  *SearchDomain // the domain the function writes to
	Archive *Archive      // the archive the function also writes, when created
}

// NewIngestion creates the ingest function's least-privilege role, its log
// group and the dead-letter queue, and prepares the function in the VPC.
// The function itself comes from StartIngesting, once the domain lets its
// role write.
func NewIngestion(ctx *pulumi.Context, args IngestionArgs) (*Ingestion, error) {
	cfg, network, domain, archive := args.Config, args.Network, args.Domain, args.Archive
	in := &Ingestion{}
	ctx, err := newStage(ctx, "Ingestion", "ingestion", in)
	if err != nil {
		return nil, err
	}
	in.ctx = ctx
	fnName := cfg.Names().IngestFunction
	dlq, err := sqs.NewQueue(ctx, childName(ctx, "ingest-dlq"), &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true), // SSE-SQS: Lambda can deliver without KMS grants (SQS.1)
		MessageRetentionSeconds: pulumi.Int(dlqRetentionSeconds),
		Tags:                    tags(cfg, "ingest-dlq"),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, err
	}

	role, err := newFunctionRole(ctx, cfg, "ingest", fmt.Sprintf("logsearch %s ingest function: write to the domain, park failures in the DLQ", cfg.Stack), true)
	if err != nil {
		return nil, err
	}
	archivePolicy, archiveInputs := archive.writerPolicy(cfg.regionalEndpointHost("s3"))
	rolePolicy, err := role.allowInline(ctx, policyOf(func(v []string) []policyStatement {
		write := allow([]string{"es:ESHttpPost", "es:ESHttpPut"}, v[0]+"/*")
		write.Sid = "BulkWritesToTheDomain"
		park := allow([]string{"sqs:SendMessage"}, v[1])
		park.Sid = "ParkFailedEventsInTheDLQ"
		return append([]policyStatement{write, park}, archivePolicy(v[2:])...)
	}, append([]pulumi.StringInput{domain.Arn, dlq.Arn}, archiveInputs...)...))
	if err != nil {
		return nil, err
	}

	logGroup, err := newLogGroup(ctx, cfg, "ingest-logs", FunctionLogGroup(fnName), domain.KmsKeyArn)
	if err != nil {
		return nil, err
	}
	env := pulumi.StringMap{
		"OPENSEARCH_ENDPOINT": pulumi.Sprintf("https://%s", domain.Endpoint),
		"OPENSEARCH_AUTH":     pulumi.String("sigv4"),
		"INDEX_PREFIX":        pulumi.String(cfg.Ingest.IndexPrefix),
		"INDEX_TIMEZONE":      pulumi.String(cfg.Ingest.Timezone),
		"TIME_FIELD":          pulumi.String(cfg.Ingest.TimeField),
		"FIELD_TYPES":         pulumi.String(cfg.Ingest.FieldTypes.EncodeJSON()),
		"DLQ_URL":             dlq.Url,
		"BULK_MAX_BYTES":      pulumi.String(strconv.Itoa(bulkMaxBytes)),
		"BULK_COMPRESSION":    pulumi.String(cfg.Ingest.Compression),
		// The Go runtime collects harder as the heap nears this, rather
		// than let Lambda stop the function at its memory size.
		"GOMEMLIMIT": pulumi.Sprintf("%dMiB", cfg.Ingest.MemorySize*9/10),
	}
	for k, v := range archive.writerEnvironment() {
		env[k] = v
	}
	fnArgs := &lambda.FunctionArgs{
		Name:        pulumi.String(fnName),
		Description: pulumi.Sprintf("logsearch %s: CloudWatch Logs subscription -> OpenSearch daily indices", cfg.Stack),
		MemorySize:  pulumi.Int(cfg.Ingest.MemorySize),
		Timeout:     pulumi.Int(ingestTimeoutSeconds),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        network.PrivateSubnetIDs,
			SecurityGroupIds: pulumi.StringArray{network.IngestSecurityGroupID},
		},
		// CKV_AWS_116 reads only this; the on-failure destination below
		// carries the same events with the error attached.
		DeadLetterConfig: &lambda.FunctionDeadLetterConfigArgs{TargetArn: dlq.Arn},
		Environment:      &lambda.FunctionEnvironmentArgs{Variables: env},
		Tags:             tags(cfg, "ingest"),
	}
	if cfg.Ingest.MaxConcurrency > 0 {
		fnArgs.ReservedConcurrentExecutions = pulumi.Int(cfg.Ingest.MaxConcurrency)
	}

	in.RoleArn = role.role.Arn
	in.DLQURL, in.DLQArn, in.DLQName = dlq.Url, dlq.Arn, dlq.Name
	in.LogGroupName = FunctionLogGroup(fnName)
	in.pending = &pendingFunction{args: fnArgs, role: role, logGroup: logGroup, rolePolicy: rolePolicy, dlqArn: dlq.Arn, kmsKeyArn: domain.KmsKeyArn}
	return in, nil
}

// StartIngesting creates the ingest function and one subscription filter
// per configured log group, all waiting for writerReady (the setup
// invocation that maps the ingest role to the writer role inside the
// domain). Whatever runs with a role the domain has not mapped yet is
// refused with 403 and parked in the dead-letter queue: a filter that goes
// live first on a first deploy, and, when the ingest role is replaced, a
// function already switched to the new role while setup still maps the
// old one. Call it once, after the setup stage.
func (ingestion *Ingestion) StartIngesting(cfg *Config, writerReady ...pulumi.Resource) error {
	p := ingestion.pending
	if p == nil {
		return fmt.Errorf("ingestion: StartIngesting called twice, or on an Ingestion NewIngestion did not create")
	}
	ingestion.pending = nil
	ctx := ingestion.ctx
	fn, err := newGoFunction(ctx, "ingest", "ingest", p.role, p.args,
		pulumi.DependsOn(append([]pulumi.Resource{p.logGroup}, writerReady...)))
	if err != nil {
		return err
	}
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, childName(ctx, "ingest"), &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:             fn.Name,
		MaximumRetryAttempts:     pulumi.Int(maxRetryAttempts),
		MaximumEventAgeInSeconds: pulumi.Int(maxEventAgeSecs),
		DestinationConfig: &lambda.FunctionEventInvokeConfigDestinationConfigArgs{
			OnFailure: &lambda.FunctionEventInvokeConfigDestinationConfigOnFailureArgs{Destination: p.dlqArn},
		},
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{p.rolePolicy}))...); err != nil {
		return err
	}
	for _, g := range cfg.LogGroups {
		if !g.isName() {
			continue
		}
		if err := subscribe(ctx, cfg, fn, g, writerReady); err != nil {
			return err
		}
	}
	if len(cfg.prefixEntries()) > 0 {
		if ingestion.SubscriberFunctionName, err = newAutoSubscriber(ctx, cfg, fn, p.kmsKeyArn, writerReady); err != nil {
			return err
		}
	}
	ingestion.FunctionName, ingestion.FunctionArn = fn.Name, fn.Arn
	return registerStageOutputs(ctx, ingestion)
}

// subscribe lets CloudWatch Logs invoke the function for one log group and
// creates the subscription filter only once that permission exists:
// CloudWatch Logs does not retry AccessDenied, so a filter that fires
// before its permission loses those events silently. It also waits for
// writerReady (see StartIngesting).
func subscribe(ctx *pulumi.Context, cfg *Config, fn *lambda.Function, g LogGroupConfig, writerReady []pulumi.Resource) error {
	name := logGroupResourceName(g.Name)
	groupArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", cfg.Partition, cfg.Region, cfg.AccountID, g.Name)
	perm, err := lambda.NewPermission(ctx, childName(ctx, "invoke-"+name), &lambda.PermissionArgs{
		Action:        pulumi.String("lambda:InvokeFunction"),
		Function:      fn.Name,
		Principal:     pulumi.String(cfg.servicePrincipal("logs")),
		SourceArn:     pulumi.String(groupArn + ":*"),
		SourceAccount: pulumi.String(cfg.AccountID),
	}, childOptions(ctx)...)
	if err != nil {
		return err
	}
	_, err = cloudwatch.NewLogSubscriptionFilter(ctx, childName(ctx, "subscribe-"+name), &cloudwatch.LogSubscriptionFilterArgs{
		Name:           pulumi.String(cfg.Names().SubscriptionFilter),
		LogGroup:       pulumi.String(g.Name),
		FilterPattern:  pulumi.String(g.FilterPattern),
		DestinationArn: fn.Arn,
	}, childOptions(ctx, pulumi.DependsOn(append([]pulumi.Resource{perm}, writerReady...)))...)
	return err
}

var resourceNameInvalid = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// logGroupResourceName is a stable logical name for a log group's
// resources: readable, valid as a Lambda statement ID, and unique even
// when two names differ only in punctuation.
func logGroupResourceName(group string) string {
	sum := sha256.Sum256([]byte(group))
	readable := strings.Trim(resourceNameInvalid.ReplaceAllString(group, "-"), "-")
	if len(readable) > 40 {
		readable = readable[len(readable)-40:]
	}
	return readable + "-" + hex.EncodeToString(sum[:4])
}
