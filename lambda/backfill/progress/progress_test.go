package progress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/internal/syncbuffer"
)

func TestSnapshot(t *testing.T) {
	m := NewMeter(4, 1000)
	m.Add(50000, 250, 14_000_000)
	m.ObjectDone()
	s := m.Snapshot(10 * time.Second)
	if got := s.LinesPerSecond(); got != 5000 {
		t.Errorf("LinesPerSecond = %v", got)
	}
	if got := s.TextMBPerSecond(); got != 1.4 {
		t.Errorf("TextMBPerSecond = %v", got)
	}
	if eta, ok := s.ETA(); !ok || eta != 30*time.Second {
		t.Errorf("ETA = %v, %v; want 30s (750 bytes left at 25 B/s)", eta, ok)
	}
	want := "[######..................]  25.0%  1/4 objects  50.0k lines  5000 lines/s  1.4 MB/s  ETA 30s"
	if s.String() != want {
		t.Errorf("String =\n%q\nwant\n%q", s.String(), want)
	}
	if _, ok := NewMeter(1, 10).Snapshot(time.Second).ETA(); ok {
		t.Error("ETA before any byte was read")
	}
	if f := NewMeter(0, 0).Snapshot(0).Fraction(); f != 1 {
		t.Errorf("empty run fraction %v", f)
	}
}

func TestReporterFinalLine(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		m := NewMeter(1, 10)
		m.Add(3, 10, 30)
		m.ObjectDone()
		var out syncbuffer.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		(&Reporter{Meter: m, Out: &out, Terminal: terminal, Interval: time.Hour}).Run(ctx)
		got := out.String()
		if !strings.Contains(got, "1/1 objects") || !strings.HasSuffix(got, "\n") {
			t.Errorf("terminal=%v: final output %q", terminal, got)
		}
		if terminal != strings.HasPrefix(got, "\r") {
			t.Errorf("terminal=%v: output %q", terminal, got)
		}
	}
}
