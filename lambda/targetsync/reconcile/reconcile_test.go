package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// fakeDomain answers DomainIPs with a fixed list or an error.
type fakeDomain struct {
	ips []string
	err error
}

func (d *fakeDomain) DomainIPs(context.Context) ([]string, error) { return d.ips, d.err }

// fakeGroup behaves like an ELBv2 ip target group: registered targets start
// "initial", deregistered ones go "draining"; tick() plays the health checker.
type fakeGroup struct {
	targets map[string]string // ip -> state
	alive   map[string]bool   // ips whose health check passes

	describeErr, registerErr, deregisterErr error
	registerCalls, deregisterCalls          int
}

func newGroup(states map[string]string) *fakeGroup {
	g := &fakeGroup{targets: map[string]string{}, alive: map[string]bool{}}
	for ip, st := range states {
		g.targets[ip] = st
	}
	return g
}

func (g *fakeGroup) Targets(context.Context) ([]Target, error) {
	if g.describeErr != nil {
		return nil, g.describeErr
	}
	var out []Target
	for ip, st := range g.targets {
		out = append(out, Target{IP: ip, Port: 443, State: st})
	}
	return out, nil
}

func (g *fakeGroup) Register(_ context.Context, ips []string) error {
	g.registerCalls++
	if g.registerErr != nil {
		return g.registerErr
	}
	for _, ip := range ips {
		if st, ok := g.targets[ip]; !ok || st == stateDraining {
			g.targets[ip] = "initial"
		}
	}
	return nil
}

func (g *fakeGroup) Deregister(_ context.Context, ts []Target) error {
	g.deregisterCalls++
	if g.deregisterErr != nil {
		return g.deregisterErr
	}
	for _, t := range ts {
		if t.Port != 443 {
			return errors.New("deregister must name the registered port")
		}
		if _, ok := g.targets[t.IP]; !ok {
			return errors.New("deregistering an unknown target " + t.IP)
		}
		g.targets[t.IP] = stateDraining
	}
	return nil
}

// tick advances one health-check period: draining targets leave, the others
// become healthy or unhealthy by whether their IP answers.
func (g *fakeGroup) tick() {
	for ip, st := range g.targets {
		switch {
		case st == stateDraining:
			delete(g.targets, ip)
		case g.alive[ip]:
			g.targets[ip] = StateHealthy
		default:
			g.targets[ip] = "unhealthy"
		}
	}
}

func (g *fakeGroup) states() map[string]string { return g.targets }

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func TestRun(t *testing.T) {
	boom := errors.New("throttled")
	tests := []struct {
		name          string
		domain        fakeDomain
		group         map[string]string
		describeErr   error
		registerErr   error
		deregisterErr error

		wantErr        string
		wantRegistered []string
		wantDereg      []string
		wantWaiting    []string
		wantAfter      map[string]string
	}{
		{
			name:      "no change",
			domain:    fakeDomain{ips: []string{"10.0.1.10", "10.0.2.10"}},
			group:     map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "healthy"},
			wantAfter: map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "healthy"},
		},
		{
			name:           "empty group gets the domain's IPs",
			domain:         fakeDomain{ips: []string{"10.0.2.10", "10.0.1.10"}},
			group:          map[string]string{},
			wantRegistered: []string{"10.0.1.10", "10.0.2.10"},
			wantAfter:      map[string]string{"10.0.1.10": "initial", "10.0.2.10": "initial"},
		},
		{
			name:           "blue/green: new IPs appear, old kept while new are not yet healthy",
			domain:         fakeDomain{ips: []string{"10.0.1.20", "10.0.2.20"}},
			group:          map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "healthy"},
			wantRegistered: []string{"10.0.1.20", "10.0.2.20"},
			wantWaiting:    []string{"10.0.1.10", "10.0.2.10"},
			wantAfter: map[string]string{
				"10.0.1.10": "healthy", "10.0.2.10": "healthy",
				"10.0.1.20": "initial", "10.0.2.20": "initial",
			},
		},
		{
			name:   "blue/green: one new IP healthy, old ones deregistered",
			domain: fakeDomain{ips: []string{"10.0.1.20", "10.0.2.20"}},
			group: map[string]string{
				"10.0.1.10": "healthy", "10.0.2.10": "unhealthy",
				"10.0.1.20": "healthy", "10.0.2.20": "initial",
			},
			wantDereg: []string{"10.0.1.10", "10.0.2.10"},
			wantAfter: map[string]string{
				"10.0.1.10": "draining", "10.0.2.10": "draining",
				"10.0.1.20": "healthy", "10.0.2.20": "initial",
			},
		},
		{
			name:   "new IPs unhealthy: old ones stay",
			domain: fakeDomain{ips: []string{"10.0.1.20"}},
			group: map[string]string{
				"10.0.1.10": "healthy", "10.0.1.20": "unhealthy",
			},
			wantWaiting: []string{"10.0.1.10"},
			wantAfter:   map[string]string{"10.0.1.10": "healthy", "10.0.1.20": "unhealthy"},
		},
		{
			name:      "domain shrinks: gone IP leaves at once because a kept one is healthy",
			domain:    fakeDomain{ips: []string{"10.0.1.10"}},
			group:     map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "healthy"},
			wantDereg: []string{"10.0.2.10"},
			wantAfter: map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "draining"},
		},
		{
			name:      "domain temporarily reports no IPs: nothing deregistered",
			domain:    fakeDomain{ips: nil},
			group:     map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "unhealthy"},
			wantAfter: map[string]string{"10.0.1.10": "healthy", "10.0.2.10": "unhealthy"},
		},
		{
			name:           "an IP that is draining but back in the domain is registered again",
			domain:         fakeDomain{ips: []string{"10.0.1.10"}},
			group:          map[string]string{"10.0.1.10": "draining"},
			wantRegistered: []string{"10.0.1.10"},
			wantAfter:      map[string]string{"10.0.1.10": "initial"},
		},
		{
			name:      "draining old targets are not deregistered twice",
			domain:    fakeDomain{ips: []string{"10.0.1.20"}},
			group:     map[string]string{"10.0.1.10": "draining", "10.0.1.20": "healthy"},
			wantAfter: map[string]string{"10.0.1.10": "draining", "10.0.1.20": "healthy"},
		},
		{
			name:      "EC2 error: no change at all",
			domain:    fakeDomain{err: boom},
			group:     map[string]string{"10.0.1.10": "healthy"},
			wantErr:   "listing the domain's IPs: throttled",
			wantAfter: map[string]string{"10.0.1.10": "healthy"},
		},
		{
			name:        "describe error: no change at all",
			domain:      fakeDomain{ips: []string{"10.0.1.20"}},
			group:       map[string]string{"10.0.1.10": "healthy"},
			describeErr: boom,
			wantErr:     "describing the target group's health: throttled",
			wantAfter:   map[string]string{"10.0.1.10": "healthy"},
		},
		{
			name:   "register error: old targets are not touched even if a new one is healthy",
			domain: fakeDomain{ips: []string{"10.0.1.20", "10.0.2.20"}},
			group: map[string]string{
				"10.0.1.10": "healthy", "10.0.1.20": "healthy",
			},
			registerErr: boom,
			wantErr:     "registering [10.0.2.20]: throttled",
			wantAfter:   map[string]string{"10.0.1.10": "healthy", "10.0.1.20": "healthy"},
		},
		{
			name:   "deregister error is reported, registered targets stay",
			domain: fakeDomain{ips: []string{"10.0.1.20"}},
			group: map[string]string{
				"10.0.1.10": "healthy", "10.0.1.20": "healthy",
			},
			deregisterErr: boom,
			wantErr:       "deregistering [10.0.1.10]: throttled",
			wantAfter:     map[string]string{"10.0.1.10": "healthy", "10.0.1.20": "healthy"},
		},
		{
			name:      "a malformed domain IP is refused before any change",
			domain:    fakeDomain{ips: []string{"10.0.1.20", "not-an-ip"}},
			group:     map[string]string{"10.0.1.10": "healthy"},
			wantErr:   `domain IP "not-an-ip" is not an IP address`,
			wantAfter: map[string]string{"10.0.1.10": "healthy"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGroup(tc.group)
			g.describeErr, g.registerErr, g.deregisterErr = tc.describeErr, tc.registerErr, tc.deregisterErr
			res, err := Run(context.Background(), &tc.domain, g, quietLog())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !slices.Equal(res.Registered, tc.wantRegistered) {
				t.Errorf("registered = %v, want %v", res.Registered, tc.wantRegistered)
			}
			if !slices.Equal(res.Deregistered, tc.wantDereg) {
				t.Errorf("deregistered = %v, want %v", res.Deregistered, tc.wantDereg)
			}
			if !slices.Equal(res.Waiting, tc.wantWaiting) {
				t.Errorf("waiting = %v, want %v", res.Waiting, tc.wantWaiting)
			}
			assertStates(t, g.states(), tc.wantAfter)
		})
	}
}

func TestNoChangeMakesNoWriteCalls(t *testing.T) {
	g := newGroup(map[string]string{"10.0.1.10": "healthy"})
	res, err := Run(context.Background(), &fakeDomain{ips: []string{"10.0.1.10"}}, g, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() || g.registerCalls != 0 || g.deregisterCalls != 0 {
		t.Fatalf("changed=%v register=%d deregister=%d, want no write calls",
			res.Changed(), g.registerCalls, g.deregisterCalls)
	}
}

// TestBlueGreenConverges plays whole blue/green deployments minute by minute
// and checks the invariants after every run: the group is never without a
// domain IP while the domain has some, a healthy target always remains, and
// it ends holding exactly the new IPs, after which runs change nothing.
func TestBlueGreenConverges(t *testing.T) {
	blue := []string{"10.0.1.10", "10.0.2.10"}
	green := []string{"10.0.1.20", "10.0.2.20"}
	both := append(slices.Clone(blue), green...)
	// What DescribeNetworkInterfaces answers each minute.
	timelines := map[string][][]string{
		"overlap then glitch": {blue, blue, both, both, nil, green, green, green},
		"abrupt swap":         {blue, blue, green, green, green},
		"swap during glitch":  {blue, blue, nil, nil, green, green, green},
	}
	for name, timeline := range timelines {
		t.Run(name, func(t *testing.T) {
			g := newGroup(nil)
			domain := &fakeDomain{}
			for minute, ips := range timeline {
				domain.ips = ips
				// Nodes answer while the domain lists them; blue ones stop
				// for good once green alone is listed.
				for _, ip := range ips {
					g.alive[ip] = true
				}
				if slices.Equal(ips, green) {
					for _, ip := range blue {
						g.alive[ip] = false
					}
				}
				if _, err := Run(context.Background(), domain, g, quietLog()); err != nil {
					t.Fatalf("minute %d: %v", minute, err)
				}
				if len(ips) > 0 && !hasServing(g, ips) {
					t.Fatalf("minute %d: no domain IP registered (states %v)", minute, g.states())
				}
				// From the first health check on, users are never left
				// without a healthy target.
				if minute > 0 && !hasHealthy(g) {
					t.Fatalf("minute %d: no healthy target left (states %v)", minute, g.states())
				}
				g.tick()
			}
			assertStates(t, g.states(), map[string]string{"10.0.1.20": "healthy", "10.0.2.20": "healthy"})

			before := g.registerCalls + g.deregisterCalls
			for range 3 {
				res, err := Run(context.Background(), domain, g, quietLog())
				if err != nil || res.Changed() {
					t.Fatalf("run after convergence: changed=%v err=%v", res.Changed(), err)
				}
				g.tick()
			}
			if after := g.registerCalls + g.deregisterCalls; after != before {
				t.Fatalf("write calls after convergence: %d, want %d", after, before)
			}
		})
	}
}

// TestBlueGreenNeverHealthyKeepsOld: if the green nodes never pass the health
// check, the blue targets are never removed, so an operator still sees them.
func TestBlueGreenNeverHealthyKeepsOld(t *testing.T) {
	g := newGroup(map[string]string{"10.0.1.10": "healthy"})
	g.alive["10.0.1.10"] = true
	domain := &fakeDomain{ips: []string{"10.0.1.20"}}
	for range 5 {
		if _, err := Run(context.Background(), domain, g, quietLog()); err != nil {
			t.Fatal(err)
		}
		g.tick()
	}
	if g.deregisterCalls != 0 || g.targets["10.0.1.10"] != StateHealthy {
		t.Fatalf("old target removed while no new one was healthy: %v", g.states())
	}
}

func TestEveryChangeIsLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	g := newGroup(map[string]string{"10.0.1.10": "healthy", "10.0.1.20": "healthy"})
	domain := &fakeDomain{ips: []string{"10.0.1.20", "10.0.2.20"}}
	if _, err := Run(context.Background(), domain, g, log); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for line := range strings.Lines(buf.String()) {
		var rec struct {
			Msg string   `json:"msg"`
			IPs []string `json:"ips"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		msgs = append(msgs, rec.Msg+" "+strings.Join(rec.IPs, ","))
	}
	want := []string{
		"registered targets 10.0.2.20",
		"deregistered targets the domain no longer has 10.0.1.10",
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("log = %q, want %q", msgs, want)
	}
}

func TestNormalize(t *testing.T) {
	got, err := normalize([]string{"10.0.2.1", "10.0.10.1", "10.0.2.1", "::ffff:10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.2.1", "10.0.10.1", "::ffff:10.0.0.1"}
	if !slices.Equal(got, want) {
		t.Fatalf("normalize = %v, want %v", got, want)
	}
}

func hasServing(g *fakeGroup, ips []string) bool {
	for _, ip := range ips {
		if st, ok := g.targets[ip]; ok && st != stateDraining {
			return true
		}
	}
	return false
}

func hasHealthy(g *fakeGroup) bool {
	for _, st := range g.targets {
		if st == StateHealthy {
			return true
		}
	}
	return false
}

func assertStates(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("targets = %v, want %v", got, want)
	}
	for ip, st := range want {
		if got[ip] != st {
			t.Fatalf("targets = %v, want %v", got, want)
		}
	}
}
