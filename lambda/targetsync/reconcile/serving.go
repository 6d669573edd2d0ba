package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
)

// Resolver looks up the addresses a host name resolves to. *net.Resolver
// satisfies it; tests pass a fake, so no test depends on real DNS.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// ServingIPs narrows the domain's network-interface IPs to those its
// endpoint currently resolves to. The endpoint's DNS is what OpenSearch
// Service keeps pointed at the nodes that serve: a VPC domain's IPs change
// on every blue/green deployment, and AWS tells clients to use the
// endpoint rather than fixed IPs
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html).
// Requiring both sources keeps out an interface the service has created
// but not yet put in DNS (reserved for a deployment in progress) and one
// it has taken out of DNS but not yet deleted (departing), while an IP in
// DNS that is not one of this domain's in-use interfaces (a stale answer,
// a wrong endpoint) never becomes a target either.
type ServingIPs struct {
	Interfaces DomainIPs
	Resolver   Resolver
	// Endpoint is the domain endpoint host name, without https://.
	Endpoint string
	Log      *slog.Logger
}

// DomainIPs resolves the endpoint on every call and returns the IPs in
// both sources. An error from either source is returned (Run then changes
// nothing); an empty intersection is returned as is, and Run leaves the
// target group alone.
func (s ServingIPs) DomainIPs(ctx context.Context) ([]string, error) {
	onInterfaces, err := s.Interfaces.DomainIPs(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the domain's network interfaces: %w", err)
	}
	inDNS, err := s.Resolver.LookupHost(ctx, s.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("resolving the domain endpoint %s: %w", s.Endpoint, err)
	}
	eni, err := normalize(onInterfaces)
	if err != nil {
		return nil, err
	}
	dns, err := normalize(inDNS)
	if err != nil {
		return nil, fmt.Errorf("the domain endpoint %s resolved to a non-IP: %w", s.Endpoint, err)
	}
	var both, onlyENI, onlyDNS []string
	for _, ip := range eni {
		if slices.Contains(dns, ip) {
			both = append(both, ip)
		} else {
			onlyENI = append(onlyENI, ip)
		}
	}
	for _, ip := range dns {
		if !slices.Contains(eni, ip) {
			onlyDNS = append(onlyDNS, ip)
		}
	}
	if (len(onlyENI) > 0 || len(onlyDNS) > 0) && s.Log != nil {
		s.Log.Info("left out IPs not both in the endpoint's DNS and on the domain's in-use interfaces",
			"serving_ips", both, "interface_only", onlyENI, "dns_only", onlyDNS)
	}
	return both, nil
}
