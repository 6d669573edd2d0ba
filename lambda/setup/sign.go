package main

import (
	"net/http"

	"github.com/opensearch-project/opensearch-go/v4/signer"

	"github.com/logsearch/logsearch/lambda/redact"
)

// signingTransport signs every request with the function's IAM role
// (SigV4, service "es") before sending it: how a scheduled run
// authenticates without the master password.
type signingTransport struct {
	base   http.RoundTripper
	signer signer.Signer
}

func (t signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	signed := req.Clone(req.Context())
	if req.GetBody != nil { // the signer reads the body to hash it
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		signed.Body = body
	}
	if err := t.signer.SignRequest(signed); err != nil {
		return nil, err
	}
	redact.Note(signed) // so that an answer echoing them is redacted
	return t.base.RoundTrip(signed)
}
