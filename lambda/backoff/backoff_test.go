package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for n, w := range want {
		if got := b.Bound(n + 1); got != w*time.Millisecond {
			t.Errorf("Bound(%d) = %v, want %v", n+1, got, w*time.Millisecond)
		}
	}
	if b.Bound(1000) != time.Second {
		t.Error("Bound must stay capped for huge n")
	}
	for _, r := range []float64{0, 0.5, 0.999999} {
		b.Rand = func() float64 { return r }
		for n := 1; n < 8; n++ {
			if d := b.Delay(n); d < 0 || d >= b.Bound(n) {
				t.Errorf("Delay(%d) with rand %v = %v outside [0,%v)", n, r, d, b.Bound(n))
			}
		}
	}
	b.Rand = nil
	for range 1000 {
		if d := b.Delay(3); d < 0 || d >= 400*time.Millisecond {
			t.Fatalf("Delay(3) = %v", d)
		}
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep with a live context = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An hour-long wait must end at once when the context is already done.
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep with a cancelled context = %v, want context.Canceled", err)
	}
}
