package fakeopensearch

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Disk turns on a model of the data nodes' storage, so that a test can
// fill the domain: every index is one primary shard (plus Replicas
// copies) on a node chosen from its name, and a copy takes its documents'
// source bytes times StoreFactor on that node.
//
// When a node's available space falls below the write-block threshold of
// OpenSearch Service, min(20% of the volume, 20 GiB) ("Lack of available
// storage space",
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/handling-errors.html#handling-errors-watermark),
// the fake refuses what the domain refuses:
//   - a new index, with 403 index_create_block_exception
//     "[FORBIDDEN/10/cluster create-index blocked (api)]", for as long as a
//     node is below the threshold;
//   - writes to every index with a copy on that node: it gets
//     index.blocks.read_only_allow_delete, and its items fail with 403
//     cluster_block_exception "[FORBIDDEN/12/index read-only / allow
//     delete (api)]" (IndexMetadata.INDEX_READ_ONLY_ALLOW_DELETE_BLOCK, set
//     by DiskThresholdMonitor at the flood stage,
//     opensearch-project/OpenSearch server/src/main/java/org/opensearch/
//     cluster/routing/allocation/DiskThresholdMonitor.java).
//
// The index block stays until a PUT /<index>/_settings sets
// index.blocks.read_only_allow_delete to null or false: the worst case,
// a domain where nothing releases it by itself. Deleting indices (allowed
// under the block) frees their bytes at once.
//
// The state is evaluated once per _bulk request, before its items.
type Disk struct {
	// Nodes is the number of data nodes (at least 1).
	Nodes int
	// VolumeBytes is each node's storage.
	VolumeBytes int64
	// BaseBytes is used on every node before any index (the OS, logs).
	BaseBytes int64
	// Replicas is the number of replica copies of each index.
	Replicas int
	// StoreFactor is the bytes on disk per byte of document source
	// (default 1): a test stores few, small documents that stand for
	// many.
	StoreFactor float64
}

// diskModel is the storage state of a Server with a Disk.
type diskModel struct {
	Disk
	readOnly map[string]bool // index -> index.blocks.read_only_allow_delete
	below    bool            // a node is below the threshold (create-index block)
}

// WriteBlockThreshold is the available space below which OpenSearch
// Service starts to refuse writes on a node of volume bytes:
// min(20% of the volume, 20 GiB).
func WriteBlockThreshold(volume int64) int64 {
	return min(volume/5, 20<<30)
}

// SetDisk turns on the disk model (see Disk).
func (s *Server) SetDisk(d Disk) {
	if d.Nodes < 1 {
		d.Nodes = 1
	}
	if d.StoreFactor <= 0 {
		d.StoreFactor = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disk = &diskModel{Disk: d, readOnly: map[string]bool{}}
}

// NodeUsage is one data node's storage.
type NodeUsage struct {
	Name      string
	Total     int64
	Available int64
}

// NodeUsages lists the data nodes' storage, node-1 first.
func (s *Server) NodeUsages() []NodeUsage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nodeUsages()
}

// BlockIndex sets index.blocks.read_only_allow_delete on an existing
// index, as the flood stage would: a domain already blocked when the test
// starts.
func (s *Server) BlockIndex(index string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disk != nil {
		s.disk.readOnly[index] = true
	}
}

// BlockedIndices lists the indices under index.blocks.read_only_allow_delete.
func (s *Server) BlockedIndices() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if s.disk != nil {
		for ix, on := range s.disk.readOnly {
			if on && s.indices[ix] != nil {
				out = append(out, ix)
			}
		}
	}
	sort.Strings(out)
	return out
}

func nodeName(i int) string { return fmt.Sprintf("node-%d", i+1) }

// copiesOf names the nodes holding index's copies: primary first.
func (d *diskModel) copiesOf(index string) []int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(index))
	first := int(h.Sum32() % uint32(d.Nodes))
	copies := min(1+d.Replicas, d.Nodes) // a replica never shares its primary's node
	out := make([]int, copies)
	for c := range out {
		out[c] = (first + c) % d.Nodes
	}
	return out
}

// storeBytes is what one copy of index takes on disk. Callers hold s.mu.
func (s *Server) storeBytes(index string) int64 {
	var n int
	for _, doc := range s.docs[index] {
		n += len(doc)
	}
	return int64(float64(n) * s.disk.StoreFactor)
}

// nodeUsages computes every node's storage. Callers hold s.mu.
func (s *Server) nodeUsages() []NodeUsage {
	if s.disk == nil {
		return nil
	}
	used := make([]int64, s.disk.Nodes)
	for name := range s.indices {
		b := s.storeBytes(name)
		for _, n := range s.disk.copiesOf(name) {
			used[n] += b
		}
	}
	out := make([]NodeUsage, s.disk.Nodes)
	for i := range out {
		out[i] = NodeUsage{Name: nodeName(i), Total: s.disk.VolumeBytes, Available: max(0, s.disk.VolumeBytes-s.disk.BaseBytes-used[i])}
	}
	return out
}

// diskState applies the thresholds before a _bulk request's items and
// returns the model (nil without SetDisk). Callers hold s.mu.
func (s *Server) diskState() *diskModel {
	d := s.disk
	if d == nil {
		return nil
	}
	for ix := range d.readOnly { // a deleted index takes its settings along
		if s.indices[ix] == nil {
			delete(d.readOnly, ix)
		}
	}
	d.below = false
	limit := WriteBlockThreshold(d.VolumeBytes)
	for i, u := range s.nodeUsages() {
		if u.Available >= limit {
			continue
		}
		d.below = true
		for name := range s.indices {
			for _, n := range d.copiesOf(name) {
				if n == i {
					d.readOnly[name] = true
				}
			}
		}
	}
	return d
}

// refusal is how the disk state refuses an item for index, or nil.
// Callers hold s.mu.
func (d *diskModel) refusal(s *Server, index string) *itemError {
	switch {
	case d == nil:
		return nil
	case d.readOnly[index]:
		return &itemError{status: http.StatusForbidden, body: errorDetail("cluster_block_exception",
			"index ["+index+"] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];")}
	case d.below && s.indices[index] == nil:
		return &itemError{status: http.StatusForbidden, body: errorDetail("index_create_block_exception",
			"blocked by: [FORBIDDEN/10/cluster create-index blocked (api)];")}
	}
	return nil
}

// diskRoutes are the storage APIs the storage guard calls; they exist
// only with a disk model (SetDisk), and are answered as unsupported
// without one.
var diskRoutes = []route{
	{"nodes.stats", func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Path == "/_nodes/stats/fs"
	}, withDisk(func(s *Server, w http.ResponseWriter, _ *http.Request) { s.nodesStatsFS(w) })},
	{"cat.shards", func(r *http.Request) bool {
		return r.Method == http.MethodGet && (r.URL.Path == "/_cat/shards" || strings.HasPrefix(r.URL.Path, "/_cat/shards/"))
	}, withDisk(func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.catShards(w, r, strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/_cat/shards"), "/"))
	})},
	{"indices.get_settings", func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/_settings") && !strings.HasPrefix(r.URL.Path, "/_")
	}, withDisk(func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.getBlockSettings(w, strings.TrimPrefix(strings.SplitN(r.URL.Path, "/_settings", 2)[0], "/"))
	})},
	{"indices.put_settings", func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/_settings") && !strings.HasPrefix(r.URL.Path, "/_")
	}, withDisk(func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.putBlockSettings(w, r, strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/_settings"), "/"))
	})},
}

// withDisk serves a storage API only when the server has a disk model.
func withDisk(serve func(s *Server, w http.ResponseWriter, r *http.Request)) func(s *Server, w http.ResponseWriter, r *http.Request) {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		on := s.disk != nil
		s.mu.Unlock()
		if !on {
			s.unsupported(w, r)
			return
		}
		serve(s, w, r)
	}
}

// matching lists the existing indices an expression names: comma-separated
// names or wildcard patterns; "" or _all is every index. Callers hold s.mu.
func (s *Server) matching(expr string) []string {
	var out []string
	for name := range s.indices {
		for _, e := range strings.Split(expr, ",") {
			if ok, _ := path.Match(e, name); ok || e == "" || e == "_all" {
				out = append(out, name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// nodesStatsFS answers GET _nodes/stats/fs in OpenSearch's shape
// (https://docs.opensearch.org/latest/api-reference/nodes-apis/nodes-stats/):
// fs.total's total_in_bytes, free_in_bytes and available_in_bytes, and
// the node's roles.
func (s *Server) nodesStatsFS(w http.ResponseWriter) {
	s.mu.Lock()
	usages := s.nodeUsages()
	s.mu.Unlock()
	nodes := map[string]any{}
	for i, u := range usages {
		nodes[fmt.Sprintf("id%d", i+1)] = map[string]any{
			"name": u.Name, "roles": []string{"data", "ingest"},
			"fs": map[string]any{"total": map[string]any{
				"total_in_bytes": u.Total, "free_in_bytes": u.Available, "available_in_bytes": u.Available}},
		}
	}
	// A dedicated cluster manager has a disk too, which holds no index.
	nodes["master1"] = map[string]any{"name": "master-1", "roles": []string{"cluster_manager"},
		"fs": map[string]any{"total": map[string]any{"total_in_bytes": 1 << 40, "free_in_bytes": 1 << 10, "available_in_bytes": 1 << 10}}}
	writeJSON(w, http.StatusOK, map[string]any{
		"_nodes": map[string]any{"total": len(nodes), "successful": len(nodes), "failed": 0}, "cluster_name": "fakeopensearch", "nodes": nodes})
}

// catShards answers GET _cat/shards with format=json and bytes=b: every
// value a string, as _cat writes them
// (https://docs.opensearch.org/latest/api-reference/cat/cat-shards/).
func (s *Server) catShards(w http.ResponseWriter, r *http.Request, expr string) {
	q := r.URL.Query()
	if q.Get("format") != "json" || q.Get("bytes") != "b" {
		writeJSON(w, http.StatusBadRequest, errorBody("fake_unsupported_exception", "fakeopensearch answers _cat/shards only with format=json&bytes=b"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := []map[string]string{}
	for _, name := range s.matching(expr) {
		store := strconv.FormatInt(s.storeBytes(name), 10)
		for c, n := range s.disk.copiesOf(name) {
			prirep := "r"
			if c == 0 {
				prirep = "p"
			}
			rows = append(rows, map[string]string{"index": name, "shard": "0", "prirep": prirep, "state": "STARTED", "store": store, "node": nodeName(n)})
		}
	}
	writeJSON(w, http.StatusOK, rows)
}

const readOnlyAllowDelete = "index.blocks.read_only_allow_delete"

// getBlockSettings answers GET <indices>/_settings (flat) with the block
// setting of each index that has it.
func (s *Server) getBlockSettings(w http.ResponseWriter, expr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{}
	for _, name := range s.matching(expr) {
		settings := map[string]string{}
		if s.disk.readOnly[name] {
			settings[readOnlyAllowDelete] = "true"
		}
		out[name] = map[string]any{"settings": settings}
	}
	writeJSON(w, http.StatusOK, out)
}

// putBlockSettings applies PUT <indices>/_settings: only
// index.blocks.read_only_allow_delete, flat or nested under "index".
func (s *Server) putBlockSettings(w http.ResponseWriter, r *http.Request, expr string) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("parse_exception", "request body is required"))
		return
	}
	raw, ok := body[readOnlyAllowDelete]
	if len(body) != 1 || !ok {
		writeJSON(w, http.StatusBadRequest, errorBody("fake_unsupported_exception", "fakeopensearch updates only "+readOnlyAllowDelete))
		return
	}
	on := strings.Trim(string(raw), `"`) == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	names := s.matching(expr)
	if len(names) == 0 {
		indexNotFound(w, expr)
		return
	}
	for _, name := range names {
		s.disk.readOnly[name] = on
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}
