package logsearch

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateBucketSpec is what differs between the stack's buckets.
type privateBucketSpec struct {
	name       string // resource name of the bucket and its settings
	encryption *s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs
	// bucketKey cuts KMS requests (and their cost) to one per bucket and
	// time window instead of one per object; only for SSE-KMS.
	bucketKey   bool
	lifecycleID string // names the expiry rule
	expireDays  int
}

// newPrivateBucket creates a bucket no one outside the account can reach:
// every public access blocked, objects owned by the bucket owner (ACLs
// off), encrypted by default, objects expiring after spec.expireDays and
// abandoned multipart uploads cleaned up. Dev stacks are torn down often;
// a production stack keeps the bucket's objects on destroy. The caller adds
// the bucket policy, which must wait for the returned public access block.
func newPrivateBucket(ctx *pulumi.Context, cfg *Config, spec privateBucketSpec) (*s3.BucketV2, *s3.BucketPublicAccessBlock, error) {
	bucket, err := s3.NewBucketV2(ctx, childName(ctx, spec.name), &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!cfg.Production),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, childName(ctx, spec.name), &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, childOptions(ctx)...)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, childName(ctx, spec.name), &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, childOptions(ctx)...); err != nil {
		return nil, nil, err
	}
	rule := &s3.BucketServerSideEncryptionConfigurationV2RuleArgs{ApplyServerSideEncryptionByDefault: spec.encryption}
	if spec.bucketKey {
		rule.BucketKeyEnabled = pulumi.Bool(true)
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, childName(ctx, spec.name), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{rule},
	}, childOptions(ctx)...); err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, childName(ctx, spec.name), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String(spec.lifecycleID),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(spec.expireDays)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, childOptions(ctx)...); err != nil {
		return nil, nil, err
	}
	return bucket, block, nil
}

// denyInsecureTransport refuses every request to the bucket that does not
// use TLS (S3.5).
func denyInsecureTransport(bucketArn string) policyStatement {
	return policyStatement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: "*",
		Action:    []string{"s3:*"},
		Resource:  []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}
