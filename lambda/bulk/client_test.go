package bulk

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/signer"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/fakeopensearch"
)

// TestClientAgainstFakeDomain runs the real client (opensearch-go
// transport, gzip, SigV4) against the fake domain.
func TestClientAgainstFakeDomain(t *testing.T) {
	sign, err := awsv2.NewSignerWithService(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, "es")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		signer         signer.Signer
		faults         fakeopensearch.Faults
		indexed, moved int
		reason         string
	}{
		{name: "signed", signer: sign, indexed: 20},
		{name: "unsigned is refused with the fix", signer: nil, moved: 20, reason: "map the function's IAM role"},
		{name: "dropped connection is retried", signer: sign, indexed: 20, faults: fakeopensearch.Faults{
			Request: fakeopensearch.FirstRequests(1, fakeopensearch.RequestFault{Drop: true})}},
		{name: "dropped after indexing is retried", signer: sign, indexed: 20, faults: fakeopensearch.Faults{
			Request: fakeopensearch.FirstRequests(1, fakeopensearch.RequestFault{DropAfterIndex: true})}},
		{name: "mapping errors", signer: sign, indexed: 18, moved: 2, reason: "mapper_parsing_exception", faults: fakeopensearch.Faults{
			MappingError: func(id string, _ []byte) bool { return id == "id3" || id == "id13" }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := fakeopensearch.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = srv.Close() }()
			srv.RequireSignature = true
			srv.SetFaults(tt.faults)
			u, _ := url.Parse(srv.URL)
			c, err := NewClient(ClientConfig{Endpoint: u, Signer: tt.signer, Compression: CompressionGzip})
			if err != nil {
				t.Fatal(err)
			}
			ix, err := New(c, Config{MaxBytes: 1 << 20, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			in := items(20, 200)
			r := ix.Index(context.Background(), in)
			accounted(t, in, r)
			if len(r.Indexed) != tt.indexed || len(r.Failed) != tt.moved || len(r.Unresolved) != 0 {
				t.Fatalf("indexed %d failed %d unresolved %d: %+v", len(r.Indexed), len(r.Failed), len(r.Unresolved), r)
			}
			if tt.moved > 0 && !strings.Contains(r.Failed[0].Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", r.Failed[0].Reason, tt.reason)
			}
			if srv.Count() != tt.indexed {
				t.Errorf("domain holds %d documents, want %d", srv.Count(), tt.indexed)
			}
			if tt.signer == nil {
				return // refused before the body was read
			}
			h := srv.Requests()[0].Header
			if h.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(h.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
				t.Errorf("headers %v", h)
			}
			if req := srv.Requests()[0]; req.CompressedBytes >= req.Bytes {
				t.Errorf("gzip did not shrink the body: %d >= %d", req.CompressedBytes, req.Bytes)
			}
		})
	}
}
