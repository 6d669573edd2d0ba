// Package guard keeps an OpenSearch domain clear of its write block: it
// reads every data node's available space and, when the fullest node is
// below the floor, deletes the oldest logsearch daily indices until the
// floor is met, within fixed limits: never today's or yesterday's index,
// never an index whose name is not <prefix>-YYYY.MM.DD, never so many
// that fewer than MinDays daily indices stay. It then lifts the
// read-only-allow-delete block a full disk left on those indices.
//
// Plan is the decision alone, with no I/O; Run reads the domain, plans,
// deletes and lifts.
package guard

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// dayLayout is the date part of a daily index name (lambda/document).
const dayLayout = "2006.01.02"

// WriteBlockThreshold is the available space below which OpenSearch
// Service starts to refuse writes on a data node of total bytes:
// "If one or more nodes in your cluster has storage space less than the
// minimum value of 1) 20% of available storage space, or 2) 20 GB of
// storage space, basic write operations like adding documents and
// creating indexes can start to fail"
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/handling-errors.html#handling-errors-watermark).
// 20 GB is read as 20 GiB, the larger, so the guard acts earlier.
func WriteBlockThreshold(total int64) int64 {
	return min(total/5, 20<<30)
}

// Node is one data node's storage.
type Node struct {
	Name      string
	Total     int64 // bytes of its data volume
	Available int64 // bytes a shard may still use
}

// Index is one logsearch daily index.
type Index struct {
	Name string
	Day  time.Time // midnight of its day, in the index time zone
	// Bytes is the store size of all its copies; PerNode splits it by the
	// node holding each copy.
	Bytes   int64
	PerNode map[string]int64
}

// ParseDaily reads a daily index name <prefix>-YYYY.MM.DD in loc. Any
// other name, even one starting with the prefix (cwl-2024.01.01-old,
// cwl-restored-2024.01.01, cwl-2024.1.1), is not one of logsearch's daily
// indices.
func ParseDaily(prefix, name string, loc *time.Location) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"-")
	if !ok || len(rest) != len(dayLayout) {
		return time.Time{}, false
	}
	day, err := time.ParseInLocation(dayLayout, rest, loc)
	if err != nil || day.Format(dayLayout) != rest {
		return time.Time{}, false
	}
	return day, true
}

// Limits are the rules a plan keeps.
type Limits struct {
	// Floor is the available bytes every data node must keep.
	Floor int64
	// MinDays is the fewest daily indices (up to today) left in place.
	MinDays int
}

// Deletion is one index a plan deletes, with the fullest node's available
// space (after every deletion before it) before and after it goes.
type Deletion struct {
	Index
	Age                   int // whole days before today
	FreeBefore, FreeAfter int64
}

// Decision is what Plan decided.
type Decision struct {
	Deletions []Deletion
	// FreeBefore and FreeAfter are the fullest node's available bytes now
	// and once the deletions have freed their copies.
	FreeBefore, FreeAfter int64
	// Fullest is the node with the least available space after the plan.
	Fullest Node
	// Short: the floor is not met even after every deletion the limits
	// allow. The guard alarms and deletes no more.
	Short bool
	// DaysKept is the number of daily indices up to today left in place.
	DaysKept int
	// Protected is why the next-oldest index was not deleted when Short.
	Protected string
}

// Plan decides which of indices to delete so that every node in nodes
// keeps limits.Floor available, oldest day first. today is midnight of
// the current day in the index time zone. indices need not be sorted;
// each must be a daily index (ParseDaily).
func Plan(nodes []Node, indices []Index, today time.Time, limits Limits) Decision {
	avail := map[string]int64{}
	for _, n := range nodes {
		avail[n.Name] = n.Available
	}
	fullest := func() Node {
		var f Node
		for i, n := range nodes {
			if a := avail[n.Name]; i == 0 || a < f.Available {
				f = Node{Name: n.Name, Total: n.Total, Available: a}
			}
		}
		return f
	}
	sorted := append([]Index(nil), indices...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Day.Before(sorted[j].Day) })
	var past []Index // up to today: what "days kept" counts
	for _, ix := range sorted {
		if !ix.Day.After(today) {
			past = append(past, ix)
		}
	}
	d := Decision{FreeBefore: fullest().Available, DaysKept: len(past)}
	lastDeletable := today.AddDate(0, 0, -2) // never today's or yesterday's
	for _, ix := range past {
		if fullest().Available >= limits.Floor {
			break
		}
		if ix.Day.After(lastDeletable) {
			d.Protected = fmt.Sprintf("%s is today's or yesterday's index", ix.Name)
			break
		}
		if d.DaysKept <= limits.MinDays {
			d.Protected = fmt.Sprintf("deleting %s would leave fewer than the minimum of %d days", ix.Name, limits.MinDays)
			break
		}
		before := fullest().Available
		for node, b := range ix.PerNode {
			if _, ok := avail[node]; ok {
				avail[node] += b
			}
		}
		d.DaysKept--
		d.Deletions = append(d.Deletions, Deletion{Index: ix, Age: daysBetween(ix.Day, today), FreeBefore: before, FreeAfter: fullest().Available})
	}
	d.Fullest = fullest()
	d.FreeAfter = d.Fullest.Available
	d.Short = len(nodes) > 0 && d.FreeAfter < limits.Floor
	if d.Short && d.Protected == "" {
		d.Protected = "no logsearch daily index is left to delete"
	}
	return d
}

// daysBetween counts calendar days from a to b (midnights in one zone),
// across daylight-saving changes.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// DaysUntilFull estimates how many days the fullest node of nodes has
// left before the write block, at the current rate: the larger of
// yesterday's bytes on it and today's so far scaled to a whole day (now
// is the time of day in the index zone). ok is false with no rate to go
// by.
func DaysUntilFull(node Node, indices []Index, today, now time.Time) (days float64, ok bool) {
	var rate float64
	elapsed := now.Sub(today)
	for _, ix := range indices {
		b := float64(ix.PerNode[node.Name])
		switch {
		case ix.Day.Equal(today.AddDate(0, 0, -1)):
			rate = max(rate, b)
		case ix.Day.Equal(today) && elapsed >= time.Hour: // too early in the day to scale
			rate = max(rate, b*float64(24*time.Hour)/float64(elapsed))
		}
	}
	if rate <= 0 {
		return 0, false
	}
	room := float64(node.Available - WriteBlockThreshold(node.Total))
	return max(0, room/rate), true
}
