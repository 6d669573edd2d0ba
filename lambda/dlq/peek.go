package dlq

import "encoding/json"

// Header identifies one queue message without decoding its content, so a
// consumer can tell logsearch records from other messages in the same
// queue and gather the parts of a chunked record before calling Read.
type Header struct {
	Kind      string
	RequestID string
	// ChunkOf, Part and Parts are set for KindChunk: the record's id and
	// this message's place among its parts (1..Parts).
	ChunkOf     string
	Part, Parts int
}

// Peek reads the header of a message body. ok is false when the body is
// not a logsearch DLQ record of this Version.
func Peek(body string) (h Header, ok bool) {
	var r struct {
		header
		ChunkOf string `json:"chunk_of"`
		Part    int    `json:"part"`
		Parts   int    `json:"parts"`
	}
	if json.Unmarshal([]byte(body), &r) != nil || r.Version != Version || r.Kind == "" {
		return Header{}, false
	}
	return Header{Kind: r.Kind, RequestID: r.RequestID, ChunkOf: r.ChunkOf, Part: r.Part, Parts: r.Parts}, true
}
