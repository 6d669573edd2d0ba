package infra

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Network is the VPC, its private subnets and every security group of the
// stack; all SGs live here so their cross-references read in one place.
type Network struct {
	VpcID                 pulumi.StringOutput
	PrivateSubnetIDs      pulumi.StringArrayOutput
	DomainSecurityGroupID pulumi.StringOutput
	IngestSecurityGroupID pulumi.StringOutput
	SetupSecurityGroupID  pulumi.StringOutput
	AlbSecurityGroupID    pulumi.StringOutput
}

// NewNetwork STUB.
func NewNetwork(ctx *pulumi.Context, cfg *Config) (*Network, error) {
	return nil, errors.New("NewNetwork: not implemented yet")
}
