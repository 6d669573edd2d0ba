package bulk

import (
	"encoding/json"
	"fmt"
	"strings"
)

// itemStatus is what the _bulk response says about one item.
type itemStatus struct {
	ID     string
	Status int
	Reason string // empty on success
}

// bulkResponse is the part of a _bulk response logsearch reads.
type bulkResponse struct {
	Errors bool                         `json:"errors"`
	Items  []map[string]json.RawMessage `json:"items"`
}

type itemResult struct {
	ID     string     `json:"_id"`
	Status int        `json:"status"`
	Error  *itemError `json:"error"`
}

type itemError struct {
	Type     string     `json:"type"`
	Reason   string     `json:"reason"`
	CausedBy *itemError `json:"caused_by"`
}

func (e *itemError) String() string {
	s := e.Type + ": " + e.Reason
	if e.CausedBy != nil {
		s += " (caused by " + e.CausedBy.String() + ")"
	}
	return s
}

// parseResponse reads the per-item statuses of a _bulk response that must
// hold exactly n items, in request order.
func parseResponse(body []byte, n int) ([]itemStatus, error) {
	var r bulkResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if len(r.Items) != n {
		return nil, fmt.Errorf("%d items for %d sent", len(r.Items), n)
	}
	out := make([]itemStatus, n)
	for k, m := range r.Items {
		if len(m) != 1 {
			return nil, fmt.Errorf("item %d has %d actions, expected one", k, len(m))
		}
		for action, raw := range m {
			var it itemResult
			if err := json.Unmarshal(raw, &it); err != nil {
				return nil, fmt.Errorf("item %d (%s): %w", k, action, err)
			}
			if it.Status == 0 {
				return nil, fmt.Errorf("item %d (%s) has no status", k, action)
			}
			out[k] = itemStatus{ID: it.ID, Status: it.Status}
			if it.Error != nil {
				out[k].Reason = strings.TrimSpace(it.Error.String())
			} else if it.Status >= 300 {
				out[k].Reason = fmt.Sprintf("status %d without an error description", it.Status)
			}
		}
	}
	return out, nil
}
