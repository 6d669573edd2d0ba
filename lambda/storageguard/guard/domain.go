package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/logsearch/logsearch/lambda/redact"
)

// Performer sends one request to the domain: opensearch-go's transport,
// which adds the endpoint and signs (SigV4) in the function.
type Performer interface {
	Perform(*http.Request) (*http.Response, error)
}

// Domain is the guard's view of an OpenSearch domain: only the calls its
// role in the domain allows (cluster monitor, and index monitor, delete
// and settings on <prefix>-*).
type Domain struct {
	Client Performer
}

// maxBody bounds what is read of an answer; a _cat/shards of years of
// daily indices is well under it.
const maxBody = 64 << 20

// do sends method path (with query) and decodes a 2xx JSON answer into out.
// An error quotes the answer without the credentials the request carried
// (noted by a redact.Signer): a proxy in front of the domain may echo them.
func (d Domain) do(ctx context.Context, method, path string, body any, out any) error {
	secrets := &redact.Secrets{}
	ctx = redact.WithNoter(ctx, secrets)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u, err := url.Parse(path)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := d.Client.Perform(req)
	if err != nil {
		return fmt.Errorf("%s %s: %s", method, u.Path, secrets.Redact(err.Error()))
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, u.Path, err)
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d: %s%s", method, u.Path, res.StatusCode, secrets.Excerpt(string(raw), excerptBytes), statusFix(res.StatusCode))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer (%s): %s", method, u.Path, secrets.Redact(err.Error()), secrets.Excerpt(string(raw), excerptBytes))
	}
	return nil
}

func statusFix(status int) string {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return " (fix: run pulumi up so that setup maps the storage guard's IAM role to its role in the domain)"
	}
	return ""
}

// excerptBytes keeps the answers quoted in errors readable.
const excerptBytes = 300

// DataNodes reads every data node's storage from GET _nodes/stats/fs
// (https://docs.opensearch.org/latest/api-reference/nodes-apis/nodes-stats/):
// fs.total.total_in_bytes and available_in_bytes, the space a shard may
// still use, which the disk threshold decider also goes by. Nodes without
// the data role (dedicated cluster managers) hold no index and are left
// out.
func (d Domain) DataNodes(ctx context.Context) ([]Node, error) {
	var res struct {
		Nodes map[string]struct {
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
			FS    struct {
				Total struct {
					Total     int64 `json:"total_in_bytes"`
					Available int64 `json:"available_in_bytes"`
				} `json:"total"`
			} `json:"fs"`
		} `json:"nodes"`
	}
	if err := d.do(ctx, http.MethodGet, "/_nodes/stats/fs", nil, &res); err != nil {
		return nil, err
	}
	var out []Node
	for id, n := range res.Nodes {
		if !slices.Contains(n.Roles, "data") {
			continue
		}
		name := n.Name
		if name == "" {
			name = id
		}
		out = append(out, Node{Name: name, Total: n.FS.Total.Total, Available: n.FS.Total.Available})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("GET /_nodes/stats/fs: no data node in the answer")
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Shard is one copy of a shard, from _cat/shards.
type Shard struct {
	Index string
	Node  string // "" while unassigned
	Bytes int64
}

// Shards lists the shard copies of the indices matching pattern, with
// their store size in bytes (GET _cat/shards/<pattern>?format=json&bytes=b,
// https://docs.opensearch.org/latest/api-reference/cat/cat-shards/).
// _cat writes every value as a string, and null for an unassigned copy.
func (d Domain) Shards(ctx context.Context, pattern string) ([]Shard, error) {
	var rows []struct {
		Index string  `json:"index"`
		Node  *string `json:"node"`
		Store *string `json:"store"`
	}
	if err := d.do(ctx, http.MethodGet, "/_cat/shards/"+url.PathEscape(pattern)+"?format=json&bytes=b&h=index,node,store", nil, &rows); err != nil {
		return nil, err
	}
	out := make([]Shard, 0, len(rows))
	for _, r := range rows {
		s := Shard{Index: r.Index}
		if r.Node != nil {
			s.Node = *r.Node
		}
		if r.Store != nil && *r.Store != "" {
			n, err := strconv.ParseInt(*r.Store, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("GET /_cat/shards: store %q of %s is not a byte count", *r.Store, r.Index)
			}
			s.Bytes = n
		}
		out = append(out, s)
	}
	return out, nil
}

// readOnlyAllowDelete is the index block a full disk sets: writes are
// refused, deletes allowed.
const readOnlyAllowDelete = "index.blocks.read_only_allow_delete"

// BlockedIndices lists the indices matching pattern that carry
// index.blocks.read_only_allow_delete: true (GET
// <pattern>/_settings/index.blocks.read_only_allow_delete?flat_settings=true).
func (d Domain) BlockedIndices(ctx context.Context, pattern string) ([]string, error) {
	var res map[string]struct {
		Settings map[string]any `json:"settings"`
	}
	if err := d.do(ctx, http.MethodGet, "/"+url.PathEscape(pattern)+"/_settings/"+readOnlyAllowDelete+"?flat_settings=true", nil, &res); err != nil {
		return nil, err
	}
	var out []string
	for name, s := range res {
		if v := fmt.Sprint(s.Settings[readOnlyAllowDelete]); v == "true" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// LiftBlock removes index.blocks.read_only_allow_delete from the named
// indices (PUT <names>/_settings with the setting null, which resets it
// to its default, false), the way a full disk's block is lifted once
// there is room again.
func (d Domain) LiftBlock(ctx context.Context, names []string) error {
	escaped := make([]string, len(names))
	for i, n := range names {
		escaped[i] = url.PathEscape(n)
	}
	return d.do(ctx, http.MethodPut, "/"+strings.Join(escaped, ",")+"/_settings", map[string]any{readOnlyAllowDelete: nil}, nil)
}

// DeleteIndex deletes one index by its full name: never a pattern, so a
// mistake cannot widen it.
func (d Domain) DeleteIndex(ctx context.Context, name string) error {
	if name == "" || strings.ContainsAny(name, "*,?") {
		return fmt.Errorf("refusing to delete %q: only one index by its full name", name)
	}
	return d.do(ctx, http.MethodDelete, "/"+url.PathEscape(name), nil, nil)
}
