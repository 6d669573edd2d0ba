package document

import (
	"errors"
	"unsafe"

	"github.com/logsearch/logsearch/lambda/docfields"
	"github.com/logsearch/logsearch/lambda/jsonscan"
	"github.com/logsearch/logsearch/lambda/jsonwrite"
)

// maxMessageDepth is how deeply a JSON message may nest and still be
// indexed as JSON. OpenSearch itself rejects mappings deeper than 20
// levels by default; deeper messages are kept as plain text instead.
const maxMessageDepth = 64

// parseJSON fills b.members with the top-level members of the JSON object
// msg and reports whether msg is exactly one valid JSON object.
func (b *Builder) parseJSON(msg string) bool {
	sc := jsonscan.New(readOnlyBytes(msg), false)
	err := sc.Members(func(key string) error {
		c := sc.Peek()
		start := sc.Pos()
		name := fieldName(key, true)
		if (c == '{' || c == '[') && name == docfields.PlainMessage {
			// "message" is mapped as text for plain-text lines: an object
			// or array there would be refused.
			name = "_" + name
		}
		m := member{key: key, name: name, hash: nameHash(name), kind: c}
		m.t = b.types.lookup(m.name, m.hash)
		var err error
		switch c {
		case '"':
			m.str, err = sc.Str()
		case 't', 'f':
			m.kind = 't'
			err = sc.Skip(1)
		case '{', '[', 'n':
			err = sc.Skip(maxMessageDepth - 1)
		default:
			m.kind = '0'
			err = sc.Skip(1)
		}
		m.raw = msg[start:sc.Pos()]
		b.members = append(b.members, m)
		return err
	})
	return err == nil && sc.AtEnd()
}

var errNotJSON = errors.New("not valid JSON")

// appendJSON re-writes the valid JSON value raw: strings are re-escaped
// (repairing invalid UTF-8), nested objects lose duplicate keys (last
// wins) and get safe field names, whitespace is dropped.
func (b *Builder) appendJSON(dst []byte, raw string) ([]byte, bool) {
	sc := jsonscan.New(readOnlyBytes(raw), false)
	dst, err := b.appendValue(dst, &sc, raw)
	return dst, err == nil && sc.AtEnd()
}

func (b *Builder) appendValue(dst []byte, sc *jsonscan.Scanner, raw string) ([]byte, error) {
	switch c := sc.Peek(); c {
	case '{':
		base := len(b.nested)
		err := sc.Members(func(key string) error {
			sc.Peek() // skip spaces
			start := sc.Pos()
			err := sc.Skip(maxMessageDepth)
			name := fieldName(key, false)
			b.nested = append(b.nested, member{name: name, hash: nameHash(name), raw: raw[start:sc.Pos()]})
			return err
		})
		if err != nil {
			return dst, err
		}
		b.markDuplicates(b.nested[base:])
		dst = append(dst, '{')
		for i := base; i < len(b.nested); i++ {
			if b.nested[i].dup {
				continue
			}
			m := b.nested[i]
			dst = jsonwrite.Member(dst, m.name)
			sub := jsonscan.New(readOnlyBytes(m.raw), false)
			if dst, err = b.appendValue(dst, &sub, m.raw); err != nil {
				return dst, err
			}
		}
		b.nested = b.nested[:base]
		return append(dst, '}'), nil
	case '[':
		dst = append(dst, '[')
		err := sc.Elements(func(i int) error {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			dst, err = b.appendValue(dst, sc, raw)
			return err
		})
		return append(dst, ']'), err
	case '"':
		s, err := sc.Str()
		return jsonwrite.String(dst, s), err
	case 0:
		return dst, errNotJSON
	default:
		start := sc.Pos()
		err := sc.Skip(1)
		return append(dst, raw[start:sc.Pos()]...), err
	}
}

// readOnlyBytes views s as bytes for a Scanner that never writes
// (jsonscan.New with inPlace false).
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
