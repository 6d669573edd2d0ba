package fakeopensearch

import (
	"net/http"
	"testing"
)

// TestAdminRoutes proves that the one Server started by Start answers the
// redo's index administration next to _bulk, and only on the exact paths.
func TestAdminRoutes(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		var out map[string]any
		return post(t, method, s.URL+path, body, &out), out
	}
	load := func() {
		t.Helper()
		s.Reset()
		bulk := `{"index":{"_index":"a","_id":"1"}}` + "\n" + `{"src":"x"}` + "\n" +
			`{"index":{"_index":"a","_id":"2"}}` + "\n" + `{"src":"y"}` + "\n" +
			`{"index":{"_index":"b","_id":"3"}}` + "\n" + `{"src":"x"}` + "\n"
		if code, _ := call(http.MethodPost, "/_bulk", bulk); code != http.StatusOK {
			t.Fatalf("_bulk answered %d", code)
		}
	}

	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantIndices              map[string]int
	}{
		{"delete index", http.MethodDelete, "/a", "", http.StatusOK, map[string]int{"b": 1}},
		{"delete missing index", http.MethodDelete, "/nope", "", http.StatusNotFound, map[string]int{"a": 2, "b": 1}},
		{"delete nested path is not an index", http.MethodDelete, "/a/b", "", http.StatusNotFound, map[string]int{"a": 2, "b": 1}},
		{"delete root is not an index", http.MethodDelete, "/", "", http.StatusNotFound, map[string]int{"a": 2, "b": 1}},
		{"delete by terms", http.MethodPost, "/a/_delete_by_query", `{"query":{"terms":{"src":["x"]}}}`, http.StatusOK, map[string]int{"a": 1, "b": 1}},
		{"delete by query on missing index", http.MethodPost, "/nope/_delete_by_query", `{"query":{"terms":{"src":["x"]}}}`, http.StatusNotFound, map[string]int{"a": 2, "b": 1}},
		{"delete by unsupported query", http.MethodPost, "/a/_delete_by_query", `{"query":{"match_all":{}}}`, http.StatusBadRequest, map[string]int{"a": 2, "b": 1}},
		{"delete by query without index", http.MethodPost, "/_delete_by_query", `{"query":{"terms":{"src":["x"]}}}`, http.StatusNotFound, map[string]int{"a": 2, "b": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			load()
			if code, body := call(tc.method, tc.path, tc.body); code != tc.wantStatus {
				t.Fatalf("%s %s = %d %v, want %d", tc.method, tc.path, code, body, tc.wantStatus)
			}
			got := s.Indices()
			if len(got) != len(tc.wantIndices) {
				t.Fatalf("indices = %v, want %v", got, tc.wantIndices)
			}
			for index, n := range tc.wantIndices {
				if got[index] != n {
					t.Fatalf("indices = %v, want %v", got, tc.wantIndices)
				}
			}
		})
	}

	t.Run("signature required", func(t *testing.T) {
		load()
		s.RequireSignature = true
		defer func() { s.RequireSignature = false }()
		if code, _ := call(http.MethodDelete, "/a", ""); code != http.StatusForbidden {
			t.Fatalf("unsigned DELETE /a = %d, want 403", code)
		}
		if got := s.Indices()["a"]; got != 2 {
			t.Fatalf("unsigned DELETE removed documents: index a holds %d, want 2", got)
		}
	})
}
