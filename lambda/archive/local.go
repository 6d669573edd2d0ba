package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Dir is a Store over the files under a local directory, for archives
// copied off S3 or kept on a log host.
type Dir struct {
	root string
}

// NewDir opens the directory root as a Store.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("local archive %q: %w", root, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("local archive %q cannot be read: %w: check the path", root, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("local archive %q is not a directory", root)
	}
	return &Dir{root: abs}, nil
}

// Name is "file://" and the absolute directory.
func (d *Dir) Name() string { return "file://" + filepath.ToSlash(d.root) }

// List walks only the directory the prefix's last '/' names, so listing
// one day of a year-deep tree stays cheap.
func (d *Dir) List(ctx context.Context, prefix string) ([]Object, error) {
	start := path.Dir(prefix + "x") // "2024/05/31" -> "2024/05"; "" -> "."
	startDir := filepath.Join(d.root, filepath.FromSlash(start))
	var out []Object
	err := filepath.WalkDir(startDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == startDir {
				return fs.SkipAll // no such day: nothing to list
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Descend only into directories that can still hold a match.
			if p != startDir && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		o, err := d.Stat(key)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s/%s: %w", d.Name(), prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Stat describes one file by its key.
func (d *Dir) Stat(key string) (Object, error) {
	st, err := os.Stat(d.path(key))
	if err != nil {
		return Object{}, fmt.Errorf("local file %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		return Object{}, fmt.Errorf("local file %s is not a regular file", key)
	}
	etag, err := contentTag(d.path(key), st.Size())
	if err != nil {
		return Object{}, fmt.Errorf("local file %s: %w", key, err)
	}
	return Object{Key: key, Size: st.Size(), ETag: etag, Modified: st.ModTime()}, nil
}

// tagSample is how much of each end of a file its ETag hashes.
const tagSample = 64 << 10

// contentTag stands in for S3's ETag: the size and a SHA-256 of the
// file's first and last 64 KiB. Unlike the modification time it survives
// a copy or a download, and it changes when a log file grows or is
// rewritten, without reading a large archive twice.
func contentTag(path string, size int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, tagSample)); err != nil {
		return "", err
	}
	if tail := max(size-tagSample, tagSample); tail < size {
		if _, err := io.Copy(h, io.NewSectionReader(f, tail, size-tail)); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d-%x", size, h.Sum(nil)[:12]), nil
}

// Open opens one file.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, fmt.Errorf("opening %s/%s: %w", d.Name(), key, err)
	}
	return f, nil
}

func (d *Dir) path(key string) string {
	return filepath.Join(d.root, filepath.FromSlash(key))
}
