package rejects

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rejects.ndjson")
	w := NewWriter(path)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a run without rejects left a file")
	}
	msg := "status:abc\thost:x"
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Write(Reject{Time: time.Unix(0, 0).UTC(), Source: "s3://b", Object: "k", Line: int64(i + 1), Index: "cwl-2024.05.31", Status: 400, Error: "mapper_parsing_exception", Message: &msg}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.Write(Reject{Source: "s3://b", Object: "bad.gz", Error: "corrupt gzip data near byte 10"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Count() != 51 {
		t.Fatalf("Count = %d", w.Count())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	lines := map[int64]bool{}
	n := 0
	for sc.Scan() {
		var r Reject
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		n++
		if r.Object == "k" {
			if r.Message == nil || *r.Message != msg || r.Status != 400 {
				t.Errorf("reject %+v", r)
			}
			lines[r.Line] = true
		} else if r.Message != nil || !strings.Contains(r.Error, "corrupt") {
			t.Errorf("object reject %+v", r)
		}
	}
	if n != 51 || len(lines) != 50 {
		t.Fatalf("%d lines, %d distinct line numbers", n, len(lines))
	}
	// A later run appends.
	w2 := NewWriter(path)
	if err := w2.Write(Reject{Object: "again", Error: "x"}); err != nil {
		t.Fatal(err)
	}
	_ = w2.Close()
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "\n") != 52 {
		t.Fatal("second run did not append")
	}
}

func TestInvalidUTF8IsKeptExactly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rejects.ndjson")
	w := NewWriter(path)
	msg := "bad \xff\xfe bytes"
	if err := w.Write(Reject{Source: "q", EventID: "1", Error: "e", Message: &msg}); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	data, _ := os.ReadFile(path)
	var r Reject
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(r.MessageBase64)
	if err != nil || string(raw) != msg || r.Object != "" || strings.Contains(string(data), `"object"`) {
		t.Fatalf("reject %s", data)
	}
}
