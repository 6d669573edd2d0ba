package logsearch

import (
	"strings"
	"testing"
)

func TestProductionPinsItsAccount(t *testing.T) {
	cases := []struct {
		name    string
		stack   string
		pin     *string // nil: key removed
		problem string  // "" when accepted
	}{
		{"prod without the pin", "prod", nil, "aws:allowedAccountIds: a production stack pins the AWS account"},
		{"prod pinned", "prod", ptr(`["111122223333"]`), ""},
		{"prod pin not a list", "prod", ptr(`111122223333`), "must be a list of 12-digit account IDs"},
		{"prod pin empty list", "prod", ptr(`[]`), "must be a list of 12-digit account IDs"},
		{"prod pin short ID", "prod", ptr(`["12345"]`), "aws:allowedAccountIds[0] = \"12345\": not an AWS account ID"},
		{"dev needs no pin", "dev", nil, ""},
		{"dev pin still checked", "dev", ptr(`["abc"]`), "not an AWS account ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := stackSource(t, c.stack, nil)
			delete(src.values, allowedAccountsKey)
			if c.pin != nil {
				src.values[allowedAccountsKey] = *c.pin
			}
			_, err := parseConfig(c.stack, src)
			switch {
			case c.problem == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
				t.Fatalf("want a problem %q, got %v", c.problem, err)
			}
		})
	}
}

// TestLogsearchProductionFlagNeedsThePinToo: production decided by the
// flag (not the stack name) asks for the pin as well.
func TestLogsearchProductionFlagNeedsThePinToo(t *testing.T) {
	src := stackSource(t, "prod", nil)
	delete(src.values, allowedAccountsKey)
	src.values["logsearch:production"] = "true"
	if _, err := parseConfig("eu-live", src); err == nil || !strings.Contains(err.Error(), allowedAccountsKey) {
		t.Fatalf("want the missing pin refused, got %v", err)
	}
}

func ptr(s string) *string { return &s }
