// Package infra is the logsearch Pulumi program. Program reads top-down like
// the architecture diagram in README.md#architecture: config, the stack's
// KMS key, network, the S3 archive (when configured), search domain,
// ingestion, in-domain setup, the log groups' subscriptions, dashboards
// access, alarms.
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
	archive, err := NewArchive(ctx, cfg, key)
	if err != nil {
		return err
	}
	domain, err := NewSearchDomain(ctx, cfg, network, key)
	if err != nil {
		return err
	}
	if err := NewSamlSignIn(ctx, cfg, domain); err != nil {
		return err
	}
	ingestion, err := NewIngestion(ctx, cfg, network, domain, archive)
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
	alarms, err := NewAlarms(ctx, cfg, domain, ingestion, setup, dashboards)
	if err != nil {
		return err
	}

	ctx.Export("dashboardsUrl", dashboards.URL)
	ctx.Export("domainEndpoint", domain.Endpoint)
	ctx.Export("domainArn", domain.Arn)
	ctx.Export("ingestFunctionName", ingestion.FunctionName)
	ctx.Export("dlqUrl", ingestion.DLQURL)
	ctx.Export("alarmTopicArn", alarms.TopicArn)
	ctx.Export("operationsDashboardUrl", alarms.DashboardURL)
	ctx.Export("targetSyncFunctionName", dashboards.TargetSyncFunctionName)
	// Where backfill reads from: s3://<bucket>/<prefix>, "" without an archive.
	ctx.Export("archiveUrl", archive.URL)
	// Engineers sign in to Dashboards as the master user to add support
	// staff: `pulumi stack output masterPassword --show-secrets`.
	ctx.Export("masterUserName", pulumi.String(domain.MasterUserName))
	ctx.Export("masterPassword", domain.MasterPassword)
	return nil
}
