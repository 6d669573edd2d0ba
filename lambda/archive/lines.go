package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// gzipMagic starts every gzip member. Files are recognised by content, not
// by name: archives are often renamed, and "access.log" may well be gzip'd.
var gzipMagic = []byte{0x1f, 0x8b}

// CorruptError reports an object whose content cannot be decompressed: a
// truncated upload or a damaged file. Reading it again will not help.
type CorruptError struct {
	// Offset is how many stored bytes had been read when it failed.
	Offset int64
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt gzip data near byte %d: %v", e.Offset, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Lines reads an object line by line, gunzipping it when it is gzip'd
// (concatenated gzip members, as logrotate and Firehose write, included).
// A Lines is reused across objects with Reset to keep its buffers.
type Lines struct {
	src  countingReader
	br   *bufio.Reader
	zr   *gzip.Reader
	text *bufio.Reader
	long []byte
	line int64
	err  error
	gzip bool
}

// readBufferSize is large enough that almost every line is returned
// straight from the buffer without copying.
const readBufferSize = 256 << 10

// Reset starts reading r from its beginning.
func (l *Lines) Reset(r io.Reader) error {
	l.src = countingReader{r: r}
	if l.br == nil {
		l.br = bufio.NewReaderSize(&l.src, readBufferSize)
	} else {
		l.br.Reset(&l.src)
	}
	l.line, l.err, l.long = 0, nil, l.long[:0]
	head, err := l.br.Peek(len(gzipMagic))
	l.gzip = err == nil && bytes.Equal(head, gzipMagic)
	if !l.gzip {
		if err != nil && err != io.EOF {
			return l.classify(err)
		}
		l.text = l.br
		return nil
	}
	if l.zr == nil {
		l.zr, err = gzip.NewReader(l.br)
	} else {
		err = l.zr.Reset(l.br)
	}
	if err != nil {
		return l.classify(err)
	}
	if l.text == nil || l.text == l.br {
		l.text = bufio.NewReaderSize(l.zr, readBufferSize)
	} else {
		l.text.Reset(l.zr)
	}
	return nil
}

// Next returns the next line without its trailing LF or CRLF, and its
// 1-based number. The slice is valid until the next call. ok is false at
// the end or on error; see Err.
func (l *Lines) Next() (line []byte, number int64, ok bool) {
	if l.err != nil {
		return nil, l.line, false
	}
	b, err := l.text.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = l.text.ReadSlice('\n')
			l.long = append(l.long, b...)
		}
		b = l.long
	}
	if err != nil && err != io.EOF {
		l.err = l.classify(err)
		return nil, l.line, false
	}
	if len(b) == 0 && err == io.EOF {
		l.err = io.EOF
		return nil, l.line, false
	}
	if err == io.EOF {
		l.err = io.EOF // last line without a final newline
	}
	l.line++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, l.line, true
}

// Err is the error that ended reading, or nil at a clean end.
func (l *Lines) Err() error {
	if l.err == io.EOF {
		return nil
	}
	return l.err
}

// StoredBytes is how many bytes of the object (as stored, so compressed
// bytes for gzip) have been consumed so far.
func (l *Lines) StoredBytes() int64 { return l.src.n }

// Gzipped reports whether the object is gzip'd.
func (l *Lines) Gzipped() bool { return l.gzip }

// classify tells a transport failure (worth a retry) from corrupt content
// (not worth one): only the former is an error of the underlying reader.
func (l *Lines) classify(err error) error {
	if l.src.err != nil && l.src.err != io.EOF && errors.Is(err, l.src.err) {
		return fmt.Errorf("reading stored bytes: %w", err)
	}
	if l.gzip || errors.Is(err, gzip.ErrHeader) {
		return &CorruptError{Offset: l.src.n, Err: err}
	}
	return err
}

type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
