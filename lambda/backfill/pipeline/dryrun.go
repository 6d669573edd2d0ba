package pipeline

import (
	"fmt"
	"sort"
	"strings"
)

// sample prints one built bulk item while the dry run's sample budget lasts.
func (w *worker) sample(bulkItem []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.samples >= w.cfg.Samples {
		return
	}
	w.samples++
	_, _ = fmt.Fprintf(w.cfg.DryRunOut, "sample document %d:\n%s", w.samples, bulkItem)
}

// describe prints what a dry run would write for one object.
func (w *worker) describe(j Job, res *objectResult) {
	indices := make([]string, 0, len(res.perIndex))
	for k, v := range res.perIndex {
		indices = append(indices, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(indices)
	extra := ""
	if res.empty > 0 {
		extra += fmt.Sprintf(", %d blank", res.empty)
	}
	if res.otherIndex > 0 {
		extra += fmt.Sprintf(", %d for days not redone", res.otherIndex)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = fmt.Fprintf(w.cfg.DryRunOut, "would index %s/%s (%d bytes): %d lines%s -> %s\n",
		j.Store.Name(), j.Object.Key, j.Object.Size, res.lines, extra, strings.Join(indices, ", "))
}
