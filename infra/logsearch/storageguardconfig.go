package logsearch

import (
	"fmt"
	"math"

	"github.com/logsearch/logsearch/lambda/storageguard/guard"
)

// StorageGuardConfig is the function that keeps the domain clear of
// OpenSearch Service's write block (docs/operations.md#the-storage-guard).
type StorageGuardConfig struct {
	// Enabled runs the storage guard every 5 minutes: when a data node's
	// free space falls below floorGiB, it deletes the oldest daily indices
	// (never today's or yesterday's, never leaving fewer than minDays days)
	// and alarms. Default true.
	Enabled bool `json:"enabled"`
	// FloorGiB is the free space every data node keeps, in GiB. It must lie
	// above OpenSearch Service's write block, min(20% of domain.volumeSize,
	// 20 GiB), and at most at half of domain.volumeSize.
	FloorGiB float64 `json:"floorGiB" configdefault:"the write block plus max(5% of volumeSize, 1 GiB)"`
	// MinDays is the fewest daily indices the guard leaves, 2 up to
	// retentionDays.
	MinDays int `json:"minDays"`
}

// DefaultStorageGuardMinDays keeps today, yesterday and the day before.
const DefaultStorageGuardMinDays = 3

// writeBlockGiB is the free space per data node below which OpenSearch
// Service starts to refuse writes (guard.WriteBlockThreshold), in GiB.
func (d DomainConfig) writeBlockGiB() float64 {
	return float64(guard.WriteBlockThreshold(int64(d.VolumeSize)<<30)) / (1 << 30)
}

// Floor is the guard's floor in GiB: floorGiB, or its default, the write
// block plus max(5% of the volume, 1 GiB) for the 5 minutes between runs
// and the deletion's own delay.
func (c *Config) storageGuardFloorGiB() float64 {
	if c.StorageGuard.FloorGiB > 0 {
		return c.StorageGuard.FloorGiB
	}
	return c.Domain.writeBlockGiB() + math.Max(0.05*float64(c.Domain.VolumeSize), 1)
}

func (c *Config) validateStorageGuard(ps *problems) {
	g := c.StorageGuard
	if !g.Enabled {
		return
	}
	d := c.Domain
	block := d.writeBlockGiB()
	if g.FloorGiB != 0 && (g.FloorGiB <= block || g.FloorGiB > float64(d.VolumeSize)/2) {
		ps.add("storageGuard.floorGiB", g.FloorGiB, "must lie above OpenSearch Service's write block (%g GiB free for a %d GiB volume) and at most at half of domain.volumeSize (%g GiB); leave it out for the default %g GiB",
			block, d.VolumeSize, float64(d.VolumeSize)/2, block+math.Max(0.05*float64(d.VolumeSize), 1))
	}
	if g.MinDays < 2 || g.MinDays > max(DefaultStorageGuardMinDays, c.RetentionDays) {
		ps.add("storageGuard.minDays", g.MinDays, "must be 2 (today and yesterday are always kept) up to retentionDays (%d) or %d", c.RetentionDays, DefaultStorageGuardMinDays)
		return
	}
}

// storageGuardWarning says when the stated daily volume leaves the guard
// no room: minDays days of indices (plus today's) would already take a
// data node below its floor, so the guard would keep alarming
// storage-guard-short rather than delete more.
func (c *Config) storageGuardWarning() string {
	d, g := c.Domain, c.StorageGuard
	perNode, ok := c.perNodeGiB(g.MinDays + 1)
	room := float64(d.VolumeSize) - c.storageGuardFloorGiB()
	if !g.Enabled || !ok || perNode <= room {
		return ""
	}
	return fmt.Sprintf("logsearch:storageGuard.minDays = %d: at domain.expectedDailyGiB = %g, %d day(s) of indices take %.1f GiB of each data node, more than the %.1f GiB above the storage guard's floor, so the guard would alarm (storage-guard-short) instead of making room: raise domain.volumeSize (or add data nodes), or lower storageGuard.minDays",
		g.MinDays, d.ExpectedDailyGiB, g.MinDays+1, perNode, room)
}
