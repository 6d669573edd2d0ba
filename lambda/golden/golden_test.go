package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps failures instead of reporting them.
type recorder struct {
	testing.TB
	failed  bool
	message string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed, r.message = true, fmt.Sprintf(format, args...)
}

// Fatalf ends the goroutine, as testing's does: Check must not go on.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// check runs Check on its own goroutine, which Fatalf may end.
func check(r *recorder, path string, got []byte, update bool, accept string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(r, path, got, update, accept)
	}()
	<-done
}

func TestCheck(t *testing.T) {
	const accept = "go test ./x -update"
	tests := []struct {
		name     string
		file     *string // nil: no golden file
		got      string
		update   bool
		wantFail []string // substrings of the failure; nil: no failure
		wantFile string   // the file afterwards
	}{
		{name: "same", file: ptr("a\nb\n"), got: "a\nb\n", wantFile: "a\nb\n"},
		{name: "changed line", file: ptr("a\nb\nc\n"), got: "a\nB\nc\n",
			wantFail: []string{"drifted from", accept, "line 2:\n  golden: b\n  now:    B"}, wantFile: "a\nb\nc\n"},
		{name: "longer output", file: ptr("a\n"), got: "a\nb\n",
			wantFail: []string{"line 2:\n  golden: \n  now:    b"}, wantFile: "a\n"},
		{name: "missing final newline", file: ptr("a"), got: "a\n",
			wantFail: []string{"line 2:\n  golden: <end of file>\n  now:    "}, wantFile: "a"},
		{name: "missing file", got: "a\n", wantFail: []string{"no such file", "create it with: " + accept}},
		{name: "update rewrites", file: ptr("old\n"), got: "new\n", update: true, wantFile: "new\n"},
		{name: "update creates", got: "new\n", update: true, wantFile: "new\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.json")
			if tt.file != nil {
				if err := os.WriteFile(path, []byte(*tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := &recorder{TB: t}
			check(r, path, []byte(tt.got), tt.update, accept)
			if r.failed != (tt.wantFail != nil) {
				t.Fatalf("failed = %v (%q), want %v", r.failed, r.message, tt.wantFail != nil)
			}
			for _, s := range tt.wantFail {
				if !strings.Contains(r.message, s) {
					t.Errorf("failure %q lacks %q", r.message, s)
				}
			}
			b, err := os.ReadFile(path)
			if tt.wantFile == "" {
				if !os.IsNotExist(err) {
					t.Errorf("file exists after the check: %q, %v", b, err)
				}
				return
			}
			if err != nil || string(b) != tt.wantFile {
				t.Errorf("file = %q, %v; want %q", b, err, tt.wantFile)
			}
		})
	}
}

func ptr(s string) *string { return &s }
