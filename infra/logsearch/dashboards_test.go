package logsearch

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	testDashHost     = "logs-dev.example.com"
	testDashDomain   = "logsearch-dev"
	testDashVpc      = "vpc-dash"
	testDashEndpoint = "vpc-logsearch-dev-abc.us-east-1.es.amazonaws.com"
	testDashAlbSG    = "sg-alb"
	testOidcSecret   = "oidc-client-secret-value"
	testDashKey      = "arn:aws:kms:us-east-1:123456789012:key/stack-key"
	testImportedCert = "arn:aws:acm:us-east-1:123456789012:certificate/0000-imported"
	typeLB           = "aws:lb/loadBalancer:LoadBalancer"
	typeTG           = "aws:lb/targetGroup:TargetGroup"
	typeListener     = "aws:lb/listener:Listener"
	typeRule         = "aws:lb/listenerRule:ListenerRule"
	typeRecord       = "aws:route53/record:Record"
	typeEventRule    = "aws:cloudwatch/eventRule:EventRule"
	typeEventTarget  = "aws:cloudwatch/eventTarget:EventTarget"
	typePermission   = "aws:lambda/permission:Permission"
	typeFunction     = "aws:lambda/function:Function"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
)

func dashConfig(production bool) *Config {
	return &Config{
		Stack: "dev", Production: production, LogRetentionDays: 365,
		Region: "us-east-1", AccountID: mockAccount, Partition: "aws",
		Dashboards: DashboardsConfig{HostName: testDashHost, HostedZone: "example.com", OfficeCidrs: []string{"203.0.113.0/24"}},
	}
}

func withOidc(cfg *Config) *Config {
	cfg.Dashboards.Oidc = &OidcConfig{
		Issuer:                "https://idp.example.com",
		AuthorizationEndpoint: "https://idp.example.com/authorize",
		TokenEndpoint:         "https://idp.example.com/token",
		UserInfoEndpoint:      "https://idp.example.com/userinfo",
		ClientID:              "dashboards",
	}
	return cfg
}

// runDashboards runs only NewDashboardsAccess under the harness mocks, with
// the network and domain stubbed by plain outputs.
func runDashboards(t *testing.T, cfg *Config) (*stackRun, map[string]string) {
	t.Helper()
	m := &mocks{stack: cfg.Stack, region: cfg.Region}
	outs := map[string]string{}
	// Outputs not built from ctx resources are not awaited by RunErr.
	var outsDone sync.WaitGroup
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		if o := cfg.Dashboards.Oidc; o != nil {
			o.ClientSecret = pulumi.ToSecret(pulumi.String(testOidcSecret)).(pulumi.StringOutput)
		}
		out := func(s string) pulumi.StringOutput { return pulumi.String(s).ToStringOutput() }
		network := &Network{
			VpcID:              out(testDashVpc),
			PrivateSubnetIDs:   pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}).ToStringArrayOutput(),
			AlbSecurityGroupID: out(testDashAlbSG),
		}
		// NewSearchDomain requests the certificate the load balancer serves.
		zoneID, err := dashboardsZoneID(ctx, cfg)
		if err != nil {
			return err
		}
		certArn, err := listenerCertificate(ctx, cfg.Dashboards, zoneID)
		if err != nil {
			return err
		}
		domain := &SearchDomain{
			DashboardsCertificateArn: certArn,
			Name:                     out(testDashDomain),
			Arn:                      out("arn:aws:es:us-east-1:" + mockAccount + ":domain/" + testDashDomain),
			KmsKeyArn:                out(testDashKey),
			Endpoint:                 out(testDashEndpoint),
		}
		access, err := NewDashboardsAccess(ctx, DashboardsAccessArgs{Config: cfg, Network: network, Domain: domain})
		if err != nil {
			return err
		}
		for k, o := range map[string]pulumi.StringOutput{
			"url": access.URL, "lb": access.LoadBalancerArnSuffix, "tg": access.TargetGroupArnSuffix,
			"tgArn": access.TargetGroupArn, "fn": access.TargetSyncFunctionName,
		} {
			outsDone.Add(1)
			o.ApplyT(func(v string) string {
				m.mu.Lock()
				outs[k] = v
				m.mu.Unlock()
				outsDone.Done()
				return v
			})
		}
		return nil
	}, pulumi.WithMocks("logsearch", cfg.Stack, m))
	if err != nil {
		t.Fatalf("NewDashboardsAccess: %v", err)
	}
	outsDone.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	return &stackRun{Resources: slices.Clone(m.resources), Invokes: slices.Clone(m.invokes)}, outs
}

func TestDashboardsLoadBalancerControls(t *testing.T) {
	for _, production := range []bool{false, true} {
		t.Run(fmt.Sprintf("production=%v", production), func(t *testing.T) {
			run, _ := runDashboards(t, dashConfig(production))
			alb := run.one(t, typeLB, "dashboards")
			for path, want := range map[string]any{
				"internal":                 true, // TRV AWS-0053
				"loadBalancerType":         "application",
				"dropInvalidHeaderFields":  true,        // ELB.4
				"desyncMitigationMode":     "strictest", // ELB.12
				"enableDeletionProtection": production,  // ELB.6 (prod)
				"accessLogs.enabled":       true,        // ELB.5
				"accessLogs.prefix":        accessLogPrefix,
				"accessLogs.bucket":        logBucketName(t, run),
				"securityGroups":           []any{testDashAlbSG},
				"subnets":                  []any{"subnet-a", "subnet-b"}, // ELB.13: 2 AZs
			} {
				if got := get(t, alb.Inputs, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("load balancer %s = %v, want %v", path, got, want)
				}
			}
			// A long Dashboards search must not end in a 504 from our own ALB:
			// the idle timeout (idle_timeout.timeout_seconds, 1-4000 s,
			// default 60 s when unset) must exceed the 300 s a Dashboards
			// request may run.
			// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout
			idle, ok := lookup(alb.Inputs, "idleTimeout")
			if !ok {
				t.Error("load balancer idleTimeout unset: the ALB default of 60 s cuts Dashboards searches that run up to 300 s")
			} else if n, _ := idle.(float64); n <= 300 || n > 4000 {
				t.Errorf("load balancer idleTimeout = %v s, want more than the 300 s a Dashboards request may run and at most ELB's maximum of 4000 s", idle)
			}
			if !alb.dependsOn("aws:s3/bucketPolicy:BucketPolicy", "dashboards-alb-logs") {
				t.Error("the load balancer must wait for the log bucket policy: ELB test-writes to the bucket when logging is turned on")
			}
		})
	}
}

// mockName is the name a resource gets: its explicit name input, else (as
// the mocks do not autoname) its logical name.
func mockName(r registered, key string) string {
	if v, ok := lookup(r.Inputs, key); ok {
		return v.(string)
	}
	return r.LogicalName
}

func logBucketName(t *testing.T, run *stackRun) string {
	return mockName(run.one(t, "aws:s3/bucketV2:BucketV2", "dashboards-alb-logs"), "bucket")
}

func TestDashboardsLogBucketControls(t *testing.T) {
	run, _ := runDashboards(t, dashConfig(true))
	bucket := logBucketName(t, run)
	block := run.one(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dashboards-alb-logs")
	for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if get(t, block.Inputs, flag) != true { // S3.1 / S3.8
			t.Errorf("public access block %s is not true", flag)
		}
	}
	sse := run.one(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "dashboards-alb-logs")
	if got := get(t, sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"); got != "AES256" {
		t.Errorf("SSE = %v, want AES256 (the only encryption ELB log delivery supports)", got)
	}
	own := run.one(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "dashboards-alb-logs")
	if got := get(t, own.Inputs, "rule.objectOwnership"); got != "BucketOwnerEnforced" {
		t.Errorf("object ownership = %v, want BucketOwnerEnforced (no ACLs)", got)
	}
	life := run.one(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "dashboards-alb-logs")
	if get(t, life.Inputs, "rules[0].status") != "Enabled" || get(t, life.Inputs, "rules[0].expiration.days") != 365.0 {
		t.Errorf("lifecycle = %v, want logs expiring after logRetentionDays (365)", get(t, life.Inputs, "rules[0]"))
	}
	for _, r := range []registered{block, sse, own, life} {
		if get(t, r.Inputs, "bucket") != bucket {
			t.Errorf("%s applies to %v, not the log bucket %s", r.Type, get(t, r.Inputs, "bucket"), bucket)
		}
	}
	if got := get(t, run.one(t, "aws:s3/bucketV2:BucketV2", "dashboards-alb-logs").Inputs, "forceDestroy"); got != false {
		t.Errorf("prod forceDestroy = %v, want false: prod keeps its access logs", got)
	}

	doc := str(t, run.one(t, "aws:s3/bucketPolicy:BucketPolicy", "dashboards-alb-logs").Inputs, "policy")
	var p struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	bySid := map[string]map[string]any{}
	for _, s := range p.Statement {
		bySid[s["Sid"].(string)] = s
	}
	arn := "arn:aws:s3:::" + bucket
	deny := bySid["DenyInsecureTransport"]
	if deny == nil || deny["Effect"] != "Deny" || fmt.Sprint(deny["Resource"]) != fmt.Sprint([]any{arn, arn + "/*"}) ||
		fmt.Sprint(deny["Condition"]) != "map[Bool:map[aws:SecureTransport:false]]" { // S3.5
		t.Errorf("TLS-only statement = %v", deny)
	}
	logs := fmt.Sprintf("%s/alb/AWSLogs/%s/*", arn, mockAccount)
	for sid, principal := range map[string]string{
		"ELBLogDelivery":             "map[Service:logdelivery.elasticloadbalancing.amazonaws.com]",
		"ELBLogDeliveryLegacyRegion": "map[AWS:arn:aws:iam::127311923021:root]", // us-east-1's ELB account
	} {
		s := bySid[sid]
		if s == nil || s["Effect"] != "Allow" || fmt.Sprint(s["Principal"]) != principal ||
			fmt.Sprint(s["Action"]) != "[s3:PutObject]" || s["Resource"] != logs {
			t.Errorf("%s = %v, want %s allowed s3:PutObject on %s", sid, s, principal, logs)
		}
	}
}

// In a Region opened after August 2022 the provider has no ELB account and
// the bucket grants the log-delivery service principal alone.
func TestDashboardsLogBucketPolicyInNewRegion(t *testing.T) {
	cfg := dashConfig(false)
	cfg.Region = "ap-southeast-5"
	run, _ := runDashboards(t, cfg)
	doc := str(t, run.one(t, "aws:s3/bucketPolicy:BucketPolicy", "dashboards-alb-logs").Inputs, "policy")
	if strings.Contains(doc, "LegacyRegion") || !strings.Contains(doc, elbLogDeliveryService) {
		t.Errorf("policy in a new Region = %s, want the service principal only", doc)
	}
}

func TestAccessLogBucketPolicy(t *testing.T) {
	doc := accessLogBucketPolicy("arn:aws:s3:::b", "111122223333", "")
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},` +
		`{"Sid":"ELBLogDelivery","Effect":"Allow","Principal":{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"},"Action":["s3:PutObject"],"Resource":"arn:aws:s3:::b/alb/AWSLogs/111122223333/*"}]}`
	if doc != want {
		t.Errorf("policy =\n%s\nwant\n%s", doc, want)
	}
}

func TestDashboardsHTTPRedirectsToHTTPS(t *testing.T) {
	run, _ := runDashboards(t, dashConfig(false))
	http := run.one(t, typeListener, "dashboards-http")
	if get(t, http.Inputs, "port") != 80.0 || get(t, http.Inputs, "protocol") != "HTTP" {
		t.Fatalf("http listener = %v", http.Inputs)
	}
	actions := get(t, http.Inputs, "defaultActions").([]any)
	if len(actions) != 1 { // ELB.1: the only thing :80 does
		t.Fatalf("http listener has %d actions, want only the redirect", len(actions))
	}
	for path, want := range map[string]any{
		"defaultActions[0].type":                "redirect",
		"defaultActions[0].redirect.protocol":   "HTTPS",
		"defaultActions[0].redirect.port":       "443",
		"defaultActions[0].redirect.statusCode": "HTTP_301",
	} {
		if got := get(t, http.Inputs, path); got != want {
			t.Errorf("http listener %s = %v, want %v", path, got, want)
		}
	}
	if n := len(run.ofType(typeRule)); n != 2 {
		t.Errorf("%d listener rules, want 2 (root redirect, Dashboards forward), all on HTTPS", n)
	}
	for _, r := range run.ofType(typeRule) {
		if !strings.HasSuffix(str(t, r.Inputs, "listenerArn"), "dashboards-https") {
			t.Errorf("rule %s is on %s, want the HTTPS listener", r.Name, str(t, r.Inputs, "listenerArn"))
		}
	}
}

func TestDashboardsHTTPSListener(t *testing.T) {
	run, _ := runDashboards(t, dashConfig(false))
	https := run.one(t, typeListener, "dashboards-https")
	for path, want := range map[string]any{
		"port":                   443.0,
		"protocol":               "HTTPS",
		"sslPolicy":              "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", // ELB.17
		"defaultActions[0].type": "fixed-response",
		"defaultActions[0].fixedResponse.statusCode": "404",
	} {
		if got := get(t, https.Inputs, path); got != want {
			t.Errorf("https listener %s = %v, want %v", path, got, want)
		}
	}
	if body := str(t, https.Inputs, "defaultActions[0].fixedResponse.messageBody"); !strings.Contains(body, "https://"+testDashHost+"/_dashboards/") {
		t.Errorf("404 body %q should point lost users to the Dashboards URL", body)
	}
}

// route answers what the HTTPS listener does with a request path, applying
// the registered rules by priority with ALB path-pattern semantics
// (case-sensitive; * matches any characters, ? exactly one).
func route(t *testing.T, run *stackRun, path string) string {
	t.Helper()
	rules := run.ofType(typeRule)
	sort.Slice(rules, func(i, j int) bool {
		return get(t, rules[i].Inputs, "priority").(float64) < get(t, rules[j].Inputs, "priority").(float64)
	})
	for _, r := range rules {
		for _, pattern := range get(t, r.Inputs, "conditions[0].pathPattern.values").([]any) {
			re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern.(string))) + "$"
			if regexp.MustCompile(re).MatchString(path) {
				return describeActions(t, get(t, r.Inputs, "actions").([]any))
			}
		}
	}
	return describeActions(t, get(t, run.one(t, typeListener, "dashboards-https").Inputs, "defaultActions").([]any))
}

func describeActions(t *testing.T, actions []any) string {
	t.Helper()
	sort.Slice(actions, func(i, j int) bool {
		oi, _ := actions[i].(map[string]any)["order"].(float64)
		oj, _ := actions[j].(map[string]any)["order"].(float64)
		return oi < oj
	})
	var out []string
	for _, a := range actions {
		a := a.(map[string]any)
		switch a["type"] {
		case "redirect":
			out = append(out, fmt.Sprintf("redirect %v", a["redirect"].(map[string]any)["path"]))
		case "fixed-response":
			out = append(out, fmt.Sprintf("fixed %v", a["fixedResponse"].(map[string]any)["statusCode"]))
		case "forward":
			out = append(out, "forward "+a["targetGroupArn"].(string))
		default:
			out = append(out, a["type"].(string))
		}
	}
	return strings.Join(out, " -> ")
}

func TestDashboardsListenerRules(t *testing.T) {
	plain, outs := runDashboards(t, dashConfig(false))
	sso, ssoOuts := runDashboards(t, withOidc(dashConfig(false)))
	for _, tc := range []struct {
		run     *stackRun
		forward string
	}{
		{plain, "forward " + outs["tgArn"]},
		{sso, "authenticate-oidc -> forward " + ssoOuts["tgArn"]},
	} {
		for path, want := range map[string]string{
			"/":                             "redirect /_dashboards/",
			"/_dashboards":                  tc.forward,
			"/_dashboards/":                 tc.forward,
			"/_dashboards/app/home":         tc.forward,
			"/_dashboards/api/status":       tc.forward,
			"/_cat/indices":                 "fixed 404",
			"/cwl-2024.01.01":               "fixed 404", // DELETE /<index> never reaches the domain
			"/cwl-*/_delete_by_query":       "fixed 404",
			"/_plugins/_security/api/roles": "fixed 404",
			"/_dashboardsx":                 "fixed 404",
			"/_DASHBOARDS/app/home":         "fixed 404",
			"/api/status":                   "fixed 404",
			"/index.html":                   "fixed 404",
			"/x/_dashboards/app/home":       "fixed 404",
		} {
			if got := route(t, tc.run, path); got != want {
				t.Errorf("%s -> %q, want %q", path, got, want)
			}
		}
	}
}

func TestDashboardsOidcSecretStaysSecret(t *testing.T) {
	run, _ := runDashboards(t, withOidc(dashConfig(false)))
	rule := run.one(t, typeRule, "dashboards-app")
	oidc := get(t, rule.Inputs, "actions[0]").(map[string]any)
	if oidc["type"] != "authenticate-oidc" || oidc["order"] != 1.0 {
		t.Fatalf("first action = %v, want authenticate-oidc at order 1", oidc)
	}
	conf := oidc["authenticateOidc"].(map[string]any)
	for k, want := range map[string]string{
		"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/authorize",
		"tokenEndpoint": "https://idp.example.com/token", "userInfoEndpoint": "https://idp.example.com/userinfo",
		"clientId": "dashboards", "clientSecret": testOidcSecret,
	} {
		if conf[k] != want {
			t.Errorf("authenticateOidc.%s = %v, want %v", k, conf[k], want)
		}
	}
	secret := rule.Inputs["actions"].ArrayValue()[0].ObjectValue()["authenticateOidc"].ObjectValue()["clientSecret"]
	if !isSecret(secret) {
		t.Error("the OIDC client secret reaches the engine as plain text; it must stay a Pulumi secret")
	}
	if raw, _ := json.Marshal(snapshotValue(resource.NewObjectProperty(rule.Inputs))); strings.Contains(string(raw), testOidcSecret) {
		t.Error("the OIDC client secret shows in the snapshot form of the rule")
	}
}

func TestDashboardsTargetGroupHealthCheck(t *testing.T) {
	run, _ := runDashboards(t, dashConfig(false))
	tg := run.one(t, typeTG, "dashboards")
	for path, want := range map[string]any{
		"targetType": "ip", "protocol": "HTTPS", "port": 443.0, "vpcId": testDashVpc,
		"healthCheck.enabled":  true,
		"healthCheck.protocol": "HTTPS",
		"healthCheck.path":     "/_dashboards/api/status",
	} {
		if got := get(t, tg.Inputs, path); got != want {
			t.Errorf("target group %s = %v, want %v", path, got, want)
		}
	}
	codes := strings.Split(str(t, tg.Inputs, "healthCheck.matcher"), ",")
	for _, code := range []string{"200", "302", "401"} { // healthy answers behind fine-grained access control
		if !slices.Contains(codes, code) {
			t.Errorf("health check matcher %v misses %s", codes, code)
		}
	}
	for _, code := range codes {
		if n, err := strconv.Atoi(code); err != nil || n >= 500 || n == 403 || n == 404 {
			t.Errorf("health check matcher accepts %q: a broken or misrouted node would count as healthy", code)
		}
	}
	if n := len(run.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")); n != 0 {
		t.Errorf("%d static target attachments: the target-sync function owns registration, Pulumi must not revert it", n)
	}

	// Recovery budget (docs/dashboards.md#recovery-within-2-minutes-of-a-bluegreen-switch): a new IP is registered within one schedule
	// period, then needs healthyThreshold passes; allow one more interval
	// for the first check to start and 30 s for ELB to apply registration.
	interval := get(t, tg.Inputs, "healthCheck.interval").(float64)
	threshold := get(t, tg.Inputs, "healthCheck.healthyThreshold").(float64)
	timeout := get(t, tg.Inputs, "healthCheck.timeout").(float64)
	schedule := str(t, run.one(t, typeEventRule, "dashboards-targetsync-schedule").Inputs, "scheduleExpression")
	if schedule != "rate(1 minute)" {
		t.Fatalf("schedule = %q, the budget below assumes one minute", schedule)
	}
	if timeout >= interval {
		t.Errorf("health check timeout %v must be below its interval %v", timeout, interval)
	}
	if worst := 60 + 30 + interval*(threshold+1); worst > 120 {
		t.Errorf("worst-case recovery %v s exceeds the 2-minute promise", worst)
	}
}

func TestDashboardsAliasRecordAndCertificate(t *testing.T) {
	run, outs := runDashboards(t, dashConfig(false))
	if outs["url"] != "https://"+testDashHost+"/_dashboards/" {
		t.Errorf("URL = %q", outs["url"])
	}
	if !strings.HasPrefix(outs["lb"], "app/") || !strings.HasPrefix(outs["tg"], "targetgroup/") {
		t.Errorf("ARN suffixes = %q, %q, want the CloudWatch dimension forms", outs["lb"], outs["tg"])
	}
	var zone *invoked
	for i, inv := range run.Invokes {
		if inv.Token == "aws:route53/getZone:getZone" {
			zone = &run.Invokes[i]
		}
	}
	if zone == nil || zone.Args["name"].StringValue() != "example.com" || zone.Args["privateZone"].BoolValue() {
		t.Fatalf("zone lookup = %v, want example.com, public", zone)
	}
	rec := run.one(t, typeRecord, "dashboards")
	alb := run.one(t, typeLB, "dashboards")
	for path, want := range map[string]any{
		"zoneId": mockZoneID, "name": testDashHost, "type": "A",
		"aliases[0].name":   fmt.Sprintf("internal-%s-1234567890.us-east-1.elb.amazonaws.com", mockName(alb, "name")),
		"aliases[0].zoneId": "Z35SXDOTRQ7X7K",
	} {
		if got := get(t, rec.Inputs, path); got != want {
			t.Errorf("alias record %s = %v, want %v", path, got, want)
		}
	}

	cert := run.one(t, "aws:acm/certificate:Certificate", "dashboards")
	if get(t, cert.Inputs, "domainName") != testDashHost || get(t, cert.Inputs, "validationMethod") != "DNS" {
		t.Errorf("certificate = %v, want %s validated by DNS", cert.Inputs, testDashHost)
	}
	v := run.one(t, typeRecord, "dashboards-cert-validation")
	for path, want := range map[string]any{
		"zoneId": mockZoneID, "name": "_0123abcd." + testDashHost + ".", "type": "CNAME",
		"records[0]": "_4567efgh.acm-validations.aws.",
	} {
		if got := get(t, v.Inputs, path); got != want {
			t.Errorf("validation record %s = %v, want %v", path, got, want)
		}
	}
	validation := run.one(t, "aws:acm/certificateValidation:CertificateValidation", "dashboards")
	certArn := "arn:aws:acm:us-east-1:" + mockAccount + ":certificate/" + cert.LogicalName
	if get(t, validation.Inputs, "certificateArn") != certArn || get(t, validation.Inputs, "validationRecordFqdns[0]") != "_0123abcd."+testDashHost+"." {
		t.Errorf("certificate validation = %v", validation.Inputs)
	}
	if got := get(t, run.one(t, typeListener, "dashboards-https").Inputs, "certificateArn"); got != certArn {
		t.Errorf("listener certificate = %v, want the validated %s", got, certArn)
	}
}

func TestDashboardsPrivateZoneWithImportedCertificate(t *testing.T) {
	cfg := dashConfig(false)
	cfg.Dashboards.PrivateZone = true
	cfg.Dashboards.CertificateArn = testImportedCert
	run, _ := runDashboards(t, cfg)
	for _, inv := range run.Invokes {
		if inv.Token == "aws:route53/getZone:getZone" && !inv.Args["privateZone"].BoolValue() {
			t.Error("zone lookup must ask for the private zone")
		}
	}
	if n := len(run.ofType("aws:acm/certificate:Certificate")); n != 0 {
		t.Errorf("%d ACM certificates requested although certificateArn is set", n)
	}
	if got := get(t, run.one(t, typeListener, "dashboards-https").Inputs, "certificateArn"); got != testImportedCert {
		t.Errorf("listener certificate = %v, want %s", got, testImportedCert)
	}
}

func TestDashboardsTargetSyncFunction(t *testing.T) {
	run, outs := runDashboards(t, dashConfig(false))
	fn := run.one(t, typeFunction, "dashboards-targetsync")
	for path, want := range map[string]any{
		"runtime": "provided.al2023", "architectures": []any{"arm64"}, "handler": "bootstrap",
		"environment.variables.TARGET_GROUP_ARN": outs["tgArn"],
		"environment.variables.DOMAIN_NAME":      testDashDomain,
		"environment.variables.VPC_ID":           testDashVpc,
		"environment.variables.DOMAIN_ENDPOINT":  testDashEndpoint,
		"loggingConfig.logFormat":                "JSON",
		"loggingConfig.logGroup":                 "/aws/lambda/" + outs["fn"],
		"tracingConfig.mode":                     "PassThrough", // ingest.tracing off
	} {
		if got := get(t, fn.Inputs, path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("function %s = %v, want %v", path, got, want)
		}
	}
	if _, inVPC := lookup(fn.Inputs, "vpcConfig"); inVPC {
		t.Error("the target-sync function calls only public AWS APIs and must stay out of the VPC (no NAT needed)")
	}
	if code, _ := get(t, fn.Inputs, "code").(map[string]any); !strings.Contains(fmt.Sprint(code["archive"]), "targetsync") {
		t.Errorf("code = %v, want the targetsync zip", code)
	}
	lg := run.one(t, "aws:cloudwatch/logGroup:LogGroup", "dashboards-targetsync")
	if get(t, lg.Inputs, "retentionInDays") != 365.0 {
		t.Errorf("log group retention = %v, want logRetentionDays", get(t, lg.Inputs, "retentionInDays"))
	}
	if k, _ := lookup(lg.Inputs, "kmsKeyId"); k != testDashKey {
		t.Errorf("log group key = %v, want the stack key (CloudWatch.16)", k)
	}
	if tags, _ := lookup(lg.Inputs, "tags"); fmt.Sprint(tags) != "map[Name:logsearch-dev-dashboards-targetsync logsearch:stack:dev]" {
		t.Errorf("log group tags = %v, want the stack's", tags)
	}
	cfg := run.one(t, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "dashboards-targetsync")
	if get(t, cfg.Inputs, "maximumRetryAttempts") != 0.0 {
		t.Error("async retries should be off: the next scheduled run retries")
	}
}

func TestDashboardsTargetSyncTriggers(t *testing.T) {
	run, outs := runDashboards(t, dashConfig(false))
	fnArn := "arn:aws:lambda:us-east-1:" + mockAccount + ":function:" + outs["fn"]

	sched := run.one(t, typeEventRule, "dashboards-targetsync-schedule")
	if got := get(t, sched.Inputs, "scheduleExpression"); got != "rate(1 minute)" {
		t.Errorf("schedule = %v", got)
	}
	events := run.one(t, typeEventRule, "dashboards-targetsync-domain-events")
	var pattern struct {
		Source     []string `json:"source"`
		DetailType []string `json:"detail-type"`
		Resources  []string `json:"resources"`
	}
	if err := json.Unmarshal([]byte(str(t, events.Inputs, "eventPattern")), &pattern); err != nil {
		t.Fatal(err)
	}
	domainArn := "arn:aws:es:us-east-1:" + mockAccount + ":domain/" + testDashDomain
	if !slices.Equal(pattern.Source, []string{"aws.es"}) || !slices.Equal(pattern.Resources, []string{domainArn}) ||
		!slices.Contains(pattern.DetailType, "Amazon OpenSearch Service Software Update Notification") ||
		!slices.Contains(pattern.DetailType, "Amazon OpenSearch Service Domain Update Notification") {
		t.Errorf("event pattern = %+v, want this domain's OpenSearch Service change events", pattern)
	}

	for _, rule := range []registered{sched, events} {
		target := run.one(t, typeEventTarget, rule.Name)
		if get(t, target.Inputs, "arn") != fnArn || get(t, target.Inputs, "rule") != mockName(rule, "name") {
			t.Errorf("%s target = %v, want the function", rule.Name, target.Inputs)
		}
		perm := run.one(t, typePermission, rule.Name)
		ruleArn := "arn:aws:events:us-east-1:" + mockAccount + ":rule/" + mockName(rule, "name")
		for path, want := range map[string]any{
			"action": "lambda:InvokeFunction", "principal": "events.amazonaws.com",
			"function": outs["fn"], "sourceArn": ruleArn,
		} {
			if got := get(t, perm.Inputs, path); got != want {
				t.Errorf("%s permission %s = %v, want %v", rule.Name, path, got, want)
			}
		}
	}
}

func TestDashboardsTargetSyncRoleIsLeastPrivilege(t *testing.T) {
	run, outs := runDashboards(t, dashConfig(false))
	role := run.one(t, "aws:iam/role:Role", "dashboards-targetsync")
	if !strings.Contains(str(t, role.Inputs, "assumeRolePolicy"), `"Service":"lambda.amazonaws.com"`) {
		t.Errorf("assume-role policy = %s", str(t, role.Inputs, "assumeRolePolicy"))
	}
	var managed []string
	for _, a := range run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		managed = append(managed, str(t, a.Inputs, "policyArn"))
	}
	if len(managed) != 0 {
		t.Errorf("managed policies %v, want none (tracing off); the inline policy is everything", managed)
	}
	var p struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource any
		}
	}
	doc := str(t, run.one(t, typeRolePolicy, "dashboards-targetsync").Inputs, "policy")
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	logGroupArn := "arn:aws:logs:us-east-1:" + mockAccount + ":log-group:/aws/lambda/" + outs["fn"] + ":*"
	want := map[string]string{
		"ec2:DescribeNetworkInterfaces":             "*", // no resource-level permissions exist
		"elasticloadbalancing:DescribeTargetHealth": "*", // idem
		"elasticloadbalancing:RegisterTargets":      outs["tgArn"],
		"elasticloadbalancing:DeregisterTargets":    outs["tgArn"],
		"logs:CreateLogStream":                      logGroupArn,
		"logs:PutLogEvents":                         logGroupArn,
	}
	got := map[string]string{}
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("unexpected %s statement", s.Effect)
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("wildcard action %q", a)
			}
			got[a] = fmt.Sprint(s.Resource)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("permissions =\n%v\nwant\n%v", got, want)
	}
}

// TestStackDashboards runs the whole program for every stack (fixtures and
// repository stack files) and checks the office entry is wired to the real
// network and domain.
func TestStackDashboards(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		cfg, err := parseConfig(stack, mapSource{values: run.Config})
		if err != nil {
			t.Fatal(err)
		}
		if got := run.Outputs["dashboardsUrl"]; got != "https://"+cfg.Dashboards.HostName+"/_dashboards/" {
			t.Errorf("dashboardsUrl = %v, want https://%s/_dashboards/", got, cfg.Dashboards.HostName)
		}
		alb := run.one(t, typeLB, "dashboards")
		if subnets := get(t, alb.Inputs, "subnets").([]any); len(subnets) < 2 {
			t.Errorf("load balancer in %d subnets, want >= 2", len(subnets))
		}
		if get(t, alb.Inputs, "enableDeletionProtection") != cfg.Production {
			t.Errorf("deletion protection = %v on %s (production %v)", get(t, alb.Inputs, "enableDeletionProtection"), stack, cfg.Production)
		}
		fn := run.one(t, typeFunction, "dashboards-targetsync")
		if get(t, fn.Inputs, "environment.variables.DOMAIN_NAME") == "" {
			t.Error("DOMAIN_NAME is empty")
		}
	})
}

// TestDashboardsAtTheZoneApex: a team that delegates a zone of its own to
// Dashboards (hostedZone logs.corp.example, hostName the same) gets the
// alias record, the certificate and, with SAML, the domain's custom
// endpoint at the apex. Route53 takes an alias record there, where no
// CNAME may stand (Route 53 developer guide, "Choosing between alias and
// non-alias records",
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
func TestDashboardsAtTheZoneApex(t *testing.T) {
	for _, fixture := range []string{"dev", "saml"} {
		t.Run(fixture, func(t *testing.T) {
			cfg, _ := stackConfig(t, fixture)
			var dash map[string]any
			if err := json.Unmarshal([]byte(cfg["logsearch:dashboards"]), &dash); err != nil {
				t.Fatal(err)
			}
			zone := "apex-" + fixture + ".corp.example"
			dash["hostedZone"], dash["hostName"] = zone+".", strings.ToUpper(zone)
			b, err := json.Marshal(dash)
			if err != nil {
				t.Fatal(err)
			}
			run, err := runStack(t, fixture, map[string]string{"logsearch:dashboards": string(b)})
			if err != nil {
				t.Fatalf("hostName at the apex of hostedZone must deploy: %v", err)
			}
			if got := str(t, run.one(t, "aws:route53/record:Record", "dashboards").Inputs, "name"); got != zone {
				t.Errorf("alias record %q, want the apex %q", got, zone)
			}
			if got := run.Outputs["dashboardsUrl"]; got != "https://"+zone+"/_dashboards/" {
				t.Errorf("dashboardsUrl = %v, want https://%s/_dashboards/", got, zone)
			}
			for _, c := range run.ofType("aws:acm/certificate:Certificate") {
				if got := str(t, c.Inputs, "domainName"); got != zone {
					t.Errorf("certificate for %q, want %q", got, zone)
				}
			}
			if _, saml := dash["saml"]; saml {
				if got := str(t, run.one(t, rtDomain, "domain").Inputs, "domainEndpointOptions.customEndpoint"); got != zone {
					t.Errorf("custom endpoint %q, want %q", got, zone)
				}
			}
		})
	}
}
