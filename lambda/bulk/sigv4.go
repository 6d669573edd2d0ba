package bulk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 signs requests with AWS Signature Version 4 through aws-sdk-go-v2's
// signer. It implements opensearch-go's signer.Signer. Unlike that
// module's awsv2 signer, which reads and copies the whole body to hash it
// (a 5 MiB copy per request, grown by doubling), it signs with the hash
// PostBulk computed over the exact bytes it sends, compressed or not.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
type SigV4 struct {
	credentials aws.CredentialsProvider
	region      string
	service     string
	signer      *v4.Signer
	port        uint16
}

// OverrideSigningPort implements signer.Signer: requests are signed (and
// sent) with this port in the Host header, for a domain reached through a
// tunnel on another port.
func (s *SigV4) OverrideSigningPort(port uint16) { s.port = port }

// NewSigV4 signs for service ("es" for OpenSearch Service) with cfg's
// credentials and region.
func NewSigV4(cfg aws.Config, service string) (*SigV4, error) {
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("bulk: SigV4 needs AWS credentials: none found in the environment")
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("bulk: SigV4 needs the AWS region: set AWS_REGION")
	}
	return &SigV4{credentials: cfg.Credentials, region: cfg.Region, service: service, signer: v4.NewSigner()}, nil
}

// payloadHashKey carries the hex SHA-256 of a request's body in its
// context, from PostBulk to SignRequest.
type payloadHashKey struct{}

func withPayloadHash(ctx context.Context, body []byte) context.Context {
	sum := sha256.Sum256(body)
	return context.WithValue(ctx, payloadHashKey{}, hex.EncodeToString(sum[:]))
}

// SignRequest implements signer.Signer.
func (s *SigV4) SignRequest(r *http.Request) error {
	ctx := r.Context()
	hash, ok := ctx.Value(payloadHashKey{}).(string)
	if !ok {
		var err error
		if hash, err = hashBody(r); err != nil {
			return err
		}
	}
	creds, err := s.credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("bulk: AWS credentials for SigV4: %w", err)
	}
	if s.port > 0 {
		r.Host = fmt.Sprintf("%s:%d", r.URL.Hostname(), s.port)
	}
	r.Header.Set("X-Amz-Content-Sha256", hash)
	return s.signer.SignHTTP(ctx, creds, r, hash, s.service, s.region, time.Now())
}

// hashBody hashes a body not sent by PostBulk, through GetBody so the
// body to send is left unread.
func hashBody(r *http.Request) (string, error) {
	h := sha256.New()
	if r.Body != nil && r.Body != http.NoBody {
		if r.GetBody == nil {
			return "", fmt.Errorf("bulk: cannot sign a request whose body cannot be read twice")
		}
		body, err := r.GetBody()
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, body)
		_ = body.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
