package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/targetsync/reconcile"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func TestLoadSettings(t *testing.T) {
	env := map[string]string{"TARGET_GROUP_ARN": "arn:tg", "DOMAIN_NAME": "logs", "VPC_ID": "vpc-1", "DOMAIN_ENDPOINT": "vpc-logs.example"}
	s, err := loadSettings(func(k string) string { return env[k] })
	if err != nil || s != (settings{TargetGroupArn: "arn:tg", DomainName: "logs", VpcID: "vpc-1", DomainEndpoint: "vpc-logs.example"}) {
		t.Fatalf("settings = %+v, err = %v", s, err)
	}
	_, err = loadSettings(func(string) string { return " " })
	for _, name := range []string{"TARGET_GROUP_ARN", "DOMAIN_NAME", "VPC_ID", "DOMAIN_ENDPOINT"} {
		if err == nil || !strings.Contains(err.Error(), name+" is empty") {
			t.Errorf("err = %v, want it to name %s", err, name)
		}
	}
}

type failingDomain struct{}

func (failingDomain) DomainIPs(context.Context) ([]string, error) { return nil, errors.New("boom") }

type noGroup struct{ reconcile.TargetGroup }

func (noGroup) Targets(context.Context) ([]reconcile.Target, error) { return nil, nil }

func TestHandlerReturnsReconcileErrors(t *testing.T) {
	h := handler{domain: failingDomain{}, group: noGroup{}, log: quietLogger()}
	if err := h.handle(context.Background(), []byte(`not json`)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the reconcile error", err)
	}
}
