package domainsetup

import (
	"net/http"

	"github.com/logsearch/logsearch/lambda/redact"
)

type redactorKey struct{}

// NoteSentCredentials records the credentials a transport added to a
// request on its way out (the SigV4 signature and session token of a
// scheduled run), so that an answer echoing them is redacted like the
// master password. A signing transport calls it with the request it sends;
// outside a setup run it does nothing.
func NoteSentCredentials(req *http.Request) {
	if s, ok := req.Context().Value(redactorKey{}).(*redact.Secrets); ok {
		s.AddHeaders(req.Header)
	}
}
