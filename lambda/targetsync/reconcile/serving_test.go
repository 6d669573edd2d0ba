package reconcile

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// fakeResolver answers LookupHost like a DNS resolver: only for the host it
// knows, with its current record set, or with its error.
type fakeResolver struct {
	host    string
	records []string
	err     error
	calls   int
}

func (r *fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.calls++
	if r.err != nil {
		return nil, r.err
	}
	if host != r.host {
		return nil, errors.New("no such host " + host)
	}
	return r.records, nil
}

const testEndpoint = "vpc-logs-abc.eu-west-1.es.amazonaws.com"

func TestServingIPs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		eni, dns []string
		eniErr   error
		dnsErr   error
		want     []string
		wantErr  string
	}{
		{name: "same in both", eni: []string{"10.0.1.5", "10.0.2.5"}, dns: []string{"10.0.2.5", "10.0.1.5"}, want: []string{"10.0.1.5", "10.0.2.5"}},
		{name: "reserved interface not yet in DNS is left out", eni: []string{"10.0.1.5", "10.0.2.5", "10.0.3.9"}, dns: []string{"10.0.1.5", "10.0.2.5"}, want: []string{"10.0.1.5", "10.0.2.5"}},
		{name: "departing interface taken out of DNS is left out", eni: []string{"10.0.1.5", "10.0.1.6"}, dns: []string{"10.0.1.6"}, want: []string{"10.0.1.6"}},
		{name: "DNS answer with no interface of this domain is left out", eni: []string{"10.0.1.5"}, dns: []string{"10.0.1.5", "10.9.9.9"}, want: []string{"10.0.1.5"}},
		{name: "no overlap gives no IPs, never the union", eni: []string{"10.0.1.5"}, dns: []string{"10.0.2.5"}, want: []string{}},
		{name: "interfaces error", eniErr: errors.New("throttled"), dns: []string{"10.0.1.5"}, wantErr: "network interfaces"},
		{name: "DNS error", eni: []string{"10.0.1.5"}, dnsErr: errors.New("SERVFAIL"), wantErr: "resolving the domain endpoint " + testEndpoint},
		{name: "DNS non-IP", eni: []string{"10.0.1.5"}, dns: []string{"not-an-ip"}, wantErr: "resolved to a non-IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeResolver{host: testEndpoint, records: tc.dns, err: tc.dnsErr}
			s := ServingIPs{Interfaces: &fakeDomain{ips: tc.eni, err: tc.eniErr}, Resolver: r, Endpoint: testEndpoint, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			got, err := s.DomainIPs(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && !slices.Equal(got, tc.want)) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Each run resolves the endpoint again: a cached answer would keep
// pointing at nodes a blue/green deployment has retired.
func TestServingIPsResolvesOnEveryRun(t *testing.T) {
	r := &fakeResolver{host: testEndpoint, records: []string{"10.0.1.5"}}
	eni := &fakeDomain{ips: []string{"10.0.1.5", "10.0.2.5"}}
	s := ServingIPs{Interfaces: eni, Resolver: r, Endpoint: testEndpoint}
	group := newGroup(map[string]string{"10.0.1.5": StateHealthy})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := Run(context.Background(), s, group, log); err != nil {
		t.Fatal(err)
	}
	r.records = []string{"10.0.2.5"} // the deployment moved DNS to the new node
	group.targets["10.0.1.5"] = StateHealthy
	group.alive["10.0.2.5"] = true
	res, err := Run(context.Background(), s, group, log)
	if err != nil {
		t.Fatal(err)
	}
	if r.calls != 2 {
		t.Errorf("resolved %d times in 2 runs, want every run", r.calls)
	}
	if !slices.Equal(res.Registered, []string{"10.0.2.5"}) {
		t.Errorf("registered %v, want the IP DNS now serves", res.Registered)
	}
}

// The never-empty safety holds through the filter: no overlap (or a DNS
// failure) leaves the group untouched.
func TestServingIPsKeepsTheGroupWhenNothingServes(t *testing.T) {
	for name, r := range map[string]*fakeResolver{
		"no overlap":  {host: testEndpoint, records: []string{"10.0.9.9"}},
		"DNS failure": {host: testEndpoint, err: errors.New("timeout")},
	} {
		t.Run(name, func(t *testing.T) {
			s := ServingIPs{Interfaces: &fakeDomain{ips: []string{"10.0.1.5"}}, Resolver: r, Endpoint: testEndpoint}
			group := newGroup(map[string]string{"10.0.1.5": StateHealthy, "10.0.0.7": StateHealthy})
			_, _ = Run(context.Background(), s, group, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if group.registerCalls != 0 || group.deregisterCalls != 0 {
				t.Errorf("register %d / deregister %d calls, want the group left alone", group.registerCalls, group.deregisterCalls)
			}
		})
	}
}
