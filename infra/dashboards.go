package infra

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DashboardsAccess is the office entry: internal ALB, listeners, DNS name.
type DashboardsAccess struct {
	URL                   pulumi.StringOutput
	LoadBalancerArnSuffix pulumi.StringOutput
	TargetGroupArnSuffix  pulumi.StringOutput
}

// NewDashboardsAccess STUB.
func NewDashboardsAccess(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain) (*DashboardsAccess, error) {
	return nil, errors.New("NewDashboardsAccess: not implemented yet")
}
