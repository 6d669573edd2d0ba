package logsearch

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// partitionFixture turns on every resource that names an AWS service by
// principal, DNS suffix or endpoint service name; the rows replace its
// region.
var partitionFixture = mustAbs(filepath.Join("testdata", "partitions", "Pulumi.regional.yaml"))

// TestServiceNamesFollowThePartition deploys one stack in a Region of
// each partition and checks every name of an AWS service it writes
// against what that partition calls the service. The expected names are
// written out per row from their sources, not derived:
//   - CloudWatch Logs' service principal is logs.amazonaws.com.cn in the
//     China partition and logs.amazonaws.com elsewhere
//     (hashicorp/terraform-provider-aws,
//     internal/service/meta/service_principal_data_source.go,
//     servicePrincipalNameForPartition); its Region-scoped form in a key
//     policy carries the same suffix.
//   - Interface endpoint services are cn.com.amazonaws.<region>.<service>
//     for sqs and xray in cn-north-1 and cn-northwest-1
//     (aws/aws-cdk, packages/aws-cdk-lib/aws-ec2/lib/vpc-endpoint.ts,
//     getDefaultEndpointPrefix; terraform-aws-modules/terraform-aws-vpc#1121:
//     sqs = "cn.com.amazonaws.cn-northwest-1.sqs"); the S3 gateway endpoint
//     is com.amazonaws.<region>.s3 everywhere (the same file,
//     GatewayVpcEndpointAwsService).
//   - kms:ViaService is the service's Regional endpoint host, whose
//     suffix in China is amazonaws.com.cn
//     (https://docs.amazonaws.cn/en_us/general/latest/gr/endpoints-arns.html).
//   - No ARN of another partition: arn:aws: appears in no input outside
//     the aws partition.
func TestServiceNamesFollowThePartition(t *testing.T) {
	for _, tc := range []struct {
		region, partition    string
		logs, logsRegional   string
		sqs, xray, s3Gateway string
		s3ViaService         string
	}{
		{"eu-west-1", "aws", "logs.amazonaws.com", "logs.eu-west-1.amazonaws.com",
			"com.amazonaws.eu-west-1.sqs", "com.amazonaws.eu-west-1.xray", "com.amazonaws.eu-west-1.s3", "s3.eu-west-1.amazonaws.com"},
		{"cn-north-1", "aws-cn", "logs.amazonaws.com.cn", "logs.cn-north-1.amazonaws.com.cn",
			"cn.com.amazonaws.cn-north-1.sqs", "cn.com.amazonaws.cn-north-1.xray", "com.amazonaws.cn-north-1.s3", "s3.cn-north-1.amazonaws.com.cn"},
		{"cn-northwest-1", "aws-cn", "logs.amazonaws.com.cn", "logs.cn-northwest-1.amazonaws.com.cn",
			"cn.com.amazonaws.cn-northwest-1.sqs", "cn.com.amazonaws.cn-northwest-1.xray", "com.amazonaws.cn-northwest-1.s3", "s3.cn-northwest-1.amazonaws.com.cn"},
		{"us-gov-west-1", "aws-us-gov", "logs.amazonaws.com", "logs.us-gov-west-1.amazonaws.com",
			"com.amazonaws.us-gov-west-1.sqs", "com.amazonaws.us-gov-west-1.xray", "com.amazonaws.us-gov-west-1.s3", "s3.us-gov-west-1.amazonaws.com"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			run, err := runStackNamed(t, partitionFixture, "regional", map[string]string{"aws:region": tc.region})
			if err != nil {
				t.Fatalf("a stack in %s (%s) must deploy: %v", tc.region, tc.partition, err)
			}

			logsPermissions := 0
			for _, p := range run.ofType("aws:lambda/permission:Permission") {
				principal := str(t, p.Inputs, "principal")
				if !strings.HasPrefix(principal, "logs.") {
					continue
				}
				logsPermissions++
				if principal != tc.logs {
					t.Errorf("permission %s lets %s invoke the function; CloudWatch Logs is %s in %s", p.Name, principal, tc.logs, tc.partition)
				}
			}
			if logsPermissions < 2 { // the exact group and the prefix
				t.Errorf("found %d permissions for CloudWatch Logs, want one per subscribed group and prefix", logsPermissions)
			}

			found := false
			for _, s := range policyStatementsOf(t, str(t, run.one(t, rtKey, "domain-key").Inputs, "policy")) {
				if s["Sid"] != "CloudWatchLogsEncryptsThisAccountsGroups" {
					continue
				}
				found = true
				if got := s["Principal"].(map[string]any)["Service"]; got != tc.logsRegional {
					t.Errorf("the domain key lets %v encrypt log groups; CloudWatch Logs is %s in %s", got, tc.logsRegional, tc.region)
				}
			}
			if !found {
				t.Error("the domain key has no statement for CloudWatch Logs")
			}

			want := map[string]string{"sqs-endpoint": tc.sqs, "xray-endpoint": tc.xray, "s3-endpoint": tc.s3Gateway}
			for name, service := range want {
				if got := str(t, run.one(t, "aws:ec2/vpcEndpoint:VpcEndpoint", name).Inputs, "serviceName"); got != service {
					t.Errorf("%s: service %s, want %s (what %s calls it; another name is InvalidServiceName)", name, got, service, tc.region)
				}
			}

			viaService := regexp.MustCompile(`"kms:ViaService\\?":\s*\\?"([^"\\]+)`)
			vias := 0
			for _, r := range run.Resources {
				snap := string(snapshotOf(r))
				for _, m := range viaService.FindAllStringSubmatch(snap, -1) {
					vias++
					if m[1] != tc.s3ViaService {
						t.Errorf("%s %s: kms:ViaService %s, want %s", r.Type, r.Name, m[1], tc.s3ViaService)
					}
				}
				if tc.partition != "aws" && strings.Contains(snap, "arn:aws:") {
					t.Errorf("%s %s names an ARN of the aws partition in %s: %s", r.Type, r.Name, tc.partition, snap)
				}
			}
			if vias == 0 {
				t.Error("no kms:ViaService condition found: the archive writer's policy must scope the key to S3")
			}
		})
	}
}

// TestPartitionNamesWithoutTheProvider covers a Go program's Args that
// name the partition themselves (so the provider is not asked for its DNS
// names): the same names as the provider's, from the partition alone.
func TestPartitionNamesWithoutTheProvider(t *testing.T) {
	for _, tc := range []struct {
		partition, region, sqs, logs, via string
	}{
		{"aws", "us-east-2", "com.amazonaws.us-east-2.sqs", "logs.amazonaws.com", "s3.us-east-2.amazonaws.com"},
		{"aws-cn", "cn-north-1", "cn.com.amazonaws.cn-north-1.sqs", "logs.amazonaws.com.cn", "s3.cn-north-1.amazonaws.com.cn"},
		{"aws-us-gov", "us-gov-east-1", "com.amazonaws.us-gov-east-1.sqs", "logs.amazonaws.com", "s3.us-gov-east-1.amazonaws.com"},
	} {
		c := &Config{Partition: tc.partition, Region: tc.region}
		if got := c.interfaceEndpointService("sqs"); got != tc.sqs {
			t.Errorf("%s: SQS endpoint service %s, want %s", tc.partition, got, tc.sqs)
		}
		if got := c.servicePrincipal("logs"); got != tc.logs {
			t.Errorf("%s: CloudWatch Logs principal %s, want %s", tc.partition, got, tc.logs)
		}
		if got := c.regionalEndpointHost("s3"); got != tc.via {
			t.Errorf("%s: S3 endpoint host %s, want %s", tc.partition, got, tc.via)
		}
	}
}

// TestArnsOfAnotherPartitionAreRefused: an IAM principal or an ACM
// certificate exists only in its own partition (China's and GovCloud's
// accounts and credentials are their own,
// https://docs.amazonaws.cn/en_us/aws/latest/userguide/accounts-and-credentials.html);
// one of another partition is refused before anything is created, where
// AWS would refuse the access policy or the listener in pulumi up.
func TestArnsOfAnotherPartitionAreRefused(t *testing.T) {
	domain := func(key, arn string) string {
		return fmt.Sprintf(`{"instanceType": "m6g.large.search", "volumeSize": 40, %q: [%q]}`, key, arn)
	}
	for _, c := range []struct {
		name, region string
		overrides    map[string]string
		refused      string // "" when the stack deploys
	}{
		{"China stack, China principal", "cn-north-1",
			map[string]string{"logsearch:domain": domain("apiPrincipals", "arn:aws-cn:iam::123456789012:role/ops")}, ""},
		{"China stack, commercial principal", "cn-north-1",
			map[string]string{"logsearch:domain": domain("apiPrincipals", "arn:aws:iam::123456789012:role/ops")},
			`logsearch:domain.apiPrincipals[0] = "arn:aws:iam::123456789012:role/ops": is an ARN of partition aws, but the stack deploys to aws-cn`},
		{"GovCloud stack, commercial writer", "us-gov-west-1",
			map[string]string{"logsearch:domain": domain("writerPrincipals", "arn:aws:iam::123456789012:role/backfill")},
			`logsearch:domain.writerPrincipals[0] = "arn:aws:iam::123456789012:role/backfill": is an ARN of partition aws, but the stack deploys to aws-us-gov`},
		{"commercial stack, China principal", "eu-west-1",
			map[string]string{"logsearch:domain": domain("apiPrincipals", "arn:aws-cn:iam::123456789012:role/ops")},
			"is an ARN of partition aws-cn, but the stack deploys to aws"},
	} {
		t.Run(c.name, func(t *testing.T) {
			overrides := map[string]string{"aws:region": c.region}
			for k, v := range c.overrides {
				overrides[k] = v
			}
			run, err := runStackNamed(t, partitionFixture, "regional", overrides)
			if c.refused == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.refused) {
				t.Fatalf("want the config refused with %q, got %v", c.refused, err)
			}
			if n := len(run.Resources); n > 0 {
				t.Errorf("a refused config registered %d resources", n)
			}
		})
	}
}
