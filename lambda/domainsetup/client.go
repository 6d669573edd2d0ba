package domainsetup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/backoff"
	"github.com/logsearch/logsearch/lambda/redact"
)

// client speaks JSON to one domain as the master user. It retries what a
// domain that is still starting up answers (429, 502, 503, 504, connection
// errors) and returns every other answer to the caller.
type client struct {
	http     *http.Client
	base     *url.URL
	user     string
	password string
	retry    Retry
	// secrets holds every credential the requests carried, for redact.
	secrets redact.Secrets
}

// Retry bounds the retries of transient failures.
type Retry struct {
	Attempts int
	Delay    time.Duration // doubled after each attempt
}

// DefaultRetry rides out a freshly created domain's warm-up (about two
// minutes in total), well inside the setup function's timeout.
var DefaultRetry = Retry{Attempts: 7, Delay: 2 * time.Second}

// answer is a response read in full.
type answer struct {
	status int
	body   []byte
}

// DomainError is an answer the setup could not accept. Its message carries
// the domain's own words, so a failed `pulumi up` says what went wrong.
type DomainError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *DomainError) Error() string {
	return fmt.Sprintf("%s /%s: the domain answered %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
}

// do sends one request; header values are added to the JSON defaults.
func (c *client) do(ctx context.Context, method, path string, body any, header http.Header) (answer, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return answer{}, fmt.Errorf("%s /%s: encoding the body: %w", method, path, err)
		}
	}
	rel, err := url.Parse(path)
	if err != nil {
		return answer{}, fmt.Errorf("%s /%s: %w", method, path, err)
	}
	target := c.base.ResolveReference(rel).String()
	delay := c.retry.Delay
	c.secrets.AddBasic(c.user, c.password)
	// A signing transport notes the credentials it adds (redact.Note).
	ctx = redact.WithNoter(ctx, &c.secrets)
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(payload))
		if err != nil {
			return answer{}, fmt.Errorf("%s /%s: %w", method, path, err)
		}
		if c.password != "" { // else the transport signs (Request.SignWithRole)
			req.SetBasicAuth(c.user, c.password)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		for k, vs := range header {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		c.secrets.AddHeaders(req.Header)
		a, err := c.roundTrip(req)
		transient := err != nil || a.status == http.StatusTooManyRequests || a.status == http.StatusBadGateway ||
			a.status == http.StatusServiceUnavailable || a.status == http.StatusGatewayTimeout
		if !transient || attempt >= c.retry.Attempts || ctx.Err() != nil {
			if err != nil {
				return answer{}, fmt.Errorf("%s /%s: %w", method, path, errors.New(c.redact(err.Error())))
			}
			// Every error message quotes the body: a proxy or load balancer
			// that echoes the request headers must not put the master
			// password into `pulumi up` output and logs.
			a.body = []byte(c.redact(string(a.body)))
			return a, nil
		}
		// A context that ends while waiting fails the next request, which
		// returns that error above.
		_ = backoff.Sleep(ctx, delay)
		delay *= 2
	}
}

func (c *client) roundTrip(req *http.Request) (answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: body}, nil
}

// redact replaces every form of every credential the requests carried in
// s (see redact.Secrets).
func (c *client) redact(s string) string { return c.secrets.Redact(s) }

// fail turns an unexpected answer into a DomainError. The message is
// redacted again once read out of the body: JSON decoding turns any
// escaped form of a credential (\u0070 for p, ...) back into the credential.
func (c *client) fail(method, path string, a answer) error {
	return &DomainError{Method: method, Path: path, Status: a.status, Message: c.redact(domainMessage(a.body))}
}

// domainMessage finds the human-readable part of an error body in the
// shapes OpenSearch (error.reason), the security plugin (message) and
// Dashboards (message) use, and falls back to the raw body.
func domainMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		var osErr struct {
			Type      string `json:"type"`
			Reason    string `json:"reason"`
			RootCause []struct {
				Reason string `json:"reason"`
			} `json:"root_cause"`
		}
		var plain string
		switch {
		case json.Unmarshal(e.Error, &osErr) == nil && osErr.Reason != "":
			msg := osErr.Type + ": " + osErr.Reason
			if len(osErr.RootCause) > 0 && osErr.RootCause[0].Reason != "" && osErr.RootCause[0].Reason != osErr.Reason {
				msg += " (root cause: " + osErr.RootCause[0].Reason + ")"
			}
			return msg
		case e.Message != "":
			return e.Message
		case json.Unmarshal(e.Error, &plain) == nil && plain != "":
			return plain
		}
	}
	s := strings.TrimSpace(string(body))
	if s == "" {
		return "(empty body)"
	}
	const max = 2000
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// decode parses a JSON answer into v, naming the request when it cannot.
func decode(method, path string, a answer, v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("%s /%s: the domain answered %d with a body that is not the expected JSON: %w", method, path, a.status, err)
	}
	return nil
}

func ok(status int) bool { return status >= 200 && status < 300 }
