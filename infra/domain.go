package infra

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SearchDomain is the OpenSearch Service domain and what later stages need of it.
type SearchDomain struct {
	Name           pulumi.StringOutput
	Arn            pulumi.StringOutput
	Endpoint       pulumi.StringOutput
	MasterUserName string
	MasterPassword pulumi.StringOutput // secret
	KmsKeyArn      pulumi.StringOutput
}

// NewSearchDomain STUB.
func NewSearchDomain(ctx *pulumi.Context, cfg *Config, network *Network) (*SearchDomain, error) {
	return nil, errors.New("NewSearchDomain: not implemented yet")
}

// NewDomainAccessPolicy STUB.
func NewDomainAccessPolicy(ctx *pulumi.Context, domain *SearchDomain, ingestion *Ingestion, setup *DomainSetup) error {
	return errors.New("NewDomainAccessPolicy: not implemented yet")
}
