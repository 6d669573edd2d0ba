package archive

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// DefaultKeyLayout is the date layout most archivers write under the
// prefix (Kinesis Data Firehose, CloudWatch Logs export tasks, logrotate
// scripts syncing into dated folders): 2024/05/31/...
const DefaultKeyLayout = "2006/01/02"

// KeyLayout is a Go time layout for the date part of an object key, right
// after the listing prefix: "2006/01/02" for prefix/2024/05/31/..., or
// "2006-01-02" for prefix/2024-05-31.log.gz.
type KeyLayout string

// Validate accepts a layout that names exactly one calendar day: it must
// tell days, months and years apart and must not contain a time of day,
// since a day is listed as one prefix.
func (l KeyLayout) Validate() error {
	const fix = `use a day layout in Go's reference-date form, e.g. "2006/01/02" or "2006-01-02"`
	if l == "" {
		return fmt.Errorf("key layout is empty: %s", fix)
	}
	base := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	s := base.Format(string(l))
	if s != base.Add(23*time.Hour+59*time.Minute+59*time.Second).Format(string(l)) {
		return fmt.Errorf("key layout %q contains a time of day; each day is listed as one key prefix, so the layout must end at the day: %s", l, fix)
	}
	for _, other := range []time.Time{base.AddDate(0, 0, 1), base.AddDate(0, 1, 0), base.AddDate(1, 0, 0), base.AddDate(0, 0, -1)} {
		if other.Format(string(l)) == s {
			return fmt.Errorf("key layout %q does not tell %s from %s: %s", l, base.Format(time.DateOnly), other.Format(time.DateOnly), fix)
		}
	}
	got, err := time.Parse(string(l), s)
	if err != nil || !got.Equal(base) {
		return fmt.Errorf("key layout %q cannot be read back as a date: %s", l, fix)
	}
	return nil
}

// DayPrefix is the listing prefix of one day's objects.
func (l KeyLayout) DayPrefix(prefix string, day time.Time) string {
	return prefix + day.Format(string(l))
}

// DayIn finds the date a path names in this layout, for a file read on
// its own: the last match, so a file name's date wins over its folders'.
// A match must not continue a longer run of digits ("120240531").
func (l KeyLayout) DayIn(path string) (time.Time, bool) {
	widths := map[int]bool{}
	for _, d := range []time.Time{time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 9, 0, 0, 0, 0, time.UTC)} {
		widths[len(d.Format(string(l)))] = true
	}
	digit := func(i int) bool { return i >= 0 && i < len(path) && path[i] >= '0' && path[i] <= '9' }
	for start := len(path) - 1; start >= 0; start-- {
		for w := range widths {
			end := start + w
			if end > len(path) || digit(start-1) || digit(end) {
				continue
			}
			if d, err := time.Parse(string(l), path[start:end]); err == nil && d.Format(string(l)) == path[start:end] {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

// ListDays lists the objects of every day from..to (inclusive calendar
// dates) under prefix: one listing per day, so a long archive is never
// listed in full. Each object's Day is set. An object matched by two
// days' prefixes (impossible for a valid layout, but cheap to guard) is
// returned once.
func ListDays(ctx context.Context, s Store, prefix string, l KeyLayout, from, to time.Time) ([]Object, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	var out []Object
	seen := make(map[string]bool)
	for _, day := range Days(from, to) {
		dayPrefix := l.DayPrefix(prefix, day)
		objs, err := s.List(ctx, dayPrefix)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if seen[o.Key] || isDirMarker(o) {
				continue
			}
			seen[o.Key] = true
			o.Day = day
			o.InDay = o.Key[len(dayPrefix):]
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// isDirMarker skips the zero-byte "folder/" objects the S3 console creates.
func isDirMarker(o Object) bool {
	return o.Size == 0 && len(o.Key) > 0 && o.Key[len(o.Key)-1] == '/'
}

// Days returns the calendar dates from..to inclusive, as midnight UTC.
func Days(from, to time.Time) []time.Time {
	from, to = Date(from), Date(to)
	var out []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// Date truncates t to its calendar date, as midnight UTC.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDate reads a YYYY-MM-DD date for a flag, naming the flag and the
// expected form when it is wrong.
func ParseDate(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q is not a date: write it as YYYY-MM-DD, e.g. 2024-05-31", flag, s)
	}
	return t, nil
}
