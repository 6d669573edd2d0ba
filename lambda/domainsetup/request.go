// Package domainsetup applies a domainstate.Spec to a live OpenSearch
// domain over its REST APIs (security plugin roles, audit and tenancy config, index
// templates, ISM, Dashboards saved objects), idempotently: each object is read, compared
// with the desired one and written only when it differs.
package domainsetup

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

// Request is one run of setup: the deployed state (Deployed) with the
// authentication its Invocation chose. Deployed.Request builds it; nothing
// outside the function's own code package decides its Endpoint or Spec.
type Request struct {
	// Endpoint is the domain's host name, or a base URL (tests).
	Endpoint string `json:"endpoint"`
	// MasterUserName is the master user; its role mappings are part of the
	// desired state on every run.
	MasterUserName string `json:"masterUserName"`
	// MasterPassword authenticates a deploy-time run (HTTP basic auth).
	MasterPassword string `json:"masterPassword,omitempty"`
	// SignWithRole makes the run sign its requests with the function's IAM
	// role (SigV4) instead of the password. The deploy-time run maps that
	// role to all_access, so a scheduled run needs no secret at all.
	SignWithRole bool             `json:"signWithRole,omitempty"`
	Spec         domainstate.Spec `json:"spec"`
}

// String keeps the password out of any log line that prints a Request.
func (r Request) String() string {
	as := r.MasterUserName
	if r.SignWithRole {
		as = "the function's role"
	}
	return fmt.Sprintf("setup of %s as %s (index prefix %q)", r.Endpoint, as, r.Spec.IndexPrefix)
}

// GoString covers %#v, which would otherwise print every field.
func (r Request) GoString() string { return r.String() }

// Validate reports every problem in the request at once.
func (r Request) Validate() error {
	var errs []error
	if _, err := r.baseURL(); err != nil {
		errs = append(errs, err)
	}
	if r.MasterUserName == "" {
		errs = append(errs, errors.New("masterUserName is empty: pass the domain's master user name"))
	}
	switch {
	case r.SignWithRole && r.MasterPassword != "":
		errs = append(errs, errors.New("masterPassword is set on a signWithRole request: a request signed with the function's role must carry no password; drop one of them"))
	case !r.SignWithRole && r.MasterPassword == "":
		errs = append(errs, errors.New("masterPassword is empty: pass the domain's master password, or set signWithRole to sign with the function's role"))
	}
	if err := r.Spec.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("spec: %w", err))
	}
	return errors.Join(errs...)
}

// baseURL is https://<endpoint>/ unless the endpoint already names a scheme.
func (r Request) baseURL() (*url.URL, error) {
	e := strings.TrimSpace(r.Endpoint)
	if e == "" {
		return nil, errors.New("endpoint is empty: pass the domain endpoint (host name, without https://)")
	}
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not a host name or URL: pass the domain endpoint, e.g. vpc-logs-abc.eu-west-1.es.amazonaws.com", r.Endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/"
	return u, nil
}
