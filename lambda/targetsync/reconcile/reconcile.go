// Package reconcile keeps an ALB IP target group pointed at the private IPs an
// OpenSearch Service domain currently serves on.
//
// OpenSearch Service replaces every node, and with it every ENI IP, on a
// blue/green deployment. Reconcile registers the domain's new IPs first and
// deregisters IPs the domain no longer has only once at least one of the
// domain's IPs is healthy in the group, so the office entry never points at
// nothing while the domain is reachable. It knows nothing of AWS SDKs: the two
// small interfaces below are all it needs, which keeps it testable with fakes.
package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
)

// StateHealthy is the ELBv2 target health state that proves a target serves.
// Every other state (initial, unhealthy, unused, draining, unavailable) does not.
const StateHealthy = "healthy"

// stateDraining marks a target already on its way out; it counts neither as
// present (a returning IP is registered again) nor as stale.
const stateDraining = "draining"

// Target is one registered target group member as ELBv2 reports it.
type Target struct {
	IP    string
	Port  int32 // 0 when the group's default port applies
	State string
}

// DomainIPs reports the private IPs the domain serves on right now.
type DomainIPs interface {
	DomainIPs(ctx context.Context) ([]string, error)
}

// TargetGroup is the narrow view of the ELBv2 target group the sync needs.
type TargetGroup interface {
	Targets(ctx context.Context) ([]Target, error)
	Register(ctx context.Context, ips []string) error
	Deregister(ctx context.Context, targets []Target) error
}

// Result says what one run changed and what it deliberately left alone.
type Result struct {
	DomainIPs    []string
	Registered   []string
	Deregistered []string
	// Waiting are IPs the domain no longer has, kept until a domain IP is
	// healthy in the group.
	Waiting []string
}

// Changed reports whether the run registered or deregistered anything.
func (r Result) Changed() bool { return len(r.Registered) > 0 || len(r.Deregistered) > 0 }

// Run performs one reconciliation. It is idempotent: run again on an
// unchanged world it calls neither Register nor Deregister. On any error it
// stops before the next step, so a failed registration never leads to a
// deregistration.
func Run(ctx context.Context, domain DomainIPs, group TargetGroup, log *slog.Logger) (Result, error) {
	ips, err := domain.DomainIPs(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("listing the domain's IPs: %w", err)
	}
	want, err := normalize(ips)
	if err != nil {
		return Result{}, err
	}
	res := Result{DomainIPs: want}

	current, err := group.Targets(ctx)
	if err != nil {
		return res, fmt.Errorf("describing the target group's health: %w", err)
	}

	if len(want) == 0 {
		// A domain mid-deployment or a transient API answer can report no
		// IPs; deregistering then would empty the group for nothing.
		log.Warn("domain reports no IPs; leaving the target group unchanged",
			"targets", ipsOf(current))
		return res, nil
	}

	present := map[string]Target{}
	for _, t := range current {
		if t.State != stateDraining {
			present[t.IP] = t
		}
	}
	wanted := map[string]bool{}
	for _, ip := range want {
		wanted[ip] = true
	}

	var missing []string
	healthyWanted := false
	for _, ip := range want {
		t, ok := present[ip]
		if !ok {
			missing = append(missing, ip)
			continue
		}
		if t.State == StateHealthy {
			healthyWanted = true
		}
	}
	var stale []Target
	for _, t := range current {
		if t.State != stateDraining && !wanted[t.IP] {
			stale = append(stale, t)
		}
	}
	slices.SortFunc(stale, func(a, b Target) int { return compareIP(a.IP, b.IP) })

	if len(missing) > 0 {
		if err := group.Register(ctx, missing); err != nil {
			return res, fmt.Errorf("registering %v: %w", missing, err)
		}
		res.Registered = missing
		log.Info("registered targets", "ips", missing, "domain_ips", want)
	}

	if len(stale) == 0 {
		if !res.Changed() {
			log.Debug("target group already matches the domain", "ips", want)
		}
		return res, nil
	}
	if !healthyWanted {
		res.Waiting = ipsOf(stale)
		log.Info("keeping old targets until a domain IP is healthy",
			"old_ips", res.Waiting, "domain_ips", want)
		return res, nil
	}
	if err := group.Deregister(ctx, stale); err != nil {
		return res, fmt.Errorf("deregistering %v: %w", ipsOf(stale), err)
	}
	res.Deregistered = ipsOf(stale)
	log.Info("deregistered targets the domain no longer has",
		"ips", res.Deregistered, "domain_ips", want)
	return res, nil
}

// normalize validates, canonicalises, de-duplicates and sorts IPs so that
// comparisons with what ELBv2 reports are exact.
func normalize(ips []string) ([]string, error) {
	seen := map[string]bool{}
	out := make([]string, 0, len(ips))
	for _, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("domain IP %q is not an IP address: %w", s, err)
		}
		c := a.String()
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	slices.SortFunc(out, compareIP)
	return out, nil
}

// compareIP orders addresses numerically; ELBv2 only ever reports IPs for an
// ip target group, so the string fallback only keeps the order total.
func compareIP(a, b string) int {
	pa, errA := netip.ParseAddr(a)
	pb, errB := netip.ParseAddr(b)
	if errA != nil || errB != nil {
		return cmp.Compare(a, b)
	}
	return pa.Compare(pb)
}

func ipsOf(ts []Target) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.IP)
	}
	return out
}
