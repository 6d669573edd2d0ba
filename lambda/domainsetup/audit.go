package domainsetup

import (
	"context"
	"fmt"
	"net/http"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

// The audit API reads at one path and writes at another.
const (
	auditReadPath  = "_plugins/_security/api/audit"
	auditWritePath = "_plugins/_security/api/audit/config"
)

// auditObject names the audit step in outcomes and errors.
const auditObject = "audit logging"

// auditHint follows every audit failure: the API only works once the
// domain publishes AUDIT_LOGS, for a user mapped to security_manager, and
// setup's unsigned requests must be admitted by the domain access policy.
const auditHint = "audit logging needs the domain to publish AUDIT_LOGS to CloudWatch Logs, the master user mapped to security_manager, " +
	"and the domain access policy to admit requests authenticated by fine-grained access control; " +
	"fix that, then run pulumi up again"

// auditLogging turns the security plugin's audit logging on. It runs last:
// a domain that refuses it still gets its roles, template and policy, so
// ingestion works while the cause is fixed.
func (s *setup) auditLogging(ctx context.Context) (Outcome, error) {
	o, err := s.applyAudit(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w (%s)", err, auditHint)
	}
	return o, nil
}

func (s *setup) applyAudit(ctx context.Context) (Outcome, error) {
	a, found, err := s.read(ctx, auditReadPath, nil)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", auditObject, err)
	}
	var got struct {
		Config domainstate.Body `json:"config"`
	}
	if found {
		if err := decode(http.MethodGet, auditReadPath, a, &got); err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", auditObject, err)
		}
	}
	desired := domainstate.AuditConfigBody(got.Config)
	// Only the keys we send count: the domain may return others.
	current := domainstate.Body{}
	for k := range desired {
		if v, ok := got.Config[k]; ok {
			current[k] = v
		}
	}
	return s.converge(ctx, auditObject, got.Config != nil, same(current, desired), func() error {
		_, err := s.write(ctx, http.MethodPut, auditWritePath, desired, nil)
		return err
	})
}
