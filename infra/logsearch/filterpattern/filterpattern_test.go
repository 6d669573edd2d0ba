package filterpattern

import (
	"strings"
	"testing"
)

// The accepted patterns are the examples of the CloudWatch Logs user guide
// pages cited in the package comment.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		wantErr string // "" = accepted; else a part of the error
	}{
		{"", ""},
		{"ERROR", ""},
		{`-"DEBUG"`, ""},
		{`"Failed to process the request"`, ""},
		{`?ERROR ?WARN`, ""},
		{`{ $.eventType = "UpdateTrail" }`, ""},
		{`{ $.sourceIPAddress != 123.123.* }`, ""},
		{`{ ($.user.id = 2 && $.users[0].email = "John.Doe@example.com") || $.actions[2] = "GET" }`, ""},
		{`[ip, user, username, timestamp, request = "*html*", status_code = 4*, bytes]`, ""},
		{`[w1=ERROR || w1=WARN, w2]`, ""},
		{`%AUTHORIZED%`, ""},
		{`%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, ""},
		{`%[Ee]rror|[Ff]ail%`, ""},
		{`{ $.message = %[0-9]{3}% }`, ""},
		{`"a \" quote inside"`, ""},
		{`"an ( inside quotes"`, ""},
		{`"unclosed`, `quoted term opened by " at position 1 is never closed`},
		{`-"DEBUG`, `quoted term opened by " at position 2 is never closed`},
		{`%AUTHORIZED`, `regular expression opened by % at position 1 is never closed`},
		{`{ $.level = "error"`, `{ at position 1 is never closed; add }`},
		{`[ip, user`, `[ at position 1 is never closed; add ]`},
		{`{ ($.a = 1 }`, `} at position 12 does not close ( at position 3`},
		{`$.a = 1 }`, `} at position 9 closes nothing`},
		{`{ $.a = 1 ]`, `] at position 11 does not close {`},
	} {
		err := Check(tc.pattern)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("Check(%q) = %v, want accepted", tc.pattern, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("Check(%q) accepted, want an error with %q", tc.pattern, tc.wantErr)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("Check(%q) = %v, want it to say %q", tc.pattern, err, tc.wantErr)
		}
	}
}
