package syncbuffer

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWrites is meant for -race: writers and a reader run at
// once, and no write is lost or torn.
func TestConcurrentWrites(t *testing.T) {
	const writers, lines = 8, 200
	var b Buffer
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range lines {
				if _, err := b.Write([]byte{'a' + byte(w), '\n'}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range lines {
			_ = b.String()
		}
	}()
	wg.Wait()
	<-done
	got := b.String()
	if n := strings.Count(got, "\n"); n != writers*lines {
		t.Fatalf("%d lines written, want %d", n, writers*lines)
	}
	for w := range writers {
		if n := strings.Count(got, string(rune('a'+w))+"\n"); n != lines {
			t.Errorf("writer %d: %d whole lines, want %d", w, n, lines)
		}
	}
}
