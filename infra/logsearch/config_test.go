package logsearch

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/logsearch/logsearch/lambda/problemlist"
	"github.com/logsearch/logsearch/lambda/settings"
)

// mapSource is a configSource over a plain map, for fast config tests.
type mapSource struct {
	values  map[string]string
	secrets map[string]bool
}

func (m mapSource) GetConfig(key string) (string, bool) { v, ok := m.values[key]; return v, ok }
func (m mapSource) IsConfigSecret(key string) bool      { return m.secrets[key] }

// ConfigKeys lists every key, as the engine's PULUMI_CONFIG does.
func (m mapSource) ConfigKeys() []string {
	keys := make([]string, 0, len(m.values))
	for k := range m.values {
		keys = append(keys, k)
	}
	return keys
}

// stackSource is the config of Pulumi.<stack>.yaml with edits applied to
// its objects: edit(key, obj) gets each logsearch:<key> value decoded.
func stackSource(t *testing.T, stack string, edits map[string]func(any) any) mapSource {
	t.Helper()
	values, secrets := stackConfig(t, stack)
	for key, edit := range edits {
		full := configNamespace + ":" + key
		var v any
		if raw, ok := values[full]; ok && raw != "" {
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				v = raw // a scalar
			}
		}
		v = edit(v)
		switch x := v.(type) {
		case nil:
			delete(values, full)
		case string:
			values[full] = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			values[full] = string(b)
		}
	}
	return mapSource{values: values, secrets: secrets}
}

// set returns an edit that sets one field of a config object (creating it).
func set(field string, value any) func(any) any {
	return func(v any) any {
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[field] = value
		return m
	}
}

// to returns an edit that replaces the whole value.
func to(value any) func(any) any { return func(any) any { return value } }

// TestStackFilesParse: every fixture and every repository stack file is a
// valid config. A repository stack file is checked as `pulumi up` checks
// it, among its neighbours: a log group that would take a third
// subscription filter in one account and region is refused. Warnings are
// logged, not failures: the deployment goes ahead with them
// (docs/operations.md).
func TestStackFilesParse(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, err := parseConfig(stack, stackSource(t, stack, nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range cfg.warnings() {
				t.Logf("warning: %s", w)
			}
		})
	}
	for _, stack := range repositoryStacks(t) {
		t.Run("Pulumi."+stack+".yaml", func(t *testing.T) {
			cfg, err := parseConfig(stack, stackSource(t, repositoryStackFile(stack), nil))
			if err != nil {
				t.Fatal(err)
			}
			ps, warnings := cfg.checkSubscriptionLimit(readStackFiles(stackDir()), cfg.deployAccounts())
			if len(ps) > 0 {
				t.Error(&ConfigError{Stack: stack, Problems: ps})
			}
			for _, w := range append(cfg.warnings(), warnings...) {
				t.Logf("warning: %s", w)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := parseConfig("test", mapSource{values: map[string]string{
		regionKey:              "eu-west-1",
		"logsearch:dashboards": `{"hostName":"logs.example.com","hostedZone":"example.com","officeCidrs":["203.0.113.0/24"]}`,
		"logsearch:network":    `{"officeVpn": {"routerIp": "198.51.100.7"}}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"vpcCidr", cfg.Network.VpcCidr, DefaultVpcCidr},
		{"network azCount", cfg.Network.AzCount, 2},
		{"natGateway", cfg.Network.NatGateway, false},
		{"sqsEndpoint", cfg.Network.SqsEndpoint, true},
		{"engineVersion", cfg.Domain.EngineVersion, DefaultEngineVersion},
		{"instanceType", cfg.Domain.InstanceType, DefaultInstanceType},
		{"instanceCount", cfg.Domain.InstanceCount, 1},
		{"domain azCount", cfg.Domain.AzCount, 1},
		{"iops", cfg.Domain.Iops, 3000},
		{"throughput", cfg.Domain.Throughput, 125},
		{"indexPrefix", cfg.Ingest.IndexPrefix, "cwl"},
		{"timezone", cfg.Ingest.Timezone, "UTC"},
		{"timeField", cfg.Ingest.TimeField, "time"},
		{"retentionDays", cfg.RetentionDays, 30},
		{"logRetentionDays", cfg.LogRetentionDays, 365},
		{"production", cfg.Production, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want default %v", c.name, c.got, c.want)
		}
	}
	prod, err := parseConfig("prod", stackSource(t, "prod", nil))
	if err != nil || !prod.Production {
		t.Errorf("stack prod: production %v, err %v; want true by default", prod != nil && prod.Production, err)
	}
}

// TestConfigRefusals: every refusal names the key (and the stack deploys
// nothing; see TestRefusedConfigRegistersNothing).
func TestConfigRefusals(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		edits map[string]func(any) any
		key   string // the key the message must name
		says  string // and a fragment of the explanation
	}{
		{"office CIDR unparsable", "dev", map[string]func(any) any{"dashboards": set("officeCidrs", []string{"203.0.113.0"})}, "logsearch:dashboards.officeCidrs[0]", "not a CIDR"},
		{"office CIDR everything v4", "dev", map[string]func(any) any{"dashboards": set("officeCidrs", []string{"203.0.113.0/24", "0.0.0.0/0"})}, "logsearch:dashboards.officeCidrs[1]", "every address"},
		{"office CIDR everything v6", "dev", map[string]func(any) any{"dashboards": set("officeCidrs", []string{"::/0"})}, "logsearch:dashboards.officeCidrs[0]", "every address"},
		{"office CIDR host bits", "dev", map[string]func(any) any{"dashboards": set("officeCidrs", []string{"203.0.113.7/24"})}, "logsearch:dashboards.officeCidrs[0]", "203.0.113.0/24"},
		{"no office CIDRs", "dev", map[string]func(any) any{"dashboards": set("officeCidrs", []string{})}, "logsearch:dashboards.officeCidrs", "office networks"},
		{"volume above t3.small max", "dev", map[string]func(any) any{"domain": set("volumeSize", 200)}, "logsearch:domain.volumeSize", "at most 100 GiB"},
		{"volume above r6g.large max", "prod", map[string]func(any) any{"domain": func(v any) any { return set("volumeSize", 4096)(set("instanceType", "r6g.large.search")(v)) }}, "logsearch:domain.volumeSize", "at most 2048 GiB"},
		{"t2 35 GiB cap", "dev", map[string]func(any) any{"domain": set("instanceType", "t2.small.search")}, "logsearch:domain.instanceType", "35 GiB"},
		{"volume below min", "dev", map[string]func(any) any{"domain": set("volumeSize", 5)}, "logsearch:domain.volumeSize", "10 GiB"},
		{"nodes not multiple of AZs", "prod", map[string]func(any) any{"domain": set("instanceCount", 4)}, "logsearch:domain.instanceCount", "multiple of 3"},
		{"dedicated masters 2", "prod", map[string]func(any) any{"domain": set("dedicatedMasterCount", 2)}, "logsearch:domain.dedicatedMasterCount", "3 or 5"},
		{"dedicated masters 4", "dev", map[string]func(any) any{"domain": set("dedicatedMasterCount", 4)}, "logsearch:domain.dedicatedMasterCount", "3 or 5"},
		{"one subnet", "dev", map[string]func(any) any{"network": to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1"}})}, "logsearch:network.subnetIds", "at least 2"},
		{"subnet twice", "dev", map[string]func(any) any{"network": to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-1"}})}, "logsearch:network.subnetIds[1]", "twice"},
		{"subnets without vpc", "dev", map[string]func(any) any{"network": to(map[string]any{"subnetIds": []string{"subnet-1", "subnet-2"}})}, "logsearch:network.subnetIds", "vpcId"},
		{"nat in existing vpc", "dev", map[string]func(any) any{"network": to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-2"}, "natGateway": true})}, "logsearch:network.natGateway", "new VPC"},
		{"new vpc one AZ", "dev", map[string]func(any) any{"network": set("azCount", 1)}, "logsearch:network.azCount", "2 or 3"},
		{"vpc cidr bad", "dev", map[string]func(any) any{"network": set("vpcCidr", "10.40.0.0/8")}, "logsearch:network.vpcCidr", "/16 and /24"},
		{"host outside zone", "dev", map[string]func(any) any{"dashboards": set("hostName", "logs.example.org")}, "logsearch:dashboards.hostName", "outside the hosted zone"},
		{"host name with a scheme", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostName", "https://logs."+zone)(v)
		}}, "logsearch:dashboards.hostName", "not a DNS name"},
		{"host name with a port", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostName", "logs."+zone+":443")(v)
		}}, "logsearch:dashboards.hostName", "not a DNS name"},
		{"zone with a path", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostedZone", zone+"/")(v)
		}}, "logsearch:dashboards.hostedZone", "not a DNS name"},
		{"host name longer than a certificate's common name", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostName", strings.Repeat("a", 65-len(zone))+"."+zone)(v)
		}}, "logsearch:dashboards.hostName", "at most 64"},
		{"host is a suffix trick", "dev", map[string]func(any) any{"dashboards": set("hostName", "logsexample.com")}, "logsearch:dashboards.hostName", "outside the hosted zone"},
		{"engine version malformed", "dev", map[string]func(any) any{"domain": set("engineVersion", "2.19")}, "logsearch:domain.engineVersion", "OpenSearch_<major>.<minor>"},
		{"engine version elasticsearch", "dev", map[string]func(any) any{"domain": set("engineVersion", "Elasticsearch_7.10")}, "logsearch:domain.engineVersion", "OpenSearch_"},
		{"unknown field type", "dev", map[string]func(any) any{"ingest": set("fieldTypes", map[string]string{"status": "int"})}, "logsearch:ingest.fieldTypes", `unknown field type "int"`},
		{"time field not a date", "dev", map[string]func(any) any{"ingest": set("fieldTypes", map[string]string{"time": "long"})}, "logsearch:ingest.timeField", "always a date"},
		{"time field where plain lines go", "dev", map[string]func(any) any{"ingest": set("timeField", "message")}, "logsearch:ingest.timeField", "plain-text lines"},
		{"field logsearch adds", "dev", map[string]func(any) any{"ingest": set("fieldTypes", map[string]string{"@timestamp": "date"})}, "logsearch:ingest.fieldTypes", "added by logsearch"},
		{"unknown timezone", "dev", map[string]func(any) any{"ingest": set("timezone", "Mars/Olympus")}, "logsearch:ingest.timezone", "unknown timezone"},
		{"Local timezone", "dev", map[string]func(any) any{"ingest": set("timezone", "Local")}, "logsearch:ingest.timezone", "IANA"},
		{"index prefix upper case", "dev", map[string]func(any) any{"ingest": set("indexPrefix", "CWL")}, "logsearch:ingest.indexPrefix", "lower case"},
		{"index prefix leading dash", "dev", map[string]func(any) any{"ingest": set("indexPrefix", "-cwl")}, "logsearch:ingest.indexPrefix", "lower case"},
		{"private zone without cert", "dev", map[string]func(any) any{"dashboards": set("privateZone", true)}, "logsearch:dashboards.certificateArn", "private hosted zone"},
		{"certificate arn malformed", "dev", map[string]func(any) any{"dashboards": set("certificateArn", "arn:aws:iam::123456789012:server-certificate/x")}, "logsearch:dashboards.certificateArn", "ACM certificate ARN"},
		{"prod without 3 AZs", "prod", map[string]func(any) any{"domain": to(map[string]any{"instanceType": "r6g.large.search", "instanceCount": 4, "zoneAwareness": true, "azCount": 2, "dedicatedMasterCount": 3, "replicas": 1, "volumeSize": 100})}, "logsearch:domain.zoneAwareness", "3 AZs"},
		{"prod without masters", "prod", map[string]func(any) any{"domain": set("dedicatedMasterCount", 0)}, "logsearch:domain.dedicatedMasterCount", "3 dedicated master"},
		{"prod on t3", "prod", map[string]func(any) any{"domain": set("instanceType", "t3.medium.search")}, "logsearch:domain.instanceType", "not for production"},
		{"replicas beyond nodes", "dev", map[string]func(any) any{"domain": set("replicas", 1)}, "logsearch:domain.replicas", "at most 0 replica"},
		{"retention zero", "dev", map[string]func(any) any{"retentionDays": to("0")}, "logsearch:retentionDays", ">= 1"},
		{"retention not a number", "dev", map[string]func(any) any{"retentionDays": to("thirty")}, "logsearch:retentionDays", "whole number"},
		{"log retention not allowed", "dev", map[string]func(any) any{"logRetentionDays": to("100")}, "logsearch:logRetentionDays", "accepts only"},
		{"log group twice", "dev", map[string]func(any) any{"logGroups": to([]any{map[string]any{"name": "/a"}, map[string]any{"name": "/a"}})}, "logsearch:logGroups[1].name", "already listed"},
		{"log group bad name", "dev", map[string]func(any) any{"logGroups": to([]any{map[string]any{"name": "my logs"}})}, "logsearch:logGroups[0].name", "not a CloudWatch Logs group name"},
		{"own function log group", "dev", map[string]func(any) any{"logGroups": to([]any{map[string]any{"name": "/aws/lambda/logsearch-dev-ingest"}})}, "logsearch:logGroups[0].name", "loop"},
		{"own domain log group", "dev", map[string]func(any) any{"logGroups": to([]any{map[string]any{"name": "/aws/opensearch/logsearch-dev/audit"}})}, "logsearch:logGroups[0].name", "loop"},
		{"filter pattern too long", "dev", map[string]func(any) any{"logGroups": to([]any{map[string]any{"name": "/a", "filterPattern": strings.Repeat("x", 1025)}})}, "logsearch:logGroups[0].filterPattern", "1024"},
		{"bad alarm email", "dev", map[string]func(any) any{"alarmEmails": to([]string{"ops at example.com"})}, "logsearch:alarmEmails[0]", "e-mail"},
		{"misspelt key", "dev", map[string]func(any) any{"domain": set("instnaceType", "t3.small.search")}, "logsearch:domain.instnaceType", "Did you mean instanceType?"},
		{"wrong value type", "dev", map[string]func(any) any{"domain": set("instanceCount", "three")}, "logsearch:domain.instanceCount", "must be a whole number"},
		{"oidc incomplete", "dev", map[string]func(any) any{"dashboards": set("oidc", map[string]any{"issuer": "https://idp.example.com"})}, "logsearch:dashboards.oidc.tokenEndpoint", "https://"},
		{"oidc secret in plain text", "dev", map[string]func(any) any{"dashboards": set("oidc", validOidc("plain-secret"))}, "logsearch:dashboards.oidc.clientSecret", "--secret"},
		{"memory below the largest payload", "dev", map[string]func(any) any{"ingest": set("memorySize", settings.MinMemoryMB-1)}, "logsearch:ingest.memorySize", fmt.Sprintf("must be %d to 10240 MB", settings.MinMemoryMB)},
		{"memory over Lambda's maximum", "dev", map[string]func(any) any{"ingest": set("memorySize", 10241)}, "logsearch:ingest.memorySize", "Lambda allows up to 10240"},
		{"memory not a number", "dev", map[string]func(any) any{"ingest": set("memorySize", "1GB")}, "logsearch:ingest.memorySize", "must be a whole number"},
		{"compression unknown", "dev", map[string]func(any) any{"ingest": set("compression", "zstd")}, "logsearch:ingest.compression", `"none"`},
		{"max concurrency negative", "dev", map[string]func(any) any{"ingest": set("maxConcurrency", -1)}, "logsearch:ingest.maxConcurrency", "0 (no reservation)"},
		{"api principal wildcard", "dev", map[string]func(any) any{"domain": set("apiPrincipals", []string{"arn:aws:iam::123456789012:role/*"})}, "logsearch:domain.apiPrincipals[0]", "IAM role or user ARN"},
		{"api principal account", "dev", map[string]func(any) any{"domain": set("apiPrincipals", []string{"*"})}, "logsearch:domain.apiPrincipals[0]", "wildcards"},
		{"writer principal wildcard", "dev", map[string]func(any) any{"domain": set("writerPrincipals", []string{"arn:aws:iam::123456789012:role/ok", "arn:aws:iam::*:role/x"})}, "logsearch:domain.writerPrincipals[1]", "wildcards"},
		{"zone awareness with 0 replicas", "dev", map[string]func(any) any{"domain": to(map[string]any{"instanceCount": 2, "zoneAwareness": true, "instanceType": "t3.medium.search", "volumeSize": 50, "replicas": 0})}, "logsearch:domain.replicas", "set replicas to 1 or more"},
		{"prod with 0 replicas", "prod", map[string]func(any) any{"domain": set("replicas", 0)}, "logsearch:domain.replicas", "zone awareness"},
		{"sqs endpoint off in a new vpc", "dev", map[string]func(any) any{"network": set("sqsEndpoint", false)}, "logsearch:network.sqsEndpoint", "network.vpcId"},
		{"oidc in a new vpc without nat", "dev", map[string]func(any) any{"dashboards": set("oidc", validOidc("s3cret"))}, "logsearch:dashboards.oidc", "set network.natGateway: true"},
		{"production not a bool", "dev", map[string]func(any) any{"production": to("yes please")}, "logsearch:production", "true or false"},
		{"lookup field declared integer", "dev", map[string]func(any) any{"ingest": func(v any) any {
			return set("lookupFields", []string{"device_id"})(set("fieldTypes", map[string]string{"device_id": "integer"})(v))
		}}, "logsearch:ingest.lookupFields[0]", `declared "integer"`},
		{"lookup field is the time field", "dev", map[string]func(any) any{"ingest": func(v any) any {
			return set("lookupFields", []string{"ts"})(set("timeField", "ts")(v))
		}}, "logsearch:ingest.lookupFields[0]", "time field"},
		{"lookup field logsearch adds", "dev", map[string]func(any) any{"ingest": set("lookupFields", []string{"@log_group"})}, "logsearch:ingest.lookupFields[0]", "belong to logsearch"},
		{"lookup field malformed", "dev", map[string]func(any) any{"ingest": set("lookupFields", []string{"device id"})}, "logsearch:ingest.lookupFields[0]", "field name"},
		{"lookup field twice", "dev", map[string]func(any) any{"ingest": set("lookupFields", []string{"device_id", "device_id"})}, "logsearch:ingest.lookupFields[1]", "twice"},
		{"lookup fields too many", "dev", map[string]func(any) any{"ingest": set("lookupFields", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"})}, "logsearch:ingest.lookupFields", "at most 10"},
		{"lookup fields not a list", "dev", map[string]func(any) any{"ingest": set("lookupFields", "device_id")}, "logsearch:ingest.lookupFields", "must be a list"},
		{"reader group empty", "dev", map[string]func(any) any{"dashboards": set("readerBackendRoles", []string{""})}, "logsearch:dashboards.readerBackendRoles[0]", "empty"},
		{"reader group wildcard", "dev", map[string]func(any) any{"dashboards": set("readerBackendRoles", []string{"support*"})}, "logsearch:dashboards.readerBackendRoles[0]", "wildcards"},
		{"reader group twice", "dev", map[string]func(any) any{"dashboards": set("readerBackendRoles", []string{"support", "support"})}, "logsearch:dashboards.readerBackendRoles[1]", "twice"},
		{"admin group padded", "dev", map[string]func(any) any{"dashboards": set("adminBackendRoles", []string{" platform"})}, "logsearch:dashboards.adminBackendRoles[0]", "exact name"},
		{"admin group regex", "dev", map[string]func(any) any{"dashboards": set("adminBackendRoles", []string{"/plat.*/"})}, "logsearch:dashboards.adminBackendRoles[0]", "wildcards"},
		{"group in both lists", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			return set("adminBackendRoles", []string{"platform", "support"})(set("readerBackendRoles", []string{"support"})(v))
		}}, "logsearch:dashboards.adminBackendRoles[1]", "keep it in one list"},
		{"archive created and named", "dev", map[string]func(any) any{"archive": to(map[string]any{"create": true, "bucket": "company-logs"})}, "logsearch:archive.bucket", "cannot be combined with archive.create"},
		{"archive bucket as a URL", "dev", map[string]func(any) any{"archive": to(map[string]any{"bucket": "s3://company-logs/cwl"})}, "logsearch:archive.bucket", "without s3://"},
		{"archive prefix without slash", "dev", map[string]func(any) any{"archive": to(map[string]any{"create": true, "prefix": "logs"})}, "logsearch:archive.prefix", "trailing /"},
		{"archive prefix without archive", "dev", map[string]func(any) any{"archive": to(map[string]any{"prefix": "logs/"})}, "logsearch:archive.prefix", "there is no archive"},
		{"archive prefix too long for S3 keys", "dev", map[string]func(any) any{"archive": to(map[string]any{"create": true, "prefix": strings.Repeat("p", 300) + "/"})}, "logsearch:archive.prefix", "fits S3's 1024 bytes"},
		{"archive kept 0 days", "dev", map[string]func(any) any{"archive": to(map[string]any{"create": true, "expireDays": 0})}, "logsearch:archive.expireDays", "1 to 3650 days"},
		{"archive misspelt field", "dev", map[string]func(any) any{"archive": to(map[string]any{"craete": true})}, "logsearch:archive.craete", "Did you mean create?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig(c.stack, stackSource(t, c.stack, c.edits))
			if err == nil {
				t.Fatal("config accepted, want a refusal")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError: %v", err, err)
			}
			for _, p := range ce.Problems {
				if p.Key == c.key && strings.Contains(p.Problem, c.says) {
					return
				}
			}
			t.Errorf("no problem naming %s with %q; got:\n%v", c.key, c.says, err)
		})
	}
}

func validOidc(secret any) map[string]any {
	return map[string]any{
		"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/auth",
		"tokenEndpoint": "https://idp.example.com/token", "userInfoEndpoint": "https://idp.example.com/userinfo",
		"clientId": "logsearch", "clientSecret": secret,
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{
		"domain":     set("volumeSize", 500),
		"ingest":     set("timezone", "Nowhere/City"),
		"dashboards": set("officeCidrs", []string{"0.0.0.0/0"}),
	}))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConfigError, got %v", err)
	}
	want := []string{"logsearch:domain.volumeSize", "logsearch:ingest.timezone", "logsearch:dashboards.officeCidrs[0]"}
	for _, key := range want {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("message lacks %s:\n%v", key, err)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems reported, want %d:\n%v", len(ce.Problems), len(want), err)
	}
	// The bad value is quoted, so the user sees what was read.
	if !strings.Contains(err.Error(), `"Nowhere/City"`) || !strings.Contains(err.Error(), "= 500") {
		t.Errorf("message does not show the bad values:\n%v", err)
	}
}

func TestConfigAcceptsValidVariants(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		edits map[string]func(any) any
	}{
		{"existing vpc", "dev", map[string]func(any) any{"network": to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-2"}, "sqsEndpoint": false})}},
		{"nat gateway", "dev", map[string]func(any) any{"network": set("natGateway", true)}},
		{"host name with trailing dot and case", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostName", "Logs-Dev."+strings.ToUpper(zone)+".")(v)
		}}},
		{"host name at the zone apex", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			return set("hostName", zone)(v)
		}}},
		{"long host name with its own certificate", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			zone, _ := v.(map[string]any)["hostedZone"].(string)
			m := set("hostName", "search.platform-team."+strings.Repeat("a", 60-len(zone))+"."+zone)(v)
			return set("certificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678")(m)
		}}},
		{"private zone with cert", "dev", map[string]func(any) any{"dashboards": func(v any) any {
			m := set("privateZone", true)(v)
			return set("certificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678")(m)
		}}},
		{"5 dedicated masters", "prod", map[string]func(any) any{"domain": set("dedicatedMasterCount", 5)}},
		{"unknown instance type is a warning", "prod", map[string]func(any) any{"domain": set("instanceType", "x9.large.search")}},
		{"zone awareness 2 AZs outside prod", "dev", map[string]func(any) any{"domain": to(map[string]any{"instanceCount": 2, "zoneAwareness": true, "instanceType": "t3.medium.search", "volumeSize": 50})}},
		{"prod flag off", "prod", map[string]func(any) any{"production": to("false"), "domain": to(map[string]any{"instanceType": "t3.small.search"})}},
		{"lookup fields and staff groups", "dev", map[string]func(any) any{
			"ingest": func(v any) any {
				return set("lookupFields", []string{"device_id", "customer_id"})(set("fieldTypes", map[string]string{"device_id": "keyword"})(v))
			},
			"dashboards": func(v any) any {
				return set("adminBackendRoles", []string{"platform"})(set("readerBackendRoles", []string{"Support Staff", "0b5c2f1e-9d7a-4c1b-8e55-1f2a3b4c5d6e"})(v))
			},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseConfig(c.stack, stackSource(t, c.stack, c.edits)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Zone awareness places a replica in another AZ unless told otherwise.
func TestReplicasDefaultFollowsZoneAwareness(t *testing.T) {
	zoneAware := map[string]any{"instanceCount": 2, "zoneAwareness": true, "instanceType": "t3.medium.search", "volumeSize": 50}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range zoneAware {
			m[key] = val
		}
		m[k] = v
		return m
	}
	for _, c := range []struct {
		name   string
		domain any
		want   int
	}{
		{"zone awareness, replicas unset", zoneAware, 1},
		{"zone awareness, replicas null", with("replicas", nil), 1},
		{"zone awareness, replicas 1 written", with("replicas", 1), 1},
		{"no zone awareness, replicas unset", map[string]any{"instanceCount": 2, "instanceType": "t3.medium.search", "volumeSize": 50}, 0},
		{"no zone awareness, replicas 1 written", map[string]any{"instanceCount": 2, "instanceType": "t3.medium.search", "volumeSize": 50, "replicas": 1}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{"domain": to(c.domain)}))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Domain.Replicas != c.want {
				t.Errorf("replicas = %d, want %d", cfg.Domain.Replicas, c.want)
			}
		})
	}
}

// In an existing VPC the routing is the user's: OIDC is accepted, with a
// warning saying what the load balancer needs.
func TestOidcInAnExistingVpcWarns(t *testing.T) {
	src := stackSource(t, "dev", map[string]func(any) any{
		"dashboards": set("oidc", validOidc("s3cret")),
		"network":    to(map[string]any{"vpcId": "vpc-0abc", "subnetIds": []string{"subnet-1", "subnet-2"}}),
	})
	src.secrets["logsearch:dashboards"] = true
	cfg, err := parseConfig("dev", src)
	if err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(cfg.warnings(), "\n")
	if !strings.Contains(ws, "logsearch:dashboards.oidc") || !strings.Contains(ws, "logsearch:network.subnetIds") {
		t.Errorf("no warning about the load balancer's route to the identity provider:\n%s", ws)
	}
	cfg.Network = NetworkConfig{VpcCidr: DefaultVpcCidr, AzCount: 2, NatGateway: true, SqsEndpoint: true}
	if ws := strings.Join(cfg.warnings(), "\n"); strings.Contains(ws, "dashboards.oidc") {
		t.Errorf("a new VPC with NAT is warned about OIDC: %s", ws)
	}
}

func TestOidcSecretMustBeAPulumiSecret(t *testing.T) {
	src := stackSource(t, "dev", map[string]func(any) any{"dashboards": set("oidc", validOidc("s3cret")), "network": set("natGateway", true)})
	if _, err := parseConfig("dev", src); err == nil || !strings.Contains(err.Error(), "dashboards.oidc.clientSecret") {
		t.Fatalf("plain-text client secret accepted: %v", err)
	}
	src.secrets["logsearch:dashboards"] = true
	cfg, err := parseConfig("dev", src)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dashboards.Oidc == nil || cfg.Dashboards.Oidc.clientSecret != "s3cret" {
		t.Fatalf("secret not read: %+v", cfg.Dashboards.Oidc)
	}
}

func TestRefusedConfigRegistersNothing(t *testing.T) {
	run, err := runStack(t, "dev", map[string]string{
		"logsearch:domain": `{"volumeSize": 5000}`,
	})
	if err == nil || !strings.Contains(err.Error(), "logsearch:domain.volumeSize") {
		t.Fatalf("want the volumeSize refusal, got %v", err)
	}
	if len(run.Resources) != 0 {
		t.Errorf("%d resources registered before the config was validated", len(run.Resources))
	}
}

func TestSplitCidr(t *testing.T) {
	got, err := splitCidr("10.40.0.0/16", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19", "10.40.96.0/19", "10.40.128.0/19", "10.40.160.0/19", "10.40.192.0/19", "10.40.224.0/19"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestConfigWarnings(t *testing.T) {
	cfg, err := parseConfig("prod", stackSource(t, "prod", map[string]func(any) any{
		"domain":      set("instanceType", "x9.large.search"),
		"alarmEmails": to(nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(cfg.warnings(), "\n")
	for _, want := range []string{`logsearch:domain.instanceType "x9.large.search"`, "families c4, c5, c6g", "logsearch:alarmEmails is empty"} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings lack %q:\n%s", want, ws)
		}
	}
	// A master type without masters is ignored, and said so.
	cfg, err = parseConfig("dev", stackSource(t, "dev", map[string]func(any) any{"domain": set("dedicatedMasterType", "m7g.large.search")}))
	if err != nil {
		t.Fatal(err)
	}
	if ws := strings.Join(cfg.warnings(), "\n"); !strings.Contains(ws, `logsearch:domain.dedicatedMasterType "m7g.large.search": the domain has no dedicated master nodes`) {
		t.Errorf("no warning for a master type without masters:\n%s", ws)
	}
	if ws := (&Config{Domain: DomainConfig{InstanceType: "t3.small.search"}, LogGroups: []LogGroupConfig{{Name: "/a"}}, AlarmEmails: []string{"a@b.c"}}).warnings(); len(ws) != 0 {
		t.Errorf("unexpected warnings %v", ws)
	}
}

func TestLogGroupResourceNames(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9-]{1,60}$`)
	seen := map[string]string{}
	for _, g := range []string{"/app/web", "/app-web", "app/web", "/" + strings.Repeat("very-long/", 20) + "tail", "/a#b", "/a.b"} {
		n := logGroupResourceName(g)
		if !valid.MatchString(n) {
			t.Errorf("%q -> %q: not a valid resource name", g, n)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("%q and %q share the resource name %q", g, other, n)
		}
		seen[n] = g
		if logGroupResourceName(g) != n {
			t.Errorf("%q: name not stable", g)
		}
	}
}

// TestConfigRefusesUnknownKeys: a misspelt top-level key would otherwise
// be ignored and its setting quietly fall back to the default.
func TestConfigRefusesUnknownKeys(t *testing.T) {
	cases := []struct {
		name    string
		key     string // the key as the user wrote it
		value   string
		suggest string // the key the message must propose ("" for the list of all)
	}{
		{"case slip", "retentiondays", "14", "logsearch:retentionDays"},
		{"missing plural", "logGroup", `[{"name":"/app/web"}]`, "logsearch:logGroups"},
		{"typo", "alarmEmail", `["ops@example.com"]`, "logsearch:alarmEmails"},
		{"transposed letters", "prodcution", "true", "logsearch:production"},
		{"nothing close", "colour", "blue", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, stack := range stackNames(t) {
				src := stackSource(t, stack, map[string]func(any) any{c.key: to(c.value)})
				_, err := parseConfig(stack, src)
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("stack %s: logsearch:%s accepted (err %v), want a refusal", stack, c.key, err)
				}
				var found *ConfigProblem
				for i, p := range ce.Problems {
					if p.Key == "logsearch:"+c.key {
						found = &ce.Problems[i]
					}
				}
				if found == nil {
					t.Fatalf("stack %s: no problem names logsearch:%s:\n%v", stack, c.key, err)
				}
				want := "did you mean " + c.suggest + "?"
				if c.suggest == "" {
					want = "the settings are " + strings.Join(settingKeys(), ", ")
				}
				if !strings.Contains(found.Problem, want) {
					t.Errorf("stack %s: %q does not say %q", stack, found.Problem, want)
				}
				if len(ce.Problems) != 1 {
					t.Errorf("stack %s: %d problems, want only the unknown key:\n%v", stack, len(ce.Problems), err)
				}
			}
		})
	}
}

// TestSettingKeysAreTheConfigFields keeps the list of valid keys honest: it
// is what the refusal offers, so it must hold every key the program reads.
func TestSettingKeysAreTheConfigFields(t *testing.T) {
	want := []string{"alarmEmails", "dashboards", "domain", "ingest", "logGroups", "logRetentionDays", "network", "production", "retentionDays"}
	for _, k := range want {
		if !slices.Contains(settingKeys(), k) {
			t.Errorf("settingKeys() = %v lacks %s", settingKeys(), k)
		}
	}
}

func TestNearestKey(t *testing.T) {
	valid := settingKeys()
	for _, c := range []struct{ name, want string }{
		{"RETENTIONDAYS", "retentionDays"},
		{"logRetentiondays", "logRetentionDays"},
		{"domian", "domain"},
		{"ingests", "ingest"},
		{"dashboard", "dashboards"},
		{"vpc", ""},
		{"x", ""},
	} {
		if got := problemlist.Nearest(c.name, valid); got != c.want {
			t.Errorf("problemlist.Nearest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestConfigDecodeErrorDoesNotHideValueChecks: a key that cannot be read,
// a misspelt nested key and a bad value elsewhere are reported in the same
// round, and the defaults left in their place do not produce problems of
// their own.
func TestConfigDecodeErrorDoesNotHideValueChecks(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			_, err := parseConfig(stack, stackSource(t, stack, map[string]func(any) any{
				"domain":        set("volumeSise", 20), // unknown field: reported on its own
				"dashboards":    to("not an object"),
				"ingest":        set("timezone", "Nowhere/City"),
				"retentionDays": to("0"),
			}))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConfigError, got %v", err)
			}
			var keys []string
			for _, p := range ce.Problems {
				keys = append(keys, p.Key)
			}
			slices.Sort(keys)
			want := []string{"logsearch:dashboards", "logsearch:domain.volumeSise", "logsearch:ingest.timezone", "logsearch:retentionDays"}
			if !slices.Equal(keys, want) {
				t.Errorf("problems for %v, want exactly %v:\n%v", keys, want, err)
			}
		})
	}
}

// TestConfigErrorNamesTheStackFile: the message points at the file to edit.
func TestConfigErrorNamesTheStackFile(t *testing.T) {
	for _, stack := range stackNames(t) {
		_, err := parseConfig(stack, stackSource(t, stack, map[string]func(any) any{"retentionDays": to("0")}))
		if err == nil || !strings.Contains(err.Error(), "fix them in Pulumi."+stack+".yaml ") {
			t.Errorf("stack %s: message does not name Pulumi.%s.yaml:\n%v", stack, stack, err)
		}
	}
}

// TestUnknownKeyRefusedUnderTheEngine runs the real program: the keys come
// from the engine's PULUMI_CONFIG, not from a test source.
func TestUnknownKeyRefusedUnderTheEngine(t *testing.T) {
	for _, stack := range stackNames(t) {
		run, err := runStack(t, stack, map[string]string{"logsearch:retentiondays": "7"})
		if err == nil || !strings.Contains(err.Error(), "did you mean logsearch:retentionDays?") {
			t.Errorf("stack %s: err %v, want the misspelt key refused with a suggestion", stack, err)
		}
		if len(run.Resources) != 0 {
			t.Errorf("stack %s: %d resources registered with a refused config", stack, len(run.Resources))
		}
	}
}
