package fakeopensearch

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// StartWithAdmin starts a Server that also answers the index
// administration the backfill tool's redo uses: DELETE /<index> and
// POST /<index>/_delete_by_query with a "terms" query on one field.
func StartWithAdmin() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakeopensearch: listen on 127.0.0.1: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln}
	s.Reset()
	s.srv = &http.Server{Handler: adminHandler{s}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
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

type adminHandler struct{ s *Server }

func (h adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if h.s.RequireSignature && !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		h.s.ServeHTTP(w, r) // answers 403
		return
	}
	switch {
	case r.Method == http.MethodDelete && path != "" && !strings.Contains(path, "/"):
		h.deleteIndex(w, path)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/_delete_by_query") && strings.Count(path, "/") == 1:
		h.deleteByQuery(w, r, strings.TrimSuffix(path, "/_delete_by_query"))
	default:
		h.s.ServeHTTP(w, r)
	}
}

func (h adminHandler) deleteIndex(w http.ResponseWriter, index string) {
	h.s.mu.Lock()
	_, ok := h.s.docs[index]
	delete(h.s.docs, index)
	h.s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody("index_not_found_exception", "no such index ["+index+"]"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func (h adminHandler) deleteByQuery(w http.ResponseWriter, r *http.Request, index string) {
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
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	docs, ok := h.s.docs[index]
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
