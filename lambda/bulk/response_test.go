package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, body string
		n          int
		want       []itemStatus
		err        string
	}{
		{name: "filtered, all indexed", n: 2,
			body: `{"errors":false,"items":[{"index":{"_id":"a","status":201}},{"index":{"_id":"b","status":200}}]}`,
			want: []itemStatus{{ID: "a", Status: 201}, {ID: "b", Status: 200}}},
		{name: "unfiltered, with an error chain", n: 2,
			body: `{"took":3,"errors":true,"items":[{"index":{"_index":"x","_id":"a","_version":1,"result":"created","_shards":{"total":2},"status":201}},` +
				`{"create":{"_index":"x","_id":"b","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse","caused_by":{"type":"number_format_exception","reason":"For input string: \"abc\""}}}}]}`,
			want: []itemStatus{{ID: "a", Status: 201}, {ID: "b", Status: 400,
				Reason: `mapper_parsing_exception: failed to parse (caused by number_format_exception: For input string: "abc")`}}},
		{name: "error that is not an object is kept raw", n: 1,
			body: `{"errors":true,"items":[{"index":{"_id":"a","status":429,"error":"queue full"}}]}`,
			want: []itemStatus{{ID: "a", Status: 429, Reason: `"queue full"`}}},
		{name: "failure without error", n: 1,
			body: `{"errors":true,"items":[{"index":{"_id":"a","status":503}}]}`,
			want: []itemStatus{{ID: "a", Status: 503, Reason: "status 503 without an error description"}}},
		// OpenSearch writes every item's _id, failed or not
		// (BulkItemResponse.toXContent, server/src/main/java/org/opensearch/action/bulk/BulkItemResponse.java,
		// 2.19: "builder.field(_ID, ...)" in both branches), and the request
		// asks to keep it (filter_path items.*._id): an item without one
		// cannot be matched to what was sent, so the answer is not trusted.
		{name: "no _id", n: 1, body: `{"errors":false,"items":[{"index":{"status":201}}]}`, err: "item 0 (index): no _id, so it cannot be matched"},
		{name: "null _id", n: 1, body: `{"errors":false,"items":[{"index":{"_id":null,"status":201}}]}`, err: "item 0 (index): no _id, so it cannot be matched"},
		{name: "no _id, failed", n: 1, body: `{"errors":true,"items":[{"index":{"status":400,"error":{"type":"x","reason":"y"}}}]}`, err: "item 0 (index): no _id"},
		// filter_path=items.*.error drops the items that succeeded: the
		// positions are lost and the answer must not be trusted.
		{name: "items filtered away", n: 3, body: `{"items":[{"index":{"error":{"type":"x"}}}]}`, err: "no status"},
		{name: "fewer items", n: 2, body: `{"errors":false,"items":[{"index":{"_id":"a","status":201}}]}`, err: "1 items for 2 sent"},
		{name: "more items", n: 1, body: `{"errors":false,"items":[{"index":{"_id":"a","status":201}},{"index":{"_id":"b","status":201}}]}`, err: "more than the 1 items"},
		{name: "no items", n: 1, body: `{"errors":false}`, err: "no items"},
		{name: "two actions", n: 1, body: `{"items":[{"index":{"_id":"a","status":201},"create":{"_id":"a","status":201}}]}`, err: "2 actions"},
		{name: "truncated", n: 1, body: `{"errors":false,"items":[{"index":{"_id":"a","sta`, err: "not a _bulk response"},
		{name: "trailing data", n: 1, body: `{"items":[{"index":{"_id":"a","status":201}}]} x`, err: "data after"},
		{name: "not JSON", n: 1, body: `<html>`, err: "not a _bulk response"},
		// Near misses of the layout read byte by byte: each is read as the
		// general scan reads it.
		{name: "spaces", n: 1, body: `{"items":[ { "index" : { "_id" : "a" , "status" : 201 } } ]}`, want: []itemStatus{{ID: "a", Status: 201}}},
		{name: "escaped id", n: 1, body: `{"items":[{"index":{"_id":"a\"b","status":201}}]}`, want: []itemStatus{{ID: `a"b`, Status: 201}}},
		{name: "status first", n: 1, body: `{"items":[{"index":{"status":201,"_id":"a"}}]}`, want: []itemStatus{{ID: "a", Status: 201}}},
		{name: "a 4-digit status", n: 1, body: `{"items":[{"index":{"_id":"a","status":2010}}]}`, want: []itemStatus{{ID: "a", Status: 2010, Reason: "status 2010 without an error description"}}},
		{name: "a status that is not 2xx", n: 1, body: `{"items":[{"index":{"_id":"a","status":404}}]}`,
			want: []itemStatus{{ID: "a", Status: 404, Reason: "status 404 without an error description"}}},
		{name: "a success with an error", n: 1, body: `{"items":[{"index":{"_id":"a","status":201,"error":{"type":"x","reason":"y"}}}]}`,
			want: []itemStatus{{ID: "a", Status: 201, Reason: "x: y"}}},
		{name: "a fraction in the status", n: 1, body: `{"items":[{"index":{"_id":"a","status":201.5}}]}`, want: []itemStatus{{ID: "a", Status: 201}}},
		{name: "an unterminated item", n: 1, body: `{"items":[{"index":{"_id":"a","status":201}]}`, err: "not a _bulk response"},
		{name: "a second action after the layout", n: 1, body: `{"items":[{"index":{"_id":"a","status":201}},"x"]}`, err: "more than the 1 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseResponse([]byte(tt.body), tt.n, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v", got)
			}
			for k := range got {
				if got[k] != tt.want[k] {
					t.Errorf("item %d: got %+v want %+v", k, got[k], tt.want[k])
				}
			}
		})
	}
}

// countingSource builds items on demand and counts the bytes built since
// the last request, to show that only one request is built at a time.
type countingSource struct {
	items []Item
	built int
}

func (s *countingSource) Len() int { return len(s.items) }

func (s *countingSource) AppendItem(dst []byte, i int) (out []byte, id, refused string) {
	s.built += len(s.items[i].Body)
	return append(dst, s.items[i].Body...), s.items[i].ID, ""
}

func TestIndexSourceBuildsOneRequestAtATime(t *testing.T) {
	in := items(100, 1000)
	src := &countingSource{items: in}
	const maxBytes = 10_000
	p := &script{t: t, fn: func(n int, ids []string) (int, []byte, error) {
		// The request's items, plus at most the one that did not fit.
		if src.built > maxBytes+1000 {
			t.Errorf("request %d: %d bytes built for a %d-byte request", n, src.built, maxBytes)
		}
		src.built = 0
		if n == 2 {
			return 429, nil, nil
		}
		return okAll(n, ids)
	}}
	ix, err := New(p, Config{MaxBytes: maxBytes, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	r := ix.IndexSource(context.Background(), src)
	if len(r.Indexed) != 100 || len(r.Failed)+len(r.Unresolved) != 0 || r.Retried == 0 {
		t.Fatalf("%+v", r)
	}
	for k, c := range p.calls {
		if c.n > maxBytes {
			t.Errorf("request %d is %d bytes, over %d", k, c.n, maxBytes)
		}
	}
}

// TestRequestReasonsNameTheFix: every whole-request failure the indexer
// reports names what to do, not only the status. The statuses are those
// OpenSearch Service and what may sit in front of it answer
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/handling-errors.html).
func TestRequestReasonsNameTheFix(t *testing.T) {
	tests := []struct {
		status int
		err    error
		want   string
	}{
		{status: 301, want: "redirects"},
		{status: 302, want: "redirects"},
		{status: 401, want: "map the function's IAM role"},
		{status: 403, want: "map the function's IAM role"},
		{status: 404, want: "OPENSEARCH_ENDPOINT"},
		{status: 405, want: "OPENSEARCH_ENDPOINT"},
		{status: 408, want: "network path"},
		{status: 413, want: "lower BULK_MAX_BYTES"},
		{status: 429, want: "more or bigger data nodes"},
		{status: 500, want: "domain's health"},
		{status: 503, want: "domain's health"},
		{status: 504, want: "domain's health"},
		{err: errors.New("dial tcp 10.0.0.1:443: i/o timeout"), want: "security group"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.err), func(t *testing.T) {
			var r round
			got := r.requestReason(tt.status, []byte("<html>x</html>"), tt.err)
			if !strings.Contains(got, "(fix: ") && !strings.Contains(got, "(the domain") || !strings.Contains(got, tt.want) {
				t.Errorf("requestReason(%d, %v) = %q, want a fix naming %q", tt.status, tt.err, got, tt.want)
			}
		})
	}
	// An answer that is not a _bulk response says what likely answered.
	if reason := unreadableReason(errors.New("not a _bulk response: at byte 0: unexpected '<'")); !strings.Contains(reason, "OPENSEARCH_ENDPOINT") {
		t.Errorf("unreadable answer reason %q names no fix", reason)
	}
}
