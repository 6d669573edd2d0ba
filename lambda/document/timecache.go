package document

import (
	"time"

	"github.com/logsearch/logsearch/lambda/timeparse"
)

// parsedTime is a time field's value as timeparse.Parse read it.
type parsedTime struct {
	t  time.Time
	ok bool
}

// maxCachedTimeText bounds the time text the cache copies: real time
// fields are under 40 bytes.
const maxCachedTimeText = 64

// timeCache remembers, for the builder's time zone loc, the last time
// text parsed and the last instant written. Log lines of one batch share their second far more often than
// not, and parsing, range-checking and formatting the same time again was
// a tenth of building a document.
type timeCache struct {
	loc    *time.Location
	text   []byte // a copy: the parsed text aliases buffers reused later
	cached bool
	parsed parsedTime

	written time.Time
	utc     []byte // written, as AppendUTCMillis writes it

	inRangeFrom, inRangeTo time.Time // an interval known in range
}

// parse is timeparse.Parse(text, c.loc), from the cache when text repeats.
func (c *timeCache) parse(text string) parsedTime {
	if c.cached && string(c.text) == text {
		return c.parsed
	}
	t, ok := timeparse.Parse(text, c.loc)
	c.parsed = parsedTime{t, ok}
	c.cached = len(text) <= maxCachedTimeText
	if c.cached {
		c.text = append(c.text[:0], text...)
	}
	return c.parsed
}

// appendUTC is timeparse.AppendUTCMillis, from the cache when t repeats.
func (c *timeCache) appendUTC(dst []byte, t time.Time) []byte {
	if c.utc == nil || !t.Equal(c.written) {
		c.utc = timeparse.AppendUTCMillis(c.utc[:0], t)
		c.written = t
	}
	return append(dst, c.utc...)
}

// appendQuoted writes a parsed time value as a JSON date string, or
// reports that it did not parse, as appendCoerced does for a date.
func (c *timeCache) appendQuoted(dst []byte, p parsedTime) ([]byte, bool) {
	if !p.ok {
		return dst, false
	}
	dst = append(dst, '"')
	dst = c.appendUTC(dst, p.t)
	return append(dst, '"'), true
}

// inRange is InRange(t, c.loc), skipping the calendar arithmetic while t
// stays within the second of the last instant found in range. The
// accepted range ends at whole years, so a second never straddles an
// edge of it.
func (c *timeCache) inRange(t time.Time) bool {
	if !t.Before(c.inRangeFrom) && t.Before(c.inRangeTo) {
		return true
	}
	if !InRange(t, c.loc) {
		return false
	}
	c.inRangeFrom = t.Truncate(time.Second)
	c.inRangeTo = c.inRangeFrom.Add(time.Second)
	return true
}
