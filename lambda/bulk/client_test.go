package bulk

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4/signer"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/logsearch/logsearch/lambda/fakeopensearch"
	"github.com/logsearch/logsearch/lambda/sigv4verify"
)

// tamperer changes the last byte of every signed request body on its way,
// like a buggy SDK that signs one body and sends another.
type tamperer struct{}

func (tamperer) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	b[len(b)-1] ^= 1
	r.Body = io.NopCloser(bytes.NewReader(b))
	return http.DefaultTransport.RoundTrip(r)
}

// TestClientAgainstFakeDomain runs the real client (opensearch-go
// transport, gzip, SigV4) against the fake domain.
func TestClientAgainstFakeDomain(t *testing.T) {
	sign, err := awsv2.NewSignerWithService(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, "es") // opensearch-go's, as the backfill tool uses
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	own, err := NewSigV4(cfg, "es")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		signer         signer.Signer
		compression    Compression
		tamper         bool // change the body after signing
		faults         fakeopensearch.Faults
		indexed, moved int
		reason         string
	}{
		{name: "signed", signer: sign, indexed: 20},
		{name: "signed, not compressed", signer: sign, compression: CompressionNone, indexed: 20},
		// A body changed after signing is refused with 403 like AWS does;
		// 403 cannot heal by resending the same request, so every item is
		// kept (dead-letter queue), none lost.
		{name: "body changed after signing is refused", signer: sign, tamper: true, moved: 20, reason: "signature we calculated does not match"},
		{name: "own SigV4, gzip", signer: own, indexed: 20},
		{name: "own SigV4, not compressed", signer: own, compression: CompressionNone, indexed: 20},
		{name: "own SigV4, body changed after signing is refused", signer: own, tamper: true, moved: 20, reason: "signature we calculated does not match"},
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
			srv.SigV4 = &sigv4verify.Verifier{Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, Region: "eu-west-1", Service: "es"}
			srv.SetFaults(tt.faults)
			u, _ := url.Parse(srv.URL)
			compression := cmp.Or(tt.compression, CompressionGzip)
			var tp http.RoundTripper
			if tt.tamper {
				tp = tamperer{}
			}
			c, err := NewClient(ClientConfig{Endpoint: u, Signer: tt.signer, Compression: compression, Transport: tp})
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
			if tt.signer == nil || tt.tamper {
				return // refused before the body was read
			}
			req := srv.Requests()[0]
			auth := req.Header.Get("Authorization")
			if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
				t.Errorf("headers %v", req.Header)
			}
			if compression == CompressionNone {
				if req.Header.Get("Content-Encoding") != "" || req.CompressedBytes != req.Bytes {
					t.Errorf("uncompressed request sent as %v, %d bytes for %d", req.Header, req.CompressedBytes, req.Bytes)
				}
				return
			}
			// Content-Encoding is signed: a proxy cannot strip it.
			if req.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(auth, "content-encoding") {
				t.Errorf("gzip not announced or not signed: %v", req.Header)
			}
			if req.CompressedBytes >= req.Bytes {
				t.Errorf("gzip did not shrink the body: %d >= %d", req.CompressedBytes, req.Bytes)
			}
		})
	}
}

// TestSigV4WithoutPrecomputedHash signs a request that PostBulk did not
// prepare: the signer hashes the body itself and leaves it to be sent.
func TestSigV4WithoutPrecomputedHash(t *testing.T) {
	s, err := NewSigV4(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}, "es")
	if err != nil {
		t.Fatal(err)
	}
	v := &sigv4verify.Verifier{Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, Region: "eu-west-1", Service: "es"}
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})))
	defer srv.Close()
	for _, body := range []string{"", "{\"a\":1}\n"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/idx/_doc?refresh=true", strings.NewReader(body))
		if err := s.SignRequest(req); err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != 200 || string(got) != body {
			t.Errorf("body %q: status %d, echoed %q", body, res.StatusCode, got)
		}
	}
	if _, err := NewSigV4(aws.Config{Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, "es"); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
}

// TestReadBodyReusesBuffer: an answer of stated length is read into the
// buffer passed when it has room, else into a new one with room to spare.
func TestReadBodyReusesBuffer(t *testing.T) {
	const answer = `{"errors":false,"items":[{"index":{"_id":"a","status":201}}]}`
	tests := []struct {
		name      string
		buf       []byte
		length    int64 // Content-Length; -1 unknown
		sameArray bool
	}{
		{name: "no buffer", length: int64(len(answer))},
		{name: "too small", buf: make([]byte, 0, 8), length: int64(len(answer))},
		{name: "room", buf: make([]byte, 3, 1024), length: int64(len(answer)), sameArray: true},
		{name: "unknown length", buf: make([]byte, 0, 1024), length: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &http.Response{ContentLength: tt.length, Body: io.NopCloser(strings.NewReader(answer))}
			got, err := readBody(res, tt.buf)
			if err != nil || string(got) != answer {
				t.Fatalf("readBody = %q, %v", got, err)
			}
			same := cap(tt.buf) > 0 && &got[0] == &tt.buf[:1][0]
			if same != tt.sameArray {
				t.Errorf("read into the buffer passed: %v, want %v", same, tt.sameArray)
			}
			if tt.length > 0 && !same && cap(got) <= len(got) {
				t.Errorf("a new buffer of cap %d leaves no room for a longer answer", cap(got))
			}
		})
	}
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestEndlessAnswerIsBounded: an answer larger than any _bulk answer (a
// proxy streaming without end, a body that states no length) must not
// exhaust the function's memory, which would end the invocation without
// a word: reading stops at MaxAnswerBytes. A 2xx cut there says so and
// its items are sent again; an error answer is quoted from its beginning.
func TestEndlessAnswerIsBounded(t *testing.T) {
	for _, status := range []int{200, 502} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				_, _ = io.Copy(w, endless{})
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			c, err := NewClient(ClientConfig{Endpoint: u})
			if err != nil {
				t.Fatal(err)
			}
			got, resp, err := c.PostBulk(context.Background(), []byte("{}\n"))
			if status < 300 {
				if err == nil || !strings.Contains(err.Error(), "larger than") {
					t.Fatalf("status %d, %d bytes, err %v: want an error saying the answer is too large", got, len(resp), err)
				}
				return
			}
			if err != nil || got != status || len(resp) > MaxAnswerBytes {
				t.Fatalf("status %d, %d bytes, err %v: want the status and at most %d bytes", got, len(resp), err, MaxAnswerBytes)
			}
		})
	}
}

// TestOddAnswersThroughTheClient: answers that do not account for the
// items (cut short by a Content-Length that promises more, a connection
// reset mid-body, an HTML page) are sent again, and ones that do (a
// gzip-encoded answer, which Go's transport decodes because it asked for
// gzip: https://pkg.go.dev/net/http#Transport DisableCompression; a 200
// whose "errors" is true though every item succeeded) are read as they
// are. Each case answers its first request oddly and the next one well.
func TestOddAnswersThroughTheClient(t *testing.T) {
	good := func(body []byte) []byte {
		return itemsResponse(idsOf(t, body), func(string) int { return 201 })
	}
	tests := []struct {
		name    string
		odd     func(w http.ResponseWriter, body []byte)
		retried bool
	}{
		{name: "gzip-encoded", odd: func(w http.ResponseWriter, body []byte) {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(good(body))
			_ = zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(b.Bytes())
		}},
		{name: "errors true, every item indexed", odd: func(w http.ResponseWriter, body []byte) {
			_, _ = w.Write(bytes.Replace(good(body), []byte(`"errors":false`), []byte(`"errors":true`), 1))
		}},
		{name: "Content-Length promises more", retried: true, odd: func(w http.ResponseWriter, body []byte) {
			resp := good(body)
			w.Header().Set("Content-Length", fmt.Sprint(len(resp)+100))
			_, _ = w.Write(resp)
			panic(http.ErrAbortHandler) // closes the connection without the rest
		}},
		{name: "reset mid-body", retried: true, odd: func(w http.ResponseWriter, body []byte) {
			resp := good(body)
			_, _ = w.Write(resp[:len(resp)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
		{name: "HTML page", retried: true, odd: func(w http.ResponseWriter, _ []byte) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Sign in</body></html>"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				calls++
				if calls == 1 {
					tt.odd(w, body)
					return
				}
				_, _ = w.Write(good(body))
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			c, err := NewClient(ClientConfig{Endpoint: u})
			if err != nil {
				t.Fatal(err)
			}
			ix, err := New(c, Config{MaxBytes: 1 << 20, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			in := items(5, 100)
			r := ix.Index(context.Background(), in)
			accounted(t, in, r)
			if len(r.Indexed) != len(in) || (r.Retried > 0) != tt.retried {
				t.Errorf("indexed %d of %d, retried %d, want retried: %v (%+v)", len(r.Indexed), len(in), r.Retried, tt.retried, r)
			}
		})
	}
}
