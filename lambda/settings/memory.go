package settings

import "github.com/logsearch/logsearch/lambda/cwlogs"

// MemoryBound is the most resident memory, in bytes, the ingest function
// may use for a payload that inflates to inflated bytes: the decoded
// payload and its unescaped messages, one request body of at most
// BULK_MAX_BYTES, the Go runtime, and the garbage collector's headroom.
// BenchmarkWholeInvocation (lambda/ingest) fails past it.
func MemoryBound(inflated int) int {
	return 3*inflated + 32<<20
}

// MinMemoryMB is the least function memory (in Lambda's MB, which are
// MiB) that holds the largest payload the decoder accepts
// (cwlogs.DefaultMaxDecompressedBytes inflated): 224.
var MinMemoryMB = MemoryBound(cwlogs.DefaultMaxDecompressedBytes) >> 20
