// Package fakeopensearch is a local OpenSearch stand-in for tests: an
// HTTP server on 127.0.0.1 that speaks the _bulk API (per-item statuses
// and the "errors" flag), stores documents by index and _id so a test can
// check that each was indexed exactly once, answers the index
// administration the backfill tool's redo uses (admin.go), and injects the
// faults a real
// domain produces: 429s and 5xx for the whole request or single items,
// 400 mapping errors for chosen documents, slow answers and dropped
// connections.
//
// It also applies OpenSearch's mapping rules (mapping.go): composable
// index templates, dynamic mapping with date detection, object/leaf and
// type conflicts, index-name rules and the total-fields limit, so a
// document OpenSearch would refuse is refused here too.
//
// It is an ordinary package, not a _test one, so the ingest function's
// end-to-end test and the backfill tool's tests share it.
package fakeopensearch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/logsearch/logsearch/lambda/sigv4verify"
)

// RequestFault is what happens to one _bulk request instead of (or on top
// of) normal processing.
type RequestFault struct {
	// Status, when not 0, answers the whole request with this status (e.g.
	// 429, 502, 503) and indexes nothing.
	Status int
	// Delay holds the answer back (after indexing) for this long, or until
	// the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer, before indexing.
	Drop bool
	// DropAfterIndex indexes the items, then closes the connection without
	// an answer: the client cannot know the documents are in.
	DropAfterIndex bool
}

// Faults decides which faults to inject. Nil functions inject nothing.
type Faults struct {
	// Request is called with the 1-based number of each _bulk request.
	Request func(n int) RequestFault
	// Item, when it returns a status other than 0, answers that item with
	// it (429 is es_rejected_execution_exception, 5xx a shard failure)
	// instead of indexing it. attempt counts the requests that carried
	// this _id, from 1.
	Item func(id string, attempt int) int
	// MappingError makes the item fail with 400 mapper_parsing_exception
	// every time, like a value that does not fit the index mapping.
	MappingError func(id string, doc []byte) bool
}

// FirstRequests applies f to the first k _bulk requests.
func FirstRequests(k int, f RequestFault) func(int) RequestFault {
	return func(n int) RequestFault {
		if n <= k {
			return f
		}
		return RequestFault{}
	}
}

// EveryNth applies f to every nth _bulk request (n, 2n, ...).
func EveryNth(nth int, f RequestFault) func(int) RequestFault {
	return func(n int) RequestFault {
		if n%nth == 0 {
			return f
		}
		return RequestFault{}
	}
}

// FirstAttempts answers status to the first k attempts of every item
// that pick selects (all items when pick is nil).
func FirstAttempts(k, status int, pick func(id string) bool) func(string, int) int {
	return func(id string, attempt int) int {
		if attempt <= k && (pick == nil || pick(id)) {
			return status
		}
		return 0
	}
}

// Request is a _bulk request as received.
type Request struct {
	Header          http.Header
	CompressedBytes int // body bytes on the wire
	Bytes           int // body bytes after gunzip
	Items           int
}

// Server is a running fake domain.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port.
	URL string
	// RequireSignature answers 403 to requests without a SigV4
	// Authorization header, like a domain whose access policy needs IAM.
	RequireSignature bool
	// SigV4, when set, verifies every request's signature the way AWS
	// does and answers 403 to a mismatch.
	SigV4 *sigv4verify.Verifier

	srv *http.Server
	ln  net.Listener

	mu      sync.Mutex
	faults  Faults
	docs    map[string]map[string]json.RawMessage // index -> _id -> source
	indices map[string]*index                     // index -> mapping state
	// templates survive Reset, like the configuration setup installs.
	templates map[string]*indexTemplate
	// off are rules switched off to make a deliberately wrong fake
	// (mutation_test.go); always empty outside this package's tests.
	off      map[rule]bool
	served   map[string]int // route name -> requests answered
	writes   map[string]int // _id -> successful writes
	attempts map[string]int // _id -> items seen
	requests []Request
	disk     *diskModel // storage model (disk.go); nil: unlimited
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakeopensearch: listen on 127.0.0.1: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, templates: map[string]*indexTemplate{}, served: map[string]int{}}
	s.Reset()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and drops open connections.
func (s *Server) Close() error {
	return s.srv.Close()
}

// SetFaults replaces the faults to inject from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Reset forgets all documents, indices, counters and faults; installed
// index templates stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = Faults{}
	s.docs = map[string]map[string]json.RawMessage{}
	s.indices = map[string]*index{}
	s.writes = map[string]int{}
	s.attempts = map[string]int{}
	s.requests = nil
}

// Doc returns the stored source of index/_id.
func (s *Server) Doc(index, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[index][id]
	return d, ok
}

// Locations maps every stored _id to the indices holding it (sorted). An
// _id in two indices would be a duplicate document.
func (s *Server) Locations() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for index, docs := range s.docs {
		for id := range docs {
			out[id] = append(out[id], index)
		}
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}

// Count is the number of stored documents.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, docs := range s.docs {
		n += len(docs)
	}
	return n
}

// Writes is how many times _id was written (overwrites included).
func (s *Server) Writes(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes[id]
}

// Requests lists the _bulk requests received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.SigV4 != nil && !s.SigV4.Allow(w, r) {
		return
	}
	if s.RequireSignature && !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "no permissions for [indices:data/write/bulk] and User [name=anonymous]"})
		return
	}
	for _, rt := range allRoutes {
		if rt.match(r) {
			s.mu.Lock()
			s.served[rt.name]++
			s.mu.Unlock()
			rt.serve(s, w, r)
			return
		}
	}
	s.unsupported(w, r)
}

// unsupported answers a request to an API the fake does not model, and
// counts it.
func (s *Server) unsupported(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.served[Unsupported+" "+r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	writeJSON(w, http.StatusNotFound, errorBody("fake_unsupported_exception", "fakeopensearch does not implement "+r.Method+" "+r.URL.Path))
}

// Unsupported starts the Served key of a request to an API the fake has
// no route for, followed by its method and path.
const Unsupported = "unsupported"

// route is one API the fake answers. To model another API, add a route:
// the conformance run (conformance_test.go) then requires cases for it.
type route struct {
	name  string // the API's name in OpenSearch's REST spec
	match func(r *http.Request) bool
	serve func(s *Server, w http.ResponseWriter, r *http.Request)
}

// routes are tried in order; anything else is answered 404
// fake_unsupported_exception, so a request to an API the fake does not
// model fails the test that sends it.
var routes = []route{
	{"info", func(r *http.Request) bool {
		return r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	}, func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"name": "fake", "cluster_name": "fakeopensearch",
			"version": map[string]any{"distribution": "opensearch", "number": "2.19.0"},
		})
	}},
	{"bulk", func(r *http.Request) bool {
		return (r.URL.Path == "/_bulk" || strings.HasSuffix(r.URL.Path, "/_bulk")) && (r.Method == http.MethodPost || r.Method == http.MethodPut)
	}, (*Server).bulk},
	{"indices.put_index_template", func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_index_template/") && isIndexPath(strings.TrimPrefix(r.URL.Path, "/_index_template"))
	}, func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.putIndexTemplate(w, r, strings.TrimPrefix(r.URL.Path, "/_index_template/"))
	}},
	{"indices.delete", func(r *http.Request) bool {
		return r.Method == http.MethodDelete && isIndexPath(r.URL.Path)
	}, func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.deleteIndex(w, strings.TrimPrefix(r.URL.Path, "/"))
	}},
	{"count", func(r *http.Request) bool {
		return (r.Method == http.MethodGet || r.Method == http.MethodPost) && strings.HasSuffix(r.URL.Path, countSuffix) && isIndexPath(strings.TrimSuffix(r.URL.Path, countSuffix))
	}, func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.count(w, r, strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, countSuffix), "/"))
	}},
	{"indices.refresh", func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, refreshSuffix) && isIndexPath(strings.TrimSuffix(r.URL.Path, refreshSuffix))
	}, func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.refresh(w, strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, refreshSuffix), "/"))
	}},
	{"delete_by_query", func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, deleteByQuerySuffix) && isIndexPath(strings.TrimSuffix(r.URL.Path, deleteByQuerySuffix))
	}, func(s *Server, w http.ResponseWriter, r *http.Request) {
		s.deleteByQuery(w, r, strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, deleteByQuerySuffix), "/"))
	}},
}

// Served counts the requests answered per API (route name), since Start:
// what the code under test sent, for checking it against the APIs the
// conformance run covers. A request no route takes is counted under
// "unsupported <method> <path>".
func (s *Server) Served() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.served))
	maps.Copy(out, s.served)
	return out
}

func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	body := raw
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody("parse_exception", "bad gzip body: "+err.Error()))
			return
		}
	}
	actions, perr := parseBulk(body)

	s.mu.Lock()
	s.requests = append(s.requests, Request{Header: r.Header.Clone(), CompressedBytes: len(raw), Bytes: len(body), Items: len(actions)})
	var fault RequestFault
	if s.faults.Request != nil {
		fault = s.faults.Request(len(s.requests))
	}
	s.mu.Unlock()

	switch {
	case fault.Drop:
		drop(w)
		return
	case fault.Status != 0:
		writeJSON(w, fault.Status, errorBody(statusType(fault.Status), "injected fault"))
		return
	case perr != nil:
		typ := "illegal_argument_exception"
		if _, ok := perr.(validationError); ok {
			typ = "action_request_validation_exception"
		}
		writeJSON(w, http.StatusBadRequest, errorBody(typ, perr.Error()))
		return
	}

	resp := s.apply(actions)
	if fault.DropAfterIndex {
		drop(w)
		return
	}
	if fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, http.StatusOK, filterPath(resp, r.URL.Query().Get("filter_path")))
}

// apply indexes the actions under the lock and builds the response.
func (s *Server) apply(actions []action) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := make([]map[string]any, len(actions))
	errorsFlag := false
	disk := s.diskState()
	for k, a := range actions {
		s.attempts[a.id]++
		res := map[string]any{"_index": a.index, "_id": a.id}
		status := 0
		if s.faults.Item != nil {
			status = s.faults.Item(a.id, s.attempts[a.id])
		}
		refused := disk.refusal(s, a.index)
		var ix *index
		if refused == nil {
			ix, refused = s.indexFor(a.index)
		}
		if refused == nil && a.id == "" {
			// IndexRequest.validate, item by item
			// (rest-api-spec test bulk/10_basic.yml "Empty _id").
			refused = &itemError{status: http.StatusBadRequest, body: errorDetail("illegal_argument_exception", "if _id is specified it must not be empty")}
		}
		if refused == nil && status == 0 {
			refused = ix.parseDocument(a.id, a.doc)
		}
		switch {
		case status != 0:
			res["error"] = errorDetail(statusType(status), "injected item fault")
		case refused != nil:
			status = refused.status
			res["error"] = refused.body
		case s.faults.MappingError != nil && s.faults.MappingError(a.id, a.doc):
			status = http.StatusBadRequest
			res["error"] = map[string]any{
				"type": "mapper_parsing_exception", "reason": "failed to parse field [status] of type [integer] in document with id '" + a.id + "'",
				"caused_by": errorDetail("number_format_exception", `For input string: "abc"`),
			}
		case a.op == "create" && s.docs[a.index][a.id] != nil:
			status = http.StatusConflict
			res["error"] = errorDetail("version_conflict_engine_exception", "["+a.id+"]: version conflict, document already exists")
		default:
			if s.docs[a.index] == nil {
				s.docs[a.index] = map[string]json.RawMessage{}
			}
			status = http.StatusCreated
			res["result"] = "created"
			if s.docs[a.index][a.id] != nil {
				status = http.StatusOK
				res["result"] = "updated"
			}
			s.docs[a.index][a.id] = append(json.RawMessage(nil), a.doc...)
			s.writes[a.id]++
			res["_version"] = s.writes[a.id]
		}
		res["status"] = status
		if status >= 300 {
			errorsFlag = true
		}
		items[k] = map[string]any{a.op: res}
	}
	return map[string]any{"took": 1, "errors": errorsFlag, "items": items}
}

type action struct {
	op, index, id string
	doc           []byte
}

// maxIDBytes is the longest _id OpenSearch accepts.
const maxIDBytes = 512

// validationError is a request that ActionRequest.validate refuses as a
// whole, in OpenSearch's words.
type validationError string

func (e validationError) Error() string { return "Validation Failed: 1: " + string(e) + ";" }

// parseBulk reads NDJSON action/document pairs. Like OpenSearch, a broken
// action line fails the whole request.
func parseBulk(body []byte) ([]action, error) {
	var out []action
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 110<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var meta map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &meta); err != nil || len(meta) != 1 {
			// BulkRequestParser: "Malformed action/metadata line [3],
			// expected FIELD_NAME but found [END_OBJECT]" for {}.
			return nil, openSearchError(fmt.Sprintf("Malformed action/metadata line [%d], expected FIELD_NAME", line))
		}
		var a action
		for op, m := range meta {
			a = action{op: op, index: m.Index, id: m.ID}
		}
		if a.op != "index" && a.op != "create" {
			return nil, fmt.Errorf("fakeopensearch supports only index and create, got %q on line %d", a.op, line)
		}
		if a.index == "" {
			return nil, fmt.Errorf("line [%d]: _index is required", line)
		}
		if a.id == "" && !bytes.Contains(sc.Bytes(), []byte(`"_id"`)) {
			// An action without _id gets one generated; logsearch always
			// sends its own, so the fake refuses the request instead.
			return nil, fmt.Errorf("line [%d]: fakeopensearch needs an _id on every action", line)
		}
		if len(a.id) > maxIDBytes {
			// IndexRequest.validate fails the whole request
			// (server/src/main/java/org/opensearch/action/index/IndexRequest.java).
			return nil, validationError(fmt.Sprintf("id [%s] is too long, must be no longer than %d bytes but was: %d", a.id, maxIDBytes, len(a.id)))
		}
		if !sc.Scan() {
			return nil, fmt.Errorf("the bulk request must be terminated by a newline; action on line %d has no document", line)
		}
		line++
		a.doc = append([]byte(nil), sc.Bytes()...)
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("the bulk request must be terminated by a newline [\\n]")
	}
	return out, nil
}

// drop closes the connection under the client's feet.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fakeopensearch: ResponseWriter cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func statusType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "es_rejected_execution_exception"
	case status >= 500:
		return "unavailable_shards_exception"
	default:
		return "fake_exception"
	}
}

func errorDetail(typ, reason string) map[string]any {
	return map[string]any{"type": typ, "reason": reason}
}

func errorBody(typ, reason string) map[string]any {
	return map[string]any{"error": errorDetail(typ, reason)}
}

// writeJSON answers as OpenSearch does: a whole body with its length
// stated (DefaultRestChannel.sendResponse sets content-length on every
// response that is not chunked, server/src/main/java/org/opensearch/http/
// DefaultRestChannel.java), so clients read it in one sized buffer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"type":"fake_opensearch_exception","reason":"answer not encodable"}}`)
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// allRoutes are the routes, then the storage APIs of disk.go, joined once.
var allRoutes = append(slices.Clip(routes), diskRoutes...)
