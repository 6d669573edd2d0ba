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
	if cap(out) < n {
		// Sized once: an answer holds n items (more is an error), and
		// grown item by item the statuses would be copied a dozen times.
		out = make([]itemStatus, 0, n)
	}
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
			if it, ok := succeeded(&s); ok {
				out = append(out, it)
				return nil
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

// succeeded reads an item laid out as OpenSearch writes one that
// succeeded, filtered by responseFilter: {"<action>":{"_id":"<id>",
// "status":2xx}}, with an id that needs no unescaping. Anything else is
// left unread, for parseItem to read or refuse. Nearly every item of a
// healthy domain's answer has this shape, and matching it byte by byte
// costs a fraction of the general object scan.
func succeeded(s *jsonscan.Scanner) (itemStatus, bool) {
	b := s.Rest()
	if len(b) < 2 || b[0] != '{' || b[1] != '"' {
		return itemStatus{}, false
	}
	i := 2
	for i < len(b) && b[i] >= 'a' && b[i] <= 'z' {
		i++
	}
	const idKey, statusKey = `":{"_id":"`, `","status":`
	if !hasAt(b, i, idKey) {
		return itemStatus{}, false
	}
	i += len(idKey)
	id := i
	for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 && b[i] < 0x80 {
		i++
	}
	end := i
	if !hasAt(b, i, statusKey) {
		return itemStatus{}, false
	}
	i += len(statusKey)
	if !hasAt(b, i+3, "}}") || b[i] != '2' || b[i+1] < '0' || b[i+1] > '9' || b[i+2] < '0' || b[i+2] > '9' {
		return itemStatus{}, false
	}
	status := 200 + int(b[i+1]-'0')*10 + int(b[i+2]-'0')
	s.Advance(i + 5)
	return itemStatus{ID: jsonscan.UnsafeString(b[id:end]), Status: status}, true
}

// hasAt reports whether b holds lit at offset i.
func hasAt(b []byte, i int, lit string) bool {
	return i >= 0 && i+len(lit) <= len(b) && string(b[i:i+len(lit)]) == lit
}

// parseItem reads one action's result object.
func parseItem(s *jsonscan.Scanner) (itemStatus, error) {
	var it itemStatus
	var errSpan []byte
	haveID := false
	err := s.Members(func(key string) error {
		switch key {
		case "_id":
			id, ok, err := s.StrOrNull()
			it.ID, haveID = id, ok
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
	if !haveID {
		// OpenSearch writes every item's _id (BulkItemResponse.toXContent)
		// and the request keeps it (responseFilter).
		return it, fmt.Errorf("no _id, so it cannot be matched to the item sent")
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
