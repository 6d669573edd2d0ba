// Package floor is the work no ingest implementation can avoid, which the
// benchmarks divide by: base64 + gunzip of the CloudWatch Logs payload
// (Inflate), and the SHA-256 of the bytes sent plus writing them to a
// socket (Send). Buffers and the gzip reader are reused, as a warm Lambda
// would, and gunzip is klauspost/compress's, the fastest at hand (1.55
// times compress/gzip on the reference payload), so that the floor is as
// low as it can honestly be. Send's caller passes memory that holds data:
// hashing pages never written is half as slow again.
package floor

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"

	"github.com/klauspost/compress/gzip"
)

// Floor holds the reused buffers. It is not safe for concurrent use.
type Floor struct {
	compressed, inflated []byte
	zr                   *gzip.Reader
	src                  bytes.Reader
}

// Inflate base64-decodes and gunzips data (awslogs.data) and returns the
// inflated bytes, valid until the next call.
func (f *Floor) Inflate(data []byte) ([]byte, error) {
	if n := base64.StdEncoding.DecodedLen(len(data)); cap(f.compressed) < n {
		f.compressed = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(f.compressed[:cap(f.compressed)], data)
	if err != nil {
		return nil, err
	}
	f.src.Reset(f.compressed[:n])
	if f.zr == nil {
		f.zr, err = gzip.NewReader(&f.src)
	} else {
		err = f.zr.Reset(&f.src)
	}
	if err != nil {
		return nil, err
	}
	// Read straight into the reused buffer (io.Copy through a
	// bytes.Buffer is slower, which would flatter a ratio to the floor).
	f.inflated = f.inflated[:0]
	for {
		if len(f.inflated) == cap(f.inflated) {
			f.inflated = append(f.inflated, 0)[:len(f.inflated)]
		}
		n, err := f.zr.Read(f.inflated[len(f.inflated):cap(f.inflated)])
		f.inflated = f.inflated[:len(f.inflated)+n]
		if err == io.EOF {
			return f.inflated, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Send hashes body with SHA-256, as SigV4 must, and writes it to w.
func Send(w io.Writer, body []byte) ([sha256.Size]byte, error) {
	sum := sha256.Sum256(body)
	_, err := w.Write(body)
	return sum, err
}
