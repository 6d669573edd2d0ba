package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/document"
	lssettings "github.com/logsearch/logsearch/lambda/settings"
	"github.com/logsearch/logsearch/lambda/storageguard/guard"
)

// settings is the function's environment, set by
// infra/logsearch/storageguard.go.
type settings struct {
	Endpoint *url.URL // OPENSEARCH_ENDPOINT
	Guard    guard.Config
}

// loadSettings reads the environment and names every problem at once,
// each with its fix.
func loadSettings(getenv func(string) string) (settings, error) {
	var errs []error
	bad := func(name, value, issue, fix string) {
		errs = append(errs, fmt.Errorf("%s=%q: %s; fix: %s (pulumi up sets it)", name, value, issue, fix))
	}
	var s settings
	raw := strings.TrimSpace(getenv("OPENSEARCH_ENDPOINT"))
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		bad("OPENSEARCH_ENDPOINT", lssettings.RedactEndpoint(raw), "not the domain's base URL", "https://<domain endpoint>")
	} else {
		s.Endpoint = u
	}
	s.Guard.IndexPrefix = strings.TrimSpace(getenv("INDEX_PREFIX"))
	if _, err := document.NewBuilder(document.Config{IndexPrefix: s.Guard.IndexPrefix}); err != nil {
		bad("INDEX_PREFIX", s.Guard.IndexPrefix, err.Error(), "the ingest function's INDEX_PREFIX")
	}
	tz := strings.TrimSpace(getenv("INDEX_TIMEZONE"))
	if loc, err := time.LoadLocation(tz); err != nil || tz == "" {
		bad("INDEX_TIMEZONE", tz, "not an IANA time zone", "the ingest function's INDEX_TIMEZONE, e.g. UTC or Asia/Tokyo")
	} else {
		s.Guard.Location = loc
	}
	floor := strings.TrimSpace(getenv("FLOOR_BYTES"))
	if n, err := strconv.ParseInt(floor, 10, 64); err != nil || n <= 0 {
		bad("FLOOR_BYTES", floor, "not a positive number of bytes", "the free space every data node keeps, in bytes")
	} else {
		s.Guard.Floor = n
	}
	days := strings.TrimSpace(getenv("MIN_DAYS"))
	if n, err := strconv.Atoi(days); err != nil || n < 1 {
		bad("MIN_DAYS", days, "not a whole number of days >= 1", "the fewest daily indices the guard leaves")
	} else {
		s.Guard.MinDays = n
	}
	return s, errors.Join(errs...)
}
