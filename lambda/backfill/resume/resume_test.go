package resume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	run = Run{Fingerprint: "abc", Description: "s3://b/logs/ 2024-05-31..2024-05-31"}
)

func TestResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s, err := Open(path, run, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Resumed() {
		t.Fatal("a new state claims to resume")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("state file created before anything was done")
	}
	if err := s.MarkStep("deleted", now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDone("s3://b/k1", "e1", 10, now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDone("s3://b/k2", "e2", 20, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash while appending tears the last line.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"object":"s3://b/k3","et`)
	_ = f.Close()

	s, err = Open(path, run, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Resumed() || !s.Started().Equal(now) {
		t.Fatalf("Resumed %v Started %v", s.Resumed(), s.Started())
	}
	checks := []struct {
		object, etag string
		want         bool
	}{
		{"s3://b/k1", "e1", true},
		{"s3://b/k2", "e2", true},
		{"s3://b/k2", "changed", false},
		{"s3://b/k3", "e3", false},
	}
	for _, c := range checks {
		if got := s.IsDone(c.object, c.etag); got != c.want {
			t.Errorf("IsDone(%s, %s) = %v, want %v", c.object, c.etag, got, c.want)
		}
	}
	if !s.StepDone("deleted") || s.StepDone("other") {
		t.Error("steps not restored")
	}
	if err := s.MarkDone("s3://b/k3", "e3", 5, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("state file still there after Finish: %v", err)
	}
}

func TestOpenRefusesOtherRunsAndDamage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	s, err := Open(path, run, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDone("x", "e", 1, now); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	_, err = Open(path, Run{Fingerprint: "other", Description: "file:///tmp 2024-01-01..2024-01-02"}, now)
	if err == nil || !strings.Contains(err.Error(), run.Description) || !strings.Contains(err.Error(), "--state") {
		t.Fatalf("Open with another run = %v", err)
	}

	damaged := filepath.Join(dir, "damaged")
	if err := os.WriteFile(damaged, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(damaged, run, now)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("Open of a damaged file = %v", err)
	}

	_, err = Open(filepath.Join(dir, "no-dir", "state"), run, now)
	if err != nil {
		t.Fatal(err) // nothing is written yet
	}
	s, _ = Open(filepath.Join(dir, "no-dir", "state"), run, now)
	if err := s.MarkDone("x", "e", 1, now); err == nil || !strings.Contains(err.Error(), "--state") {
		t.Fatalf("MarkDone into a missing directory = %v", err)
	}
}
