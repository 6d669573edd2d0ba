// Command checkstack checks stack files offline, with the program's own
// validation and without AWS or the Pulumi CLI: every problem once, then
// every warning.
//
//	go run ./infra/checkstack Pulumi.mine.yaml [Pulumi.other.yaml ...]
//
// Exit status: 0 when no file has a problem (warnings do not count), 1
// when one has, 2 when a file cannot be read.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/logsearch/logsearch/infra/logsearch"
)

const usage = "usage: go run ./infra/checkstack Pulumi.<stack>.yaml [Pulumi.<stack>.yaml ...]"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		_, _ = fmt.Fprintln(stderr, usage)
		return 2
	}
	status := 0
	for _, path := range paths {
		res, err := logsearch.CheckStackFile(path)
		if err != nil {
			_, _ = fmt.Fprintln(stderr, err)
			status = 2
			continue
		}
		if err := res.Err(); err != nil {
			_, _ = fmt.Fprintf(stdout, "%s: %v\n", path, err)
			status = max(status, 1)
		} else {
			_, _ = fmt.Fprintf(stdout, "%s: no problems\n", path)
		}
		if len(res.Warnings) > 0 {
			_, _ = fmt.Fprintf(stdout, "%s: %d warning(s); the deployment goes ahead with them:\n", path, len(res.Warnings))
			for _, w := range res.Warnings {
				_, _ = fmt.Fprintf(stdout, "  - %s\n", w)
			}
		}
	}
	return status
}
