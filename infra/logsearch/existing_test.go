package logsearch

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ownNetwork is what a team's program creates itself before adding
// logsearch: a VPC, two private subnets in two zones, a hosted zone.
type ownNetwork struct {
	vpc     *ec2.Vpc
	subnets []*ec2.Subnet
	zone    *route53.Zone
}

const ownZoneName = "shop.example"

func newOwnNetwork(ctx *pulumi.Context) (*ownNetwork, error) {
	vpc, err := ec2.NewVpc(ctx, "shop-vpc", &ec2.VpcArgs{CidrBlock: pulumi.String("10.7.0.0/16"),
		EnableDnsSupport: pulumi.Bool(true), EnableDnsHostnames: pulumi.Bool(true)})
	if err != nil {
		return nil, err
	}
	own := &ownNetwork{vpc: vpc}
	for i, az := range []string{"a", "b"} {
		s, err := ec2.NewSubnet(ctx, fmt.Sprintf("shop-private-%d", i), &ec2.SubnetArgs{VpcId: vpc.ID(),
			CidrBlock: pulumi.Sprintf("10.7.%d.0/24", i), AvailabilityZoneId: pulumi.String("euw1-az" + az)})
		if err != nil {
			return nil, err
		}
		own.subnets = append(own.subnets, s)
	}
	if own.zone, err = route53.NewZone(ctx, "shop-zone", &route53.ZoneArgs{Name: pulumi.String(ownZoneName)}); err != nil {
		return nil, err
	}
	return own, nil
}

// subnetIDs are the subnets' IDs as an array of Outputs (its length is
// known when the program runs).
func (o *ownNetwork) subnetIDs() pulumi.StringArray {
	var ids pulumi.StringArray
	for _, s := range o.subnets {
		ids = append(ids, s.ID()) // an IDOutput, as programs write it
	}
	return ids
}

// ownNetworkArgs are Args for logsearch in a program's own network, the
// network's IDs not yet set.
func ownNetworkArgs(ctx *pulumi.Context) Args {
	args := DefaultArgs(ctx.Stack())
	args.Dashboards = DashboardsConfig{HostName: "logs." + ownZoneName, HostedZone: ownZoneName, OfficeCidrs: []string{"203.0.113.0/24"}}
	args.LogGroups = []LogGroupConfig{{Name: "/shop/web"}}
	args.AlarmEmails = []string{"ops@" + ownZoneName}
	return args
}

// runOwnNetwork runs a program that creates its own network and hands it
// to New as set does.
func runOwnNetwork(t *testing.T, set func(*Args, *ownNetwork)) (*stackRun, error) {
	t.Helper()
	return runProgram(t, "dev", "dev", nil, func(ctx *pulumi.Context) error {
		own, err := newOwnNetwork(ctx)
		if err != nil {
			return err
		}
		args := ownNetworkArgs(ctx)
		set(&args, own)
		_, err = New(ctx, "logs", &args)
		return err
	})
}

// A program's own VPC, subnets and zone, handed over as Outputs, get
// exactly the resources (and so the controls) that the same IDs written
// out as strings get: security groups in that VPC, the domain in the
// first subnet, load balancer, functions and SQS endpoint in both, the
// Dashboards record and the certificate's validation record in that zone.
func TestNewTakesTheProgramsOwnNetworkAsOutputs(t *testing.T) {
	outputs, err := runOwnNetwork(t, func(a *Args, own *ownNetwork) {
		a.Existing = ExistingResources{VpcID: own.vpc.ID(), SubnetIDs: own.subnetIDs(), HostedZoneID: own.zone.ZoneId}
	})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := outputs.one(t, "aws:ec2/vpc:Vpc", "shop-vpc").ID
	subnets := []string{outputs.one(t, "aws:ec2/subnet:Subnet", "shop-private-0").ID, outputs.one(t, "aws:ec2/subnet:Subnet", "shop-private-1").ID}
	zoneID := outputs.one(t, "aws:route53/zone:Zone", "shop-zone").ID

	// The same program with the IDs as plain strings, the zone looked up
	// by its name.
	stringsRun, err := runOwnNetwork(t, func(a *Args, _ *ownNetwork) {
		a.Network.VpcID, a.Network.SubnetIDs = vpcID, subnets
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range outputs.ofType("aws:ec2/securityGroup:SecurityGroup") {
		if got := str(t, r.Inputs, "vpcId"); got != vpcID {
			t.Errorf("security group %s: vpcId %q, want the program's VPC %q", r.Name, got, vpcID)
		}
	}
	domain := outputs.one(t, "aws:opensearch/domain:Domain", "domain")
	if got := fmt.Sprint(get(t, domain.Inputs, "vpcOptions.subnetIds")); got != fmt.Sprint(subnets[:1]) {
		t.Errorf("domain subnets %s, want the program's first subnet %v", got, subnets[:1])
	}
	if got := fmt.Sprint(get(t, outputs.one(t, "aws:lb/loadBalancer:LoadBalancer", "dashboards").Inputs, "subnets")); got != fmt.Sprint(subnets) {
		t.Errorf("load balancer subnets %s, want the program's %v", got, subnets)
	}
	for _, name := range []string{"dashboards", "dashboards-cert-validation"} {
		if got := str(t, outputs.one(t, "aws:route53/record:Record", name).Inputs, "zoneId"); got != zoneID {
			t.Errorf("record %s: zoneId %q, want the program's zone %q", name, got, zoneID)
		}
	}
	for _, inv := range outputs.Invokes {
		if _, byName := inv.Args["name"]; inv.Token == "aws:route53/getZone:getZone" && byName {
			t.Errorf("the zone was looked up by name (%v); with Existing.HostedZoneID it may not exist yet", inv.Args)
		}
	}

	snapshots := func(run *stackRun, zone string) map[string]string {
		out := map[string]string{}
		for _, r := range run.Resources {
			if r.Instance == "logs" {
				out[r.Type+" "+r.Name] = r.Parent + " " + strings.ReplaceAll(string(snapshotOf(r)), zone, "<zone>")
			}
		}
		return out
	}
	want, got := snapshots(stringsRun, mockZoneID), snapshots(outputs, zoneID)
	if len(want) < len(stageKinds) {
		t.Fatalf("the string path registered only %d logsearch resources", len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s differs from the string path:\n got %s\nwant %s", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is registered only with Outputs", k)
		}
	}
}

// Outputs that turn out wrong fail with the Args field named: at once when
// the program already knows (an array's length, a string), otherwise when
// the values resolve, before the domain is created in the wrong place.
func TestNewRefusesBadExistingResources(t *testing.T) {
	for _, tc := range []struct {
		name      string
		set       func(*Args, *ownNetwork)
		key, want string
		atOnce    bool // refused before any logsearch resource is registered
	}{
		{
			name: "one subnet, array length known",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: o.subnetIDs()[:1]}
			},
			key: "Args.Existing.SubnetIDs", want: "list at least 2 private subnets", atOnce: true,
		},
		{
			name: "one subnet in an array Output",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: o.subnetIDs()[:1].ToStringArrayOutput()}
			},
			key: "Args.Existing.SubnetIDs", want: "list at least 2 private subnets",
		},
		{
			name: "fewer subnets than the domain's zones, array Output",
			set: func(a *Args, o *ownNetwork) {
				a.Domain.ZoneAwareness, a.Domain.AzCount, a.Domain.InstanceCount = true, 3, 3
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: o.subnetIDs().ToStringArrayOutput()}
			},
			key: "Args.Existing.SubnetIDs", want: "the domain spans 3 AZs",
		},
		{
			name: "the same subnet twice",
			set: func(a *Args, o *ownNetwork) {
				id := o.subnets[0].ID().ToStringOutput()
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: pulumi.StringArray{id, id}}
			},
			key: "Args.Existing.SubnetIDs[1]", want: "listed twice",
		},
		{
			name: "a subnet's ID as the VPC",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{VpcID: o.subnets[0].ID().ToStringOutput(), SubnetIDs: o.subnetIDs()}
			},
			key: "Args.Existing.VpcID", want: "not a VPC ID",
		},
		{
			name: "a known string that is no VPC ID",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{VpcID: pulumi.String("vcp-0123"), SubnetIDs: o.subnetIDs()}
			},
			key: "Args.Existing.VpcID", want: "not a VPC ID", atOnce: true,
		},
		{
			name: "the VPC given twice",
			set: func(a *Args, o *ownNetwork) {
				a.Network.VpcID = "vpc-0123456789abcdef0"
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: o.subnetIDs()}
			},
			key: "Args.Existing.VpcID", want: "give the VPC once", atOnce: true,
		},
		{
			name: "subnets without a VPC",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{SubnetIDs: o.subnetIDs()}
			},
			key: "Args.Existing.SubnetIDs", want: "only used with network.vpcId", atOnce: true,
		},
		{
			name: "sqsEndpoint false with the VPC an Output",
			set: func(a *Args, o *ownNetwork) {
				a.Network.SqsEndpoint = false
				a.Existing = ExistingResources{VpcID: o.vpc.ID().ToStringOutput(), SubnetIDs: o.subnetIDs()}
			},
			key: "logsearch:network.sqsEndpoint", want: "Args.Existing.VpcID is an Output", atOnce: true,
		},
		{
			name: "the zone's ARN as its ID",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{HostedZoneID: o.zone.Arn}
				a.Network.TransitGatewayID = "tgw-0123456789abcdef0" // a new VPC's way in from the office
			},
			key: "Args.Existing.HostedZoneID", want: "not a Route53 hosted zone ID",
		},
		{
			// A certificate requested for a private zone would wait for
			// DNS validation until it times out: ACM validates only over
			// public DNS (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
			name: "a private zone's ID without PrivateZone",
			set: func(a *Args, o *ownNetwork) {
				a.Existing = ExistingResources{VpcID: o.vpc.ID(), SubnetIDs: o.subnetIDs(), HostedZoneID: pulumi.String(mockPrivateZoneID)}
			},
			key: "Args.Existing.HostedZoneID", want: "is a private hosted zone, but Dashboards.PrivateZone is false",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := runOwnNetwork(t, tc.set)
			if err == nil {
				t.Fatalf("New accepted it; want an error naming %s", tc.key)
			}
			if !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to name %s and say %q", err, tc.key, tc.want)
			}
			var problems *ConfigError
			if !errors.As(err, &problems) {
				t.Errorf("error %v is no *ConfigError", err)
			}
			ours := slices.ContainsFunc(run.Resources, func(r registered) bool { return r.Instance == "logs" })
			if ours != !tc.atOnce {
				t.Errorf("logsearch resources registered: %v, want %v (refused when the program runs: %v)", ours, !tc.atOnce, tc.atOnce)
			}
			// What sits in the wrong place would have to be deleted again.
			blocked := "aws:opensearch/domain:Domain"
			if strings.Contains(tc.key, "HostedZoneID") {
				blocked = "aws:route53/record:Record"
			}
			if got := run.ofType(blocked); len(got) > 0 {
				t.Errorf("%s registered in spite of the bad %s", blocked, tc.key)
			}
		})
	}
}

// TestNewVpcSettingsInAnExistingVpcWarn: vpcCidr, azCount and flowLogs
// shape only a VPC the stack creates; written beside network.vpcId they
// are ignored, and the check says so (it deploys: nothing is wrong with
// the VPC), naming exactly the settings written.
func TestNewVpcSettingsInAnExistingVpcWarn(t *testing.T) {
	for _, c := range []struct {
		name    string
		changes map[string]any
		warns   string // "" for no warning
	}{
		{"none written", nil, ""},
		{"flow logs asked for", map[string]any{"flowLogs": true}, "logsearch:network: flowLogs shape only a new VPC"},
		{"copied from a new VPC's file", map[string]any{"vpcCidr": "10.40.0.0/16", "azCount": 2, "flowLogs": false}, "logsearch:network: vpcCidr, azCount, flowLogs shape only a new VPC"},
	} {
		t.Run(c.name, func(t *testing.T) {
			values, secrets := stackConfig(t, "existing")
			values["logsearch:network"] = fixtureObject(t, "existing", "network", c.changes)
			cfg, ps, warnings := checkStack("existing", mapSource{values: values, secrets: secrets}, nil)
			if len(ps) > 0 {
				t.Fatal(&ConfigError{Stack: cfg.Stack, Problems: ps})
			}
			got := ""
			for _, w := range warnings {
				if strings.HasPrefix(w, "logsearch:network:") {
					got = w
				}
			}
			if c.warns == "" && got != "" || c.warns != "" && !strings.HasPrefix(got, c.warns) {
				t.Errorf("warning %q, want one starting %q", got, c.warns)
			}
		})
	}
}
