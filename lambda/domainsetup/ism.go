package domainsetup

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ismMetadata are keys ISM adds to a stored policy.
var ismMetadata = []string{"policy_id", "last_updated_time", "schema_version", "error_notification", "user"}

// ismAttempts bounds the read-compare-write rounds lost to concurrent edits.
const ismAttempts = 3

// ismPolicy creates or updates the retention policy. ISM rejects an update
// without the stored if_seq_no/if_primary_term, and answers 409 when
// someone else wrote in between; then it re-reads and tries again.
func (s *setup) ismPolicy(ctx context.Context) (Outcome, error) {
	id := s.spec.PolicyID()
	path := "_plugins/_ism/policies/" + url.PathEscape(id)
	object := "ISM policy " + id
	desired := s.spec.ISMPolicyBody()
	var conflict error
	for attempt := 0; attempt < ismAttempts; attempt++ {
		a, found, err := s.read(ctx, path, nil)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		target := path
		if found {
			var current struct {
				SeqNo       *int64 `json:"_seq_no"`
				PrimaryTerm *int64 `json:"_primary_term"`
				Policy      any    `json:"policy"`
			}
			if err := decode(http.MethodGet, path, a, &current); err != nil {
				return Outcome{}, fmt.Errorf("%s: %w", object, err)
			}
			if same(current.Policy, desired["policy"], ismMetadata...) {
				return Outcome{Object: object, Action: Unchanged}, nil
			}
			if current.SeqNo == nil || current.PrimaryTerm == nil {
				return Outcome{}, fmt.Errorf("%s: GET /%s returned no _seq_no/_primary_term, which an update needs", object, path)
			}
			target = fmt.Sprintf("%s?if_seq_no=%d&if_primary_term=%d", path, *current.SeqNo, *current.PrimaryTerm)
		}
		w, err := s.c.do(ctx, http.MethodPut, target, desired, nil)
		switch {
		case err != nil:
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		case w.status == http.StatusConflict:
			conflict = s.c.fail(http.MethodPut, target, w)
			continue
		case !ok(w.status):
			return Outcome{}, fmt.Errorf("%s: %w", object, s.c.fail(http.MethodPut, target, w))
		case !found:
			return Outcome{Object: object, Action: Created}, nil
		}
		detail, err := s.moveManagedIndices(ctx, id)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s updated, but moving existing indices to it failed: %w", object, err)
		}
		return Outcome{Object: object, Action: Updated, Detail: detail}, nil
	}
	return Outcome{}, fmt.Errorf("%s: still conflicting after %d attempts (someone else keeps editing it): %w", object, ismAttempts, conflict)
}

// moveManagedIndices switches existing daily indices to the new policy
// version: ISM keeps each managed index on the version it started with, so
// without this a retention change would only reach indices created later.
func (s *setup) moveManagedIndices(ctx context.Context, policyID string) (string, error) {
	path := "_plugins/_ism/change_policy/" + url.PathEscape(s.spec.IndexPattern())
	a, err := s.c.do(ctx, http.MethodPost, path, map[string]string{"policy_id": policyID}, nil)
	if err != nil {
		return "", err
	}
	if a.status == http.StatusNotFound || noIndexToChange(a) {
		return "no existing indices to move", nil
	}
	if !ok(a.status) {
		return "", s.c.fail(http.MethodPost, path, a)
	}
	var got struct {
		UpdatedIndices int  `json:"updated_indices"`
		Failures       bool `json:"failures"`
		FailedIndices  []struct {
			IndexName string `json:"index_name"`
			Reason    string `json:"reason"`
		} `json:"failed_indices"`
	}
	if err := decode(http.MethodPost, path, a, &got); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("%d existing indices moved to the new version", got.UpdatedIndices)
	if len(got.FailedIndices) == 0 {
		return detail, nil
	}
	// Not an error: re-running setup cannot fix these, so failing would
	// block every later `pulumi up`. docs/ingestion.md#when-changes-take-effect says how to attach them.
	var failed []string
	for _, f := range got.FailedIndices {
		failed = append(failed, f.IndexName+": "+f.Reason)
	}
	return detail + "; NOT moved (attach by hand, see docs/ingestion.md#when-changes-take-effect): " + strings.Join(failed, "; "), nil
}

// noIndexToChange recognises ISM's answer to change_policy on a pattern
// that matches no index yet. TransportChangePolicyAction (index-management
// 2.19, src/main/kotlin/org/opensearch/indexmanagement/indexstatemanagement/
// transport/action/changepolicy/TransportChangePolicyAction.kt) then sends
// a multi-get of zero managed-index metadata documents, which
// MultiGetRequest.validate refuses with 400
// action_request_validation_exception "Validation Failed: 1: no documents
// to get;" rather than a 404.
func noIndexToChange(a answer) bool {
	return a.status == http.StatusBadRequest && strings.Contains(domainMessage(a.body), "no documents to get")
}
