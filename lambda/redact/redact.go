// Package redact removes credentials from text that quotes what a server
// answered, before the text reaches an error, a log line or a dead-letter
// record: a proxy or load balancer in front of a domain may echo the
// request's headers back, as sent or re-encoded.
package redact

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/opensearch-project/opensearch-go/v4/signer"
)

// Secrets is a set of credentials, each kept in every form an echo may
// quote it in: as sent, base64 (a Basic token), JSON-escaped (with "/"
// written "\/" too, as PHP and some proxies do), HTML-escaped,
// URL-encoded, or any of those applied to the base64 token. The forms are
// kept longest first, so that a form containing another is replaced whole.
// The zero value is an empty set, safe for concurrent use.
type Secrets struct {
	mu    sync.Mutex
	seen  map[string]bool
	forms []string // every form of every credential, longest first
}

// MinBytes keeps a degenerate credential (an empty or one-letter value)
// from redacting ordinary text.
const MinBytes = 6

// Marker replaces every credential.
const Marker = "[redacted]"

// Add records credential in every encoded form.
func (s *Secrets) Add(credential string) {
	if len(credential) < MinBytes {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[credential] {
		return
	}
	s.seen[credential] = true
	forms := map[string]bool{}
	for _, first := range outerEncodings {
		for _, second := range innerEncodings {
			if v := second(first(credential)); len(v) >= MinBytes {
				forms[v] = true
			}
		}
	}
	for v := range forms {
		s.forms = append(s.forms, v)
	}
	sort.Slice(s.forms, func(i, j int) bool { return len(s.forms[i]) > len(s.forms[j]) })
}

// AddBasic records a password, the Basic token made of it and the
// Authorization header that carries the token.
func (s *Secrets) AddBasic(user, password string) {
	if password == "" {
		return
	}
	s.Add(password)
	s.Add(user + ":" + password) // the Basic token's content: its base64 forms are added
	s.Add("Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}

// CredentialHeaders are the request headers that carry credentials.
var CredentialHeaders = []string{"Authorization", "X-Amz-Security-Token", "Cookie", "Proxy-Authorization"}

// AddHeaders records the credentials a request carried in its headers:
// the Authorization value and its parts (a SigV4 signature, a Basic
// token), the session token of temporary credentials, and cookies.
func (s *Secrets) AddHeaders(h http.Header) {
	for _, v := range h.Values("Authorization") {
		s.Add(v)
		scheme, rest, _ := strings.Cut(v, " ")
		s.Add(rest)
		if strings.HasPrefix(scheme, "AWS4-") {
			for _, part := range strings.Split(rest, ",") {
				if sig, ok := strings.CutPrefix(strings.TrimSpace(part), "Signature="); ok {
					s.Add(sig)
				}
			}
		}
	}
	for _, k := range CredentialHeaders[1:] { // Authorization is read above
		for _, v := range h.Values(k) {
			s.Add(v)
		}
	}
}

// Redact replaces every form of every recorded credential in text.
func (s *Secrets) Redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, form := range s.forms {
		if strings.Contains(text, form) {
			text = strings.ReplaceAll(text, form, Marker)
		}
	}
	return text
}

// Excerpt is the first limit bytes of text with every recorded credential
// replaced, followed by "…" when text was longer. A credential is
// replaced before the cut, so that none is left half-quoted at the end.
func (s *Secrets) Excerpt(text string, limit int) string {
	s.mu.Lock()
	longest := 0
	if len(s.forms) > 0 {
		longest = len(s.forms[0])
	}
	s.mu.Unlock()
	// Only the beginning is read, so that a huge answer costs little; a
	// form cut at that window's end is left out of the excerpt whatever
	// the replacements before it shortened.
	window := limit + 4*longest
	cut := len(text) > window
	if cut {
		text = text[:window]
	}
	text = s.Redact(text)
	keep := len(text)
	if cut {
		keep = max(0, keep-longest)
	}
	if keep > limit {
		keep = limit
	}
	if keep < len(text) {
		return text[:keep] + "…"
	}
	return text
}

func identity(s string) string { return s }

func b64(enc *base64.Encoding) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(s)) }
}

// jsonEscaped is s as a JSON string's content, escaped the way
// encoding/json does (HTML characters as \u003c...) or not, and with "/"
// written "\/".
func jsonEscaped(escapeHTML, slash bool) func(string) string {
	return func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(s)
		out := strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)
		out = strings.TrimPrefix(out, `"`)
		if slash {
			out = strings.ReplaceAll(out, "/", `\/`)
		}
		return out
	}
}

// outerEncodings are the forms a credential travels or is echoed in;
// innerEncodings what an echo may apply to any of them.
var (
	innerEncodings = []func(string) string{
		identity, jsonEscaped(true, false), jsonEscaped(false, false), jsonEscaped(true, true), jsonEscaped(false, true),
		html.EscapeString, template.HTMLEscapeString, url.QueryEscape, url.PathEscape,
	}
	outerEncodings = append([]func(string) string{
		b64(base64.StdEncoding), b64(base64.URLEncoding), b64(base64.RawStdEncoding), b64(base64.RawURLEncoding),
	}, innerEncodings...)
)

// Noter records the credentials a request carried, as it is sent.
type Noter interface {
	NoteHeaders(http.Header)
}

// NoteHeaders implements Noter: it records the credentials of h (see
// AddHeaders).
func (s *Secrets) NoteHeaders(h http.Header) { s.AddHeaders(h) }

type noterKey struct{}

// WithNoter returns ctx carrying n: the credentials a request made with
// it carries are noted in n once it is signed (see Note and Signer), so
// that whatever quotes the answer can redact them.
func WithNoter(ctx context.Context, n Noter) context.Context {
	return context.WithValue(ctx, noterKey{}, n)
}

// NoterFrom is the Noter ctx carries, or nil.
func NoterFrom(ctx context.Context) Noter {
	n, _ := ctx.Value(noterKey{}).(Noter)
	return n
}

// Note records the credential headers of req, as it is about to be sent,
// in the Noter of its context; without one it does nothing. A transport
// that adds credentials calls it once they are in.
func Note(req *http.Request) {
	if n := NoterFrom(req.Context()); n != nil {
		n.NoteHeaders(req.Header)
	}
}

// Signer wraps a request signer (SigV4) so that the credentials it adds
// to each request are noted (see Note). A nil signer stays nil.
func Signer(s signer.Signer) signer.Signer {
	if s == nil {
		return nil
	}
	return notingSigner{s}
}

type notingSigner struct{ signer.Signer }

func (n notingSigner) SignRequest(r *http.Request) error {
	err := n.Signer.SignRequest(r)
	Note(r)
	return err
}
