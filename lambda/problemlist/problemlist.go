// Package problemlist renders every problem found in one pass as a single
// message, so the stack config and the ingest function's settings refuse
// bad input the same way: a heading that says how many and where to fix
// them, then one line per problem.
package problemlist

import (
	"fmt"
	"strings"
)

// Format writes heading (given the problem count) and then each problem
// on its own "  - " line.
func Format[P fmt.Stringer](heading func(count int) string, problems []P) string {
	var b strings.Builder
	b.WriteString(heading(len(problems)))
	for _, p := range problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}
