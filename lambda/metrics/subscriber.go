package metrics

import (
	"io"
	"time"
)

// Metric names the subscriber function writes under Namespace, with the
// FunctionName dimension. infra/logsearch refers to these constants.
const (
	// GroupsNotSubscribed counts the log groups a prefix covers that a run
	// left without logsearch's filter: other owners hold both of their
	// subscription filters, or the rule keeps the last one free (Count).
	GroupsNotSubscribed = "GroupsNotSubscribed"
	// SubscriberFailures is 1 for a run that failed on some group, else 0
	// (Count).
	SubscriberFailures = "SubscriberFailures"
)

// WriteSubscriberRun emits the EMF line for one subscriber run.
func WriteSubscriberRun(w io.Writer, now time.Time, function string, notSubscribed int, failed bool) error {
	return writeCountRun(w, now, function, GroupsNotSubscribed, notSubscribed, SubscriberFailures, failed)
}
