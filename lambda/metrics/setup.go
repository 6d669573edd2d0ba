package metrics

import (
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
	return writeCountRun(w, now, function, SetupCorrections, corrected, SetupFailures, failed)
}
