// Package fakes3 is a minimal S3-compatible server for tests on 127.0.0.1:
// path-style ListObjectsV2 (list-type=2 with prefix, continuation-token,
// start-after and max-keys), GetObject and PutObject (into a bucket that
// exists, checking the request's CRC32 checksum as S3 does), with hooks to
// break downloads and refuse uploads.
package fakes3

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server serves the objects put into it.
type Server struct {
	*httptest.Server

	// PageSize caps keys per listing page (S3's own cap is 1000); tests set
	// it low to exercise pagination.
	PageSize int
	// BreakGet, when set, is asked before each GetObject; returning n >= 0
	// sends only the first n bytes of the body and then drops the
	// connection, as a network failure mid-download does.
	BreakGet func(key string, attempt int) (cutAt int)
	// FailPut, when set, is asked before each PutObject; a non-zero HTTP
	// status is answered instead of storing the object.
	FailPut func(key string) (status int)

	mu      sync.Mutex
	buckets map[string]map[string]object
	gets    map[string]int
	lists   int
}

type object struct {
	body     []byte
	etag     string
	modified time.Time
}

// New starts a server on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{PageSize: 1000, buckets: map[string]map[string]object{}, gets: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Put stores an object.
func (s *Server) Put(bucket, key string, body []byte) {
	sum := md5.Sum(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[bucket] == nil {
		s.buckets[bucket] = map[string]object{}
	}
	s.buckets[bucket][key] = object{body: body, etag: hex.EncodeToString(sum[:]), modified: time.Now().UTC().Truncate(time.Second)}
}

// CreateBucket makes an empty bucket, so PutObject can write into it.
func (s *Server) CreateBucket(bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[bucket] == nil {
		s.buckets[bucket] = map[string]object{}
	}
}

// Object returns a stored object's body.
func (s *Server) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.buckets[bucket][key]
	return o.body, ok
}

// Keys lists a bucket's keys, sorted.
func (s *Server) Keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.buckets[bucket]))
	for k := range s.buckets[bucket] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Gets is how many GetObject calls a key received.
func (s *Server) Gets(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[key]
}

// Lists is how many ListObjectsV2 calls were served.
func (s *Server) Lists() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	objs, ok := s.buckets[bucket]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch {
	case r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2":
		s.list(w, r, bucket, objs)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && key != "":
		s.get(w, r, key, objs)
	case r.Method == http.MethodPut && key != "" && (r.URL.RawQuery == "" || r.URL.Query().Get("x-id") == "PutObject"):
		s.put(w, r, bucket, key)
	default:
		writeError(w, http.StatusNotImplemented, "NotImplemented", "fakes3 serves only ListObjectsV2, GetObject and PutObject")
	}
}

type listResult struct {
	XMLName               xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string     `xml:"Name"`
	Prefix                string     `xml:"Prefix"`
	KeyCount              int        `xml:"KeyCount"`
	MaxKeys               int        `xml:"MaxKeys"`
	IsTruncated           bool       `xml:"IsTruncated"`
	ContinuationToken     string     `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string     `xml:"NextContinuationToken,omitempty"`
	StartAfter            string     `xml:"StartAfter,omitempty"`
	Contents              []contents `xml:"Contents"`
}

type contents struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, bucket string, objs map[string]object) {
	q := r.URL.Query()
	prefix, token, startAfter := q.Get("prefix"), q.Get("continuation-token"), q.Get("start-after")
	after := startAfter
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
			return
		}
		after = string(b)
	}
	maxKeys := s.PageSize
	if mk, err := strconv.Atoi(q.Get("max-keys")); err == nil && mk > 0 && mk < maxKeys {
		maxKeys = mk
	}

	s.mu.Lock()
	s.lists++
	keys := make([]string, 0, len(objs))
	for k := range objs {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	res := listResult{Name: bucket, Prefix: prefix, MaxKeys: maxKeys, ContinuationToken: token, StartAfter: startAfter}
	if len(keys) > maxKeys {
		keys = keys[:maxKeys]
		res.IsTruncated = true
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(keys[len(keys)-1]))
	}
	for _, k := range keys {
		o := objs[k]
		res.Contents = append(res.Contents, contents{Key: k, LastModified: o.modified.Format("2006-01-02T15:04:05.000Z"), ETag: `"` + o.etag + `"`, Size: len(o.body), StorageClass: "STANDARD"})
	}
	s.mu.Unlock()
	res.KeyCount = len(res.Contents)

	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(res)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, key string, objs map[string]object) {
	s.mu.Lock()
	o, ok := objs[key]
	s.gets[key]++
	attempt := s.gets[key]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("ETag", `"`+o.etag+`"`)
	w.Header().Set("Last-Modified", o.modified.Format(http.TimeFormat))
	w.Header().Set("Content-Length", strconv.Itoa(len(o.body)))
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.Method == http.MethodHead {
		return
	}
	if s.BreakGet != nil {
		if cut := s.BreakGet(key, attempt); cut >= 0 && cut < len(o.body) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(o.body[:cut])
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler) // drops the connection mid-body
		}
	}
	_, _ = w.Write(o.body)
}

// put stores a PutObject body. Chunked (aws-chunked) uploads are refused:
// a client that streams its body cannot be checked here.
func (s *Server) put(w http.ResponseWriter, r *http.Request, bucket, key string) {
	if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		writeError(w, http.StatusNotImplemented, "NotImplemented", "fakes3 does not accept aws-chunked uploads")
		return
	}
	if s.FailPut != nil {
		if status := s.FailPut(key); status != 0 {
			writeError(w, status, http.StatusText(status), "refused by the test")
			return
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	if want := r.Header.Get("X-Amz-Checksum-Crc32"); want != "" {
		sum := crc32.ChecksumIEEE(body)
		got := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
		if got != want {
			writeError(w, http.StatusBadRequest, "BadDigest", "The CRC32 you specified did not match the calculated checksum.")
			return
		}
	}
	s.Put(bucket, key, body)
	o, _ := s.Object(bucket, key)
	sum := md5.Sum(o)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.WriteHeader(http.StatusOK)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header + "<Error><Code>" + code + "</Code><Message>" + msg + "</Message></Error>"))
}
