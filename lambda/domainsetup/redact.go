package domainsetup

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// redactor removes every credential a run's requests carried from what the
// domain (or a proxy in front of it) answered, before the answer reaches an
// error or a log line. An echo may quote a credential as sent, or
// re-encoded: base64 (a Basic token), JSON-escaped (with "/" written "\/"
// too, as PHP and some proxies do), HTML-escaped, URL-encoded, or any of
// those applied to the base64 token. Each credential is recorded with every
// such form, longest first, so that a form containing another is replaced
// whole.
type redactor struct {
	mu      sync.Mutex
	seen    map[string]bool
	secrets []string // every form of every credential, longest first
}

// minSecretBytes keeps a degenerate credential (an empty or one-letter
// value) from redacting ordinary text.
const minSecretBytes = 6

const redacted = "[redacted]"

// add records credential in every encoded form.
func (r *redactor) add(credential string) {
	if len(credential) < minSecretBytes {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[credential] {
		return
	}
	r.seen[credential] = true
	forms := map[string]bool{}
	for _, first := range outerEncodings {
		for _, second := range innerEncodings {
			if v := second(first(credential)); len(v) >= minSecretBytes {
				forms[v] = true
			}
		}
	}
	for v := range forms {
		r.secrets = append(r.secrets, v)
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// redact replaces every form of every recorded credential in s.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
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

// addBasic records the master user's password and its Basic token.
func (r *redactor) addBasic(user, password string) {
	if password == "" {
		return
	}
	r.add(password)
	r.add(user + ":" + password) // the Basic token's content: its base64 forms are added
}

// addHeaders records the credentials a request carried in its headers:
// the Authorization value and its parts (a SigV4 signature, a Basic
// token), the session token of temporary credentials, and cookies.
func (r *redactor) addHeaders(h http.Header) {
	for _, v := range h.Values("Authorization") {
		r.add(v)
		scheme, rest, _ := strings.Cut(v, " ")
		r.add(rest)
		if strings.HasPrefix(scheme, "AWS4-") {
			for _, part := range strings.Split(rest, ",") {
				if sig, ok := strings.CutPrefix(strings.TrimSpace(part), "Signature="); ok {
					r.add(sig)
				}
			}
		}
	}
	for _, k := range []string{"X-Amz-Security-Token", "Cookie", "Proxy-Authorization"} {
		for _, v := range h.Values(k) {
			r.add(v)
		}
	}
}

type redactorKey struct{}

// NoteSentCredentials records the credentials a transport added to a
// request on its way out (the SigV4 signature and session token of a
// scheduled run), so that an answer echoing them is redacted like the
// master password. A signing transport calls it with the request it sends;
// outside a setup run it does nothing.
func NoteSentCredentials(req *http.Request) {
	if r, ok := req.Context().Value(redactorKey{}).(*redactor); ok {
		r.addHeaders(req.Header)
	}
}
