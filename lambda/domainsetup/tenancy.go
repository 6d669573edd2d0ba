package domainsetup

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

const (
	tenancyPath   = "_plugins/_security/api/tenancy/config"
	tenancyObject = "Dashboards default tenant"
)

// tenancySkipped is the outcome's detail on an engine without the tenancy
// config API. Setup goes on: the landing dashboard still exists in the
// Global tenant, staff only have to pick that tenant themselves.
const tenancySkipped = "this engine has no tenancy config API (OpenSearch 2.7 and later have it), " +
	"so support staff start in the tenant they pick; upgrade logsearch:domain.engineVersion to OpenSearch_2.7 or later " +
	"to start everyone in the Global tenant, where the landing dashboard is"

// defaultTenant makes the Global tenant the one every user starts in, so
// support staff land on the landing dashboard instead of the Private
// tenant's home page. Only the fields setup declares count: the plugin also
// returns sign_in_options and preferred_tenants, which stay as they are.
func (s *setup) defaultTenant(ctx context.Context) (Outcome, error) {
	a, err := s.c.do(ctx, http.MethodGet, tenancyPath, nil, nil)
	// The config always exists on an engine with the API; a 404 (a blank
	// test domain, a proxy) just means there is nothing to compare.
	found := err == nil && a.status != http.StatusNotFound
	switch {
	case err != nil:
		return Outcome{}, fmt.Errorf("%s: %w", tenancyObject, err)
	case noHandler(a):
		return Outcome{Object: tenancyObject, Action: Skipped, Detail: tenancySkipped}, nil
	case found && !ok(a.status):
		return Outcome{}, fmt.Errorf("%s: %w", tenancyObject, s.c.fail(http.MethodGet, tenancyPath, a))
	}
	var got map[string]any
	if found {
		if err := decode(http.MethodGet, tenancyPath, a, &got); err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", tenancyObject, err)
		}
	}
	desired := domainstate.TenancyConfigBody()
	current := map[string]any{}
	for k := range desired {
		if v, ok := got[k]; ok {
			current[k] = v
		}
	}
	return s.converge(ctx, tenancyObject, found, same(current, desired), func() error {
		_, err := s.write(ctx, http.MethodPut, tenancyPath, desired, nil)
		return err
	})
}

// noHandler reports OpenSearch's answer to a path no plugin registered
// (RestController.handleBadRequest: 400 "no handler found for uri [...]
// and method [...]"), which is what an engine older than 2.7 answers here.
func noHandler(a answer) bool {
	return a.status == http.StatusBadRequest && strings.Contains(domainMessage(a.body), "no handler found for uri")
}
