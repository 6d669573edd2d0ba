package fakeopensearch

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// StartWithAdmin is Start: every Server answers the index administration
// the backfill tool's redo uses (DELETE /<index> and
// POST /<index>/_delete_by_query with a "terms" query on one field).
func StartWithAdmin() (*Server, error) { return Start() }

const deleteByQuerySuffix = "/_delete_by_query"

// isIndexPath reports whether path is "/<index>" with a non-empty index
// name and nothing after it.
func isIndexPath(path string) bool {
	name, ok := strings.CutPrefix(path, "/")
	return ok && name != "" && !strings.Contains(name, "/")
}

// Indices lists the indices holding documents, with their counts.
func (s *Server) Indices() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for index, docs := range s.docs {
		out[index] = len(docs)
	}
	return out
}

func (s *Server) deleteIndex(w http.ResponseWriter, index string) {
	s.mu.Lock()
	_, ok := s.docs[index]
	delete(s.docs, index)
	delete(s.indices, index)
	s.mu.Unlock()
	if !ok {
		indexNotFound(w, index)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func (s *Server) deleteByQuery(w http.ResponseWriter, r *http.Request, index string) {
	deleted := 0
	if s.eachMatch(w, r, index, true, func(docs map[string]json.RawMessage, id string) { delete(docs, id); deleted++ }) {
		writeJSON(w, http.StatusOK, map[string]any{"took": 1, "deleted": deleted, "failures": []any{}})
	}
}

// readTermsQuery reads the one query the fake models, a terms query on one
// field ({"query":{"terms":{"<field>":[...]}}}); without required, an
// empty body is every document (nil terms). A request it cannot read is
// answered 400 and ok is false.
func readTermsQuery(w http.ResponseWriter, r *http.Request, required bool) (terms map[string][]string, ok bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, false // the client went away
	}
	if len(body) == 0 && !required {
		return nil, true
	}
	var q struct {
		Query struct {
			Terms map[string][]string `json:"terms"`
		} `json:"query"`
	}
	if err := json.Unmarshal(body, &q); err != nil || len(q.Query.Terms) != 1 {
		writeJSON(w, http.StatusBadRequest, errorBody("parsing_exception", "fakeopensearch supports only a terms query on one field"))
		return nil, false
	}
	return q.Query.Terms, true
}

// indexNotFound answers 404 for a missing index, in OpenSearch's words.
func indexNotFound(w http.ResponseWriter, index string) {
	writeJSON(w, http.StatusNotFound, errorBody("index_not_found_exception", "no such index ["+index+"]"))
}
