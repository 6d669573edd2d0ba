// Package archive finds and reads archived log files: objects under an S3
// prefix or files under a local directory, selected by the date in their
// key, each read line by line whether gzip'd or plain.
package archive

import (
	"context"
	"io"
	"time"
)

// Object is one archived log file.
type Object struct {
	// Key names the object inside its Store: the S3 key, or the path
	// relative to the local root with '/' separators. Together with
	// Store.Name it identifies the object across runs.
	Key string
	// Size is the stored (possibly compressed) size in bytes.
	Size int64
	// ETag is S3's entity tag; for a local file, its size and modification
	// time. A changed ETag means the object was rewritten since it was read.
	ETag string
	// Modified is when the object was last written.
	Modified time.Time
	// Day is the date the key names (midnight UTC of that calendar day), or
	// zero when the object was not selected by date.
	Day time.Time
	// InDay is the key after its day's listing prefix (ListDays sets it):
	// "/app/web/i-0abc/3758….log.gz" under "logs/2024/05/31". Its folders
	// tell one stream from another, wherever the archive itself lies.
	InDay string
}

// Store lists and opens archived objects.
type Store interface {
	// Name identifies the store in document fields and ids:
	// "s3://<bucket>" or "file://<absolute directory>".
	Name() string
	// List returns every object whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Open reads one object from its beginning.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}
