// Command logsearch is the Pulumi program; all of it lives in package infra.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/infra"
)

func main() {
	pulumi.Run(infra.Program)
}
