package logsearch

import (
	"strings"
	"testing"
)

// StartIngesting needs what NewIngestion prepared, once: a second call
// would register the function twice under one name.
func TestStartIngestingNeedsNewIngestion(t *testing.T) {
	err := (&Ingestion{}).StartIngesting(&Config{})
	if err == nil || !strings.Contains(err.Error(), "StartIngesting called twice, or on an Ingestion NewIngestion did not create") {
		t.Errorf("StartIngesting on an Ingestion NewIngestion did not create: %v", err)
	}
}
