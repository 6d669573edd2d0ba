package logsearch

import (
	"fmt"
	"strings"
	"testing"
)

// TestGp3RangeFor pins the OpenSearch gp3 rules (sources in ebs.go) at
// their boundaries.
func TestGp3RangeFor(t *testing.T) {
	cases := []struct {
		size int
		want Gp3Range
	}{
		// 500 IOPS per GiB caps small volumes
		{10, Gp3Range{3000, 5000, 125, 1000}},
		{31, Gp3Range{3000, 15500, 125, 1000}},
		{32, Gp3Range{3000, 16000, 125, 1000}},
		{169, Gp3Range{3000, 16000, 125, 1000}},
		{170, Gp3Range{3000, 16000, 250, 1000}},
		{1000, Gp3Range{3000, 16000, 250, 1000}},
		{1001, Gp3Range{3003, 16000, 250, 1000}},
		{1536, Gp3Range{4608, 16000, 250, 1000}},
		// the included throughput grows by 250 MiB/s per started 3000 GiB
		{3000, Gp3Range{9000, 16000, 250, 1000}},
		{3001, Gp3Range{9003, 16000, 500, 1000}},
		{3072, Gp3Range{9216, 16000, 500, 1000}},
		{3073, Gp3Range{9219, 32000, 500, 2000}},
		{6000, Gp3Range{16000, 32000, 500, 2000}},
		{6001, Gp3Range{16000, 32000, 750, 2000}},
		{9001, Gp3Range{16000, 48000, 1000, 3000}},
		{24 * 1024, Gp3Range{16000, 128000, 1000, 8000}},
	}
	for _, c := range cases {
		if got := Gp3RangeFor(c.size); got != c.want {
			t.Errorf("Gp3RangeFor(%d) = %+v, want %+v", c.size, got, c.want)
		}
	}
}

// TestGp3Validation: what AWS refuses is refused naming the allowed range;
// omitted keys become AWS's baseline for the size.
func TestGp3Validation(t *testing.T) {
	// Cases without an instance type use one whose EBS bandwidth (1187
	// MiB/s) lies above one stripe's 1000, so the size rules show alone;
	// the stack file's own type never matters.
	domain := func(kv map[string]any) map[string]func(any) any {
		return map[string]func(any) any{"domain": func(v any) any {
			v = set("instanceType", "r6g.8xlarge.search")(v)
			for k, x := range kv {
				v = set(k, x)(v)
			}
			return v
		}}
	}
	refusals := []struct {
		name   string
		domain map[string]any
		key    string
		says   string
	}{
		// the defect: 1536 GiB at the small-volume baseline
		{"large volume at small throughput", map[string]any{"volumeSize": 1536, "throughput": 125, "iops": 4608}, "logsearch:domain.throughput", "250 to 1000 MiB/s for a 1536 GiB"},
		{"large volume at 3000 IOPS", map[string]any{"volumeSize": 1536, "iops": 3000}, "logsearch:domain.iops", "4608 to 16000 IOPS for a 1536 GiB"},
		{"IOPS above one stripe", map[string]any{"volumeSize": 2048, "iops": 16001}, "logsearch:domain.iops", "6144 to 16000"},
		{"IOPS above 500 per GiB", map[string]any{"volumeSize": 10, "iops": 5001}, "logsearch:domain.iops", "3000 to 5000 IOPS for a 10 GiB"},
		{"throughput above 0.25 MiB/s per IOPS", map[string]any{"volumeSize": 1000, "iops": 3200, "throughput": 801}, "logsearch:domain.throughput", "250 to 800 MiB/s for a 1000 GiB gp3 volume on r6g.8xlarge.search with 3200 IOPS"},
		{"throughput over the included IOPS", map[string]any{"volumeSize": 100, "iops": nil, "throughput": 751}, "logsearch:domain.throughput", "125 to 750 MiB/s"},
		{"large volume under its included throughput", map[string]any{"volumeSize": 3001, "throughput": 250}, "logsearch:domain.throughput", "500 to 1000 MiB/s for a 3001 GiB"},
		{"throughput above one stripe", map[string]any{"volumeSize": 3072, "instanceType": "r6g.8xlarge.search", "throughput": 1001}, "logsearch:domain.throughput", "500 to 1000"},
		// AWS's own refusal on r6g.large: 4750 Mbps of EBS bandwidth / 8
		{"throughput above the instance's EBS bandwidth", map[string]any{"volumeSize": 1536, "instanceType": "r6g.large.search", "throughput": 594}, "logsearch:domain.throughput", "250 to 593 MiB/s for a 1536 GiB gp3 volume on r6g.large.search"},
		{"IOPS below 3000", map[string]any{"volumeSize": 100, "iops": 2999}, "logsearch:domain.iops", "3000 to 16000"},
		{"throughput below 125", map[string]any{"volumeSize": 100, "iops": 4000, "throughput": 100}, "logsearch:domain.throughput", "125 to 1000"},
		{"volume above type max names a larger type", map[string]any{"volumeSize": 2500, "instanceType": "r6g.large.search"}, "logsearch:domain.volumeSize", "r6g.xlarge.search: 3072 GiB"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("prod", stackSource(t, "prod", domain(c.domain)))
			if err == nil {
				t.Fatal("accepted; AWS refuses it")
			}
			found := false
			for _, p := range err.(*ConfigError).Problems {
				found = found || (p.Key == c.key && strings.Contains(p.Problem, c.says))
			}
			if !found {
				t.Errorf("no problem naming %s with %q; got:\n%v", c.key, c.says, err)
			}
		})
	}

	accepted := []struct {
		name          string
		domain        map[string]any
		iops, mibPerS int
	}{
		{"omitted on a large volume: baseline", map[string]any{"volumeSize": 1536, "iops": nil, "throughput": nil}, 4608, 250},
		{"omitted on a small volume: baseline", map[string]any{"volumeSize": 100, "instanceType": "r6g.large.search", "iops": nil, "throughput": nil}, 3000, 125},
		{"provisioned above baseline", map[string]any{"volumeSize": 1536, "iops": 12000, "throughput": 600}, 12000, 600},
		{"second stripe", map[string]any{"volumeSize": 3072 + 1, "instanceType": "r6g.8xlarge.search", "iops": 32000, "throughput": 1125}, 32000, 1125},
		{"omitted past the first 3000 GiB: its included throughput", map[string]any{"volumeSize": 6001, "iops": nil, "throughput": nil}, 16000, 750},
		{"0.25 MiB/s per IOPS exactly", map[string]any{"volumeSize": 100, "iops": 3000, "throughput": 750}, 3000, 750},
		{"500 IOPS per GiB exactly", map[string]any{"volumeSize": 10, "iops": 5000}, 5000, 125},
		{"up to the instance's EBS bandwidth", map[string]any{"volumeSize": 1536, "instanceType": "r6g.large.search", "throughput": 593}, 4608, 593},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig("prod", stackSource(t, "prod", domain(c.domain)))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Domain.Iops != c.iops || cfg.Domain.Throughput != c.mibPerS {
				t.Errorf("iops %d, throughput %d; want %d, %d", cfg.Domain.Iops, cfg.Domain.Throughput, c.iops, c.mibPerS)
			}
		})
	}
}

// TestEveryStackIsSizedClearOfTheStorageAlarm: a stack that states its
// expected daily volume must leave steady state at least
// sizingMarginFraction below the free-storage alarm.
func TestEveryStackIsSizedClearOfTheStorageAlarm(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, err := parseConfig(stack, stackSource(t, stack, nil))
			if err != nil {
				t.Fatal(err)
			}
			use, ok := cfg.SteadyStateUse()
			if !ok {
				t.Skip("no domain.expectedDailyGiB: sizing not stated (a production stack is warned)")
			}
			if limit := 1 - freeStorageAlarmFraction - sizingMarginFraction; use > limit {
				t.Errorf("steady state fills %.0f%% of each node; the alarm fires at %.0f%% used, keep it at or below %.0f%%", use*100, (1-freeStorageAlarmFraction)*100, limit*100)
			}
			if w := cfg.sizingWarning(); w != "" {
				t.Errorf("sizing warning on a stack file: %s", w)
			}
		})
	}
}

// TestSizingWarning: the old prod sizing (1536 GiB for 50 GiB/day, 30 days,
// 1 replica, 3 nodes) sits in alarm and is warned about with the size that
// fixes it.
func TestSizingWarning(t *testing.T) {
	cfg := &Config{RetentionDays: 30, Domain: DomainConfig{InstanceCount: 3, Replicas: 1, VolumeSize: 1536, ExpectedDailyGiB: 50}}
	w := cfg.sizingWarning()
	if !strings.Contains(w, "fill 98% of each data node's 1536 GiB") || !strings.Contains(w, "raise domain.volumeSize to 2306 GiB") {
		t.Errorf("warning = %q", w)
	}
	cfg.Domain.VolumeSize = 2306
	if w := cfg.sizingWarning(); w != "" {
		t.Errorf("the size the warning names still warns: %s", w)
	}
	cfg.Domain.ExpectedDailyGiB = 0
	if w := cfg.sizingWarning(); w != "" {
		t.Errorf("warned without a stated volume: %s", w)
	}
	cfg.Production = true
	if w := cfg.sizingWarning(); !strings.Contains(w, "states no domain.expectedDailyGiB") {
		t.Errorf("a production stack without a stated volume is not told: %q", w)
	}
}

func TestGp3RangeOnCapsThroughputAtTheInstance(t *testing.T) {
	for _, c := range []struct {
		typ  string
		size int
		want int
	}{
		{"r6g.large.search", 2048, 593},
		{"t3.small.search", 100, 260},
		{"r6g.12xlarge.search", 24 * 1024, 1781},  // 14250 Mbps
		{"r6g.8xlarge.search", 16 * 1024, 1187},   // 9500 Mbps
		{"r7g.large.search", 1536, 1000},          // 10000 Mbps: one stripe caps first
		{"r7g.16xlarge.search", 36 * 1024, 2500},  // 20000 Mbps
		{"r8g.12xlarge.search", 24 * 1024, 1875},  // 15000 Mbps
		{"m7i.4xlarge.search", 6 * 1024, 1250},    // 10000 Mbps, two stripes
		{"or1.16xlarge.search", 36 * 1024, 12000}, // bandwidth not published: stripes only (warned)
		{"x9.large.search", 6 * 1024, 2000},       // not in the table: no instance cap known
	} {
		if got := Gp3RangeOn(c.typ, c.size).MaxThroughput; got != c.want {
			t.Errorf("Gp3RangeOn(%s, %d).MaxThroughput = %d, want %d", c.typ, c.size, got, c.want)
		}
	}
}

// TestEBSLimitsOfCurrentFamilies: one type of each family added from the
// developer guide's "EBS volume size quotas" table (limits.html#ebsresource)
// takes its maximum, and is refused one GiB above it; the OpenSearch
// optimized types start at 20 GiB. The numbers are the page's, written
// out here, not read from the table under test.
func TestEBSLimitsOfCurrentFamilies(t *testing.T) {
	for _, c := range []struct {
		typ      string
		min, max int
	}{
		{"c7g.large.search", 10, 256},
		{"m7g.medium.search", 10, 512},
		{"r7g.16xlarge.search", 10, 36 * 1024},
		{"c7i.16xlarge.search", 10, 6 * 1024},
		{"m7i.large.search", 10, 768},
		{"r7i.12xlarge.search", 10, 24 * 1024},
		{"r7i.16xlarge.search", 10, 24 * 1024}, // the page's second "r7i.12xlarge" row says 36 TiB: the smaller is kept
		{"c8g.xlarge.search", 10, 512},
		{"m8g.2xlarge.search", 10, 3 * 1024},
		{"r8g.large.search", 10, 1532},
		{"or1.medium.search", 20, 768},
		{"or2.16xlarge.search", 20, 36 * 1024},
		{"om2.xlarge.search", 20, 2 * 1024},
	} {
		t.Run(c.typ, func(t *testing.T) {
			domain := func(size int) map[string]func(any) any {
				return map[string]func(any) any{"domain": func(v any) any {
					v = set("instanceType", c.typ)(v)
					v = set("iops", nil)(v)
					v = set("throughput", nil)(v)
					return set("volumeSize", size)(v)
				}}
			}
			for _, size := range []int{c.min, c.max} {
				if _, err := parseConfig("prod", stackSource(t, "prod", domain(size))); err != nil {
					t.Errorf("%d GiB refused: %v", size, err)
				}
			}
			for size, says := range map[int]string{
				c.max + 1: fmt.Sprintf("%s takes at most %d GiB of gp3 per node", c.typ, c.max),
				c.min - 1: map[bool]string{true: fmt.Sprintf("%s takes at least 20 GiB", c.typ), false: "the minimum EBS volume is 10 GiB"}[c.min == 20],
			} {
				_, err := parseConfig("prod", stackSource(t, "prod", domain(size)))
				if err == nil || !strings.Contains(err.Error(), says) {
					t.Errorf("%d GiB: %v; want a refusal saying %q", size, err, says)
				}
			}
		})
	}
}

// TestTypesWithoutGp3AreRefused: the quotas table gives instance-storage
// types no EBS size ("N/A") and previous generations no gp3 size; every
// data node here keeps its data on gp3.
func TestTypesWithoutGp3AreRefused(t *testing.T) {
	for typ, says := range map[string]string{
		"r6gd.large.search":  "takes no EBS volume, while this stack's data nodes keep theirs on gp3 EBS volumes; choose an EBS-backed type, e.g. r6g.large.search",
		"r8gd.medium.search": "e.g. r8g.medium.search",
		"i4i.large.search":   "e.g. r7g.large.search",
		"oi2.large.search":   "takes no EBS volume",
		"im4gn.large.search": "takes no EBS volume",
		"m4.large.search":    "no gp3 storage (a previous generation: gp2 only, at most 512 GiB)",
		"t2.small.search":    "t3.medium.search or larger",
	} {
		t.Run(typ, func(t *testing.T) {
			_, err := parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{"domain": set("instanceType", typ)}))
			if err == nil || !strings.Contains(err.Error(), `logsearch:domain.instanceType = "`+typ+`"`) || !strings.Contains(err.Error(), says) {
				t.Errorf("%v; want the instance type refused, saying %q", err, says)
			}
		})
	}
}

// TestOpenSearchOptimizedRules: the "Limitations" of OpenSearch optimized
// instances (developer guide, or1.html): OpenSearch 2.11 or later for a
// new domain, and Graviton dedicated masters.
func TestOpenSearchOptimizedRules(t *testing.T) {
	for _, c := range []struct {
		name   string
		domain map[string]any
		key    string // "" = accepted
		says   string
	}{
		{"OpenSearch 2.11", map[string]any{"engineVersion": "OpenSearch_2.11"}, "", ""},
		{"OpenSearch 3.1", map[string]any{"engineVersion": "OpenSearch_3.1"}, "", ""},
		{"OpenSearch 2.9", map[string]any{"engineVersion": "OpenSearch_2.9"}, "logsearch:domain.engineVersion", "only on OpenSearch 2.11 or later"},
		{"OpenSearch 1.3", map[string]any{"engineVersion": "OpenSearch_1.3"}, "logsearch:domain.engineVersion", "set domain.engineVersion to OpenSearch_2.11 or later"},
		{"Graviton masters", map[string]any{"dedicatedMasterType": "r7g.large.search"}, "", ""},
		{"Intel masters", map[string]any{"dedicatedMasterType": "m5.large.search"}, "logsearch:domain.dedicatedMasterType", "must be Graviton instances"},
		{"Intel 7i masters", map[string]any{"dedicatedMasterType": "c7i.large.search"}, "logsearch:domain.dedicatedMasterType", "must be Graviton instances"},
	} {
		t.Run(c.name, func(t *testing.T) {
			edits := map[string]func(any) any{"domain": func(v any) any {
				v = set("instanceType", "or1.xlarge.search")(v)
				for k, x := range c.domain {
					v = set(k, x)(v)
				}
				return v
			}}
			_, err := parseConfig("prod", stackSource(t, "prod", edits))
			switch {
			case c.key == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.key != "" && (err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.says)):
				t.Fatalf("%v; want %s refused, saying %q", err, c.key, c.says)
			}
		})
	}
	// The rules bind the OpenSearch optimized families only.
	_, err := parseConfig("prod", stackSource(t, "prod", map[string]func(any) any{"domain": func(v any) any {
		return set("dedicatedMasterType", "m5.large.search")(set("engineVersion", "OpenSearch_2.9")(v))
	}}))
	if err != nil {
		t.Errorf("r6g data nodes with m5 masters on OpenSearch 2.9 refused: %v", err)
	}
}

func TestGraviton(t *testing.T) {
	for family, want := range map[string][2]bool{
		"m6g": {true, true}, "r6gd": {true, true}, "im4gn": {true, true}, "r8g": {true, true},
		"m5": {false, true}, "t3": {false, true}, "c7i": {false, true},
		"or1": {false, false}, "om2": {false, false},
	} {
		if is, ok := graviton(family); [2]bool{is, ok} != want {
			t.Errorf("graviton(%s) = %v, %v; want %v", family, is, ok, want)
		}
	}
}

// TestEBSBandwidthWarning: a type whose EBS bandwidth AWS does not publish
// is warned about above one stripe's 1000 MiB/s, not refused.
func TestEBSBandwidthWarning(t *testing.T) {
	for _, c := range []struct {
		typ        string
		throughput int
		warned     bool
	}{
		{"m8g.16xlarge.search", 1001, true},
		{"or1.16xlarge.search", 2000, true},
		{"m8g.16xlarge.search", 1000, false},
		{"r7g.16xlarge.search", 2500, false}, // 20000 Mbps known: checked, not warned
	} {
		cfg := &Config{Domain: DomainConfig{InstanceType: c.typ, VolumeSize: 12 * 1024, Throughput: c.throughput}}
		w := cfg.ebsBandwidthWarning()
		if (w != "") != c.warned || c.warned && !strings.Contains(w, "AWS publishes no EBS bandwidth for "+c.typ) {
			t.Errorf("%s at %d MiB/s: warning %q, want warned %v", c.typ, c.throughput, w, c.warned)
		}
	}
}
