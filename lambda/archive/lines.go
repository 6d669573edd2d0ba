package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	// klauspost/compress's gunzip (the stdlib's API, already a dependency
	// for compressing bulk bodies) usually inflates the backfill's
	// archives in 0.8-0.9 of compress/gzip's CPU: it decodes straight from
	// the *bufio.Reader below. Members still end exactly where the
	// stdlib's do (it reads the bufio.Reader as an io.ByteReader), which
	// nextMember depends on.
	"github.com/klauspost/compress/gzip"
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
//
// What follows the last gzip member is not an error: zero bytes (the
// padding tar, tape and some uploaders add up to a block size) end the
// object silently, and anything else ends it with Trailing set, once every
// line before it has been returned. Both occur in the wild after a whole,
// valid member, whose lines must not be held hostage by them.
//
// A line longer than MaxLineBytes is not kept in memory: Next skips to the
// next newline reading at most one buffer at a time, and reports it with
// Overlong, so one runaway line (a binary dump, a missing newline) costs
// neither the process its memory nor the object its other lines.
type Lines struct {
	// MaxLineBytes is the longest line Next returns; 0 means
	// DefaultMaxLineBytes.
	MaxLineBytes int

	src      countingReader
	br       *bufio.Reader
	zr       *gzip.Reader
	text     *bufio.Reader
	long     []byte
	line     int64
	offset   int64 // uncompressed bytes before the current line
	overlong *Overlong
	trailing *Trailing
	err      error
	gzip     bool
}

// DefaultMaxLineBytes is 1 MiB. CloudWatch Logs never delivers a bigger
// event (PutLogEvents capped one at 256 KB until April 2025, at 1 MB since:
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html,
// https://aws.amazon.com/about-aws/whats-new/2025/04/amazon-cloudwatch-logs-increases-log-event-size-1-mb/),
// so the ingest function never builds a document from a longer line; and
// the document of a line (the line, its parsed fields, JSON escaping) must
// fit one bulk request, which OpenSearch Service caps at 10 MiB on small
// instance types (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#network-limits),
// well below OpenSearch's own http.max_content_length default of 100mb
// (opensearch-project/OpenSearch server/src/main/java/org/opensearch/http/HttpTransportSettings.java).
const DefaultMaxLineBytes = 1 << 20

// Overlong is a line longer than MaxLineBytes, skipped by Next.
type Overlong struct {
	// Number is the line's 1-based number.
	Number int64
	// Offset is where the line starts in the object's (uncompressed) text.
	Offset int64
	// Bytes is the line's length without its newline.
	Bytes int64
	// Head is the line's beginning, for the rejects file.
	Head []byte
}

// overlongHead is how much of an overlong line is kept to identify it.
const overlongHead = 1 << 10

// Trailing is data after the last gzip member that is neither another
// member nor zero padding: every line before it was read.
type Trailing struct {
	// Offset is where it starts among the object's stored bytes.
	Offset int64
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
	l.line, l.offset, l.err, l.long = 0, 0, nil, l.long[:0]
	l.overlong, l.trailing = nil, nil
	head, err := l.br.Peek(len(gzipMagic))
	l.gzip = err == nil && bytes.Equal(head, gzipMagic)
	if !l.gzip {
		if err != nil && err != io.EOF {
			return l.classify(err)
		}
		l.text = l.br
		return nil
	}
	if err := l.startMember(); err != nil {
		return l.classify(err)
	}
	if l.text == nil || l.text == l.br {
		l.text = bufio.NewReaderSize(gzipMembers{l}, readBufferSize)
	} else {
		l.text.Reset(gzipMembers{l})
	}
	return nil
}

// startMember reads the gzip header at the current position. Members are
// read one at a time (not gzip.Reader's multistream mode) so that what
// follows the last one can be judged by nextMember. Errors are returned
// as they are: the caller classifies them once.
func (l *Lines) startMember() error {
	var err error
	if l.zr == nil {
		l.zr, err = gzip.NewReader(l.br)
	} else {
		err = l.zr.Reset(l.br)
	}
	if err != nil {
		return err
	}
	l.zr.Multistream(false)
	return nil
}

// nextMember is called at the end of a member: it skips zero padding and
// starts the next member, or reports that the object's text has ended (at
// the end of the stored bytes, or at trailing data, which it records).
func (l *Lines) nextMember() (more bool, err error) {
	for {
		b, err := l.br.Peek(1)
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if b[0] != 0 {
			break
		}
		// Skip the run of zeros in the buffer.
		buf, _ := l.br.Peek(l.br.Buffered())
		n := 0
		for n < len(buf) && buf[n] == 0 {
			n++
		}
		_, _ = l.br.Discard(n)
	}
	head, err := l.br.Peek(len(gzipMagic))
	if err != nil && err != io.EOF {
		return false, err
	}
	if !bytes.Equal(head, gzipMagic) {
		l.trailing = &Trailing{Offset: l.src.n - int64(l.br.Buffered())}
		return false, nil
	}
	if err := l.startMember(); err != nil {
		return false, err
	}
	return true, nil
}

// gzipMembers is the decompressed text of every member in turn.
type gzipMembers struct{ l *Lines }

func (g gzipMembers) Read(p []byte) (int, error) {
	for {
		n, err := g.l.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if n > 0 {
			return n, nil // the member's end is seen again on the next call
		}
		more, err := g.l.nextMember()
		if err != nil {
			return 0, err
		}
		if !more {
			return 0, io.EOF
		}
	}
}

// Next returns the next line without its trailing LF or CRLF, and its
// 1-based number. The slice is valid until the next call. ok is false at
// the end or on error; see Err. A line longer than MaxLineBytes comes back
// as nil with Overlong set.
func (l *Lines) Next() (line []byte, number int64, ok bool) {
	l.overlong = nil
	if l.err != nil {
		return nil, l.line, false
	}
	limit := l.MaxLineBytes
	if limit <= 0 {
		limit = DefaultMaxLineBytes
	}
	b, err := l.text.ReadSlice('\n')
	size := int64(len(b))
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = l.text.ReadSlice('\n')
			size += int64(len(b))
			// Past the limit only the head is kept; the rest is counted
			// and dropped with the reader's buffer.
			if len(l.long) <= limit+len("\r\n") {
				l.long = append(l.long, b...)
			}
		}
		b = l.long
	}
	if err != nil && err != io.EOF {
		l.err = l.classify(err)
		return nil, l.line, false
	}
	if size == 0 && err == io.EOF {
		l.err = io.EOF
		return nil, l.line, false
	}
	if err == io.EOF {
		l.err = io.EOF // last line without a final newline
	}
	l.line++
	start := l.offset
	l.offset += size
	text := size // the line's length without its line end
	if err == nil {
		text--
		if int64(len(b)) == size && bytes.HasSuffix(b, []byte("\r\n")) {
			text--
		}
	}
	if text > int64(limit) {
		head := b[:min(len(b), overlongHead)]
		l.overlong = &Overlong{Number: l.line, Offset: start, Bytes: text, Head: head}
		return nil, l.line, true
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, l.line, true
}

// Overlong describes the line the last Next skipped, or is nil.
func (l *Lines) Overlong() *Overlong { return l.overlong }

// Trailing describes data that ended a gzip'd object early, once Next has
// returned every line; nil when the object ended cleanly.
func (l *Lines) Trailing() *Trailing { return l.trailing }

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
