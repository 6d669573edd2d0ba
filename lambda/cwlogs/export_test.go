package cwlogs

// DecodeJSON runs the payload JSON stage alone, so fuzzing is not slowed
// down by gzip and base64 (the standard library's, tested there).
func (d *Decoder) DecodeJSON(raw []byte) (*Payload, error) {
	d.json = append(d.json[:0], raw...)
	return d.parse()
}

// RetainedBytes is the buffer capacity the Decoder keeps between calls.
func (d *Decoder) RetainedBytes() int { return d.retainedBytes() }

// InflatedCap is the capacity of the inflate buffer.
func (d *Decoder) InflatedCap() int { return cap(d.json) }
