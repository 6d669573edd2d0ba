package archive

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewS3Client builds an S3 client from the standard AWS credential chain
// (environment, AWS_PROFILE / shared config, SSO, instance role).
//
// endpoint, when set, replaces the S3 endpoint; so does the standard
// AWS_ENDPOINT_URL_S3 variable. Either way requests are then path-style
// (http://host/bucket/key), which S3-compatible servers expect.
func NewS3Client(ctx context.Context, region, endpoint string) (*s3.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w: check AWS_PROFILE and ~/.aws/config", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region for S3: pass --region (the bucket's region) or set AWS_REGION")
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		// Objects uploaded without a checksum (most archivers) would log a
		// DEBUG line per download onto the progress display.
		o.DisableLogOutputChecksumValidationSkipped = true
	}), nil
}
