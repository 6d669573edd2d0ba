// Package fakelogs is a CloudWatch Logs API on 127.0.0.1 for tests: the
// four operations the subscriber calls, over the same awsJson1.1 wire
// protocol the AWS SDK speaks, with the limits AWS documents.
//
//   - At most 2 subscription filters per log group; a third is refused with
//     LimitExceededException, and a Put with an existing filter name updates
//     that filter in place
//     (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html,
//     https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
//   - Filter names are 1-512 characters and filter patterns at most 1024
//     (InvalidParameterException otherwise).
//   - A missing group or filter is ResourceNotFoundException.
//   - DescribeLogGroups pages by at most 50 groups (its limit parameter,
//     1-50), with a nextToken.
package fakelogs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxFiltersPerGroup is CloudWatch Logs' quota of subscription filters per
// log group; it cannot be raised.
const MaxFiltersPerGroup = 2

// maxPage is DescribeLogGroups' largest page.
const maxPage = 50

// Filter is one subscription filter as the fake stores it.
type Filter struct {
	Name           string `json:"filterName"`
	LogGroupName   string `json:"logGroupName"`
	FilterPattern  string `json:"filterPattern"`
	DestinationArn string `json:"destinationArn"`
}

// Server is the fake. Its zero value is not usable: call Start.
type Server struct {
	URL string

	mu      sync.Mutex
	groups  map[string][]Filter
	calls   map[string]int
	account string
	region  string
	// PageSize caps DescribeLogGroups pages below 50, so tests cover paging
	// with few groups. 0: 50.
	PageSize int
}

// Start runs a fake on 127.0.0.1 until the test ends.
func Start(t interface {
	Helper()
	Cleanup(func())
}) *Server {
	t.Helper()
	s := &Server{groups: map[string][]Filter{}, calls: map[string]int{}, account: "123456789012", region: "eu-west-1"}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// CreateLogGroup adds a group, as if an application created it.
func (s *Server) CreateLogGroup(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[name]; !ok {
		s.groups[name] = nil
	}
}

// AddFilter puts a filter of another owner on a group, bypassing the API
// (but not the limit: it panics past it, as AWS would refuse it).
func (s *Server) AddFilter(group string, f Filter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.groups[group]) >= MaxFiltersPerGroup {
		panic("fakelogs: AddFilter past the 2-filter limit")
	}
	f.LogGroupName = group
	s.groups[group] = append(s.groups[group], f)
}

// Filters returns a group's filters, sorted by name.
func (s *Server) Filters(group string) []Filter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.groups[group])
}

// Calls counts the requests of one operation, e.g. "PutSubscriptionFilter".
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// apiError is CloudWatch Logs' error shape for awsJson1.1.
type apiError struct {
	status int
	code   string
	msg    string
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "Logs_20140328.")
	if !ok || r.Method != http.MethodPost {
		writeErr(w, apiError{400, "UnknownOperationException", "unexpected request " + r.Method + " " + target})
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeErr(w, apiError{400, "SerializationException", err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	var out any
	var e *apiError
	switch op {
	case "DescribeLogGroups":
		out, e = s.describeLogGroups(in)
	case "DescribeSubscriptionFilters":
		out, e = s.describeSubscriptionFilters(in)
	case "PutSubscriptionFilter":
		out, e = s.putSubscriptionFilter(in)
	case "DeleteSubscriptionFilter":
		out, e = s.deleteSubscriptionFilter(in)
	default:
		e = &apiError{400, "UnknownOperationException", "fakelogs does not implement " + op}
	}
	if e != nil {
		writeErr(w, *e)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeErr(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "message": e.msg})
}

func str(in map[string]any, key string) string {
	v, _ := in[key].(string)
	return v
}

func (s *Server) describeLogGroups(in map[string]any) (any, *apiError) {
	prefix := str(in, "logGroupNamePrefix")
	limit := maxPage
	if v, ok := in["limit"].(float64); ok {
		if v < 1 || v > maxPage {
			return nil, &apiError{400, "InvalidParameterException", "limit must be 1-50"}
		}
		limit = int(v)
	}
	if s.PageSize > 0 && s.PageSize < limit {
		limit = s.PageSize
	}
	var names []string
	for n := range s.groups {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	start := 0
	if tok := str(in, "nextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(names) {
			return nil, &apiError{400, "InvalidParameterException", "bad nextToken"}
		}
		start = n
	}
	end := min(start+limit, len(names))
	groups := make([]map[string]any, 0, end-start)
	for _, n := range names[start:end] {
		groups = append(groups, map[string]any{
			"logGroupName": n,
			"arn":          fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", s.region, s.account, n),
		})
	}
	out := map[string]any{"logGroups": groups}
	if end < len(names) {
		out["nextToken"] = strconv.Itoa(end)
	}
	return out, nil
}

func (s *Server) group(name string) ([]Filter, *apiError) {
	fs, ok := s.groups[name]
	if !ok {
		return nil, &apiError{400, "ResourceNotFoundException", "The specified log group does not exist."}
	}
	return fs, nil
}

func (s *Server) describeSubscriptionFilters(in map[string]any) (any, *apiError) {
	fs, e := s.group(str(in, "logGroupName"))
	if e != nil {
		return nil, e
	}
	prefix := str(in, "filterNamePrefix")
	out := []Filter{}
	for _, f := range fs {
		if strings.HasPrefix(f.Name, prefix) {
			out = append(out, f)
		}
	}
	return map[string]any{"subscriptionFilters": out}, nil
}

func (s *Server) putSubscriptionFilter(in map[string]any) (any, *apiError) {
	group := str(in, "logGroupName")
	fs, e := s.group(group)
	if e != nil {
		return nil, e
	}
	f := Filter{Name: str(in, "filterName"), LogGroupName: group, FilterPattern: str(in, "filterPattern"), DestinationArn: str(in, "destinationArn")}
	if l := len(f.Name); l < 1 || l > 512 {
		return nil, &apiError{400, "InvalidParameterException", "filterName must be 1-512 characters"}
	}
	if len(f.FilterPattern) > 1024 {
		return nil, &apiError{400, "InvalidParameterException", "filterPattern must be at most 1024 characters"}
	}
	if f.DestinationArn == "" {
		return nil, &apiError{400, "InvalidParameterException", "destinationArn is required"}
	}
	for i, old := range fs {
		if old.Name == f.Name {
			fs[i] = f
			return map[string]any{}, nil
		}
	}
	if len(fs) >= MaxFiltersPerGroup {
		return nil, &apiError{400, "LimitExceededException", "Resource limit exceeded."}
	}
	fs = append(fs, f)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	s.groups[group] = fs
	return map[string]any{}, nil
}

func (s *Server) deleteSubscriptionFilter(in map[string]any) (any, *apiError) {
	group := str(in, "logGroupName")
	fs, e := s.group(group)
	if e != nil {
		return nil, e
	}
	name := str(in, "filterName")
	for i, f := range fs {
		if f.Name == name {
			s.groups[group] = slices.Delete(fs, i, i+1)
			return map[string]any{}, nil
		}
	}
	return nil, &apiError{400, "ResourceNotFoundException", "The specified subscription filter does not exist."}
}
