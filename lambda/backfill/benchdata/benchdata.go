// Package benchdata writes the archive the backfill benchmarks read:
// realistic nginx-style LTSV access-log lines (about 280 bytes, 13 fields,
// the ingest benchmark's lines) gzip'd into dated objects, as an archiver
// would upload them.
package benchdata

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/logsearch/logsearch/lambda/cwlogs/cwlogstest"
)

// Day is the date the archive's objects are filed under (2024/05/31/).
var Day = time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)

// Archive describes a written archive.
type Archive struct {
	Dir       string
	Objects   int
	Lines     int64
	TextBytes int64 // uncompressed
	GzipBytes int64 // stored
}

// Write creates under dir parts gzip'd objects holding together at least
// textBytes of log lines.
func Write(dir string, textBytes int64, parts int) (*Archive, error) {
	a := &Archive{Dir: dir, Objects: parts}
	start := Day
	for part := range parts {
		path := filepath.Join(dir, Day.Format("2006/01/02"), fmt.Sprintf("access-%03d.log.gz", part))
		if err := a.writeObject(path, textBytes/int64(parts), start.Add(time.Duration(a.Lines)*10*time.Millisecond)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *Archive) writeObject(path string, size int64, start time.Time) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := gzip.NewWriter(f)
	w := bufio.NewWriterSize(zw, 1<<20)
	var text, lines int64
	for text < size {
		for _, ev := range cwlogstest.NginxEvents(10000, start.Add(time.Duration(lines)*10*time.Millisecond)) {
			n, _ := w.WriteString(ev.Message)
			_ = w.WriteByte('\n')
			text += int64(n) + 1
			lines++
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a.Lines += lines
	a.TextBytes += text
	a.GzipBytes += st.Size()
	return nil
}
