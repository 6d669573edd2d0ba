package problemlist

import "strings"

// Nearest is the candidate closest to name, for a "did you mean": the
// same ignoring case, or at most 2 edits away (a typo, a missing plural
// s); "" when none is close.
func Nearest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, v := range candidates {
		if strings.EqualFold(v, name) {
			return v
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(v)); d < bestDist {
			best, bestDist = v, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
