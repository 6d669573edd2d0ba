package metrics

import (
	"encoding/json"
	"io"
	"time"
)

// writeCountRun emits the EMF line of a scheduled function's run that
// reports one count and whether it failed (1) or not (0), both as Count
// metrics with the FunctionName dimension.
func writeCountRun(w io.Writer, now time.Time, function, countName string, count int, failuresName string, failed bool) error {
	failures := 0
	if failed {
		failures = 1
	}
	line := map[string]any{
		Dimension:    function,
		countName:    count,
		failuresName: failures,
		"_aws": awsMeta{
			Timestamp: now.UnixMilli(),
			CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{{Dimension}}, Metrics: []metricDef{
				{Name: countName, Unit: "Count"},
				{Name: failuresName, Unit: "Count"},
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
