package infra

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DomainSetup is the function that configures the inside of the domain.
type DomainSetup struct {
	RoleArn pulumi.StringOutput
}

// NewDomainSetup STUB: returns no role until issue 4 lands.
func NewDomainSetup(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain, ingestion *Ingestion) (*DomainSetup, error) {
	return &DomainSetup{}, nil
}
