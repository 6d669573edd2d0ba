package main

import (
	"strings"
	"testing"
)

func TestLoadSettings(t *testing.T) {
	good := map[string]string{
		"OPENSEARCH_ENDPOINT": "https://vpc-logs-abc.eu-west-1.es.amazonaws.com", "INDEX_PREFIX": "cwl",
		"INDEX_TIMEZONE": "Asia/Tokyo", "FLOOR_BYTES": "5368709120", "MIN_DAYS": "7",
	}
	tests := []struct {
		name    string
		change  map[string]string
		problem []string // each named in the error
	}{
		{name: "good"},
		{name: "everything wrong at once", change: map[string]string{"OPENSEARCH_ENDPOINT": "vpc-logs", "INDEX_PREFIX": "CWL",
			"INDEX_TIMEZONE": "Mars/Base", "FLOOR_BYTES": "-1", "MIN_DAYS": "0"},
			problem: []string{"OPENSEARCH_ENDPOINT", "INDEX_PREFIX", "INDEX_TIMEZONE", "FLOOR_BYTES", "MIN_DAYS"}},
		{name: "unset floor", change: map[string]string{"FLOOR_BYTES": ""}, problem: []string{"FLOOR_BYTES=\"\""}},
		{name: "endpoint with a path", change: map[string]string{"OPENSEARCH_ENDPOINT": "https://host/x"}, problem: []string{"OPENSEARCH_ENDPOINT"}},
		// The error is logged: the password of Basic credentials in the
		// URL is not quoted, the rest is.
		{name: "endpoint with a password and a path", change: map[string]string{"OPENSEARCH_ENDPOINT": "https://admin:s3cr3t-pw@host/x"},
			problem: []string{`OPENSEARCH_ENDPOINT="https://admin:xxxxx@host/x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tt.change {
				env[k] = v
			}
			s, err := loadSettings(func(k string) string { return env[k] })
			if len(tt.problem) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if s.Guard.Floor != 5<<30 || s.Guard.MinDays != 7 || s.Guard.Location.String() != "Asia/Tokyo" || s.Endpoint.Host == "" {
					t.Errorf("settings %+v", s)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, p := range tt.problem {
				if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "fix:") {
					t.Errorf("error does not name %s with a fix: %v", p, err)
				}
			}
		})
	}
}
