package logsearch

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const (
	rtBucket     = "aws:s3/bucketV2:BucketV2"
	rtEgressRule = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// statementWithSid finds a policy statement by its Sid.
func statementWithSid(t *testing.T, doc, sid string) statement {
	t.Helper()
	for _, s := range policyStatementsOf(t, doc) {
		if s["Sid"] == sid {
			return s
		}
	}
	return nil
}

// TestCreatedArchiveControls: logsearch:archive.create gives a bucket with
// the controls of a log store (S3.1/S3.8 public access blocked, S3.5
// TLS-only, SSE-KMS with the stack key, expiry), and the ingest function
// exactly what it needs to fill it: the bucket in its environment,
// s3:PutObject under the prefix, the key through S3 only, and a network
// path (S3 gateway endpoint, egress to S3's prefix list) without NAT.
func TestCreatedArchiveControls(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			run := mustRunStack(t, stack, map[string]string{"logsearch:archive": `{"create": true, "prefix": "logs/", "expireDays": 400}`})
			cfg, err := parseConfig(stack, mapSource{values: run.Config})
			if err != nil {
				t.Fatal(err)
			}
			bucket := run.one(t, rtBucket, "archive")
			name, arn := outStr(t, bucket, "bucket"), outStr(t, bucket, "arn")
			key := outStr(t, run.one(t, rtKey, "domain-key"), "arn")
			region := strings.Split(key, ":")[3] // the stack's region, from an ARN it made

			block := run.one(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "archive")
			for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if get(t, block.Inputs, flag) != true {
					t.Errorf("public access block %s is not true", flag)
				}
			}
			sse := run.one(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "archive")
			if get(t, sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm") != "aws:kms" ||
				get(t, sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId") != key ||
				get(t, sse.Inputs, "rules[0].bucketKeyEnabled") != true {
				t.Errorf("archive encryption %v, want SSE-KMS with the stack key %s and a bucket key", get(t, sse.Inputs, "rules[0]"), key)
			}
			life := run.one(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "archive")
			if get(t, life.Inputs, "rules[0].status") != "Enabled" || get(t, life.Inputs, "rules[0].expiration.days") != 400.0 {
				t.Errorf("lifecycle %v, want objects expiring after archive.expireDays (400)", get(t, life.Inputs, "rules[0]"))
			}
			if get(t, bucket.Inputs, "forceDestroy") != !cfg.Production {
				t.Errorf("forceDestroy %v with production %v: a production stack keeps its archive", get(t, bucket.Inputs, "forceDestroy"), cfg.Production)
			}
			policy := run.one(t, "aws:s3/bucketPolicy:BucketPolicy", "archive")
			deny := statementWithSid(t, str(t, policy.Inputs, "policy"), "DenyInsecureTransport")
			if deny == nil || deny["Effect"] != "Deny" || fmt.Sprint(deny["Condition"]) != "map[Bool:map[aws:SecureTransport:false]]" ||
				!slices.Equal(deny.resources(t), []string{arn, arn + "/*"}) {
				t.Errorf("TLS-only statement %v", deny)
			}
			if !policy.dependsOn("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "archive") {
				t.Error("the bucket policy does not wait for the public access block (S3 refuses it meanwhile)")
			}

			fn := run.one(t, rtFunction, "ingest")
			if get(t, fn.Inputs, "environment.variables.ARCHIVE_BUCKET") != name || get(t, fn.Inputs, "environment.variables.ARCHIVE_PREFIX") != "logs/" {
				t.Errorf("ingest environment %v lacks the archive %s, logs/", get(t, fn.Inputs, "environment.variables"), name)
			}
			doc := str(t, run.one(t, rtRolePolicy, "ingest").Inputs, "policy")
			put := statementWithSid(t, doc, "WriteTheArchive")
			if put == nil || !slices.Equal(put.actions(t), []string{"s3:PutObject"}) || !slices.Equal(put.resources(t), []string{arn + "/logs/*"}) {
				t.Errorf("archive write statement %v, want s3:PutObject on %s/logs/* only", put, arn)
			}
			enc := statementWithSid(t, doc, "EncryptArchivedObjects")
			if enc == nil || !slices.Equal(enc.actions(t), []string{"kms:GenerateDataKey"}) || !slices.Equal(enc.resources(t), []string{key}) ||
				fmt.Sprint(enc["Condition"]) != fmt.Sprintf("map[StringEquals:map[kms:ViaService:s3.%s.amazonaws.com]]", region) {
				t.Errorf("archive key statement %v, want kms:GenerateDataKey on %s through S3 only", enc, key)
			}

			var egress []registered
			for _, r := range run.ofType(rtEgressRule) {
				if r.Name == "ingest-to-s3" {
					egress = append(egress, r)
				}
			}
			if len(egress) != 1 || get(t, egress[0].Inputs, "prefixListId") != mockS3PrefixList || get(t, egress[0].Inputs, "fromPort") != 443.0 {
				t.Errorf("ingest egress to S3: %v, want one HTTPS rule to the S3 prefix list", egress)
			}
			if cfg.Network.NewVpc() {
				ep := run.one(t, rtVpcEndpoint, "s3-endpoint")
				rt := run.one(t, "aws:ec2/routeTable:RouteTable", "private-rt")
				if get(t, ep.Inputs, "vpcEndpointType") != "Gateway" || get(t, ep.Inputs, "serviceName") != "com.amazonaws."+region+".s3" ||
					!slices.Equal(asStrings(t, get(t, ep.Inputs, "routeTableIds")), []string{rt.ID}) {
					t.Errorf("S3 endpoint %v, want a gateway endpoint on the private route table %s", ep.Inputs, rt.ID)
				}
			}
			if got := run.Outputs["archiveUrl"]; got != "s3://"+name+"/logs/" {
				t.Errorf("archiveUrl %v, want s3://%s/logs/", got, name)
			}
		})
	}
}

// TestAlarmsNameTheArchiveThereIs: an alarm deployed to AWS must not send
// the operator to an archive the stack does not have.
func TestAlarmsNameTheArchiveThereIs(t *testing.T) {
	cases := []struct {
		name, archive string
		says, never   string
		resources     bool
		url           string
	}{
		{"none", "", "keeps no archive (logsearch:archive)", "from the archive", false, ""},
		{"existing bucket", `{"bucket": "company-log-export", "prefix": "cwl/"}`, "from the archive s3://company-log-export/cwl/", "keeps no archive", false, "s3://company-log-export/cwl/"},
		{"created", `{"create": true}`, "from the stack's archive (stack output archiveUrl)", "keeps no archive", true, ""},
	}
	for _, stack := range stackNames(t) {
		for _, c := range cases {
			t.Run(stack+"/"+c.name, func(t *testing.T) {
				run := mustRunStack(t, stack, map[string]string{"logsearch:archive": c.archive})
				var told int
				for _, a := range run.ofType(rtAlarm) {
					d := str(t, a.Inputs, "alarmDescription")
					if strings.Contains(d, "S3 archive") || strings.Contains(d, c.never) && c.never != "" {
						t.Errorf("alarm %s: %q", a.Name, d)
					}
					if strings.Contains(d, c.says) {
						told++
					}
					if len(d) > 1024 { // CloudWatch's AlarmDescription limit
						t.Errorf("alarm %s description is %d characters; CloudWatch takes 1024", a.Name, len(d))
					}
				}
				if told < 2 {
					t.Errorf("%d alarm descriptions say %q, want the key-loss and dropped-events alarms", told, c.says)
				}
				if got := len(run.ofType(rtBucket)) == 2; got != c.resources {
					t.Errorf("archive bucket created: %v, want %v", got, c.resources)
				}
				if c.url != "" && run.Outputs["archiveUrl"] != c.url {
					t.Errorf("archiveUrl %v, want %s", run.Outputs["archiveUrl"], c.url)
				}
			})
		}
	}
}
