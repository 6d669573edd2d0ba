// Package redo empties index-days before a backfill refills them: the
// repair for days that were indexed badly (wrong field types, a broken
// parser) or partly, without wiping the domain.
//
// Two ways to empty a day:
//
//   - ModeIndex deletes the whole index <prefix>-YYYY.MM.DD (DELETE
//     /<index>). It is immediate and frees the disk at once, but removes
//     the day's documents of every log group sharing the index.
//   - ModeQuery deletes only the documents whose @log_group is one of the
//     given values (POST /<index>/_delete_by_query), leaving other log
//     groups' documents of that day alone. It is slower, and disk space
//     returns only as segments merge.
package redo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/redact"
)

// Mode is how a day is emptied.
type Mode string

// The modes.
const (
	ModeIndex Mode = "index"
	ModeQuery Mode = "query"
)

// ParseMode reads the --delete flag.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeIndex, ModeQuery:
		return Mode(s), nil
	}
	return "", fmt.Errorf("--delete %q: use \"index\" (delete whole index-days) or \"query\" (delete only this source's log group)", s)
}

// Indices names the daily indices of from..to, inclusive.
func Indices(prefix string, from, to time.Time) []string {
	var out []string
	for _, d := range archive.Days(from, to) {
		out = append(out, prefix+"-"+d.Format("2006.01.02"))
	}
	return out
}

// Transport performs a request whose URL holds only the path: it adds the
// domain's address and signs when the domain needs SigV4, as
// opensearch-go's opensearchtransport.Client does.
type Transport interface {
	Perform(*http.Request) (*http.Response, error)
}

// Client talks to the OpenSearch REST API.
type Client struct {
	Transport Transport
	// Basic is the endpoint URL's user and password, which the transport
	// sends; nil for none.
	Basic *url.Userinfo
}

// DeleteIndex deletes one index; a missing index is not an error (there
// was nothing to delete), reported by existed=false.
func (c *Client) DeleteIndex(ctx context.Context, index string) (existed bool, err error) {
	status, body, err := c.do(ctx, http.MethodDelete, "/"+url.PathEscape(index), nil)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusNotFound:
		return false, nil
	case status/100 != 2:
		return false, c.httpError("deleting index "+index, status, body)
	}
	return true, nil
}

// DeleteByQuery deletes the documents of index whose @log_group is one of
// logGroups, waiting until they are gone and searchable as gone.
func (c *Client) DeleteByQuery(ctx context.Context, index string, logGroups []string) (deleted int64, err error) {
	body, found, err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(index)+"/_delete_by_query?conflicts=proceed&refresh=true", logGroupsQuery(logGroups), "deleting documents of "+index)
	if err != nil || !found {
		return 0, err
	}
	var res struct {
		Deleted  int64             `json:"deleted"`
		Failures []json.RawMessage `json:"failures"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return 0, fmt.Errorf("deleting documents of %s: unreadable answer %q: %w", index, truncate(body), err)
	}
	if len(res.Failures) > 0 {
		return res.Deleted, fmt.Errorf("deleting documents of %s: %d failures, first: %s: run redo again", index, len(res.Failures), truncate(res.Failures[0]))
	}
	return res.Deleted, nil
}

// do sends one request and reads its answer, with every form of the
// credentials the request carried (noted by a redact.Signer, or the
// endpoint's Basic ones) replaced: errors quote the answer, and a proxy in
// front of the domain may echo the request's headers.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	secrets := &redact.Secrets{}
	if c.Basic != nil {
		password, _ := c.Basic.Password()
		secrets.AddBasic(c.Basic.Username(), password)
	}
	ctx = redact.WithNoter(ctx, secrets)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Transport.Perform(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %s: check --endpoint and that this machine can reach the domain", method, path, secrets.Redact(err.Error()))
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		err = errors.New(secrets.Redact(err.Error()))
	}
	return resp.StatusCode, []byte(secrets.Redact(string(b))), err
}

func (c *Client) httpError(what string, status int, body []byte) error {
	hint := ""
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		hint = ": your role must be allowed to delete indices (indices:admin/delete) or documents (indices:data/write/delete/byquery) on the domain"
	}
	return fmt.Errorf("%s: HTTP %d: %s%s", what, status, truncate(body), hint)
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// Confirm asks on out and reads the answer from in: "yes" or the index
// names (any order, separated by spaces). Anything else refuses.
func Confirm(in io.Reader, out io.Writer, indices []string) error {
	_, _ = fmt.Fprintf(out, "Type yes or the index names (%s) to continue: ", strings.Join(indices, " "))
	answer, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && answer == "" {
		return fmt.Errorf("no confirmation (%v): nothing was deleted; pass --yes to confirm in scripts", err)
	}
	answer = strings.TrimSpace(answer)
	if strings.EqualFold(answer, "yes") {
		return nil
	}
	got := strings.Fields(answer)
	want := slices.Clone(indices)
	slices.Sort(got)
	slices.Sort(want)
	if len(got) > 0 && slices.Equal(slices.Compact(got), want) {
		return nil
	}
	return fmt.Errorf("not confirmed (answered %q): nothing was deleted", answer)
}

// Refresh makes every document written to index so far visible to
// searches and counts (POST /<index>/_refresh); a missing index is not an
// error.
func (c *Client) Refresh(ctx context.Context, index string) error {
	status, body, err := c.do(ctx, http.MethodPost, "/"+url.PathEscape(index)+"/_refresh", nil)
	switch {
	case err != nil:
		return err
	case status == http.StatusNotFound || status/100 == 2:
		return nil
	}
	return c.httpError("refreshing "+index, status, body)
}

// Count is how many documents index holds (GET /<index>/_count), only
// those whose @log_group is one of logGroups when any are given; a missing
// index holds none. Call Refresh first to count what was just written.
func (c *Client) Count(ctx context.Context, index string, logGroups []string) (int64, error) {
	var q []byte
	if len(logGroups) > 0 {
		q = logGroupsQuery(logGroups)
	}
	method := http.MethodGet
	if q != nil {
		method = http.MethodPost
	}
	body, found, err := c.call(ctx, method, "/"+url.PathEscape(index)+"/_count", q, "counting the documents of "+index)
	if err != nil || !found {
		return 0, err
	}
	var res struct {
		Count *int64 `json:"count"`
	}
	if err := json.Unmarshal(body, &res); err != nil || res.Count == nil {
		return 0, fmt.Errorf("counting the documents of %s: unreadable answer %q", index, truncate(body))
	}
	return *res.Count, nil
}

// logGroupsQuery is the query for the documents of these log groups.
func logGroupsQuery(logGroups []string) []byte {
	q, _ := json.Marshal(map[string]any{"query": map[string]any{"terms": map[string]any{docfields.LogGroup: logGroups}}})
	return q
}

// call sends a request about an index; found is false when the index does
// not exist (404), and an answer other than 2xx is an error saying what
// was being done.
func (c *Client) call(ctx context.Context, method, path string, q []byte, what string) (body []byte, found bool, err error) {
	status, body, err := c.do(ctx, method, path, q)
	switch {
	case err != nil:
		return nil, false, err
	case status == http.StatusNotFound:
		return nil, false, nil
	case status/100 != 2:
		return nil, false, c.httpError(what, status, body)
	}
	return body, true, nil
}
