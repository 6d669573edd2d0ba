package logsearch

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/archivewriter"
)

// Archive is where the stack's copy of the logs lives, if anywhere: the
// bucket the backfill tool re-indexes from (logsearch:archive).
type Archive struct {
	pulumi.ResourceState

	// URL is s3://<bucket>/<prefix>, or "" when the stack has no archive.
	URL pulumi.StringOutput
	// created archives are written by the ingest function.
	created   bool
	bucketArn pulumi.StringOutput
	bucket    pulumi.StringOutput
	keyArn    pulumi.StringOutput
	prefix    string
}

// ArchiveArgs are the inputs of the Archive stage.
type ArchiveArgs struct {
	Config *Config  // the validated settings
	Key    *kms.Key // the stack key a created archive is encrypted with
}

// NewArchive creates the archive bucket when logsearch:archive.create asks
// for it, encrypted with the stack key; otherwise it only records the
// configured bucket (or none).
func NewArchive(ctx *pulumi.Context, args ArchiveArgs) (*Archive, error) {
	cfg, key := args.Config, args.Key
	a := &Archive{prefix: cfg.Archive.Prefix, URL: pulumi.String("").ToStringOutput()}
	ctx, err := newStage(ctx, "Archive", "archive", a)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Archive.Bucket != "":
		a.URL = pulumi.String(fmt.Sprintf("s3://%s/%s", cfg.Archive.Bucket, cfg.Archive.Prefix)).ToStringOutput()
		return a, registerStageOutputs(ctx, a)
	case !cfg.Archive.Create:
		return a, registerStageOutputs(ctx, a)
	}
	bucket, block, err := newPrivateBucket(ctx, cfg, privateBucketSpec{
		name: "archive",
		encryption: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm:   pulumi.String("aws:kms"),
			KmsMasterKeyId: key.Arn,
		},
		bucketKey:   true,
		lifecycleID: "expire-archived-logs",
		expireDays:  cfg.Archive.ExpireDays,
	})
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPolicy(ctx, childName(ctx, "archive"), &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policyOf(func(v []string) []policyStatement {
			return []policyStatement{denyInsecureTransport(v[0])}
		}, bucket.Arn),
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{block}))...); err != nil { // S3 refuses a policy while the block is being set
		return nil, err
	}
	a.created, a.bucket, a.bucketArn, a.keyArn = true, bucket.Bucket, bucket.Arn, key.Arn
	a.URL = pulumi.Sprintf("s3://%s/%s", bucket.Bucket, cfg.Archive.Prefix)
	return a, registerStageOutputs(ctx, a)
}

// writerEnvironment is what the ingest function needs to write a created
// archive (lambda/archivewriter reads it); nothing otherwise.
func (a *Archive) writerEnvironment() pulumi.StringMap {
	if !a.created {
		return nil
	}
	return pulumi.StringMap{
		archivewriter.EnvBucket: a.bucket,
		archivewriter.EnvPrefix: pulumi.String(a.prefix),
	}
}

// writerPolicy lets the ingest function put objects under the archive's
// prefix, encrypted with the stack key through S3, and nothing else (no
// reads, no deletes). Empty when the stack writes no archive.
func (a *Archive) writerPolicy(s3Host string) (build func(v []string) []policyStatement, inputs []pulumi.StringInput) {
	if !a.created {
		return func([]string) []policyStatement { return nil }, nil
	}
	return func(v []string) []policyStatement {
		put := allow([]string{"s3:PutObject"}, v[0]+"/"+a.prefix+"*")
		put.Sid = "WriteTheArchive"
		encrypt := allow([]string{"kms:GenerateDataKey"}, v[1])
		encrypt.Sid = "EncryptArchivedObjects"
		encrypt.Condition = map[string]any{"StringEquals": map[string]any{"kms:ViaService": s3Host}}
		return []policyStatement{put, encrypt}
	}, []pulumi.StringInput{a.bucketArn, a.keyArn}
}
