package fakeopensearch

import "testing"

// Each mutation is the fake with one OpenSearch rule switched off: a
// deliberately wrong fake. The conformance cases must notice every one,
// or the rule is not really checked.
func TestMutationsAreCaught(t *testing.T) {
	for _, r := range allRules {
		t.Run(string(r), func(t *testing.T) {
			caught := ""
			for _, c := range conformanceCases {
				if c.skip != "" {
					continue
				}
				if bad := runCase(t, c, map[rule]bool{r: true}); len(bad) > 0 {
					caught = c.group + "/" + c.name + ": " + bad[0]
					break
				}
			}
			if caught == "" {
				t.Errorf("a fake without the rule %q passes every conformance case", r)
				return
			}
			t.Logf("caught by %s", caught)
		})
	}
}
