package fakeopensearch

import (
	"encoding/json"
	"testing"
)

func TestFilterPath(t *testing.T) {
	resp := map[string]any{"took": 3, "errors": true, "items": []map[string]any{
		{"index": map[string]any{"_index": "i", "_id": "a", "status": 201, "result": "created"}},
		{"index": map[string]any{"_index": "i", "_id": "b", "status": 400, "error": map[string]any{"type": "mapper_parsing_exception"}}},
	}}
	tests := []struct{ filter, want string }{
		{"", `{"errors":true,"items":[{"index":{"_id":"a","_index":"i","result":"created","status":201}},{"index":{"_id":"b","_index":"i","error":{"type":"mapper_parsing_exception"},"status":400}}],"took":3}`},
		{"errors,items.*._id,items.*.status,items.*.error", `{"errors":true,"items":[{"index":{"_id":"a","status":201}},{"index":{"_id":"b","error":{"type":"mapper_parsing_exception"},"status":400}}]}`},
		// Items with nothing left vanish: positions are lost.
		{"items.*.error", `{"items":[{"index":{"error":{"type":"mapper_parsing_exception"}}}]}`},
		{"items.*.error.type", `{"items":[{"index":{"error":{"type":"mapper_parsing_exception"}}}]}`},
		{"nothing", `{}`},
		{"took, errors", `{"errors":true,"took":3}`},
	}
	for _, tt := range tests {
		got, _ := json.Marshal(filterPath(resp, tt.filter))
		if string(got) != tt.want {
			t.Errorf("filter_path=%s:\n got %s\nwant %s", tt.filter, got, tt.want)
		}
	}
}
