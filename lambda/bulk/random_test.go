package bulk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestRandomAnswersAccountForEveryItem drives the Indexer with answers
// drawn at random from what a domain, or whatever stands in front of it,
// may answer: per-item statuses of every class, rebuilt items, whole
// requests refused, split, retried, cut short or unreadable, and
// connection errors. Whatever the draw, every item ends in exactly one
// outcome, and an item counted as indexed was answered 2xx, under its own
// _id, the last time it was sent.
func TestRandomAnswersAccountForEveryItem(t *testing.T) {
	for seed := uint64(1); seed <= 400; seed++ {
		buffered := seed%2 == 0 // answers read into one reused buffer, as Client does
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 1 + rng.IntN(40)
			in := items(n, 50+rng.IntN(300))
			for k := range in {
				if rng.IntN(3) == 0 {
					id := in[k].ID
					in[k].Rebuild = func(ref, status int, reason string) ([]byte, bool) {
						if rng.IntN(3) == 0 {
							return nil, false
						}
						return item(ref, id, 50+rng.IntN(400)).Body, true
					}
				}
			}
			lastOK := map[string]bool{} // per id: was its last send answered 2xx?
			p := posterFunc(func(_ context.Context, body []byte) (int, []byte, error) {
				ids := idsOf(t, body)
				for _, id := range ids {
					lastOK[id] = false
				}
				switch rng.IntN(12) {
				case 0:
					return 0, nil, errors.New("connection reset by peer")
				case 1:
					return []int{429, 500, 502, 503, 504}[rng.IntN(5)], []byte("busy"), nil
				case 2:
					return []int{400, 413}[rng.IntN(2)], []byte("{}"), nil
				case 3:
					return []int{401, 403, 404, 301}[rng.IntN(4)], nil, nil
				case 4: // cut short
					r := itemsResponse(ids, func(string) int { return 201 })
					return 200, r[:rng.IntN(len(r))], nil
				case 5: // an item too few or too many, or ids swapped
					alt := append([]string(nil), ids...)
					switch {
					case len(alt) > 1 && rng.IntN(2) == 0:
						alt[0], alt[1] = alt[1], alt[0]
					case rng.IntN(2) == 0:
						alt = alt[1:]
					default:
						alt = append(alt, "extra")
					}
					return 200, itemsResponse(alt, func(string) int { return 201 }), nil
				}
				statuses := map[string]int{}
				resp := itemsResponse(ids, func(id string) int {
					s := []int{200, 201, 201, 201, 400, 400, 403, 404, 409, 429, 500, 503}[rng.IntN(12)]
					statuses[id] = s
					return s
				})
				for id, s := range statuses {
					lastOK[id] = s >= 200 && s < 300
				}
				switch rng.IntN(4) {
				case 0: // the compact layout the fast path reads
					resp = bytes.ReplaceAll(resp, []byte(`"_index":"cwl-2024.01.01",`), nil)
				case 1: // ids escaped, read by the general scan
					resp = bytes.ReplaceAll(resp, []byte(`"_id":"id`), []byte(`"_id":"\u0069d`))
				}
				return 200, resp, nil
			})
			var poster Poster = p
			if buffered {
				poster = &reusingPoster{Poster: p, t: t}
			}
			ix, err := New(poster, Config{MaxBytes: 200 + rng.IntN(4000), MaxAttempts: 1 + rng.IntN(8), Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			res := ix.Index(context.Background(), in)
			accounted(t, in, res)
			for _, ref := range res.Indexed {
				if !lastOK[in[ref].ID] {
					t.Errorf("item %s counted as indexed, but its last send was not answered 2xx", in[ref].ID)
				}
			}
			for _, f := range append(res.Failed, res.Unresolved...) {
				if strings.TrimSpace(f.Reason) == "" {
					t.Errorf("item %d failed without a reason", f.Ref)
				}
			}
		})
	}
}
