package logsearch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// productionControls are the deletion guards a production stack gets, per
// resource: Pulumi's protect / retainOnDelete, and the AWS-side switches.
func productionControls(run *stackRun) map[string]string {
	out := map[string]string{}
	for _, r := range run.Resources {
		var guards []string
		if r.Protect {
			guards = append(guards, "protect")
		}
		if r.RetainOnDelete {
			guards = append(guards, "retainOnDelete")
		}
		for _, k := range []string{"enableDeletionProtection", "deletionProtection", "forceDestroy"} {
			if v, ok := r.Inputs[resource.PropertyKey(k)]; ok && v.IsBool() {
				guards = append(guards, fmt.Sprintf("%s=%v", k, v.BoolValue()))
			}
		}
		out[r.Type+"::"+r.Name] = strings.Join(guards, ",")
	}
	return out
}

// TestProductionIsAStackSetting: logsearch:production, not the stack's
// name, decides. A production stack file copied under another name (here
// "live") with production: true gets every production control the
// original gets; a non-production file declared production is held to the
// production rules; and a stack named prod may opt out with
// production: false (the name only sets the default).
func TestProductionIsAStackSetting(t *testing.T) {
	for _, file := range stackNames(t) {
		t.Run(file, func(t *testing.T) {
			cfg, err := parseConfig(file, stackSource(t, file, nil))
			if err != nil {
				t.Fatal(err)
			}
			live, err := runStackNamed(t, file, "live", map[string]string{"logsearch:production": "true"})
			if !cfg.Production {
				var ce *ConfigError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "production stack") {
					t.Fatalf("Pulumi.%s.yaml declared production under the name live: err %v, want the production rules applied", file, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Pulumi.%s.yaml as stack live with production: true: %v", file, err)
			}
			original := mustRunStack(t, file, map[string]string{"logsearch:production": "true"})
			want, got := productionControls(original), productionControls(live)
			for res, guards := range want {
				if got[res] != guards {
					t.Errorf("%s: guards %q as stack live, %q as stack %s", res, got[res], guards, file)
				}
			}
			if got[rtDomain+"::domain"] == "" || !strings.Contains(got[rtDomain+"::domain"], "protect") {
				t.Errorf("the domain of a production stack named live is not protected (%q)", got[rtDomain+"::domain"])
			}
			optOut := mustRunStack(t, file, map[string]string{"logsearch:production": "false"})
			if g := productionControls(optOut)[rtDomain+"::domain"]; strings.Contains(g, "protect") {
				t.Errorf("stack %s with production: false still protects the domain (%q)", file, g)
			}
		})
	}
}
