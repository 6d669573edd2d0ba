package archive

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewS3Client builds an S3 client from cfg, the caller's AWS configuration
// (see backfill/awsenv).
//
// endpoint, when set, replaces the S3 endpoint; so does the standard
// AWS_ENDPOINT_URL_S3 variable. Either way requests are then path-style
// (http://host/bucket/key), which S3-compatible servers expect.
func NewS3Client(cfg aws.Config, endpoint string) *s3.Client {
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
	})
}
