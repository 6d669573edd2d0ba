package dlq

import (
	"context"
	"testing"
)

func TestPeek(t *testing.T) {
	w, fake := newWriter(t, Config{MaxMessageBytes: 1024})
	if _, err := w.FailedEvents(context.Background(), "req-1", src, events(1, 3000)); err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	for k, m := range msgs {
		h, ok := Peek(m.Body)
		if !ok || h.Kind != KindChunk || h.Part != k+1 || h.Parts != len(msgs) || h.ChunkOf == "" || h.RequestID != "req-1" {
			t.Errorf("message %d: %+v, %v", k, h, ok)
		}
	}
	for _, body := range []string{"", "hello", `{"awslogs":{"data":"x"}}`, `{"logsearch_dlq":2,"kind":"chunk"}`, `{"logsearch_dlq":1}`} {
		if h, ok := Peek(body); ok {
			t.Errorf("Peek(%q) = %+v, want not a record", body, h)
		}
	}
}
