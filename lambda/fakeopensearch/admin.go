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
		writeJSON(w, http.StatusNotFound, errorBody("index_not_found_exception", "no such index ["+index+"]"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func (s *Server) deleteByQuery(w http.ResponseWriter, r *http.Request, index string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var q struct {
		Query struct {
			Terms map[string][]string `json:"terms"`
		} `json:"query"`
	}
	if err := json.Unmarshal(body, &q); err != nil || len(q.Query.Terms) != 1 {
		writeJSON(w, http.StatusBadRequest, errorBody("parsing_exception", "fakeopensearch supports only a terms query on one field"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	docs, ok := s.docs[index]
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody("index_not_found_exception", "no such index ["+index+"]"))
		return
	}
	deleted := 0
	for field, values := range q.Query.Terms {
		for id, src := range docs {
			var doc map[string]any
			if json.Unmarshal(src, &doc) != nil {
				continue
			}
			v, _ := doc[field].(string)
			for _, want := range values {
				if v == want {
					delete(docs, id)
					deleted++
					break
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"took": 1, "deleted": deleted, "failures": []any{}})
}
