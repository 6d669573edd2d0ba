// Package infra is the logsearch Pulumi program: the stack config becomes
// one LogSearch component (package infra/logsearch), whose outputs become
// the stack outputs.
package infra

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/infra/logsearch"
)

// Program provisions one logsearch stack. main.go hands it to pulumi.Run and
// outside tools drive it by this name.
func Program(ctx *pulumi.Context) error {
	cfg, err := logsearch.LoadConfig(ctx)
	if err != nil {
		return err
	}
	ls, err := logsearch.New(ctx, logsearch.DefaultName, cfg)
	if err != nil {
		return err
	}
	// Engineers sign in to Dashboards as the master user to add support
	// staff: `pulumi stack output masterPassword --show-secrets`.
	for name, value := range ls.Outputs() {
		ctx.Export(name, value)
	}
	return nil
}
