// Package backoff spaces retries: exponential growth with "full jitter" (a
// uniformly random delay between zero and the exponential bound), which AWS
// recommends so that many functions throttled at once do not retry in
// lockstep.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff computes retry delays: exponential growth with "full jitter"
// (a uniformly random delay between zero and the exponential bound), which
// AWS recommends so that many functions throttled at once do not retry in
// lockstep.
type Backoff struct {
	// Base is the bound of the first retry's delay.
	Base time.Duration
	// Max caps the bound however many retries came before.
	Max time.Duration
	// Rand returns a float in [0,1). nil uses math/rand/v2.
	Rand func() float64
}

// Default starts at 200 ms and never waits more than 5 s.
var Default = Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second}

// Bound is the largest delay retry number n (1 for the first retry) may
// wait: min(Max, Base·2^(n-1)).
func (b Backoff) Bound(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Delay is a random delay in [0, Bound(n)).
func (b Backoff) Delay(n int) time.Duration {
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(r() * float64(b.Bound(n)))
}

// Sleep waits d, or returns ctx's error as soon as ctx ends, so a retry loop
// never outlives its invocation. Unlike time.After, it frees its timer at
// once when ctx ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
