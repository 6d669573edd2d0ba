package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/backfill/pipeline"
	"github.com/logsearch/logsearch/lambda/backfill/redo"
	"github.com/logsearch/logsearch/lambda/bulk"
)

// connect connects with env.OpenSearch, or by default with openSearch
// and the options.
func (env *Env) connect(ctx context.Context, o *Target) (func() (pipeline.Sender, error), redo.Transport, error) {
	if env.OpenSearch != nil {
		return env.OpenSearch(ctx, o, env.Bulk)
	}
	return openSearch(ctx, o, env.Bulk)
}

// openSearch connects to the domain as the ingest function does: the
// shared bulk client (SigV4 for service "es" with the caller's AWS
// credentials, or unsigned), one Indexer per worker, and the same
// transport for index deletion.
func openSearch(ctx context.Context, o *Target, base bulk.Config) (func() (pipeline.Sender, error), redo.Transport, error) {
	endpoint, err := url.Parse(o.Endpoint)
	if err != nil {
		return nil, nil, fmt.Errorf("--endpoint %q: %w", o.Endpoint, err)
	}
	var sign signer.Signer
	if o.Auth == "sigv4" {
		var opts []func(*config.LoadOptions) error
		if o.Region != "" {
			opts = append(opts, config.WithRegion(o.Region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("loading AWS credentials to sign OpenSearch requests: %w: check AWS_PROFILE, or pass --auth none for an unsigned endpoint", err)
		}
		if cfg.Region == "" {
			return nil, nil, fmt.Errorf("no AWS region to sign OpenSearch requests: pass --region (the domain's region) or set AWS_REGION")
		}
		if sign, err = awsv2.NewSignerWithService(cfg, "es"); err != nil {
			return nil, nil, fmt.Errorf("SigV4 signer: %w", err)
		}
	}
	client, err := bulk.NewClient(bulk.ClientConfig{Endpoint: endpoint, Signer: sign})
	if err != nil {
		return nil, nil, err
	}
	admin, err := opensearchtransport.New(opensearchtransport.Config{
		URLs: []*url.URL{endpoint}, Signer: sign, MaxRetryClusterHealth: -1,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("OpenSearch client for %s: %w", endpoint.Redacted(), err)
	}
	newSender := func() (pipeline.Sender, error) {
		cfg := base
		cfg.MaxBytes = o.BulkBytes
		return bulk.New(client, cfg)
	}
	return newSender, admin, nil
}
