// Command logsearch is the Pulumi program: package infra, built on the component in infra/logsearch.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/infra"
)

// outsideEngineHint is printed when the program is started by hand:
// pulumi.Run would exit 32 without a word.
const outsideEngineHint = "logsearch is a Pulumi program: run it with `pulumi preview` or `pulumi up --stack <stack>` from this directory, and test it with `go test ./...`"

func main() {
	if outsideEngine(os.Getenv) {
		fmt.Fprintln(os.Stderr, outsideEngineHint)
		os.Exit(2)
	}
	pulumi.Run(infra.Program)
}

// outsideEngine reports whether the Pulumi engine did not start this
// process. The engine always passes its resource monitor's address
// (PULUMI_MONITOR), except when it only asks which plugins the program
// needs (PULUMI_PLUGINS); see getEnvInfo in the Go SDK's pulumi/run.go.
func outsideEngine(getenv func(string) string) bool {
	return getenv(pulumi.EnvMonitor) == "" && getenv("PULUMI_PLUGINS") == ""
}
