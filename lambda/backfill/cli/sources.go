package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/awsenv"
	"github.com/logsearch/logsearch/lambda/backfill/pipeline"
)

// listJobs turns the SOURCE arguments into the objects to read: for
// s3:// and directory sources those of the days from..to, for a file the
// file itself. canonical names every source absolutely, for the state
// file's run identity.
func listJobs(ctx context.Context, o *Options, from, to time.Time, newS3 func() (archive.S3API, error)) (jobs []pipeline.Job, canonical []string, err error) {
	var client archive.S3API
	seen := map[string]bool{}
	add := func(j pipeline.Job) {
		if !seen[j.ID()] {
			seen[j.ID()] = true
			jobs = append(jobs, j)
		}
	}
	for _, src := range o.Sources {
		var store archive.Store
		var prefix string
		if strings.HasPrefix(src, "s3://") {
			bucket, p, perr := archive.ParseS3URL(src)
			if perr != nil {
				return nil, nil, perr
			}
			if client == nil {
				if client, err = newS3(); err != nil {
					return nil, nil, err
				}
			}
			store, prefix = archive.NewBucket(client, bucket), p
		} else {
			st, serr := os.Stat(src)
			if serr != nil {
				return nil, nil, fmt.Errorf("source %q: %w: name an existing file or directory, or s3://<bucket>/<prefix>", src, serr)
			}
			if !st.IsDir() {
				dir, derr := archive.NewDir(filepath.Dir(src))
				if derr != nil {
					return nil, nil, derr
				}
				obj, oerr := dir.Stat(filepath.Base(src))
				if oerr != nil {
					return nil, nil, oerr
				}
				if obj.Day, err = fileDay(o, dir.Name()+"/"+obj.Key); err != nil {
					return nil, nil, err
				}
				canonical = append(canonical, dir.Name()+"/"+obj.Key)
				add(pipeline.Job{Store: dir, Object: obj})
				continue
			}
			dir, derr := archive.NewDir(src)
			if derr != nil {
				return nil, nil, derr
			}
			store = dir
		}
		canonical = append(canonical, store.Name()+"/"+prefix)
		if !o.HasRange {
			return nil, nil, fmt.Errorf("source %s is read by date: pass --from YYYY-MM-DD [--to YYYY-MM-DD]", src)
		}
		objs, lerr := archive.ListDays(ctx, store, prefix, o.KeyLayout, from, to)
		if lerr != nil {
			return nil, nil, lerr
		}
		for _, obj := range objs {
			add(pipeline.Job{Store: store, Object: obj})
		}
	}
	return jobs, canonical, nil
}

// fileDay is the day of a file read on its own, which lines without a
// time field are indexed under: the date its path names in --key-layout
// form, or else --from when it names one day. Never the file's
// modification time, which a copy or a download changes.
func fileDay(o *Options, path string) (time.Time, error) {
	if d, ok := o.KeyLayout.DayIn(path); ok {
		return d, nil
	}
	if o.HasRange && o.From.Equal(o.To) {
		return o.From, nil
	}
	return time.Time{}, fmt.Errorf("file %s: its path names no date in --key-layout form (%s), so lines without a time field would have no day: pass --from YYYY-MM-DD (the file's day), or a --key-layout matching the date in its name", path, o.KeyLayout)
}

// defaultS3 builds the real S3 client.
func defaultS3(ctx context.Context, o *Options) func() (archive.S3API, error) {
	return func() (archive.S3API, error) {
		cfg, err := awsenv.Load(ctx, o.Region, "for S3")
		if err != nil {
			return nil, err
		}
		return archive.NewS3Client(cfg, o.S3Endpoint), nil
	}
}
