package bulk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer"

	"github.com/logsearch/logsearch/lambda/redact"
)

// Compression is how request bodies travel to the domain.
type Compression string

// The accepted compressions.
const (
	// CompressionNone sends bodies as built: no CPU spent on compression,
	// about ten times the bytes on the wire.
	CompressionNone Compression = "none"
	// CompressionGzip gzips bodies at the fastest level
	// (Content-Encoding: gzip), which shrinks nginx-style documents about
	// twelvefold for about a third of the CPU of building them.
	CompressionGzip Compression = "gzip"
)

// ClientConfig configures the HTTP side of _bulk.
type ClientConfig struct {
	// Endpoint is the domain's base URL.
	Endpoint *url.URL
	// Signer signs each request (SigV4 for service "es"); nil sends
	// unsigned requests. It signs the bytes actually sent: the compressed
	// body when Compression is gzip. *SigV4 is the cheapest: it signs
	// with the hash computed here instead of reading the body again.
	Signer signer.Signer
	// Compression of request bodies; "" is CompressionNone.
	Compression Compression
	// Transport overrides the HTTP round tripper (tests).
	Transport http.RoundTripper
}

// Client posts _bulk bodies through opensearch-go's transport, which signs
// them. It compresses them itself, at the fastest level, rather than with
// the transport's CompressRequestBody (stdlib gzip at the default level,
// half of a whole invocation's CPU). Its own retries are off: the Indexer
// retries item by item, which the transport cannot. It is safe for
// concurrent use.
type Client struct {
	tp          *opensearchtransport.Client
	compression Compression
	gzips       sync.Pool // of *gzipBuffer
	// hashed: the signer takes the body hash from the context (SigV4).
	hashed bool
	// The endpoint URL's Basic credentials, which the transport sends.
	user, password string
}

// gzipBuffer is one reusable compressor and its output.
type gzipBuffer struct {
	zw  *gzip.Writer
	out bytes.Buffer
}

// responseFilter trims the _bulk response to what readResponse reads: the
// errors flag, and each item's _id, status and error. _id and status must
// stay even for items that succeeded: an item with no field left would be
// dropped from "items", and the answer could no longer be matched to the
// request by position. A 10,000-item answer shrinks from about 2 MB to
// about 400 kB. See "Filtered responses" in
// https://docs.opensearch.org/latest/api-reference/common-parameters/ and
// the response fields in
// https://docs.opensearch.org/latest/api-reference/document-apis/bulk/.
const responseFilter = "errors,items.*._id,items.*.status,items.*.error"

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Endpoint == nil {
		return nil, fmt.Errorf("bulk: no endpoint URL: set OPENSEARCH_ENDPOINT")
	}
	switch cfg.Compression {
	case "":
		cfg.Compression = CompressionNone
	case CompressionNone, CompressionGzip:
	default:
		return nil, fmt.Errorf("bulk: compression %q is not one of %q, %q", cfg.Compression, CompressionNone, CompressionGzip)
	}
	_, hashed := cfg.Signer.(*SigV4)
	tp, err := opensearchtransport.New(opensearchtransport.Config{
		URLs:                  []*url.URL{cfg.Endpoint},
		Signer:                redact.Signer(cfg.Signer),
		DisableRetry:          true,
		Transport:             cfg.Transport,
		MaxRetryClusterHealth: -1, // no background probes from a short-lived function
		// Nor the node-stats poll (GET /_nodes/_local/stats/jvm,breaker,
		// thread_pool) opensearch-go runs by default: the writer role may
		// not read node stats, and the fake domain, which models only what
		// the function needs, caught it in the end-to-end test.
		NodeStatsInterval: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("bulk: OpenSearch client for %s: %w", cfg.Endpoint.Redacted(), err)
	}
	c := &Client{tp: tp, compression: cfg.Compression, hashed: hashed}
	if u := cfg.Endpoint.User; u != nil {
		c.user = u.Username()
		c.password, _ = u.Password()
	}
	return c, nil
}

// PostBulk implements Poster.
func (c *Client) PostBulk(ctx context.Context, body []byte) (int, []byte, error) {
	return c.PostBulkInto(ctx, body, nil)
}

// PostBulkInto implements BufferPoster: the response is read into buf when
// it has room for the length the server states.
func (c *Client) PostBulkInto(ctx context.Context, body, buf []byte) (int, []byte, error) {
	sent := body
	if c.compression == CompressionGzip {
		g, err := c.gzip(body)
		if err != nil {
			return 0, nil, err
		}
		defer c.gzips.Put(g)
		sent = g.out.Bytes()
	}
	if c.hashed {
		ctx = withPayloadHash(ctx, sent)
	}
	if creds := sentCredentialsFrom(ctx); creds != nil {
		creds.user, creds.password = c.user, c.password
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/_bulk?filter_path="+responseFilter, bytes.NewReader(sent))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if c.compression == CompressionGzip {
		// Set before the transport signs, so the signature covers it and
		// the hash of the compressed bytes: AWS checks the bytes received
		// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/gzip.html).
		req.Header.Set("Content-Encoding", "gzip")
	}
	// Stream may return a response together with an error; a nil response
	// is the sign that nothing came back.
	res, err := c.tp.Stream(req)
	if res == nil {
		if err == nil {
			err = fmt.Errorf("no response")
		}
		return 0, nil, err
	}
	resp, rerr := readBody(res, buf)
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

// gzip compresses body at the fastest level into a pooled buffer.
func (c *Client) gzip(body []byte) (*gzipBuffer, error) {
	g, _ := c.gzips.Get().(*gzipBuffer)
	if g == nil {
		g = &gzipBuffer{}
		// BestSpeed is a valid level: the error cannot happen.
		g.zw, _ = gzip.NewWriterLevel(nil, gzip.BestSpeed)
	}
	g.out.Reset()
	g.zw.Reset(&g.out)
	if _, err := g.zw.Write(body); err != nil {
		return nil, fmt.Errorf("bulk: gzip: %w", err)
	}
	if err := g.zw.Close(); err != nil {
		return nil, fmt.Errorf("bulk: gzip: %w", err)
	}
	return g, nil
}

// readBody reads a response body into buf, or a buffer sized from
// Content-Length when buf is too small (with room for a somewhat longer
// answer next time), instead of growing one by doubling.
func readBody(res *http.Response, buf []byte) ([]byte, error) {
	if n := res.ContentLength; n > 0 && n <= MaxAnswerBytes {
		if int64(cap(buf)) < n {
			buf = make([]byte, 0, n+n/4)
		}
		// net/http stops the body at Content-Length.
		buf = buf[:n]
		_, err := io.ReadFull(res.Body, buf)
		return buf, err
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxAnswerBytes+1))
	if err == nil && len(b) > MaxAnswerBytes {
		b, err = b[:MaxAnswerBytes], fmt.Errorf("the answer is larger than %d bytes, more than any _bulk answer: "+
			"something other than the domain answers; set OPENSEARCH_ENDPOINT to the domain's own endpoint", MaxAnswerBytes)
	}
	return b, err
}

// MaxAnswerBytes bounds what is read of an answer: a _bulk answer of
// 10,000 items is about 400 kB, and an endless one would exhaust the
// function's memory.
const MaxAnswerBytes = 64 << 20
