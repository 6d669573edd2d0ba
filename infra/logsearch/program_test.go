package logsearch_test

import (
	"github.com/logsearch/logsearch/infra"
	"github.com/logsearch/logsearch/infra/logsearch"
)

// The harness runs the project's real program, which this external test
// package may import.
func init() { logsearch.StackProgram = infra.Program }
