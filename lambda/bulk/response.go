package bulk

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logsearch/logsearch/lambda/jsonscan"
)

// itemStatus is what the _bulk response says about one item.
type itemStatus struct {
	ID     string
	Status int
	Reason string // empty on success
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

// maxErrorDepth bounds the nesting of an item's error (caused_by chains).
const maxErrorDepth = 64

// parseResponse reads the per-item statuses of a _bulk response that must
// hold exactly n items, in request order, into out (reused). It walks the
// answer in place without building a tree: only the error objects of
// failed items are decoded, so an answer with every item indexed costs a
// scan and no allocation per item.
func parseResponse(body []byte, n int, out []itemStatus) ([]itemStatus, error) {
	out = out[:0]
	s := jsonscan.New(body, false)
	sawItems := false
	err := s.Members(func(key string) error {
		if key != "items" {
			return s.Skip(jsonscan.MaxDepth)
		}
		sawItems = true
		return s.Elements(func(k int) error {
			if k >= n {
				return fmt.Errorf("more than the %d items sent", n)
			}
			actions := 0
			err := s.Members(func(action string) error {
				actions++
				it, err := parseItem(&s)
				if err != nil {
					return fmt.Errorf("item %d (%s): %w", k, action, err)
				}
				out = append(out, it)
				return nil
			})
			if err == nil && actions != 1 {
				err = fmt.Errorf("item %d has %d actions, expected one", k, actions)
			}
			return err
		})
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("not a _bulk response: %w", err)
	case !s.AtEnd():
		return nil, fmt.Errorf("not a _bulk response: data after the JSON object")
	case !sawItems:
		return nil, fmt.Errorf("no items for %d sent", n)
	case len(out) != n:
		return nil, fmt.Errorf("%d items for %d sent", len(out), n)
	}
	return out, nil
}

// parseItem reads one action's result object.
func parseItem(s *jsonscan.Scanner) (itemStatus, error) {
	var it itemStatus
	var errSpan []byte
	err := s.Members(func(key string) error {
		switch key {
		case "_id":
			id, _, err := s.StrOrNull()
			it.ID = id
			return err
		case "status":
			v, err := s.Int64()
			it.Status = int(v)
			return err
		case "error":
			start := s.Pos()
			if err := s.Skip(maxErrorDepth); err != nil {
				return err
			}
			errSpan = s.Since(start)
			return nil
		default:
			return s.Skip(jsonscan.MaxDepth)
		}
	})
	if err != nil {
		return it, err
	}
	if it.Status == 0 {
		return it, fmt.Errorf("no status")
	}
	switch {
	case errSpan != nil:
		it.Reason = errorReason(errSpan)
	case it.Status >= 300:
		it.Reason = fmt.Sprintf("status %d without an error description", it.Status)
	}
	return it, nil
}

// errorReason renders an item's error object, or keeps it raw when it is
// not the usual {type, reason, caused_by}.
func errorReason(span []byte) string {
	var e itemError
	if err := json.Unmarshal(span, &e); err != nil || (e.Type == "" && e.Reason == "") {
		return strings.TrimSpace(string(span))
	}
	return strings.TrimSpace(e.String())
}
