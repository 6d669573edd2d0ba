package infra

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Ingestion is the ingest function, its role and its dead-letter queue.
type Ingestion struct {
	FunctionName pulumi.StringOutput
	FunctionArn  pulumi.StringOutput
	RoleArn      pulumi.StringOutput
	DLQURL       pulumi.StringOutput
	DLQArn       pulumi.StringOutput
	DLQName      pulumi.StringOutput
}

// NewIngestion STUB.
func NewIngestion(ctx *pulumi.Context, cfg *Config, network *Network, domain *SearchDomain) (*Ingestion, error) {
	return nil, errors.New("NewIngestion: not implemented yet")
}
