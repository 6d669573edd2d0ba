package metrics

import (
	"encoding/json"
	"io"
	"time"
)

// Metric names the setup function writes under Namespace, with the
// FunctionName dimension. infra/logsearch/alarms.go refers to these constants.
const (
	// SetupCorrections counts objects a scheduled run found missing or
	// different from the desired state and rewrote: drift healed (Count).
	SetupCorrections = "SetupCorrections"
	// SetupFailures is 1 for a run that could not apply the desired state,
	// else 0 (Count).
	SetupFailures = "SetupFailures"
)

// WriteSetupRun emits the EMF line for one setup run.
func WriteSetupRun(w io.Writer, now time.Time, function string, corrected int, failed bool) error {
	failures := 0
	if failed {
		failures = 1
	}
	line := map[string]any{
		Dimension:        function,
		SetupCorrections: corrected,
		SetupFailures:    failures,
		"_aws": awsMeta{
			Timestamp: now.UnixMilli(),
			CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{{Dimension}}, Metrics: []metricDef{
				{Name: SetupCorrections, Unit: "Count"},
				{Name: SetupFailures, Unit: "Count"},
			}}},
		},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
