package metrics

import (
	"encoding/json"
	"io"
	"time"
)

// Metric names the storage guard writes under Namespace, with the
// FunctionName dimension. infra/logsearch/alarms.go refers to these
// constants.
const (
	// GuardDeletedIndices counts the daily indices deleted to make room
	// (Count); any is alarmed: the volume is too small for the retention.
	GuardDeletedIndices = "StorageGuardDeletedIndices"
	// GuardFreedBytes is the store size of those indices (Bytes).
	GuardFreedBytes = "StorageGuardFreedBytes"
	// GuardShort is 1 when the floor could not be met within the limits
	// (minimum days, today and yesterday kept), else 0 (Count).
	GuardShort = "StorageGuardShort"
	// GuardBlocksLifted counts the indices whose write block was lifted
	// (Count).
	GuardBlocksLifted = "StorageGuardBlocksLifted"
	// GuardStillBlocked counts the indices left blocked for want of room
	// (Count).
	GuardStillBlocked = "StorageGuardStillBlocked"
	// GuardFailures is 1 for a run that could not read or change the
	// domain, else 0 (Count).
	GuardFailures = "StorageGuardFailures"
	// MinFreeBytes is the fullest data node's available space after the
	// run (Bytes).
	MinFreeBytes = "MinFreeBytes"
	// DaysKept is the number of daily indices up to today (Count).
	DaysKept = "DaysKept"
	// DaysUntilFull is how many days the fullest node has before the write
	// block at the current daily rate (None); left out when unknown.
	DaysUntilFull = "DaysUntilFull"
)

// GuardRun is one storage guard run's figures.
type GuardRun struct {
	Deleted      int
	FreedBytes   int64
	Short        bool
	Lifted       int
	StillBlocked int
	Failed       bool
	// Measured: the run read the domain's storage, so the figures below
	// are readings; a run that failed before could not take them.
	Measured      bool
	MinFreeBytes  int64
	DaysKept      int
	DaysUntilFull *float64
}

// Write emits the EMF line for r. A run that did not measure the domain
// writes only the failure and deletion counts: a zero free space or day
// count would be a false reading.
func (r GuardRun) Write(w io.Writer, now time.Time, function string) error {
	line := map[string]any{Dimension: function}
	var defs []metricDef
	add := func(name, unit string, v any) {
		defs = append(defs, metricDef{Name: name, Unit: unit})
		line[name] = v
	}
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	add(GuardDeletedIndices, "Count", r.Deleted)
	add(GuardFreedBytes, "Bytes", r.FreedBytes)
	add(GuardFailures, "Count", flag(r.Failed))
	if r.Measured {
		add(GuardShort, "Count", flag(r.Short))
		add(GuardBlocksLifted, "Count", r.Lifted)
		add(GuardStillBlocked, "Count", r.StillBlocked)
		add(MinFreeBytes, "Bytes", r.MinFreeBytes)
		add(DaysKept, "Count", r.DaysKept)
		if r.DaysUntilFull != nil {
			add(DaysUntilFull, "None", *r.DaysUntilFull)
		}
	}
	line["_aws"] = awsMeta{
		Timestamp:         now.UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{{Dimension}}, Metrics: defs}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
