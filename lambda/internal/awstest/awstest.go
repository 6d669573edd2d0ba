// Package awstest isolates tests that build real AWS SDK clients against
// local fakes from the machine they run on.
package awstest

import (
	"path/filepath"
	"testing"
)

// StaticCredentials makes the SDK's default credential chain find fixed
// fake credentials for the rest of the test, and nothing of the machine's:
// no shared config or credentials file, no instance metadata (whose probe
// would also wait on a network that is not there). The region is left to
// the caller.
func StaticCredentials(t testing.TB) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
