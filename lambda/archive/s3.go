package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client a Bucket uses.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Bucket is a Store over one S3 bucket.
type Bucket struct {
	client S3API
	bucket string
}

// NewBucket reads bucket through client.
func NewBucket(client S3API, bucket string) *Bucket {
	return &Bucket{client: client, bucket: bucket}
}

// Name is "s3://" and the bucket.
func (b *Bucket) Name() string { return "s3://" + b.bucket }

// List pages through ListObjectsV2 under prefix.
func (b *Bucket) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(b.bucket),
		Prefix: aws.String(prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing %s/%s: %w%s", b.Name(), prefix, err, hint(err))
		}
		for _, o := range page.Contents {
			out = append(out, Object{
				Key:      aws.ToString(o.Key),
				Size:     aws.ToInt64(o.Size),
				ETag:     strings.Trim(aws.ToString(o.ETag), `"`),
				Modified: aws.ToTime(o.LastModified),
			})
		}
	}
	return out, nil
}

// Open starts a GetObject download.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s: %w%s", b.Name(), key, err, hint(err))
	}
	return out.Body, nil
}

// hint turns the S3 errors people actually hit into the fix.
func hint(err error) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return ""
	}
	switch ae.ErrorCode() {
	case "NoSuchBucket":
		return ": check the bucket name in the source URL"
	case "AccessDenied", "Forbidden", "403":
		return ": your credentials need s3:ListBucket on the bucket and s3:GetObject on its objects"
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "301":
		return ": the bucket is in another region; pass --region with the bucket's region"
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken":
		return ": refresh your AWS credentials (AWS_PROFILE, aws sso login, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair)"
	}
	return ""
}

// ParseS3URL splits s3://bucket/prefix.
func ParseS3URL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URL: write s3://<bucket>/<prefix>", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket: write s3://<bucket>/<prefix>", u)
	}
	return bucket, prefix, nil
}
