package bulk

import (
	"context"
	"net/http"
	"strings"

	"github.com/logsearch/logsearch/lambda/jsonscan"
	"github.com/logsearch/logsearch/lambda/redact"
)

// sentCredentials are the credentials one request carried: the Basic
// credentials of the endpoint URL, or the Authorization and session-token
// headers the signer added. The domain's answer, or a proxy's in front of
// it, may quote them back (a 502 page dumping the request, a WAF's 403),
// and whatever it answers goes into the dead-letter record, the log and
// the invocation's error: every quote of the answer is redacted of them.
// The Indexer passes one to the Client through the request's context; the
// Client fills it as it sends.
type sentCredentials struct {
	user, password string
	header         http.Header // the credential headers, as signed
	// secrets is built on first use: most answers are never quoted.
	secrets *redact.Secrets
	// The last text redacted and its result: an answer's failed items
	// often share one reason.
	lastIn, lastOut string
}

// sentCredentialsFrom is the sentCredentials the Indexer passed with ctx.
func sentCredentialsFrom(ctx context.Context) *sentCredentials {
	s, _ := redact.NoterFrom(ctx).(*sentCredentials)
	return s
}

// NoteHeaders implements redact.Noter: it keeps the credential headers of
// the request as sent, to be encoded only if an answer is quoted.
func (s *sentCredentials) NoteHeaders(h http.Header) {
	for _, k := range redact.CredentialHeaders {
		if vs := h.Values(k); len(vs) > 0 {
			if s.header == nil {
				s.header = http.Header{}
			}
			s.header[k] = append([]string(nil), vs...)
		}
	}
}

func (s *sentCredentials) set() *redact.Secrets {
	if s.secrets == nil {
		s.secrets = &redact.Secrets{}
		s.secrets.AddBasic(s.user, s.password)
		s.secrets.AddHeaders(s.header)
	}
	return s.secrets
}

func (s *sentCredentials) empty() bool {
	return s == nil || (s.password == "" && len(s.header) == 0)
}

// redact replaces every form of every credential the request carried.
func (s *sentCredentials) redact(text string) string {
	if s.empty() {
		return text
	}
	if text != s.lastIn {
		s.lastIn, s.lastOut = text, s.set().Redact(text)
	}
	return s.lastOut
}

// excerpt is the beginning of an answer's body, redacted, copied out of
// the buffer the next answer reuses.
func (s *sentCredentials) excerpt(body []byte, limit int) string {
	if len(body) == 0 {
		return "(empty body)"
	}
	set := &redact.Secrets{}
	if !s.empty() {
		set = s.set()
	}
	return strings.Clone(set.Excerpt(jsonscan.UnsafeString(body), limit))
}
