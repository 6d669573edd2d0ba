package guard

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Config is what a run needs to know.
type Config struct {
	// IndexPrefix names the daily indices: <prefix>-YYYY.MM.DD.
	IndexPrefix string
	// Location is the time zone whose calendar day names an index
	// (INDEX_TIMEZONE).
	Location *time.Location
	Limits
}

// Result is what one run did.
type Result struct {
	Decision
	// Deleted are the deletions that succeeded.
	Deleted []Deletion
	// Lifted are the indices whose write block the run lifted.
	Lifted []string
	// StillBlocked are blocked indices left blocked: there was not room
	// enough to lift the block safely.
	StillBlocked []string
	// DaysUntilFull at the current rate; ok false when unknown.
	DaysUntilFull   float64
	DaysUntilFullOK bool
}

// FreedBytes is the store size of the indices deleted.
func (r Result) FreedBytes() int64 {
	var n int64
	for _, d := range r.Deleted {
		n += d.Bytes
	}
	return n
}

// Run reads the domain's storage, deletes what Plan decides, oldest
// first, and lifts the read-only-allow-delete block from logsearch's
// daily indices once every node is clear of the write-block threshold.
// Each deletion and lift is logged. A failed deletion stops the run (the
// next run starts afresh) and is returned with what was done until then.
func Run(ctx context.Context, dom Domain, cfg Config, now time.Time, log *slog.Logger) (Result, error) {
	pattern := cfg.IndexPrefix + "-*"
	nodes, err := dom.DataNodes(ctx)
	if err != nil {
		return Result{}, err
	}
	shards, err := dom.Shards(ctx, pattern)
	if err != nil {
		return Result{}, err
	}
	indices := dailyIndices(cfg.IndexPrefix, cfg.Location, shards)
	local := now.In(cfg.Location)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, cfg.Location)

	res := Result{Decision: Plan(nodes, indices, today, cfg.Limits)}
	for _, del := range res.Deletions {
		if err := dom.DeleteIndex(ctx, del.Name); err != nil {
			res.FreeAfter = del.FreeBefore
			return res, fmt.Errorf("deleting %s to make room: %w", del.Name, err)
		}
		res.Deleted = append(res.Deleted, del)
		log.Warn("storage guard deleted an index to make room",
			"index", del.Name, "bytes", del.Bytes, "ageDays", del.Age,
			"fullestFreeBefore", del.FreeBefore, "fullestFreeAfter", del.FreeAfter, "floor", cfg.Floor)
	}
	if res.Short {
		log.Error("storage guard cannot reach the floor within its limits: the domain will fill up; raise domain.volumeSize or instanceCount, or lower retentionDays",
			"fullestNode", res.Fullest.Name, "fullestFree", res.FreeAfter, "floor", cfg.Floor,
			"minDays", cfg.MinDays, "daysKept", res.DaysKept, "reason", res.Protected)
	}

	blocked, err := dom.BlockedIndices(ctx, pattern)
	if err != nil {
		return res, err
	}
	blocked = slices.DeleteFunc(blocked, func(name string) bool {
		_, daily := ParseDaily(cfg.IndexPrefix, name, cfg.Location)
		return !daily || slices.ContainsFunc(res.Deleted, func(d Deletion) bool { return d.Name == name })
	})
	if len(blocked) > 0 {
		if clearOfBlock(nodes, res.Deleted) {
			if err := dom.LiftBlock(ctx, blocked); err != nil {
				return res, fmt.Errorf("lifting the write block: %w", err)
			}
			res.Lifted = blocked
			log.Warn("storage guard lifted the write block after making room", "indices", blocked,
				"fullestNode", res.Fullest.Name, "fullestFree", res.FreeAfter)
		} else {
			res.StillBlocked = blocked
			log.Error("storage guard left the write block in place: a data node is still below the write-block threshold",
				"indices", blocked, "fullestNode", res.Fullest.Name, "fullestFree", res.FreeAfter)
		}
	}

	remaining := slices.DeleteFunc(slices.Clone(indices), func(ix Index) bool {
		return slices.ContainsFunc(res.Deleted, func(d Deletion) bool { return d.Name == ix.Name })
	})
	res.DaysUntilFull, res.DaysUntilFullOK = DaysUntilFull(res.Fullest, remaining, today, local)
	log.Info("storage guard run", "fullestNode", res.Fullest.Name, "fullestFreeBefore", res.FreeBefore,
		"fullestFreeAfter", res.FreeAfter, "floor", cfg.Floor, "deleted", len(res.Deleted), "daysKept", res.DaysKept)
	return res, nil
}

// clearOfBlock: once deleted's copies are gone, every node has at least
// the write-block threshold available, so lifting the block does not
// just let the disk fill to the brim.
func clearOfBlock(nodes []Node, deleted []Deletion) bool {
	for _, n := range nodes {
		avail := n.Available
		for _, d := range deleted {
			avail += d.PerNode[n.Name]
		}
		if avail < WriteBlockThreshold(n.Total) {
			return false
		}
	}
	return true
}

// dailyIndices groups shard copies by index, keeping only logsearch's
// daily indices.
func dailyIndices(prefix string, loc *time.Location, shards []Shard) []Index {
	byName := map[string]*Index{}
	var order []string
	for _, s := range shards {
		ix := byName[s.Index]
		if ix == nil {
			day, ok := ParseDaily(prefix, s.Index, loc)
			if !ok {
				continue
			}
			ix = &Index{Name: s.Index, Day: day, PerNode: map[string]int64{}}
			byName[s.Index] = ix
			order = append(order, s.Index)
		}
		ix.Bytes += s.Bytes
		if s.Node != "" {
			ix.PerNode[s.Node] += s.Bytes
		}
	}
	out := make([]Index, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out
}
