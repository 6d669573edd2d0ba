// Package awsenv loads the AWS configuration the backfill command's
// clients (S3, SQS, Lambda, SigV4 for OpenSearch) share, and checks up
// front that it holds a region and working credentials. The SDK resolves
// credentials only when the first request is signed; a missing login then
// surfaces as retried connection errors blamed on the endpoint.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// ErrSetup marks a problem with the local AWS setup (configuration,
// region, credentials): nothing was sent, and the fix is on this machine.
var ErrSetup = errors.New("AWS setup")

// credentialsTimeout bounds the credential chain's lookup (SSO, the
// instance metadata service): long enough for a real one, short enough
// that a missing login is reported at once.
const credentialsTimeout = 20 * time.Second

// Load reads the standard AWS configuration (environment, AWS_PROFILE and
// ~/.aws/config, SSO, instance role) for region ("" for the configured
// one) and retrieves its credentials. purpose names what they are for in
// errors ("to sign OpenSearch requests", "for S3"). Errors wrap ErrSetup.
func Load(ctx context.Context, region, purpose string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%w: loading the AWS configuration %s: %v: check AWS_PROFILE and ~/.aws/config", ErrSetup, purpose, err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("%w: no AWS region %s: pass --region or set AWS_REGION", ErrSetup, purpose)
	}
	if cfg.Credentials == nil {
		return aws.Config{}, fmt.Errorf("%w: no AWS credentials %s: %s", ErrSetup, purpose, loginFix)
	}
	rctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(rctx); err != nil {
		return aws.Config{}, fmt.Errorf("%w: no usable AWS credentials %s (%v): %s", ErrSetup, purpose, err, loginFix)
	}
	return cfg, nil
}

const loginFix = "sign in first (aws sso login, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
