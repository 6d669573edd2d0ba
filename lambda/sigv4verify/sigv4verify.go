// Package sigv4verify checks AWS Signature Version 4 on requests received
// by the local test servers the way an AWS endpoint does: it recomputes
// the canonical request from what actually arrived (method, path, query,
// the headers the client says it signed, and the SHA-256 of the body bytes
// received, compressed or not) with aws-sdk-go-v2's signer and the
// expected credentials, and refuses a mismatch with 403. A client that
// signs one body and sends another (the gzip + SigV4 mistake several SDKs
// have shipped) is caught here, not in production.
//
// The algorithm: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
package sigv4verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Verifier checks requests signed with one set of credentials for one
// service and region.
type Verifier struct {
	Credentials aws.Credentials
	Region      string
	Service     string // "es" for OpenSearch Service
	// MaxSkew is how far X-Amz-Date may be from now (AWS allows 15 min).
	MaxSkew time.Duration
	// Now is the clock the skew is measured against; nil is time.Now.
	Now func() time.Time
}

// MismatchMessage is what OpenSearch Service answers, in {"message": ...},
// to a request whose signature does not match.
const MismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// ErrMismatch: the signature does not match the request received.
var ErrMismatch = errors.New("signature mismatch")

// Verify checks r's signature. It reads the body and puts back an
// identical one, so a handler after it sees the request as received.
func (v *Verifier) Verify(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	scope := strings.Split(auth.credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return fmt.Errorf("credential %q is not AKID/date/region/service/aws4_request", auth.credential)
	}
	if scope[0] != v.Credentials.AccessKeyID {
		return fmt.Errorf("unknown access key %q", scope[0])
	}
	if scope[2] != v.Region || scope[3] != v.Service {
		return fmt.Errorf("credential scope %s/%s, expected %s/%s", scope[2], scope[3], v.Region, v.Service)
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date %q: %w", r.Header.Get("X-Amz-Date"), err)
	}
	if signedAt.Format("20060102") != scope[1] {
		return fmt.Errorf("credential date %s differs from X-Amz-Date", scope[1])
	}
	skew := v.MaxSkew
	if skew == 0 {
		skew = 15 * time.Minute
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if d := now().Sub(signedAt); d > skew || d < -skew {
		return fmt.Errorf("signed at %v, outside the %v allowed", signedAt, skew)
	}

	// Rebuild the request with only the headers the client signed, and
	// sign it again over the body bytes received.
	re, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return err
	}
	re.Host = r.Host
	for _, h := range auth.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			re.ContentLength = int64(len(body))
		default:
			for _, val := range r.Header.Values(h) {
				re.Header.Add(h, val)
			}
		}
	}
	sum := sha256.Sum256(body)
	// A declared payload hash must be the body's: OpenSearch Service
	// signs the payload, so neither UNSIGNED-PAYLOAD nor a hash of other
	// bytes (a body compressed after signing) passes.
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && declared != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("x-amz-content-sha256 %q is not the SHA-256 of the body received: %w", declared, ErrMismatch)
	}
	err = v4.NewSigner().SignHTTP(context.Background(), v.Credentials, re, hex.EncodeToString(sum[:]), scope[3], scope[2], signedAt)
	if err != nil {
		return err
	}
	want, err := parseAuthorization(re.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if want.signature != auth.signature || strings.Join(want.signedHeaders, ";") != strings.Join(auth.signedHeaders, ";") {
		return ErrMismatch
	}
	return nil
}

// Middleware refuses requests whose signature does not verify with 403
// and OpenSearch Service's error body, and passes the others to next.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !v.Allow(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Allow verifies r; when it fails it answers 403 and returns false.
func (v *Verifier) Allow(w http.ResponseWriter, r *http.Request) bool {
	err := v.Verify(r)
	if err == nil {
		return true
	}
	msg := "signature refused: " + err.Error()
	if errors.Is(err, ErrMismatch) {
		msg = MismatchMessage
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	return false
}

type authorization struct {
	credential    string
	signedHeaders []string
	signature     string
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, errors.New("missing authentication token: no AWS4-HMAC-SHA256 Authorization header")
	}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.credential == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, fmt.Errorf("authorization header %q lacks Credential, SignedHeaders or Signature", h)
	}
	return a, nil
}
