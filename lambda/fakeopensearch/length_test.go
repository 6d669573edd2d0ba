package fakeopensearch

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// OpenSearch states the length of every answer that is not chunked
// (DefaultRestChannel.sendResponse: "If our response has no
// content-length, calculate and set one"), and so does the fake, large
// _bulk answers included: a client's reading of sized answers is what the
// benchmarks measure.
func TestAnswersStateTheirLength(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var bulk strings.Builder
	for i := range 2000 {
		bulk.WriteString(`{"index":{"_index":"a","_id":"` + strconv.Itoa(i) + `"}}` + "\n" + `{"n":1}` + "\n")
	}
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/_bulk", bulk.String()},
		{http.MethodPost, "/_bulk?filter_path=errors,items.*._id,items.*.status,items.*.error", bulk.String()},
		{http.MethodPost, "/_bulk", "not ndjson\n"},
		{http.MethodDelete, "/nope", ""},
	} {
		req, err := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.ContentLength != int64(len(body)) || len(res.TransferEncoding) > 0 {
			t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v, for %d bytes: want the length stated", tc.method, tc.path, res.ContentLength, res.TransferEncoding, len(body))
		}
	}
}
