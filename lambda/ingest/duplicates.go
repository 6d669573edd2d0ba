package main

import "github.com/logsearch/logsearch/lambda/cwlogs"

// duplicateReason is the dead-letter reason of an event whose id a later
// event of the same payload repeats. OpenSearch keeps one document per _id:
// in one _bulk request the later item overwrites the earlier, and both
// answer success, so counting both as indexed would claim an event that is
// not in the index. The later one is indexed; the earlier one is kept.
const duplicateReason = "another event later in the same payload has the same id; OpenSearch keeps one document per _id, so only that later event is sent and this one is kept here"

// markEarlierDuplicates sets dup[i] for every event whose id appears again
// later in evs, reusing dup and seen. CloudWatch's ids ascend within a
// payload, which the decoder reports (known) or is checked first
// without a map.
func markEarlierDuplicates(evs []cwlogs.LogEvent, known bool, dup []bool, seen map[string]int) []bool {
	dup = append(dup[:0], make([]bool, len(evs))...)
	ascending := true
	for i := 1; i < len(evs) && ascending && !known; i++ {
		ascending = evs[i-1].ID < evs[i].ID
	}
	if ascending {
		return dup
	}
	clear(seen)
	for i := range evs {
		if prev, ok := seen[evs[i].ID]; ok {
			dup[prev] = true
		}
		seen[evs[i].ID] = i
	}
	return dup
}
