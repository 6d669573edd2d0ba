// Package infra is the logsearch Pulumi program. Program reads top-down like
// the architecture diagram in README.md#architecture: config, then one
// LogSearch component whose stages are, in order, the stack's KMS key,
// network, the S3 archive (when configured), search domain, ingestion (with
// the log groups' subscriptions), in-domain setup, dashboards access,
// alarms.
package infra

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program provisions one logsearch stack. main.go hands it to pulumi.Run and
// outside tools drive it by this name.
func Program(ctx *pulumi.Context) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	ls, err := New(ctx, DefaultName, cfg)
	if err != nil {
		return err
	}
	// Engineers sign in to Dashboards as the master user to add support
	// staff: `pulumi stack output masterPassword --show-secrets`.
	for name, value := range ls.outputs() {
		ctx.Export(name, value)
	}
	return nil
}
