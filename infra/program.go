// Package infra is the logsearch Pulumi program. Program reads top-down like
// the architecture diagram in README.md#architecture: config, the stack's KMS key,
// network, search domain, ingestion, in-domain setup, the log groups'
// subscriptions, dashboards access, alarms.
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
	key, err := NewStackKey(ctx, cfg)
	if err != nil {
		return err
	}
	network, err := NewNetwork(ctx, cfg, key)
	if err != nil {
		return err
	}
	domain, err := NewSearchDomain(ctx, cfg, network, key)
	if err != nil {
		return err
	}
	ingestion, err := NewIngestion(ctx, cfg, network, domain)
	if err != nil {
		return err
	}
	accessPolicy, err := NewDomainAccessPolicy(ctx, domain, ingestion)
	if err != nil {
		return err
	}
	setup, err := NewDomainSetup(ctx, cfg, network, domain, ingestion, pulumi.DependsOn([]pulumi.Resource{accessPolicy}))
	if err != nil {
		return err
	}
	if err := SubscribeLogGroups(ctx, cfg, ingestion, setup.Invocation); err != nil {
		return err
	}
	dashboards, err := NewDashboardsAccess(ctx, cfg, network, domain)
	if err != nil {
		return err
	}
	if err := NewAlarms(ctx, cfg, domain, ingestion, setup, dashboards); err != nil {
		return err
	}

	ctx.Export("dashboardsUrl", dashboards.URL)
	ctx.Export("domainEndpoint", domain.Endpoint)
	ctx.Export("domainArn", domain.Arn)
	ctx.Export("ingestFunctionName", ingestion.FunctionName)
	ctx.Export("dlqUrl", ingestion.DLQURL)
	// Engineers sign in to Dashboards as the master user to add support
	// staff: `pulumi stack output masterPassword --show-secrets`.
	ctx.Export("masterUserName", pulumi.String(domain.MasterUserName))
	ctx.Export("masterPassword", domain.MasterPassword)
	return nil
}
