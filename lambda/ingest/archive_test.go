package main

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/archive/fakes3"
	"github.com/logsearch/logsearch/lambda/archivewriter"
	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
)

// TestHandlerArchivesBeforeIndexing: with an archive configured, a payload
// the archive refuses is neither indexed nor acknowledged (Lambda retries
// it whole), and once the archive takes it, every event is both indexed
// and archived.
func TestHandlerArchivesBeforeIndexing(t *testing.T) {
	s3srv := fakes3.New()
	t.Cleanup(s3srv.Close)
	s3srv.CreateBucket("stack-archive")
	h, env := inProcessWith(t, io.Discard, io.Discard, map[string]string{
		"AWS_ENDPOINT_URL_S3":   s3srv.URL,
		archivewriter.EnvBucket: "stack-archive",
		archivewriter.EnvPrefix: "logs/",
	})
	osrv := env.os
	evs := scenarioEvents(7, 50)
	payload := cwlogstest.BuildInvocation(cwlogstest.DataPayload("/app/web", "i-0abc", evs))

	s3srv.FailPut = func(string) int { return http.StatusForbidden }
	if _, err := h.Invoke(context.Background(), payload); err == nil || !strings.Contains(err.Error(), "archiving") {
		t.Fatalf("archive refused the payload, invocation err %v; want it failed so Lambda retries", err)
	}
	if n := osrv.Count(); n != 0 {
		t.Errorf("%d documents indexed although the archive refused the payload", n)
	}

	s3srv.FailPut = nil
	if _, err := h.Invoke(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if n := osrv.Count(); n != len(evs) {
		t.Errorf("%d documents indexed, want %d", n, len(evs))
	}
	var archived []archive.Event
	for _, key := range s3srv.Keys("stack-archive") {
		if !strings.HasPrefix(key, "logs/") {
			t.Errorf("object %s outside the prefix", key)
		}
		body, _ := s3srv.Object("stack-archive", key)
		zr, err := gzip.NewReader(strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
		if _, ok, err := archive.ParseHeader([]byte(lines[0])); !ok || err != nil {
			t.Fatalf("%s: first line %q is not the events header (%v)", key, lines[0], err)
		}
		for _, line := range lines[1:] {
			e, err := archive.ParseEvent([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			archived = append(archived, e)
		}
	}
	if len(archived) != len(evs) {
		t.Fatalf("%d lines archived, want %d", len(archived), len(evs))
	}
	for i, ev := range evs {
		if want := (archive.Event{ID: ev.ID, Timestamp: ev.Timestamp, Message: ev.Message}); archived[i] != want {
			t.Errorf("event %d = %+v, want %+v", i, archived[i], want)
		}
	}
}
