// Package resume records which archived objects a backfill run has finished,
// so that an interrupted run continues where it stopped.
//
// The state file is a journal: a header line describing the run, then one
// JSON line per finished object, appended and synced as each finishes. A
// crash can at worst tear the last line, which is ignored: that object is
// simply read again, and since document ids are deterministic re-indexing
// it is harmless. The file exists only while a run is unfinished; Finish
// removes it.
package resume

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Run identifies a run: only a run with the same flags may continue a state
// file, because objects finished under other settings (another index
// prefix, time zone or field types) were indexed differently.
type Run struct {
	// Fingerprint is compared for equality.
	Fingerprint string `json:"fingerprint"`
	// Description is shown to the user when the fingerprints differ.
	Description string `json:"description"`
}

type header struct {
	Version int       `json:"version"`
	Run     Run       `json:"run"`
	Started time.Time `json:"started"`
}

// Entry is one journal line after the header.
type Entry struct {
	// Object is set when an object was finished: its id (store name and key).
	Object string `json:"object,omitempty"`
	ETag   string `json:"etag,omitempty"`
	Lines  int64  `json:"lines,omitempty"`
	// Step is set when a named step of the run (e.g. "deleted indices")
	// completed.
	Step string    `json:"step,omitempty"`
	At   time.Time `json:"at"`
}

// State is a loaded or new state file. Its methods are safe for
// concurrent use.
type State struct {
	path    string
	header  header
	mu      sync.Mutex
	f       *os.File
	done    map[string]Entry
	steps   map[string]bool
	resumed bool
}

const version = 1

// Open loads the state file at path, or starts one for run. A file written
// by a different run is refused rather than silently mixed or overwritten.
func Open(path string, run Run, now time.Time) (*State, error) {
	s := &State{path: path, done: map[string]Entry{}, steps: map[string]bool{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.header = header{Version: version, Run: run, Started: now}
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("reading state file %s: %w", path, err)
	}
	if err := s.load(data); err != nil {
		return nil, fmt.Errorf("state file %s is damaged (%v): delete it to start the run over; re-indexing is safe, ids are deterministic", path, err)
	}
	if s.header.Run.Fingerprint != run.Fingerprint {
		return nil, fmt.Errorf("state file %s belongs to another run (%s, started %s), not this one (%s): finish that run with its flags, or pass another --state, or delete the file to give it up",
			path, s.header.Run.Description, s.header.Started.Format(time.RFC3339), run.Description)
	}
	s.resumed = true
	return s, nil
}

func (s *State) load(data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		return errors.New("no header line")
	}
	if err := json.Unmarshal(sc.Bytes(), &s.header); err != nil || s.header.Version != version {
		return fmt.Errorf("bad header line (want version %d)", version)
	}
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a line torn by a crash: its object is read again
		}
		if e.Object != "" {
			s.done[e.Object] = e
		}
		if e.Step != "" {
			s.steps[e.Step] = true
		}
	}
	return sc.Err()
}

// Resumed reports whether the state continues an earlier, unfinished run.
func (s *State) Resumed() bool { return s.resumed }

// Started is when the run (possibly an earlier, interrupted attempt) began.
func (s *State) Started() time.Time { return s.header.Started }

// IsDone reports whether object was finished with this etag. An object
// rewritten since (another etag) is read again.
func (s *State) IsDone(object, etag string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.done[object]
	return ok && e.ETag == etag
}

// StepDone reports whether the named step completed.
func (s *State) StepDone(step string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.steps[step]
}

// MarkDone records that object is fully indexed, durably, before
// returning.
func (s *State) MarkDone(object, etag string, lines int64, now time.Time) error {
	return s.append(Entry{Object: object, ETag: etag, Lines: lines, At: now})
}

// MarkStep records that the named step completed.
func (s *State) MarkStep(step string, now time.Time) error {
	return s.append(Entry{Step: step, At: now})
}

func (s *State) append(e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		if err := s.create(); err != nil {
			return err
		}
	}
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing state file %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("syncing state file %s: %w", s.path, err)
	}
	if e.Object != "" {
		s.done[e.Object] = e
	}
	if e.Step != "" {
		s.steps[e.Step] = true
	}
	return nil
}

// create opens the journal for appending, writing the header first when
// the file is new.
func (s *State) create() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening state file %s: %w: pass a writable --state path", s.path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() == 0 {
		var h []byte
		h, err = json.Marshal(s.header)
		if err == nil {
			_, err = f.Write(append(h, '\n'))
		}
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("writing state file %s: %w", s.path, err)
	}
	s.f = f
	return nil
}

// Written reports whether the state file is on disk: a run that finished
// no object and resumed nothing has not written one.
func (s *State) Written() bool {
	_, err := os.Stat(s.path)
	return err == nil
}

// Close closes the journal, keeping it for a later resume.
func (s *State) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Finish removes the state file: the run is complete and a later run with
// the same flags starts afresh.
func (s *State) Finish() error {
	if err := s.Close(); err != nil {
		return err
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing finished state file %s: %w", s.path, err)
	}
	return nil
}
