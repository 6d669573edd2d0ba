package bulk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer"
)

// ClientConfig configures the HTTP side of _bulk.
type ClientConfig struct {
	// Endpoint is the domain's base URL.
	Endpoint *url.URL
	// Signer signs each request (SigV4 for service "es"); nil sends
	// unsigned requests.
	Signer signer.Signer
	// Compress gzips request bodies (Content-Encoding: gzip). The
	// signature covers the compressed bytes.
	Compress bool
	// Transport overrides the HTTP round tripper (tests).
	Transport http.RoundTripper
}

// Client posts _bulk bodies through opensearch-go's transport, which signs
// and compresses them. Its own retries are off: the Indexer retries item by
// item, which the transport cannot.
type Client struct {
	tp *opensearchtransport.Client
}

// responseFilter trims the _bulk response to what parseResponse reads; a
// 10,000-item answer shrinks from about 2 MB to a few hundred kB.
const responseFilter = "errors,items.*._id,items.*.status,items.*.error"

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Endpoint == nil {
		return nil, fmt.Errorf("bulk: no endpoint URL: set OPENSEARCH_ENDPOINT")
	}
	tp, err := opensearchtransport.New(opensearchtransport.Config{
		URLs:                  []*url.URL{cfg.Endpoint},
		Signer:                cfg.Signer,
		CompressRequestBody:   cfg.Compress,
		DisableRetry:          true,
		Transport:             cfg.Transport,
		MaxRetryClusterHealth: -1, // no background probes from a short-lived function
	})
	if err != nil {
		return nil, fmt.Errorf("bulk: OpenSearch client for %s: %w", cfg.Endpoint.Redacted(), err)
	}
	return &Client{tp: tp}, nil
}

// PostBulk implements Poster.
func (c *Client) PostBulk(ctx context.Context, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/_bulk?filter_path="+responseFilter, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	// Stream may return a response together with an error; a nil response
	// is the sign that nothing came back.
	res, err := c.tp.Stream(req)
	if res == nil {
		if err == nil {
			err = fmt.Errorf("no response")
		}
		return 0, nil, err
	}
	resp, rerr := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err == nil {
		err = rerr
	}
	if err != nil && res.StatusCode < 300 {
		// A 2xx whose body did not arrive whole says nothing about the items.
		return 0, nil, err
	}
	return res.StatusCode, resp, nil
}
