package logsearch

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A team's own Pulumi program adds logsearch to its existing VPC, private
// subnets and hosted zone. Run here under Pulumi's mocks, it prints the
// tree `pulumi preview` would show: the LogSearch, its stages, and how
// many cloud resources each stage holds.
func ExampleNew() {
	runShopExample(func(ctx *pulumi.Context) error {
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
	})
	// Output:
	// logsearch:index:LogSearch logs
	//   logsearch:index:Alarms logs-alarms (39 resources)
	//   logsearch:index:Archive logs-archive (0 resources)
	//   logsearch:index:DashboardsAccess logs-dashboards-access (24 resources)
	//   logsearch:index:DomainSetup logs-domain-setup (9 resources)
	//   logsearch:index:Ingestion logs-ingestion (9 resources)
	//   logsearch:index:Network logs-network (16 resources)
	//   logsearch:index:SearchDomain logs-search-domain (12 resources)
	//   logsearch:index:StackKey logs-stack-key (2 resources)
	//   logsearch:index:StorageGuard logs-storage-guard (9 resources)
}

// A program that creates its own VPC, subnets and hosted zone hands their
// IDs to logsearch as Outputs (Args.Existing). Run under Pulumi's mocks, it
// prints the tree `pulumi preview` would show and where the security
// groups, the domain and the Dashboards record went.
func ExampleNew_ownVPC() {
	m := runShopExample(func(ctx *pulumi.Context) error {
		vpc, err := ec2.NewVpc(ctx, "shop", &ec2.VpcArgs{CidrBlock: pulumi.String("10.7.0.0/16"),
			EnableDnsSupport: pulumi.Bool(true), EnableDnsHostnames: pulumi.Bool(true)})
		if err != nil {
			return err
		}
		var subnets pulumi.StringArray
		for i, az := range []string{"eu-west-1a", "eu-west-1b"} {
			s, err := ec2.NewSubnet(ctx, fmt.Sprintf("shop-private-%d", i), &ec2.SubnetArgs{
				VpcId: vpc.ID(), CidrBlock: pulumi.Sprintf("10.7.%d.0/24", i), AvailabilityZone: pulumi.String(az)})
			if err != nil {
				return err
			}
			subnets = append(subnets, s.ID())
		}
		zone, err := route53.NewZone(ctx, "shop", &route53.ZoneArgs{Name: pulumi.String("shop.example")})
		if err != nil {
			return err
		}

		args := DefaultArgs(ctx.Stack())
		args.Existing = ExistingResources{VpcID: vpc.ID(), SubnetIDs: subnets, HostedZoneID: zone.ZoneId}
		args.Dashboards = DashboardsConfig{HostName: "logs.shop.example", HostedZone: "shop.example", OfficeCidrs: []string{"203.0.113.0/24"}}
		args.LogGroups = []LogGroupConfig{{Name: "/shop/web"}}
		args.AlarmEmails = []string{"ops@shop.example"}
		_, err = New(ctx, "logs", &args)
		return err
	})
	var placed []string
	vpcs := map[string]int{}
	for _, r := range m.resources {
		switch r.Type {
		case "aws:ec2/securityGroup:SecurityGroup":
			vpcs[r.Inputs["vpcId"].StringValue()]++
		case "aws:opensearch/domain:Domain":
			placed = append(placed, fmt.Sprint("domain in subnets ", plainValue(r.Inputs["vpcOptions"]).(map[string]any)["subnetIds"]))
		case "aws:route53/record:Record":
			placed = append(placed, fmt.Sprintf("record %s in zone %s", r.Name, r.Inputs["zoneId"].StringValue()))
		}
	}
	placed = append(placed, fmt.Sprint("security groups by VPC: ", vpcs))
	slices.Sort(placed)
	fmt.Println(strings.Join(placed, "\n"))
	// Output:
	// logsearch:index:LogSearch logs
	//   logsearch:index:Alarms logs-alarms (39 resources)
	//   logsearch:index:Archive logs-archive (0 resources)
	//   logsearch:index:DashboardsAccess logs-dashboards-access (24 resources)
	//   logsearch:index:DomainSetup logs-domain-setup (9 resources)
	//   logsearch:index:Ingestion logs-ingestion (9 resources)
	//   logsearch:index:Network logs-network (16 resources)
	//   logsearch:index:SearchDomain logs-search-domain (12 resources)
	//   logsearch:index:StackKey logs-stack-key (2 resources)
	//   logsearch:index:StorageGuard logs-storage-guard (9 resources)
	// domain in subnets [subnet-shop-private-0]
	// record dashboards in zone ZSHOP
	// record dashboards-cert-validation in zone ZSHOP
	// security groups by VPC: map[vpc-shop:5]
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

// runShopExample runs program under the mocks as the shop team's stack
// and prints the tree `pulumi preview` would show, or the error.
func runShopExample(program pulumi.RunFunc) *mocks {
	m := &mocks{project: "shop", stack: "shop-prod", region: "eu-west-1"}
	if err := pulumi.RunErr(program, pulumi.WithMocks("shop", "shop-prod", m)); err != nil {
		fmt.Println(err)
		return m
	}
	fmt.Print(previewTree(m.resources))
	return m
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
