package logsearch

import (
	"fmt"
	"testing"
)

const (
	rtRouteTable  = "aws:ec2/routeTable:RouteTable"
	rtRouteTableA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
)

// TestNewVpcSubnetsPerZone: with a NAT gateway the new VPC has, per zone,
// one private and one public subnet in the same zone, each routed only by
// its own kind's route table, and the NAT gateway sits in the first public
// subnet. The stack files have no NAT gateway, so the golden snapshots do
// not cover the public side.
func TestNewVpcSubnetsPerZone(t *testing.T) {
	for _, azCount := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d zones", azCount), func(t *testing.T) {
			run := mustRunStack(t, "dev", map[string]string{
				"logsearch:network": fmt.Sprintf(`{"vpcCidr": "10.40.0.0/16", "azCount": %d, "natGateway": true, "officeVpn": {"routerIp": "198.51.100.7"}}`, azCount),
			})
			tables := map[string]string{} // route table ID -> kind
			for _, kind := range []string{"private", "public"} {
				tables[run.one(t, rtRouteTable, kind+"-rt").ID] = kind
			}
			routedBy := map[string][]string{} // subnet ID -> kinds of its route tables
			for _, a := range run.ofType(rtRouteTableA) {
				subnet := str(t, a.Inputs, "subnetId")
				routedBy[subnet] = append(routedBy[subnet], tables[str(t, a.Inputs, "routeTableId")])
			}
			for i := 0; i < azCount; i++ {
				private := run.one(t, rtSubnet, fmt.Sprintf("private-%d", i))
				public := run.one(t, rtSubnet, fmt.Sprintf("public-%d", i))
				if pz, uz := str(t, private.Inputs, "availabilityZone"), str(t, public.Inputs, "availabilityZone"); pz != uz {
					t.Errorf("zone %d: private subnet in %s, public in %s", i, pz, uz)
				}
				for kind, s := range map[string]registered{"private": private, "public": public} {
					if got := routedBy[s.ID]; len(got) != 1 || got[0] != kind {
						t.Errorf("%s routed by %v, want only the %s route table", s.Name, got, kind)
					}
					if get(t, s.Inputs, "mapPublicIpOnLaunch") != false {
						t.Errorf("%s hands out public IPs", s.Name)
					}
				}
			}
			nat := run.one(t, rtNat, "nat")
			if got, want := str(t, nat.Inputs, "subnetId"), run.one(t, rtSubnet, "public-0").ID; got != want {
				t.Errorf("NAT gateway in subnet %s, want public-0 (%s)", got, want)
			}
		})
	}
}
