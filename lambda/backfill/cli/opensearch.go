package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer"

	"github.com/logsearch/logsearch/lambda/backfill/awsenv"
	"github.com/logsearch/logsearch/lambda/backfill/pipeline"
	"github.com/logsearch/logsearch/lambda/backfill/redo"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/redact"
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
	endpoint := o.endpointURL
	var sign signer.Signer
	if o.Auth == "sigv4" {
		cfg, err := awsenv.Load(ctx, o.Region, "to sign OpenSearch requests (or pass --auth none for an unsigned endpoint)")
		if err != nil {
			return nil, nil, err
		}
		// bulk's signer hashes each _bulk body once, as it is sent;
		// opensearch-go's awsv2 signer reads the body again into a copy
		// grown by doubling (a fifth of a run's CPU).
		if sign, err = bulk.NewSigV4(cfg, "es"); err != nil {
			return nil, nil, fmt.Errorf("SigV4 signer: %w", err)
		}
	}
	client, err := bulk.NewClient(bulk.ClientConfig{Endpoint: endpoint, Signer: sign})
	if err != nil {
		return nil, nil, err
	}
	admin, err := opensearchtransport.New(opensearchtransport.Config{
		// redact.Signer notes the credentials of each request, for redo's
		// errors to leave out of the answers they quote.
		URLs: []*url.URL{endpoint}, Signer: redact.Signer(sign), MaxRetryClusterHealth: -1,
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

// domainRegion is the region an OpenSearch Service endpoint names:
// <name>.<region>.es.amazonaws.com[.cn] (the domain's Endpoint attribute),
// or <name>.aos.<region>.on.aws (its dual-stack endpoint); "" otherwise.
// See https://docs.aws.amazon.com/general/latest/gr/opensearch-service.html.
func domainRegion(u *url.URL) string {
	labels := strings.Split(strings.ToLower(u.Hostname()), ".")
	n := len(labels)
	switch {
	case n >= 5 && labels[n-3] == "es" && labels[n-2] == "amazonaws" && labels[n-1] == "com":
		return labels[n-4]
	case n >= 6 && labels[n-4] == "es" && labels[n-3] == "amazonaws" && labels[n-2] == "com" && labels[n-1] == "cn":
		return labels[n-5]
	case n >= 5 && labels[n-4] == "aos" && labels[n-2] == "on" && labels[n-1] == "aws":
		return labels[n-3]
	}
	return ""
}
