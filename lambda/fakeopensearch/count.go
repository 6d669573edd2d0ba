package fakeopensearch

import (
	"encoding/json"
	"net/http"
)

// The count and refresh APIs, as the backfill tool uses them to report
// what the domain holds after a run and to check, before a redo deletes
// anything, that the archive refills at least as much:
//
//	POST /<index>/_refresh
//	GET|POST /<index>/_count [{"query":{"terms":{"<field>":[...]}}}]
//
// Documents are visible at once here, so a refresh only checks the index
// exists. Both answer 404 index_not_found_exception for a missing index,
// as OpenSearch does.
const (
	countSuffix   = "/_count"
	refreshSuffix = "/_refresh"
)

// refresh answers POST /<index>/_refresh.
func (s *Server) refresh(w http.ResponseWriter, index string) {
	s.mu.Lock()
	_, ok := s.docs[index]
	s.mu.Unlock()
	if !ok {
		indexNotFound(w, index)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"_shards": map[string]any{"total": 1, "successful": 1, "failed": 0}})
}

func (s *Server) count(w http.ResponseWriter, r *http.Request, index string) {
	n := 0
	if s.eachMatch(w, r, index, false, func(map[string]json.RawMessage, string) { n++ }) {
		writeJSON(w, http.StatusOK, map[string]any{"count": n, "_shards": map[string]any{"total": 1, "successful": 1, "failed": 0}})
	}
}

// eachMatch reads the request's terms query (required: an empty body is
// refused rather than read as every document) and calls fn, under the
// lock, for each document of index that it matches. It answers the errors
// itself (400 for a query it cannot read, 404 for a missing index) and
// then reports false.
func (s *Server) eachMatch(w http.ResponseWriter, r *http.Request, index string, required bool, fn func(docs map[string]json.RawMessage, id string)) bool {
	terms, ok := readTermsQuery(w, r, required)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	docs, ok := s.docs[index]
	if !ok {
		indexNotFound(w, index)
		return false
	}
	for id, src := range docs {
		if matchesTerms(src, terms) {
			fn(docs, id)
		}
	}
	return true
}

// matchesTerms reports whether the document's string field is one of the
// values (every document, without terms).
func matchesTerms(src json.RawMessage, terms map[string][]string) bool {
	if len(terms) == 0 {
		return true
	}
	var doc map[string]any
	if json.Unmarshal(src, &doc) != nil {
		return false
	}
	for field, values := range terms {
		v, _ := doc[field].(string)
		for _, want := range values {
			if v == want {
				return true
			}
		}
	}
	return false
}
