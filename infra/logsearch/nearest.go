package logsearch

import (
	"strings"

	"github.com/agnivade/levenshtein"
)

// maxTypoDistance is how many edits away a name may be from a valid one to
// be suggested: a typo or a missing plural s, not another word.
const maxTypoDistance = 2

// nearestKey is the valid key closest to name: the same ignoring case, or
// at most maxTypoDistance edits away; "" when none is close.
func nearestKey(name string, valid []string) string {
	best, bestDist := "", maxTypoDistance+1
	for _, v := range valid {
		if strings.EqualFold(v, name) {
			return v
		}
		if d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(v)); d < bestDist {
			best, bestDist = v, d
		}
	}
	return best
}

// didYouMean is " Did you mean X?" for the nearest of valid, or "".
func didYouMean(name string, valid []string) string {
	if near := nearestKey(name, valid); near != "" {
		return " Did you mean " + near + "?"
	}
	return ""
}
