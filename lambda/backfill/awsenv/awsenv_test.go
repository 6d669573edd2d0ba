package awsenv

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

func TestLoad(t *testing.T) {
	noCredentials := func(t *testing.T) {
		none := filepath.Join(t.TempDir(), "none")
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_PROFILE", "")
		t.Setenv("AWS_CONFIG_FILE", none)
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
		t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
		t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
	}
	tests := []struct {
		name   string
		setup  func(t *testing.T)
		region string
		want   string // "" for success
	}{
		{"credentials and region", func(t *testing.T) { awstest.StaticCredentials(t) }, "eu-west-1", ""},
		{"no region", func(t *testing.T) {
			awstest.StaticCredentials(t)
			t.Setenv("AWS_REGION", "")
			t.Setenv("AWS_DEFAULT_REGION", "")
		}, "", "no AWS region for S3: pass --region"},
		{"no credentials", noCredentials, "eu-west-1", "no usable AWS credentials for S3"},
		{"unknown profile", func(t *testing.T) {
			noCredentials(t)
			t.Setenv("AWS_PROFILE", "nope")
		}, "eu-west-1", "AWS_PROFILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			start := time.Now()
			cfg, err := Load(context.Background(), tt.region, "for S3")
			if tt.want == "" {
				if err != nil || cfg.Region != tt.region {
					t.Fatalf("Load = %v, region %q", err, cfg.Region)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an ErrSetup containing %q", err, tt.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s to report a local setup problem", time.Since(start))
			}
		})
	}
}
