// Package progress shows how far a backfill is: a redrawn bar on a
// terminal, plain periodic lines in a log (CI, nohup, a pipe).
package progress

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// Meter counts work done. Its methods are safe for concurrent use.
type Meter struct {
	totalObjects int64
	totalBytes   atomic.Int64

	objects     atomic.Int64
	lines       atomic.Int64
	storedBytes atomic.Int64
	textBytes   atomic.Int64
}

// NewMeter measures a run of totalObjects objects of totalBytes stored
// bytes. The ETA is based on stored bytes: they are known from the
// listing before anything is read, whereas line counts are not.
func NewMeter(totalObjects, totalBytes int64) *Meter {
	m := &Meter{totalObjects: totalObjects}
	m.totalBytes.Store(totalBytes)
	return m
}

// Add counts lines read, the stored bytes they came from and their
// uncompressed size.
func (m *Meter) Add(lines, storedBytes, textBytes int64) {
	m.lines.Add(lines)
	m.storedBytes.Add(storedBytes)
	m.textBytes.Add(textBytes)
}

// Skip leaves out an object finished by an earlier attempt: it counts as
// done, and its bytes leave the total so the rate and ETA reflect this run.
func (m *Meter) Skip(storedBytes int64) {
	m.objects.Add(1)
	m.totalBytes.Add(-storedBytes)
}

// ObjectDone counts one finished object.
func (m *Meter) ObjectDone() { m.objects.Add(1) }

// Snapshot is the state of a Meter at one moment.
type Snapshot struct {
	Objects, TotalObjects   int64
	Lines                   int64
	StoredBytes, TotalBytes int64
	TextBytes               int64
	Elapsed                 time.Duration
}

// Snapshot reads the counters.
func (m *Meter) Snapshot(elapsed time.Duration) Snapshot {
	return Snapshot{
		Objects: m.objects.Load(), TotalObjects: m.totalObjects,
		Lines:       m.lines.Load(),
		StoredBytes: m.storedBytes.Load(), TotalBytes: m.totalBytes.Load(),
		TextBytes: m.textBytes.Load(),
		Elapsed:   elapsed,
	}
}

// LinesPerSecond is the average line rate.
func (s Snapshot) LinesPerSecond() float64 { return perSecond(float64(s.Lines), s.Elapsed) }

// TextMBPerSecond is the average rate of uncompressed log text, in MB/s
// (10^6 bytes).
func (s Snapshot) TextMBPerSecond() float64 { return perSecond(float64(s.TextBytes)/1e6, s.Elapsed) }

// ETA extrapolates the stored-byte rate; ok is false until there is a rate.
func (s Snapshot) ETA() (eta time.Duration, ok bool) {
	if s.StoredBytes <= 0 || s.Elapsed <= 0 {
		return 0, false
	}
	left := max(s.TotalBytes-s.StoredBytes, 0)
	return time.Duration(float64(left) / float64(s.StoredBytes) * float64(s.Elapsed)), true
}

// Fraction is the share of stored bytes read, 0..1.
func (s Snapshot) Fraction() float64 {
	if s.TotalBytes <= 0 {
		if s.TotalObjects > 0 {
			return float64(s.Objects) / float64(s.TotalObjects)
		}
		return 1
	}
	return min(float64(s.StoredBytes)/float64(s.TotalBytes), 1)
}

func perSecond(v float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return v / d.Seconds()
}

// String is the one-line status: the bar, counts, rates and ETA.
func (s Snapshot) String() string {
	const width = 24
	f := s.Fraction()
	filled := int(f * width)
	eta := "ETA --"
	if d, ok := s.ETA(); ok {
		eta = "ETA " + d.Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %5.1f%%  %d/%d objects  %s lines  %s lines/s  %.1f MB/s  %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), f*100,
		s.Objects, s.TotalObjects, human(float64(s.Lines)), human(s.LinesPerSecond()), s.TextMBPerSecond(), eta)
}

// human shortens a count: 950, 12.3k, 4.56M.
func human(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// IsTerminal reports whether f is a character device, i.e. an interactive
// terminal rather than a file or pipe.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Reporter prints a Meter's progress until its context ends.
type Reporter struct {
	Meter *Meter
	Out   io.Writer
	// Terminal redraws one line in place; otherwise a line is printed per
	// Interval.
	Terminal bool
	Interval time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Run reports until ctx ends, then prints the final status once. It
// returns when that last line is written.
func (r *Reporter) Run(ctx context.Context) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	interval := r.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	if r.Terminal {
		interval = 200 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.print(r.Meter.Snapshot(now().Sub(start)), true)
			return
		case <-t.C:
			r.print(r.Meter.Snapshot(now().Sub(start)), false)
		}
	}
}

func (r *Reporter) print(s Snapshot, final bool) {
	switch {
	case r.Terminal && final:
		_, _ = fmt.Fprintf(r.Out, "\r%s\x1b[K\n", s)
	case r.Terminal:
		_, _ = fmt.Fprintf(r.Out, "\r%s\x1b[K", s)
	default:
		_, _ = fmt.Fprintf(r.Out, "progress: %s\n", s)
	}
}
