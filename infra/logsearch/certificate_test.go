package logsearch

import (
	"strings"
	"testing"
)

// TestCertificateOfAnotherRegionOrAccountIsRefused: the load balancer and
// the domain's custom endpoint take only an ACM certificate of the stack's
// own region and account, so a certificateArn from elsewhere is refused
// before anything is created, naming where the certificate must be.
func TestCertificateOfAnotherRegionOrAccountIsRefused(t *testing.T) {
	for _, stack := range stackNames(t) {
		own := testCertificateArn(t, stack, "0a1b2c3d-own")
		parts := strings.Split(own, ":")
		otherRegion := "ap-southeast-2"
		if parts[3] == otherRegion {
			otherRegion = "eu-north-1"
		}
		for _, c := range []struct{ name, arn, want string }{
			{"own region and account", own, ""},
			{"another region", strings.Join([]string{parts[0], parts[1], parts[2], otherRegion, parts[4], parts[5]}, ":"), "is in " + otherRegion + ", but the stack deploys to " + parts[3]},
			{"another account", strings.Join([]string{parts[0], parts[1], parts[2], parts[3], "210987654321", parts[5]}, ":"), "belongs to account 210987654321, but the stack deploys to account " + mockAccount},
		} {
			t.Run(stack+"/"+c.name, func(t *testing.T) {
				src := stackSource(t, stack, map[string]func(any) any{"dashboards": set("certificateArn", c.arn)})
				run, err := runStack(t, stack, map[string]string{configNamespace + ":dashboards": src.values[configNamespace+":dashboards"]})
				if c.want == "" {
					if err != nil {
						t.Fatalf("a certificate of the stack's own region and account is refused: %v", err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), "logsearch:dashboards.certificateArn") || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("want the certificate refused with %q, got %v", c.want, err)
				}
				if len(run.Resources) > 1 { // at most the stack itself
					t.Errorf("%d resources registered before the refusal", len(run.Resources))
				}
			})
		}
	}
}
