package logsearch

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A team's own Pulumi program adds logsearch to its existing VPC, private
// subnets and hosted zone. Run here under Pulumi's mocks, it prints the
// tree `pulumi preview` would show: the LogSearch, its stages, and how
// many cloud resources each stage holds.
func ExampleNew() {
	m := &mocks{project: "shop", stack: "shop-prod", region: "eu-west-1"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := DefaultArgs(ctx.Stack())
		args.Network.VpcID = "vpc-0123456789abcdef0"
		args.Network.SubnetIDs = []string{"subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"}
		args.Dashboards = DashboardsConfig{HostName: "logs.shop.example", HostedZone: "shop.example", OfficeCidrs: []string{"203.0.113.0/24"}}
		args.LogGroups = []LogGroupConfig{{Name: "/shop/web"}}
		args.AlarmEmails = []string{"ops@shop.example"}
		logs, err := New(ctx, "logs", &args)
		if err != nil {
			return err
		}
		ctx.Export("logsUrl", logs.DashboardsURL)
		return nil
	}, pulumi.WithMocks("shop", "shop-prod", m))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(previewTree(m.resources))
	// Output:
	// logsearch:index:LogSearch logs
	//   logsearch:index:Alarms logs-alarms (36 resources)
	//   logsearch:index:Archive logs-archive (0 resources)
	//   logsearch:index:DashboardsAccess logs-dashboards-access (27 resources)
	//   logsearch:index:DomainSetup logs-domain-setup (9 resources)
	//   logsearch:index:Ingestion logs-ingestion (9 resources)
	//   logsearch:index:Network logs-network (16 resources)
	//   logsearch:index:SearchDomain logs-search-domain (9 resources)
	//   logsearch:index:StackKey logs-stack-key (2 resources)
}

// New validates Args as the stack config is validated, listing every
// problem with the key it belongs to.
func ExampleNew_invalidArgs() {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := DefaultArgs(ctx.Stack())
		args.Network.VpcID = "vpc-0123456789abcdef0" // and no subnets
		args.RetentionDays = 0
		_, err := New(ctx, "logs", &args)
		return err
	}, pulumi.WithMocks("shop", "shop-prod", &mocks{stack: "shop-prod", region: "eu-west-1"}))
	var problems *ConfigError
	if errors.As(err, &problems) {
		for _, p := range problems.Problems {
			fmt.Println(p.Key)
		}
	}
	// Output:
	// logsearch:network.subnetIds
	// logsearch:dashboards.hostedZone
	// logsearch:dashboards.hostName
	// logsearch:dashboards.officeCidrs
	// logsearch:retentionDays
}

// previewTree renders registered components as the indented tree of
// `pulumi preview`, counting each stage's cloud resources.
func previewTree(resources []registered) string {
	count := map[string]int{}
	for _, r := range resources {
		if r.Custom {
			count[r.Parent]++
		}
	}
	var roots, stages []string
	for _, r := range resources {
		switch {
		case r.Type == typeLogSearch:
			roots = append(roots, r.Type+" "+r.LogicalName+"\n")
		case strings.HasPrefix(r.Type, componentTypePrefix):
			stages = append(stages, fmt.Sprintf("  %s %s (%d resources)\n", r.Type, r.LogicalName, count[r.URN]))
		}
	}
	slices.Sort(stages)
	return strings.Join(roots, "") + strings.Join(stages, "")
}
