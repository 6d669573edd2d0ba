package guard

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

const gib = int64(1) << 30

func day(s string) time.Time {
	d, err := time.ParseInLocation(dayLayout, s, time.UTC)
	if err != nil {
		panic(err)
	}
	return d
}

// idx is a daily index with its copies on the named nodes, gib each.
func idx(date string, gibs int64, nodes ...string) Index {
	ix := Index{Name: "cwl-" + date, Day: day(date), PerNode: map[string]int64{}}
	for _, n := range nodes {
		ix.PerNode[n] += gibs * gib
		ix.Bytes += gibs * gib
	}
	return ix
}

func names(ds []Deletion) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func TestParseDaily(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"cwl-2024.05.31", true},
		{"cwl-2024.02.29", true},
		{"cwl-2023.02.29", false}, // no such day
		{"cwl-2024.5.31", false},
		{"cwl-2024.05.31-old", false},
		{"cwl-restored-2024.05.31", false},
		{"cwlx-2024.05.31", false},
		{"other-2024.05.31", false},
		{".kibana_1", false},
		{"cwl-", false},
		{"cwl-2024-05-31", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := ParseDaily("cwl", tt.name, tokyo)
			if ok != tt.ok {
				t.Fatalf("ParseDaily(%q) ok = %v, want %v", tt.name, ok, tt.ok)
			}
			if ok && (d.Location() != tokyo || d.Hour() != 0) {
				t.Errorf("day %v is not midnight in Asia/Tokyo", d)
			}
		})
	}
}

// TestWriteBlockThreshold: min(20% of the volume, 20 GB), read as GiB
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/handling-errors.html#handling-errors-watermark).
func TestWriteBlockThreshold(t *testing.T) {
	for _, tt := range []struct{ total, want int64 }{
		{10 * gib, 2 * gib},
		{20 * gib, 4 * gib},
		{100 * gib, 20 * gib},
		{2560 * gib, 20 * gib},
	} {
		if got := WriteBlockThreshold(tt.total); got != tt.want {
			t.Errorf("WriteBlockThreshold(%d GiB) = %d, want %d", tt.total/gib, got, tt.want)
		}
	}
}

func TestPlan(t *testing.T) {
	today := day("2024.06.10")
	three := func(a, b, c int64) []Node {
		return []Node{{"n1", 100 * gib, a * gib}, {"n2", 100 * gib, b * gib}, {"n3", 100 * gib, c * gib}}
	}
	week := []Index{ // oldest first: 06.04 .. 06.10, 10 GiB a copy, n1+n2 or n2+n3
		idx("2024.06.04", 10, "n1", "n2"), idx("2024.06.05", 10, "n2", "n3"),
		idx("2024.06.06", 10, "n1", "n2"), idx("2024.06.07", 10, "n2", "n3"),
		idx("2024.06.08", 10, "n1", "n2"), idx("2024.06.09", 10, "n2", "n3"),
		idx("2024.06.10", 10, "n1", "n2"),
	}
	reversed := slices.Clone(week)
	slices.Reverse(reversed)
	tests := []struct {
		name      string
		nodes     []Node
		indices   []Index
		limits    Limits
		deleted   []string
		short     bool
		daysKept  int
		freeAfter int64
	}{
		{name: "room enough: nothing", nodes: three(50, 40, 60), indices: week, limits: Limits{Floor: 30 * gib, MinDays: 3},
			daysKept: 7, freeAfter: 40 * gib},
		{name: "fullest node below the floor: oldest first until met", nodes: three(50, 15, 60), indices: week, limits: Limits{Floor: 30 * gib, MinDays: 3},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05"}, daysKept: 5, freeAfter: 35 * gib},
		{name: "order of the input does not matter", nodes: three(50, 15, 60), indices: reversed, limits: Limits{Floor: 30 * gib, MinDays: 3},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05"}, daysKept: 5, freeAfter: 35 * gib},
		{name: "an old index not on the fullest node still goes first: oldest first", nodes: three(50, 60, 15), indices: week, limits: Limits{Floor: 20 * gib, MinDays: 3},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05"}, daysKept: 5, freeAfter: 25 * gib},
		{name: "minimum days stops it: short", nodes: three(50, 5, 60), indices: week, limits: Limits{Floor: 50 * gib, MinDays: 5},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05"}, short: true, daysKept: 5, freeAfter: 25 * gib},
		{name: "today and yesterday stay even below the minimum days", nodes: three(50, 5, 60), indices: week, limits: Limits{Floor: 90 * gib, MinDays: 1},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05", "cwl-2024.06.06", "cwl-2024.06.07", "cwl-2024.06.08"}, short: true, daysKept: 2, freeAfter: 55 * gib},
		{name: "only today and yesterday: short, nothing deleted", nodes: three(50, 5, 60), indices: week[5:], limits: Limits{Floor: 30 * gib, MinDays: 1},
			short: true, daysKept: 2, freeAfter: 5 * gib},
		{name: "no index at all: short", nodes: three(50, 5, 60), limits: Limits{Floor: 30 * gib, MinDays: 1}, short: true, freeAfter: 5 * gib},
		{name: "a future-dated index is neither deleted nor counted", nodes: three(50, 15, 60),
			indices: append([]Index{idx("2024.07.01", 10, "n2")}, week...), limits: Limits{Floor: 30 * gib, MinDays: 3},
			deleted: []string{"cwl-2024.06.04", "cwl-2024.06.05"}, daysKept: 5, freeAfter: 35 * gib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Plan(tt.nodes, tt.indices, today, tt.limits)
			if got := names(d.Deletions); !slices.Equal(got, tt.deleted) {
				t.Errorf("deleted %v, want %v", got, tt.deleted)
			}
			if d.Short != tt.short || d.DaysKept != tt.daysKept || d.FreeAfter != tt.freeAfter {
				t.Errorf("short %v, daysKept %d, freeAfter %d GiB; want %v, %d, %d GiB (protected: %s)",
					d.Short, d.DaysKept, d.FreeAfter/gib, tt.short, tt.daysKept, tt.freeAfter/gib, d.Protected)
			}
			if d.Short && d.Protected == "" {
				t.Error("a short plan says nothing about why")
			}
			for i, del := range d.Deletions {
				if !del.Day.Before(today.AddDate(0, 0, -1)) {
					t.Errorf("deleted %s: today's or yesterday's", del.Name)
				}
				if del.FreeAfter < del.FreeBefore {
					t.Errorf("deletion %d: free after %d < before %d", i, del.FreeAfter, del.FreeBefore)
				}
				if want := int(today.Sub(del.Day).Hours() / 24); del.Age != want {
					t.Errorf("%s: age %d, want %d", del.Name, del.Age, want)
				}
			}
		})
	}
}

// TestPlanNeverBreaksItsLimits checks the limits over many random-looking
// states: never today, yesterday or a future day, never fewer than
// MinDays kept, and oldest first.
func TestPlanNeverBreaksItsLimits(t *testing.T) {
	today := day("2024.06.30")
	for seed := range 300 {
		n := seed % 25
		var indices []Index
		for i := range n {
			d := today.AddDate(0, 0, -i+seed%3) // some future-dated
			indices = append(indices, idx(d.Format(dayLayout), int64(1+(seed*7+i)%5), fmt.Sprintf("n%d", (seed+i)%3)))
		}
		nodes := []Node{{"n0", 50 * gib, int64(seed%20) * gib}, {"n1", 50 * gib, int64(seed%13) * gib}, {"n2", 50 * gib, 30 * gib}}
		limits := Limits{Floor: 15 * gib, MinDays: 1 + seed%9}
		d := Plan(nodes, indices, today, limits)
		past := 0
		for _, ix := range indices {
			if !ix.Day.After(today) {
				past++
			}
		}
		if len(d.Deletions) > 0 && past-len(d.Deletions) < limits.MinDays {
			t.Fatalf("seed %d: %d days left, minimum %d", seed, past-len(d.Deletions), limits.MinDays)
		}
		for i, del := range d.Deletions {
			if del.Day.After(today.AddDate(0, 0, -2)) {
				t.Fatalf("seed %d: deleted %s", seed, del.Name)
			}
			if i > 0 && !del.Day.After(d.Deletions[i-1].Day) {
				t.Fatalf("seed %d: %s deleted after %s", seed, del.Name, d.Deletions[i-1].Name)
			}
		}
	}
}

func TestDaysUntilFull(t *testing.T) {
	today := day("2024.06.10")
	node := Node{Name: "n1", Total: 100 * gib, Available: 50 * gib} // 30 GiB above the 20 GiB block
	tests := []struct {
		name    string
		indices []Index
		now     time.Time
		want    float64
		ok      bool
	}{
		{"yesterday's rate", []Index{idx("2024.06.09", 10, "n1")}, today.Add(30 * time.Minute), 3, true},
		{"today scaled when faster", []Index{idx("2024.06.09", 10, "n1"), idx("2024.06.10", 10, "n1")}, today.Add(12 * time.Hour), 1.5, true},
		{"today too young to scale, no yesterday", []Index{idx("2024.06.10", 10, "n1")}, today.Add(10 * time.Minute), 0, false},
		{"nothing on the node", []Index{idx("2024.06.09", 10, "n2")}, today.Add(2 * time.Hour), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DaysUntilFull(node, tt.indices, today, tt.now)
			if ok != tt.ok || got != tt.want {
				t.Errorf("DaysUntilFull = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
