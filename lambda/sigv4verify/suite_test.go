package sigv4verify

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// suitePath is where AWS's SigV4 test suite is published with the CRT
// signer: each directory holds a request and, in
// header-signed-request.txt, the same request with the Authorization AWS
// computes for it. The vectors below are that file's request and
// signature, written out here as facts.
const suitePath = "awslabs/aws-c-auth tests/aws-signing-test-suite/v4/"

// suiteVerifier has the suite's credentials, scope and clock: AKIDEXAMPLE,
// us-east-1, service "service", 2015-08-30T12:36:00Z (the suite's
// context.json files).
func suiteVerifier() *Verifier {
	return &Verifier{
		Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Region:      "us-east-1", Service: "service",
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	}
}

const suiteCredential = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

// suiteVectors are signed requests of the suite, in HTTP/1.1 form.
var suiteVectors = []struct{ name, request string }{
	{"get-vanilla", "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n\n"},
	{"get-vanilla-query-order-key-case", "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500\n\n"},
	{"get-vanilla-utf8-query", "GET /?\u1234=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04\n\n"},
	{"get-unreserved", "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f\n\n"},
	{"get-header-key-duplicate", "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea\n\n"},
	{"get-header-value-trim", "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736\n\n"},
	{"post-x-www-form-urlencoded", "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nContent-Length:13\n" +
		"x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nX-Amz-Date:20150830T123600Z\nAuthorization:" + suiteCredential +
		"SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b\n\nParam1=value1"},
}

// parseSuiteRequest reads a suite request: the request line, "Name:value"
// headers (repeats kept in order), a blank line, the body.
func parseSuiteRequest(t *testing.T, text string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Scan()
	parts := strings.SplitN(sc.Text(), " ", 3)
	// The target is sent as it stands in the request line, UTF-8 and all,
	// as a client writing it would.
	r, err := http.NewRequest(parts[0], "http://example.amazonaws.com/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(parts[1], "?")
	r.URL.Path, r.URL.RawQuery = path, query
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		if strings.EqualFold(k, "host") {
			r.Host = v
			continue
		}
		r.Header[http.CanonicalHeaderKey(k)] = append(r.Header[http.CanonicalHeaderKey(k)], v)
	}
	r.ContentLength = int64(len(body))
	return r
}

// TestSigV4TestSuite: the verifier accepts AWS's own signed requests, and
// refuses each of them once one thing the signature covers is changed,
// or once what AWS refuses is done (a stale clock, an unsigned or false
// payload hash).
func TestSigV4TestSuite(t *testing.T) {
	for _, vec := range suiteVectors {
		t.Run(vec.name, func(t *testing.T) {
			if err := suiteVerifier().Verify(parseSuiteRequest(t, vec.request)); err != nil {
				t.Errorf("%s%s: refused: %v", suitePath, vec.name, err)
			}
		})
	}
	refusals := []struct {
		name, vector string
		change       func(r *http.Request)
		verifier     func(v *Verifier)
	}{
		{name: "query value changed", vector: "get-vanilla-query-order-key-case",
			change: func(r *http.Request) { r.URL.RawQuery = "Param2=value2&Param1=value3" }},
		{name: "query encoded another way", vector: "get-vanilla-query-order-key-case",
			change: func(r *http.Request) { r.URL.RawQuery = "Param2=value2&Param1=value%201" }},
		{name: "utf8 query key changed", vector: "get-vanilla-utf8-query",
			change: func(r *http.Request) { r.URL.RawQuery = "\u1235=bar" }},
		{name: "repeated header values reordered", vector: "get-header-key-duplicate",
			change: func(r *http.Request) { r.Header["My-Header1"] = []string{"value1", "value2", "value2"} }},
		{name: "repeated header value dropped", vector: "get-header-key-duplicate",
			change: func(r *http.Request) { r.Header["My-Header1"] = []string{"value2", "value1"} }},
		{name: "inner spaces of a header changed", vector: "get-header-value-trim",
			change: func(r *http.Request) { r.Header.Set("My-Header2", `"a b c d"`) }},
		{name: "body changed", vector: "post-x-www-form-urlencoded",
			change: func(r *http.Request) {
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader("Param1=value2")), 13
			}},
		{name: "unsigned payload", vector: "post-x-www-form-urlencoded",
			change: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") }},
		{name: "payload hash of other bytes", vector: "post-x-www-form-urlencoded",
			change: func(r *http.Request) {
				r.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
			}},
		{name: "clock 16 minutes ahead", vector: "get-vanilla",
			verifier: func(v *Verifier) { v.Now = func() time.Time { return time.Date(2015, 8, 30, 12, 52, 0, 0, time.UTC) } }},
		{name: "clock 16 minutes behind", vector: "get-vanilla",
			verifier: func(v *Verifier) { v.Now = func() time.Time { return time.Date(2015, 8, 30, 12, 20, 0, 0, time.UTC) } }},
		{name: "other region", vector: "get-vanilla", verifier: func(v *Verifier) { v.Region = "us-west-2" }},
		{name: "other secret", vector: "get-vanilla", verifier: func(v *Verifier) { v.Credentials.SecretAccessKey = "x" }},
	}
	for _, rf := range refusals {
		t.Run("refuses/"+rf.name, func(t *testing.T) {
			var text string
			for _, vec := range suiteVectors {
				if vec.name == rf.vector {
					text = vec.request
				}
			}
			r := parseSuiteRequest(t, text)
			if rf.change != nil {
				rf.change(r)
			}
			v := suiteVerifier()
			if rf.verifier != nil {
				rf.verifier(v)
			}
			err := v.Verify(r)
			if err == nil {
				t.Fatalf("%s%s with %s: accepted", suitePath, rf.vector, rf.name)
			}
			if rf.verifier == nil && !errors.Is(err, ErrMismatch) {
				t.Errorf("refused with %v, want a signature mismatch", err)
			}
		})
	}
}
