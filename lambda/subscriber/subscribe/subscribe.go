// Package subscribe keeps CloudWatch Logs subscription filters to the
// ingest function on every log group whose name starts with a configured
// prefix, and on no other group.
//
// Every filter it creates carries one name (Settings.FilterName) and the
// ingest function's ARN: the pair marks a filter as ours, so a run only
// ever changes or deletes filters it created. Other owners' filters are
// never touched. A log group holds at most 2 subscription filters
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html);
// a group whose 2 slots are taken by others is reported, not forced, and a
// group with one slot left is subscribed (and reported) unless its rule
// keeps that last slot free.
package subscribe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MaxFiltersPerGroup is CloudWatch Logs' quota of subscription filters per
// log group; it cannot be raised.
const MaxFiltersPerGroup = 2

// Rule subscribes the groups whose names start with Prefix.
type Rule struct {
	Prefix        string `json:"prefix"`
	FilterPattern string `json:"filterPattern"`
	// KeepLastSlotFree leaves a group alone when taking its filter would
	// use its last free slot (another owner already holds one).
	KeepLastSlotFree bool `json:"keepLastSlotFree,omitempty"`
}

// Settings are one stack's rules and the mark of its filters.
type Settings struct {
	Rules []Rule
	// FilterName is the name of every filter this package creates.
	FilterName string
	// DestinationArn is the ingest function's ARN.
	DestinationArn string
	// Exclude are group name prefixes never subscribed: the stack's own
	// log groups, which would feed the function its own output.
	Exclude []string
}

// Validate names every problem at once.
func (s Settings) Validate() error {
	var errs []error
	if s.FilterName == "" {
		errs = append(errs, errors.New("the filter name is empty"))
	}
	if s.DestinationArn == "" {
		errs = append(errs, errors.New("the destination (ingest function) ARN is empty"))
	}
	for i, r := range s.Rules {
		if r.Prefix == "" {
			errs = append(errs, fmt.Errorf("rule %d has an empty prefix, which would subscribe every log group", i))
		}
	}
	return errors.Join(errs...)
}

// ruleFor is the rule that covers group (the longest matching prefix), or
// nil when none does or the group is excluded.
func (s Settings) ruleFor(group string) *Rule {
	for _, p := range s.Exclude {
		if strings.HasPrefix(group, p) {
			return nil
		}
	}
	var best *Rule
	for i := range s.Rules {
		r := &s.Rules[i]
		if strings.HasPrefix(group, r.Prefix) && (best == nil || len(r.Prefix) > len(best.Prefix)) {
			best = r
		}
	}
	return best
}

// Filter is one subscription filter on a log group.
type Filter struct {
	Name           string
	Pattern        string
	DestinationArn string
}

// Errors a Logs implementation maps CloudWatch Logs' answers to.
var (
	// ErrNoFreeSlot: the group already holds its 2 filters
	// (LimitExceededException).
	ErrNoFreeSlot = errors.New("the log group already has 2 subscription filters")
	// ErrGroupGone: the group (or filter) was deleted meanwhile
	// (ResourceNotFoundException).
	ErrGroupGone = errors.New("the log group or filter does not exist")
)

// Logs is the part of CloudWatch Logs a run calls.
type Logs interface {
	// ListGroups calls each for every group whose name starts with prefix
	// ("" for all), in pages.
	ListGroups(ctx context.Context, prefix string, each func(group string) error) error
	Filters(ctx context.Context, group string) ([]Filter, error)
	// Put creates the filter, or updates the group's filter of that name.
	Put(ctx context.Context, group string, f Filter) error
	Delete(ctx context.Context, group, filterName string) error
}

// Report is what one run did and what it could not do. Every list is
// sorted.
type Report struct {
	Subscribed []string `json:"subscribed,omitempty"`
	// Updated had our filter with another filter pattern.
	Updated []string `json:"updated,omitempty"`
	// Removed had our filter but no longer matches a rule.
	Removed []string `json:"removed,omitempty"`
	// NoFreeSlot match a rule, but other owners hold both filters.
	NoFreeSlot []string `json:"noFreeSlot,omitempty"`
	// LastSlotKept match a rule that keeps the last free slot, and another
	// owner holds the other one.
	LastSlotKept []string `json:"lastSlotKept,omitempty"`
	// LastSlotTaken were subscribed in their last free slot: another
	// owner's second subscription on them will now fail.
	LastSlotTaken []string `json:"lastSlotTaken,omitempty"`
	// DeliveredOtherwise already send to the ingest function through a
	// filter of another name (an exact logsearch:logGroups entry).
	DeliveredOtherwise []string `json:"deliveredOtherwise,omitempty"`
	// Checked counts the groups looked at.
	Checked int `json:"checked"`
}

// NotSubscribed are the matching groups left without our filter.
func (r Report) NotSubscribed() []string {
	out := append(append([]string{}, r.NoFreeSlot...), r.LastSlotKept...)
	sort.Strings(out)
	return out
}

func (r *Report) sort() {
	for _, l := range []*[]string{&r.Subscribed, &r.Updated, &r.Removed, &r.NoFreeSlot, &r.LastSlotKept, &r.LastSlotTaken, &r.DeliveredOtherwise} {
		sort.Strings(*l)
	}
}

// Sweep subscribes every existing group a rule covers. With cleanup it
// looks at every group of the account and region and also removes our
// filter from groups no rule covers any more (a prefix removed or
// narrowed); without, it lists only the groups under the rules' prefixes.
// A failure on one group does not stop the others: the errors are joined.
func Sweep(ctx context.Context, logs Logs, s Settings, cleanup bool) (Report, error) {
	var rep Report
	var errs []error
	each := func(group string) error {
		if err := reconcile(ctx, logs, s, group, s.ruleFor(group), &rep); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", group, err))
		}
		return ctx.Err()
	}
	if cleanup {
		if err := logs.ListGroups(ctx, "", each); err != nil {
			errs = append(errs, fmt.Errorf("listing log groups: %w", err))
		}
	} else {
		for _, p := range prefixes(s.Rules) {
			if err := logs.ListGroups(ctx, p, each); err != nil {
				errs = append(errs, fmt.Errorf("listing log groups under %s: %w", p, err))
			}
		}
	}
	rep.sort()
	return rep, errors.Join(errs...)
}

// One reconciles a single group, e.g. one just created.
func One(ctx context.Context, logs Logs, s Settings, group string) (Report, error) {
	var rep Report
	err := reconcile(ctx, logs, s, group, s.ruleFor(group), &rep)
	rep.sort()
	return rep, err
}

// RemoveAll deletes our filter from every group of the account and region,
// whatever the rules say: the stack is being destroyed or has no prefix
// left.
func RemoveAll(ctx context.Context, logs Logs, s Settings) (Report, error) {
	var rep Report
	var errs []error
	err := logs.ListGroups(ctx, "", func(group string) error {
		if err := reconcile(ctx, logs, s, group, nil, &rep); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", group, err))
		}
		return ctx.Err()
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("listing log groups: %w", err))
	}
	rep.sort()
	return rep, errors.Join(errs...)
}

// prefixes are the rules' prefixes without those another one covers, so
// no group is listed twice.
func prefixes(rules []Rule) []string {
	var ps []string
	for _, r := range rules {
		ps = append(ps, r.Prefix)
	}
	sort.Strings(ps)
	var out []string
	for _, p := range ps {
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// reconcile brings one group to want: our filter with want's pattern, or
// (want nil) no filter of ours.
func reconcile(ctx context.Context, logs Logs, s Settings, group string, want *Rule, rep *Report) error {
	rep.Checked++
	filters, err := logs.Filters(ctx, group)
	if errors.Is(err, ErrGroupGone) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describing subscription filters: %w", err)
	}
	var ours *Filter
	delivered := false
	for i, f := range filters {
		if f.Name == s.FilterName && f.DestinationArn == s.DestinationArn {
			ours = &filters[i]
		} else if f.DestinationArn == s.DestinationArn {
			delivered = true
		}
	}
	switch {
	case want == nil && ours == nil:
		return nil
	case want == nil:
		if err := logs.Delete(ctx, group, s.FilterName); err != nil && !errors.Is(err, ErrGroupGone) {
			return fmt.Errorf("deleting our subscription filter: %w", err)
		}
		rep.Removed = append(rep.Removed, group)
		return nil
	case ours != nil && ours.Pattern == want.FilterPattern:
		return nil
	case ours != nil:
		// Same name: CloudWatch Logs updates the filter in place, so this
		// needs no free slot.
		if err := logs.Put(ctx, group, Filter{Name: s.FilterName, Pattern: want.FilterPattern, DestinationArn: s.DestinationArn}); err != nil && !errors.Is(err, ErrGroupGone) {
			return fmt.Errorf("updating our subscription filter: %w", err)
		}
		rep.Updated = append(rep.Updated, group)
		return nil
	case delivered:
		// Another filter already sends this group to the function; a
		// second one would index every event twice.
		rep.DeliveredOtherwise = append(rep.DeliveredOtherwise, group)
		return nil
	}
	free := MaxFiltersPerGroup - len(filters)
	switch {
	case free <= 0:
		rep.NoFreeSlot = append(rep.NoFreeSlot, group)
		return nil
	case free == 1 && want.KeepLastSlotFree:
		rep.LastSlotKept = append(rep.LastSlotKept, group)
		return nil
	}
	err = logs.Put(ctx, group, Filter{Name: s.FilterName, Pattern: want.FilterPattern, DestinationArn: s.DestinationArn})
	switch {
	case errors.Is(err, ErrNoFreeSlot):
		// Another owner took the slot since we looked.
		rep.NoFreeSlot = append(rep.NoFreeSlot, group)
		return nil
	case errors.Is(err, ErrGroupGone):
		return nil
	case err != nil:
		return fmt.Errorf("creating our subscription filter: %w", err)
	}
	rep.Subscribed = append(rep.Subscribed, group)
	if free == 1 {
		rep.LastSlotTaken = append(rep.LastSlotTaken, group)
	}
	return nil
}
