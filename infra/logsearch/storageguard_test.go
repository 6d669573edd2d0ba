package logsearch

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/metrics"
)

const guardDashboards = `{"hostName":"logs.example.com","hostedZone":"example.com","officeCidrs":["10.20.0.0/16"]}`

// guardConfig is a valid stack config with these values on top.
func guardConfig(values map[string]string) map[string]string {
	out := map[string]string{
		"aws:region":           "eu-west-1",
		"logsearch:network":    `{"vpcCidr":"10.40.0.0/16","azCount":2,"officeVpn":{"routerIp":"198.51.100.7"}}`,
		"logsearch:dashboards": guardDashboards,
	}
	maps.Copy(out, values)
	return out
}

// TestStorageGuardConfig: on by default; the floor sits above OpenSearch
// Service's write block, min(20% of the volume, 20 GiB)
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/handling-errors.html#handling-errors-watermark),
// and the minimum days must fit the volume.
func TestStorageGuardConfig(t *testing.T) {
	tests := []struct {
		name      string
		values    map[string]string
		problem   string // "" for valid
		floorGiB  float64
		enabledIs bool
	}{
		{name: "defaults: on, 10 GiB volume: block 2 + margin 1", values: map[string]string{}, floorGiB: 3, enabledIs: true},
		{name: "20 GiB volume: block 4 + margin 1", values: map[string]string{"logsearch:domain": `{"volumeSize":20}`}, floorGiB: 5, enabledIs: true},
		{name: "2560 GiB volume: block 20 + margin 128", values: map[string]string{
			"logsearch:domain": `{"instanceType":"r6g.xlarge.search","volumeSize":2560}`}, floorGiB: 148, enabledIs: true},
		{name: "off", values: map[string]string{"logsearch:storageGuard": `{"enabled":false}`}, floorGiB: 3},
		{name: "floor at the write block", values: map[string]string{"logsearch:storageGuard": `{"floorGiB":2}`}, problem: "storageGuard.floorGiB"},
		{name: "floor above half the volume", values: map[string]string{"logsearch:storageGuard": `{"floorGiB":5.5}`}, problem: "storageGuard.floorGiB"},
		{name: "floor set", values: map[string]string{"logsearch:storageGuard": `{"floorGiB":4}`}, floorGiB: 4, enabledIs: true},
		{name: "minDays 1", values: map[string]string{"logsearch:storageGuard": `{"minDays":1}`}, problem: "storageGuard.minDays"},
		{name: "minDays above retention", values: map[string]string{"logsearch:storageGuard": `{"minDays":31}`}, problem: "storageGuard.minDays"},
		{name: "minDays fit the volume", values: map[string]string{
			"logsearch:domain": `{"volumeSize":20,"expectedDailyGiB":2}`, "logsearch:storageGuard": `{"minDays":4}`}, floorGiB: 5, enabledIs: true},
		{name: "misspelt key", values: map[string]string{"logsearch:storageGuard": `{"floor":8}`}, problem: "storageGuard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig("test", mapSource{values: guardConfig(tt.values)})
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("error %v, want one naming %s", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.StorageGuard.Enabled != tt.enabledIs || cfg.storageGuardFloorGiB() != tt.floorGiB {
				t.Errorf("enabled %v, floor %g GiB; want %v, %g", cfg.StorageGuard.Enabled, cfg.storageGuardFloorGiB(), tt.enabledIs, tt.floorGiB)
			}
			if block := cfg.Domain.writeBlockGiB(); cfg.StorageGuard.Enabled && cfg.storageGuardFloorGiB() <= block {
				t.Errorf("floor %g GiB is not above the write block %g GiB", cfg.storageGuardFloorGiB(), block)
			}
		})
	}
}

// TestStorageGuardAlarmsWatchWhatItEmits: every alarm in namespace
// logsearch reads a metric the guard writes, and any deletion fires.
func TestStorageGuardAlarmsWatchWhatItEmits(t *testing.T) {
	written := map[string]bool{metrics.GuardDeletedIndices: true, metrics.GuardShort: true}
	var deleted bool
	for _, a := range storageGuardAlarmSpecs(NamesFor("test")) {
		if a.Namespace == metrics.Namespace && !written[a.Metric] {
			t.Errorf("alarm %s watches %s, which the guard does not write", a.Name, a.Metric)
		}
		if a.Metric == metrics.GuardDeletedIndices {
			deleted = a.Threshold == 1 && a.Comparison == atLeast && a.Statistic == "Sum"
		}
		if !strings.Contains(a.Description, FunctionLogGroup(NamesFor("test").StorageGuardFunction)) {
			t.Errorf("alarm %s does not name the guard's log group", a.Name)
		}
	}
	if !deleted {
		t.Error("no alarm fires on a single deletion for space")
	}
}

func TestDashboardShowsDaysKeptAndDaysUntilFull(t *testing.T) {
	for _, guard := range []string{"", "logsearch-test-storage-guard"} {
		b, err := dashboardBody(dashboardTargets{Stack: "s", Region: "eu-west-1", AccountID: mockAccount, Domain: "d", Function: "f", Queue: "q", FreeStorageAlarmMiB: 5120, Guard: guard})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Widgets []struct {
				Properties struct {
					Title   string  `json:"title"`
					Metrics [][]any `json:"metrics"`
				} `json:"properties"`
			} `json:"widgets"`
		}
		if err := json.Unmarshal([]byte(b), &body); err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, w := range body.Widgets {
			for _, m := range w.Properties.Metrics {
				if len(m) >= 4 && m[0] == metrics.Namespace && m[3] == guard {
					found[m[1].(string)] = true
				}
			}
		}
		for _, m := range []string{metrics.DaysKept, metrics.DaysUntilFull, metrics.GuardDeletedIndices} {
			if found[m] != (guard != "") {
				t.Errorf("guard %q: dashboard graphs %s: %v", guard, m, found[m])
			}
		}
	}
}

// TestStorageGuardWarnsWhenMinDaysDoNotFit: when minDays days of the
// stated daily volume already take a node below the floor, the guard could
// only alarm, so the stack is warned (never refused: the estimate may be
// high).
func TestStorageGuardWarnsWhenMinDaysDoNotFit(t *testing.T) {
	for _, tt := range []struct {
		name, storageGuard string
		warned             bool
	}{
		// 20 GiB volume, floor 5 GiB: 15 GiB of room; 2 GiB a day x 1.45.
		{"4 days + today take 14.5 GiB", `{"minDays":4}`, false},
		{"5 days + today take 17.4 GiB", `{"minDays":5}`, true},
		{"guard off", `{"enabled":false,"minDays":5}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig("test", mapSource{values: guardConfig(map[string]string{
				"logsearch:domain":       `{"volumeSize":20,"expectedDailyGiB":2}`,
				"logsearch:storageGuard": tt.storageGuard,
			})})
			if err != nil {
				t.Fatal(err)
			}
			w := cfg.storageGuardWarning()
			if got := w != ""; got != tt.warned {
				t.Fatalf("warning %q, want one: %v", w, tt.warned)
			}
			if tt.warned && !slices.Contains(cfg.warnings(), w) {
				t.Errorf("the warning is not among the stack's warnings: %q", cfg.warnings())
			}
		})
	}
}
