package logsearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/logsearch/logsearch/lambda/metrics"
)

// Stand-ins for what the domain, ingestion and dashboards stages hand NewAlarms.
const (
	testDomainName    = "logsearch-test"
	testFunctionName  = "logsearch-test-ingest"
	testDLQName       = "logsearch-test-dlq"
	testLBSuffix      = "app/logsearch-test/50dc6c495c0c9188"
	testTGSuffix      = "targetgroup/logsearch-test/73e2d6bc24d8a067"
	testSyncFunction  = "logsearch-test-dashboards-targetsync"
	testSetupFunction = "logsearch-test-setup"
	// The mocks name the topic and key after their logical names.
	testTopicArn = "arn:aws:sns:us-east-1:" + mockAccount + ":" + DefaultName + "-alarms-topic"
	testKeyArn   = "arn:aws:kms:us-east-1:" + mockAccount + ":key/key-" + DefaultName + "-alarms-key"
)

var (
	devDomain = DomainConfig{EngineVersion: "OpenSearch_2.19", InstanceType: "t3.small.search", InstanceCount: 1, VolumeSize: 20}
	// prodDomain: 3 data nodes plus 3 dedicated masters of 1536 GiB each.
	prodDomain = DomainConfig{EngineVersion: "OpenSearch_2.19", InstanceType: "r6g.large.search", InstanceCount: 3,
		DedicatedMasterType: "m6g.large.search", DedicatedMasterCount: 3, VolumeSize: 1536}
)

func testAlarmConfig(domain DomainConfig, emails ...string) *Config {
	return &Config{Stack: "test", Domain: domain, AlarmEmails: emails,
		Region: "us-east-1", AccountID: mockAccount, Partition: "aws"}
}

func testOutput(s string) pulumi.StringOutput { return pulumi.String(s).ToStringOutput() }

// runAlarms runs only NewAlarms under the harness mocks, with fixed stage
// outputs, so the alarms are tested without the stages that precede them.
// With officeEntry the dashboards stage hands over its ALB dimensions and
// target-sync function; without, none of them (a stage not built yet).
func runAlarms(t *testing.T, cfg *Config, officeEntry bool) (*stackRun, error) {
	t.Helper()
	return runAlarmsWith(t, cfg, func() *DashboardsAccess {
		d := &DashboardsAccess{URL: testOutput("https://logs.example.com")}
		if officeEntry {
			d.LoadBalancerArnSuffix, d.TargetGroupArnSuffix = testOutput(testLBSuffix), testOutput(testTGSuffix)
			d.TargetSyncFunctionName = testOutput(testSyncFunction)
		}
		return d
	})
}

// runAlarmsWith is runAlarms with the dashboards stage's outputs made by
// dashboards, inside the Pulumi run.
func runAlarmsWith(t *testing.T, cfg *Config, dashboards func() *DashboardsAccess) (*stackRun, error) {
	t.Helper()
	m := &mocks{stack: cfg.Stack, region: cfg.Region}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		domain := &SearchDomain{Name: testOutput(testDomainName), Arn: testOutput("arn:aws:es:us-east-1:" + mockAccount + ":domain/" + testDomainName)}
		ingestion := &Ingestion{FunctionName: testOutput(testFunctionName), DLQName: testOutput(testDLQName)}
		setup := &DomainSetup{FunctionName: testOutput(testSetupFunction)}
		_, err := NewAlarms(ctx, AlarmsArgs{Config: cfg, Domain: domain, Ingestion: ingestion, Setup: setup, Dashboards: dashboards()})
		return err
	}, pulumi.WithMocks("logsearch", cfg.Stack, m))
	m.mu.Lock()
	defer m.mu.Unlock()
	return &stackRun{Resources: slices.Clone(m.resources), Invokes: slices.Clone(m.invokes)}, err
}

func mustRunAlarms(t *testing.T, cfg *Config, officeEntry bool) *stackRun {
	t.Helper()
	run, err := runAlarms(t, cfg, officeEntry)
	if err != nil {
		t.Fatalf("NewAlarms: %v", err)
	}
	return run
}

// wantAlarm is one row of the expected alarm table, written out independently
// of alarmSpec so a typo in either shows up.
type wantAlarm struct {
	name, namespace, metric, statistic string
	period, evaluations                int
	datapoints                         int // M of N; 0 = not set (all N)
	comparison                         string
	threshold                          float64
	missing                            string // "" = not set
	increase                           bool   // DIFF metric-math alarm
	dims                               map[string]any
}

var (
	domainDims   = map[string]any{"DomainName": testDomainName, "ClientId": mockAccount}
	functionDims = map[string]any{"FunctionName": testFunctionName}
	queueDims    = map[string]any{"QueueName": testDLQName}
	albDims      = map[string]any{"LoadBalancer": testLBSuffix, "TargetGroup": testTGSuffix}
	syncDims     = map[string]any{"FunctionName": testSyncFunction}
	setupDims    = map[string]any{"FunctionName": testSetupFunction}
)

// expectedAlarms is AWS's recommended set
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html)
// plus the pipeline and
// office-entry alarms, for a domain with the given data/master nodes and volume.
func expectedAlarms(dataNodes, masters, volumeGiB int, officeEntry bool) []wantAlarm {
	const ge, gt, lt, le = "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
	es := func(name, metric, stat string, period, evals int, cmp string, threshold float64) wantAlarm {
		return wantAlarm{name: name, namespace: "AWS/ES", metric: metric, statistic: stat, period: period, evaluations: evals, comparison: cmp, threshold: threshold, dims: domainDims}
	}
	notBreaching := func(a wantAlarm) wantAlarm { a.missing = "notBreaching"; return a }
	increase := func(a wantAlarm) wantAlarm { a.increase = true; return notBreaching(a) }
	lambda := func(name, metric, stat string, threshold float64) wantAlarm {
		return wantAlarm{name: name, namespace: "AWS/Lambda", metric: metric, statistic: stat, period: 300, evaluations: 1, comparison: ge, threshold: threshold, missing: "notBreaching", dims: functionDims}
	}
	want := []wantAlarm{
		es("domain-cluster-red", "ClusterStatus.red", "Maximum", 60, 1, ge, 1),
		es("domain-cluster-yellow", "ClusterStatus.yellow", "Maximum", 60, 5, ge, 1),
		es("domain-free-storage", "FreeStorageSpace", "Minimum", 60, 1, le, float64(volumeGiB)*1024*0.25),
		es("domain-writes-blocked", "ClusterIndexWritesBlocked", "Maximum", 300, 1, ge, 1),
		es("domain-nodes", "Nodes", "Minimum", 86400, 1, lt, float64(dataNodes+masters)),
		es("domain-snapshot-failure", "AutomatedSnapshotFailure", "Maximum", 60, 1, ge, 1),
		es("domain-cpu", "CPUUtilization", "Maximum", 900, 3, ge, 80),
		es("domain-jvm-pressure", "JVMMemoryPressure", "Maximum", 60, 3, ge, 95),
		es("domain-old-gen-jvm-pressure", "OldGenJVMMemoryPressure", "Maximum", 60, 3, ge, 80),
		notBreaching(es("domain-kms-key-error", "KMSKeyError", "Maximum", 60, 1, ge, 1)),
		notBreaching(es("domain-kms-key-inaccessible", "KMSKeyInaccessible", "Maximum", 60, 1, ge, 1)),
		es("domain-shards-active", "Shards.active", "Maximum", 60, 1, ge, 30000),
		es("domain-write-queue", "ThreadpoolWriteQueue", "Average", 60, 1, ge, 100),
		increase(es("domain-write-rejected", "ThreadpoolWriteRejected", "Maximum", 60, 1, ge, 1)),
		increase(es("domain-coordinating-write-rejected", "CoordinatingWriteRejected", "Maximum", 60, 1, ge, 1)),
		increase(es("domain-primary-write-rejected", "PrimaryWriteRejected", "Maximum", 60, 1, ge, 1)),
		increase(es("domain-replica-write-rejected", "ReplicaWriteRejected", "Maximum", 60, 1, ge, 1)),
		es("domain-master-reachable", "MasterReachableFromNode", "Maximum", 86400, 1, lt, 1),

		lambda("ingest-errors", "Errors", "Sum", 1),
		lambda("ingest-throttles", "Throttles", "Sum", 1),
		lambda("ingest-destination-failures", "DestinationDeliveryFailures", "Sum", 1),
		lambda("ingest-dead-letter-errors", "DeadLetterErrors", "Sum", 1),
		lambda("ingest-events-dropped", "AsyncEventsDropped", "Sum", 1),
		lambda("ingest-event-age", "AsyncEventAge", "Maximum", 3600000), // one hour in ms
		{name: "ingest-dlq-depth", namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", period: 300, evaluations: 1, comparison: gt, threshold: 0, missing: "notBreaching", dims: queueDims},
		// Setup re-applies hourly: any failed run in the hour means drift
		// inside the domain is not being healed.
		{name: "setup-errors", namespace: "AWS/Lambda", metric: "Errors", statistic: "Sum", period: 3600, evaluations: 1, comparison: ge, threshold: 1, missing: "notBreaching", dims: setupDims},
		// A schedule that stops invoking publishes no Invocations at all
		// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#invocation-metrics):
		// missing data must breach, or a stopped schedule raises nothing.
		{name: "setup-not-running", namespace: "AWS/Lambda", metric: "Invocations", statistic: "Sum", period: 7200, evaluations: 1, comparison: lt, threshold: 1, missing: "breaching", dims: setupDims},
	}
	if masters > 0 {
		want = append(want,
			es("domain-master-cpu", "MasterCPUUtilization", "Maximum", 900, 3, ge, 50),
			es("domain-master-jvm-pressure", "MasterJVMMemoryPressure", "Maximum", 60, 3, ge, 95),
			es("domain-master-old-gen-jvm-pressure", "MasterOldGenJVMMemoryPressure", "Maximum", 60, 3, ge, 80),
		)
	}
	if officeEntry {
		want = append(want,
			wantAlarm{name: "office-unhealthy-targets", namespace: "AWS/ApplicationELB", metric: "UnHealthyHostCount", statistic: "Maximum", period: 60, evaluations: 5, comparison: ge, threshold: 1, dims: albDims},
			// An empty target group publishes no HealthyHostCount: missing data is the outage.
			wantAlarm{name: "office-no-healthy-targets", namespace: "AWS/ApplicationELB", metric: "HealthyHostCount", statistic: "Minimum", period: 60, evaluations: 3, comparison: lt, threshold: 1, missing: "breaching", dims: albDims},
			// The target-sync function runs every minute: 3 failing minutes of 5.
			wantAlarm{name: "office-target-sync-errors", namespace: "AWS/Lambda", metric: "Errors", statistic: "Sum", period: 60, evaluations: 5, datapoints: 3, comparison: ge, threshold: 1, missing: "notBreaching", dims: syncDims},
		)
	}
	return want
}

func TestAlarms(t *testing.T) {
	cases := []struct {
		name        string
		domain      DomainConfig
		officeEntry bool
	}{
		{"dev: one node, no masters", devDomain, true},
		{"prod: three nodes, three masters", prodDomain, true},
		{"no office entry yet", devDomain, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := mustRunAlarms(t, testAlarmConfig(tc.domain, "ops@example.com"), tc.officeEntry)
			want := expectedAlarms(tc.domain.InstanceCount, tc.domain.DedicatedMasterCount, tc.domain.VolumeSize, tc.officeEntry)
			assertAlarms(t, run, "test", want)
		})
	}
}

// assertAlarms checks the registered alarms are exactly want, field by field,
// and that every one notifies the alarm topic.
func assertAlarms(t *testing.T, run *stackRun, stack string, want []wantAlarm) {
	t.Helper()
	var gotNames, wantNames []string
	for _, r := range run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		gotNames = append(gotNames, r.Name)
	}
	for _, w := range want {
		wantNames = append(wantNames, "alarm-"+w.name)
	}
	sort.Strings(gotNames)
	sort.Strings(wantNames)
	if !slices.Equal(gotNames, wantNames) {
		t.Fatalf("alarms:\n got  %v\n want %v", gotNames, wantNames)
	}
	for _, w := range want {
		t.Run(w.name, func(t *testing.T) {
			a := run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-"+w.name)
			in := a.Inputs
			check := func(path string, want any) {
				t.Helper()
				if got := get(t, in, path); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			check("name", "logsearch-"+stack+"-"+w.name)
			check("comparisonOperator", w.comparison)
			check("evaluationPeriods", float64(w.evaluations))
			check("threshold", w.threshold)
			check("actionsEnabled", true)
			check("alarmActions", []any{testTopicArn})
			check("okActions", []any{testTopicArn})
			if w.missing != "" {
				check("treatMissingData", w.missing)
			} else if v, ok := lookup(in, "treatMissingData"); ok {
				t.Errorf("treatMissingData = %v, want CloudWatch's default", v)
			}
			if w.datapoints != 0 {
				check("datapointsToAlarm", float64(w.datapoints))
			} else if v, ok := lookup(in, "datapointsToAlarm"); ok {
				t.Errorf("datapointsToAlarm = %v, want unset (every evaluation period)", v)
			}
			if w.increase {
				check("metricQueries[0].id", "total")
				check("metricQueries[0].returnData", false)
				check("metricQueries[0].metric.namespace", w.namespace)
				check("metricQueries[0].metric.metricName", w.metric)
				check("metricQueries[0].metric.stat", w.statistic)
				check("metricQueries[0].metric.period", float64(w.period))
				check("metricQueries[0].metric.dimensions", w.dims)
				check("metricQueries[1].expression", "DIFF(total)")
				check("metricQueries[1].returnData", true)
				for _, top := range []string{"metricName", "namespace", "statistic", "period", "dimensions"} {
					if _, ok := lookup(in, top); ok {
						t.Errorf("%s is set next to metricQueries; CloudWatch rejects both", top)
					}
				}
			} else {
				check("namespace", w.namespace)
				check("metricName", w.metric)
				check("statistic", w.statistic)
				check("period", float64(w.period))
				check("dimensions", w.dims)
			}
			desc := str(t, in, "alarmDescription")
			if len(desc) < 60 || len(desc) > 1024 {
				t.Errorf("description must say what it means and what to do, within CloudWatch's 1024 characters; got %d: %q", len(desc), desc)
			}
			if !a.dependsOn("aws:sns/topicPolicy:TopicPolicy", "alarms-topic-policy") {
				t.Errorf("alarm does not wait for the topic policy, so its first notification may be refused")
			}
		})
	}
}

func TestFreeStorageThresholdIsQuarterOfVolume(t *testing.T) {
	for _, tc := range []struct {
		volumeGiB int
		wantMiB   float64
	}{
		{10, 2560}, {20, 5120}, {80, 20480}, {1536, 393216},
	} {
		if got := freeStorageThresholdMiB(tc.volumeGiB); got != tc.wantMiB {
			t.Errorf("freeStorageThresholdMiB(%d GiB) = %v MiB, want %v", tc.volumeGiB, got, tc.wantMiB)
		}
	}
}

func TestEventAgeAlarmLeavesTimeBeforeEventsExpire(t *testing.T) {
	if limit, expire := asyncEventAgeLimitMs, maxEventAgeSecs*1000; limit*2 > expire {
		t.Errorf("AsyncEventAge alarm at %d ms leaves less than half of the %d ms events are kept to react", limit, expire)
	}
}

func TestReportsWriteRejectedBreakdown(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    bool
		wantErr string
	}{
		{version: "OpenSearch_1.0", want: true},
		{version: "OpenSearch_2.19", want: true},
		{version: "OpenSearch_3.1", want: true},
		{version: "Elasticsearch_7.1", want: true},
		{version: "Elasticsearch_7.10", want: true},
		{version: "Elasticsearch_7.0", want: false},
		{version: "Elasticsearch_6.8", want: false},
		{version: "OpenSearch_2", wantErr: "not <Engine>_<major>.<minor>"},
		{version: "", wantErr: "not <Engine>_<major>.<minor>"},
		{version: "Solr_9.1", wantErr: "neither OpenSearch nor Elasticsearch"},
	} {
		got, err := reportsWriteRejectedBreakdown(tc.version)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "logsearch:domain.engineVersion") {
				t.Errorf("%q: err = %v, want one containing %q and naming the config key", tc.version, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %v, %v; want %v", tc.version, got, err, tc.want)
		}
	}
}

// TestTargetSyncAlarmNeedsTheFunctionName: an office entry whose stage
// hands over no target-sync function still gets its ALB alarms, and no
// alarm on a function without a name.
func TestTargetSyncAlarmNeedsTheFunctionName(t *testing.T) {
	run, err := runAlarmsWith(t, testAlarmConfig(devDomain), func() *DashboardsAccess {
		return &DashboardsAccess{LoadBalancerArnSuffix: testOutput(testLBSuffix), TargetGroupArnSuffix: testOutput(testTGSuffix)}
	})
	if err != nil {
		t.Fatalf("NewAlarms without a target-sync function: %v", err)
	}
	want := slices.DeleteFunc(expectedAlarms(devDomain.InstanceCount, 0, devDomain.VolumeSize, true), func(a wantAlarm) bool {
		return a.name == "office-target-sync-errors"
	})
	assertAlarms(t, run, "test", want)

	if _, err := runAlarmsWith(t, testAlarmConfig(devDomain), func() *DashboardsAccess { return nil }); err != nil {
		t.Errorf("NewAlarms without a dashboards stage at all: %v", err)
	}
}

func TestElasticsearchBefore71HasNoWriteRejectedBreakdown(t *testing.T) {
	d := devDomain
	d.EngineVersion = "Elasticsearch_6.8"
	specs, err := domainAlarmSpecs(d, recoveryAdvice(ArchiveConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if strings.HasSuffix(s.Metric, "WriteRejected") && s.Metric != "ThreadpoolWriteRejected" {
			t.Errorf("%s alarm on an engine that does not publish it", s.Metric)
		}
	}
}

func TestDomainAlarmsRejectImpossibleSizes(t *testing.T) {
	for _, d := range []DomainConfig{
		{EngineVersion: "OpenSearch_2.19", InstanceCount: 0, VolumeSize: 20},
		{EngineVersion: "OpenSearch_2.19", InstanceCount: 1, VolumeSize: 0},
		{EngineVersion: "OpenSearch_2.19", InstanceCount: 1, VolumeSize: 20, DedicatedMasterCount: -1},
	} {
		if _, err := domainAlarmSpecs(d, recoveryAdvice(ArchiveConfig{})); err == nil || !strings.Contains(err.Error(), "logsearch:domain") {
			t.Errorf("%+v: err = %v, want one naming logsearch:domain", d, err)
		}
	}
	if _, err := runAlarms(t, testAlarmConfig(DomainConfig{EngineVersion: "bad", InstanceCount: 1, VolumeSize: 20}), true); err == nil {
		t.Error("NewAlarms accepted an unparseable engine version")
	}
}

// policy is the subset of an IAM policy document the tests read.
type policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string]any
		Action    []string
		Resource  string
		Condition map[string]map[string]string
	}
}

func parsePolicy(t *testing.T, doc string) policy {
	t.Helper()
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy is not valid JSON: %v\n%s", err, doc)
	}
	return p
}

func TestAlarmTopicUsesCustomerKeyCloudWatchMayUse(t *testing.T) {
	run := mustRunAlarms(t, testAlarmConfig(devDomain, "ops@example.com"), true)

	key := run.one(t, "aws:kms/key:Key", "alarms-key")
	if got := get(t, key.Inputs, "enableKeyRotation"); got != true {
		t.Errorf("enableKeyRotation = %v, want true (KMS.4)", got)
	}
	if got := get(t, key.Inputs, "deletionWindowInDays"); got != float64(30) {
		t.Errorf("deletionWindowInDays = %v, want 30", got)
	}
	var cloudWatch, root bool
	for _, s := range parsePolicy(t, str(t, key.Inputs, "policy")).Statement {
		if s.Effect != "Allow" {
			continue
		}
		if s.Principal["Service"] == "cloudwatch.amazonaws.com" {
			// Exactly what SNS needs to encrypt a message CloudWatch
			// publishes, and no wildcard.
			cloudWatch = slices.Equal(s.Action, []string{"kms:Decrypt", "kms:GenerateDataKey"})
		}
		if s.Principal["AWS"] == "arn:aws:iam::"+mockAccount+":root" {
			root = slices.Contains(s.Action, "kms:PutKeyPolicy") && slices.Contains(s.Action, "kms:ScheduleKeyDeletion") && slices.Contains(s.Action, "kms:CancelKeyDeletion")
		}
	}
	for _, doc := range []string{str(t, key.Inputs, "policy"), str(t, run.one(t, "aws:sns/topicPolicy:TopicPolicy", "alarms-topic-policy").Inputs, "policy")} {
		for _, s := range parsePolicy(t, doc).Statement {
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("statement %s: wildcard action %q; list the actions one by one", s.Sid, a)
				}
			}
		}
	}
	if !cloudWatch {
		t.Error("key policy does not let cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey (and nothing else): alarm notifications would silently fail, or it allows more than needed")
	}
	if !root {
		t.Error("key policy does not keep the account root in control: the key could become unmanageable")
	}

	topic := run.one(t, "aws:sns/topic:Topic", "alarms-topic")
	if got := str(t, topic.Inputs, "kmsMasterKeyId"); got != testKeyArn {
		t.Errorf("topic kmsMasterKeyId = %q, want the alarms CMK %q (never alias/aws/sns)", got, testKeyArn)
	}

	tp := run.one(t, "aws:sns/topicPolicy:TopicPolicy", "alarms-topic-policy")
	if got := str(t, tp.Inputs, "arn"); got != testTopicArn {
		t.Errorf("topic policy arn = %q, want %q", got, testTopicArn)
	}
	var publish bool
	for _, s := range parsePolicy(t, str(t, tp.Inputs, "policy")).Statement {
		if s.Principal["Service"] == "cloudwatch.amazonaws.com" && slices.Equal(s.Action, []string{"sns:Publish"}) {
			publish = s.Resource == testTopicArn &&
				s.Condition["StringEquals"]["aws:SourceAccount"] == mockAccount &&
				s.Condition["ArnLike"]["aws:SourceArn"] == "arn:aws:cloudwatch:us-east-1:"+mockAccount+":alarm:*"
		}
		if p, ok := s.Principal["AWS"]; ok && p == "*" {
			t.Errorf("topic policy statement %s is open to every AWS principal", s.Sid)
		}
	}
	if !publish {
		t.Error("topic policy does not let CloudWatch alarms of this account publish (scoped by aws:SourceAccount and aws:SourceArn)")
	}
}

func TestAlarmEmailSubscriptions(t *testing.T) {
	emails := []string{"ops@example.com", "oncall+logs@example.org"}
	run := mustRunAlarms(t, testAlarmConfig(devDomain, emails...), true)
	subs := run.ofType("aws:sns/topicSubscription:TopicSubscription")
	if len(subs) != len(emails) {
		t.Fatalf("%d subscriptions, want %d", len(subs), len(emails))
	}
	for _, email := range emails {
		s := run.one(t, "aws:sns/topicSubscription:TopicSubscription", "alarms-email-"+email)
		for path, want := range map[string]string{"protocol": "email", "endpoint": email, "topic": testTopicArn} {
			if got := str(t, s.Inputs, path); got != want {
				t.Errorf("%s: %s = %q, want %q", email, path, got, want)
			}
		}
	}

	none := mustRunAlarms(t, testAlarmConfig(devDomain), true)
	if n := len(none.ofType("aws:sns/topicSubscription:TopicSubscription")); n != 0 {
		t.Errorf("no alarmEmails gave %d subscriptions", n)
	}
}

// dashboard is the subset of a CloudWatch dashboard body the tests read.
type dashboard struct {
	Widgets []struct {
		Type       string
		X, Y       int
		Width      int
		Height     int
		Properties struct {
			Title   string
			Region  string
			Period  int
			Metrics [][]any
		}
	}
}

// dashboardMetrics indexes the metric rows by "namespace metric", each with
// its dimensions as a map.
func dashboardMetrics(t *testing.T, d dashboard) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, w := range d.Widgets {
		if w.Type != "metric" {
			continue
		}
		if w.Properties.Region != "us-east-1" || w.Properties.Title == "" || w.Properties.Period <= 0 {
			t.Errorf("widget %q: region %q, period %d: every metric widget needs a title, the stack's region and a period", w.Properties.Title, w.Properties.Region, w.Properties.Period)
		}
		if w.X < 0 || w.Width <= 0 || w.X+w.Width > 24 {
			t.Errorf("widget %q does not fit the 24-unit grid (x %d, width %d)", w.Properties.Title, w.X, w.Width)
		}
		for _, row := range w.Properties.Metrics {
			if len(row) < 2 {
				t.Fatalf("metric row %v is too short", row)
			}
			dims := map[string]any{}
			rest := row[2:]
			if len(rest)%2 == 1 { // trailing rendering options
				if _, ok := rest[len(rest)-1].(map[string]any); !ok {
					t.Fatalf("metric row %v: odd trailing element is not an options object", row)
				}
				rest = rest[:len(rest)-1]
			}
			for i := 0; i < len(rest); i += 2 {
				dims[rest[i].(string)] = rest[i+1]
			}
			key := fmt.Sprint(row[0], " ", row[1])
			out[key] = append(out[key], dims)
		}
	}
	return out
}

func TestOperationsDashboard(t *testing.T) {
	for _, officeEntry := range []bool{true, false} {
		t.Run(fmt.Sprintf("officeEntry=%v", officeEntry), func(t *testing.T) {
			run := mustRunAlarms(t, testAlarmConfig(devDomain, "ops@example.com"), officeEntry)
			d := run.one(t, "aws:cloudwatch/dashboard:Dashboard", "operations-dashboard")
			if got := str(t, d.Inputs, "dashboardName"); got != "logsearch-test" {
				t.Errorf("dashboardName = %q, want logsearch-test", got)
			}
			var body dashboard
			if err := json.Unmarshal([]byte(str(t, d.Inputs, "dashboardBody")), &body); err != nil {
				t.Fatalf("dashboardBody is not valid JSON: %v", err)
			}
			metrics := dashboardMetrics(t, body)
			// CloudWatch places widgets where x and y say; overlapping ones
			// hide each other.
			for i, a := range body.Widgets {
				for _, b := range body.Widgets[i+1:] {
					if a.X < b.X+b.Width && b.X < a.X+a.Width && a.Y < b.Y+b.Height && b.Y < a.Y+a.Height {
						t.Errorf("widgets %q and %q overlap", a.Properties.Title, b.Properties.Title)
					}
				}
			}
			want := map[string]map[string]any{
				"logsearch EventsIn":                         functionDims,
				"logsearch Indexed":                          functionDims,
				"logsearch SentToDLQ":                        functionDims,
				"logsearch BulkLatency":                      functionDims,
				"logsearch CoercedInvalid":                   functionDims,
				"logsearch FieldsDemoted":                    functionDims,
				"AWS/Lambda Errors":                          functionDims,
				"AWS/ES IndexingLatency":                     domainDims,
				"AWS/SQS ApproximateNumberOfMessagesVisible": queueDims,
				"AWS/ES ClusterStatus.green":                 domainDims,
				"AWS/ES ClusterStatus.yellow":                domainDims,
				"AWS/ES ClusterStatus.red":                   domainDims,
				"AWS/ES FreeStorageSpace":                    domainDims,
				"AWS/ES JVMMemoryPressure":                   domainDims,
			}
			if officeEntry {
				want["AWS/ApplicationELB HealthyHostCount"] = albDims
				want["AWS/ApplicationELB UnHealthyHostCount"] = albDims
			} else if _, ok := metrics["AWS/ApplicationELB HealthyHostCount"]; ok {
				t.Error("dashboard graphs the office entry although it has no metric dimensions")
			}
			for key, dims := range want {
				rows, ok := metrics[key]
				if !ok {
					t.Errorf("dashboard does not graph %s", key)
					continue
				}
				for _, got := range rows {
					if !reflect.DeepEqual(got, dims) {
						t.Errorf("%s dimensions = %v, want %v", key, got, dims)
					}
				}
			}
		})
	}
}

// TestDashboardGraphsWhatTheIngestFunctionEmits renders one EMF line with
// lambda/metrics and checks every ingest metric the dashboard graphs is in it.
func TestDashboardGraphsWhatTheIngestFunctionEmits(t *testing.T) {
	var inv metrics.Invocation
	inv.AddRequest(1024, 25*time.Millisecond)
	var buf bytes.Buffer
	if err := inv.Write(&buf, time.Unix(0, 0), testFunctionName, "", ""); err != nil {
		t.Fatal(err)
	}
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name string }
			}
		} `json:"_aws"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || len(line.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("EMF line %s: %v", buf.String(), err)
	}
	d := line.AWS.CloudWatchMetrics[0]
	if d.Namespace != "logsearch" || !reflect.DeepEqual(d.Dimensions, [][]string{{"FunctionName"}}) {
		t.Errorf("EMF namespace %q dimensions %v, want logsearch / [[FunctionName]]", d.Namespace, d.Dimensions)
	}
	emitted := map[string]bool{}
	for _, m := range d.Metrics {
		emitted[m.Name] = true
	}
	for _, name := range []string{MetricEventsIn, MetricIndexed, MetricSentToDLQ, MetricBulkLatency, MetricCoercedInvalid, MetricFieldsDemoted} {
		if !emitted[name] {
			t.Errorf("the dashboard graphs %s but the ingest function does not emit it (emits %v)", name, emitted)
		}
	}
}

func TestDashboardAnnotatesAlarmLines(t *testing.T) {
	b, err := dashboardBody(dashboardTargets{Stack: "s", Region: "eu-west-1", AccountID: mockAccount, Domain: "d", Function: "f", Queue: "q", FreeStorageAlarmMiB: 5120})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b, `"horizontal":[{"label":"alarm","value":5120}]`) {
		t.Errorf("free storage widget does not draw the alarm threshold 5120 MiB:\n%s", b)
	}
}

// TestStackAlarms runs the whole Program for every stack (fixtures and
// repository stack files) and checks its alarms against that stack's own
// domain config and ALB.
func TestStackAlarms(t *testing.T) {
	forEachStack(t, func(t *testing.T, stack string, run *stackRun) {
		{
			cfg, err := parseConfig(stack, mapSource{values: run.Config})
			if err != nil {
				t.Fatal(err)
			}
			d := cfg.Domain
			nodes := run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-domain-nodes")
			if got := get(t, nodes.Inputs, "threshold"); got != float64(d.InstanceCount+d.DedicatedMasterCount) {
				t.Errorf("Nodes threshold = %v, want %d data + %d masters", got, d.InstanceCount, d.DedicatedMasterCount)
			}
			storage := run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-domain-free-storage")
			if got := get(t, storage.Inputs, "threshold"); got != float64(d.VolumeSize)*256 {
				t.Errorf("FreeStorageSpace threshold = %v MiB, want 25%% of %d GiB", got, d.VolumeSize)
			}
			masterAlarms := 0
			for _, a := range run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm") {
				if strings.HasPrefix(a.Name, "alarm-domain-master-") && a.Name != "alarm-domain-master-reachable" {
					masterAlarms++
				}
				if got := get(t, a.Inputs, "alarmActions"); len(got.([]any)) != 1 {
					t.Errorf("%s alarmActions = %v, want the alarm topic", a.Name, got)
				}
			}
			if want := map[bool]int{true: 3, false: 0}[d.DedicatedMasterCount > 0]; masterAlarms != want {
				t.Errorf("%d dedicated-master alarms, want %d", masterAlarms, want)
			}
			// The ALB alarms use the load balancer's and target group's own ARN suffixes.
			if lbs, tgs := run.ofType("aws:lb/loadBalancer:LoadBalancer"), run.ofType("aws:lb/targetGroup:TargetGroup"); len(lbs) != 1 || len(tgs) != 1 {
				t.Fatalf("%d load balancers and %d target groups; the office-entry alarms expect one of each", len(lbs), len(tgs))
			}
			// The target-sync alarm watches the stack's own target-sync function.
			var syncNames []string
			for _, fn := range run.ofType("aws:lambda/function:Function") {
				if fn.Name == "dashboards-targetsync" {
					syncNames = append(syncNames, str(t, fn.Inputs, "name"))
				}
			}
			sync := run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-office-target-sync-errors")
			if got := get(t, sync.Inputs, "dimensions"); len(syncNames) != 1 || !reflect.DeepEqual(got, map[string]any{"FunctionName": syncNames[0]}) {
				t.Errorf("target-sync alarm dimensions = %v, want FunctionName of the one dashboards-targetsync function %v", got, syncNames)
			}
			for _, name := range []string{"alarm-office-unhealthy-targets", "alarm-office-no-healthy-targets"} {
				alb := run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", name)
				dims := get(t, alb.Inputs, "dimensions").(map[string]any)
				if !strings.HasPrefix(fmt.Sprint(dims["LoadBalancer"]), "app/") || !strings.HasPrefix(fmt.Sprint(dims["TargetGroup"]), "targetgroup/") {
					t.Errorf("%s dimensions %v are not the load balancer's and target group's ARN suffixes", name, dims)
				}
			}
		}
	})
}

// TestAlarmTopicDisplayNameFitsAnyStackName deploys under stack names
// Pulumi accepts up to their longest: the alarm topic's display name stays
// within SNS's 100 characters (CloudFormation, AWS::SNS::Topic,
// DisplayName,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html#cfn-sns-topic-displayname),
// or creating the topic fails in pulumi up.
func TestAlarmTopicDisplayNameFitsAnyStackName(t *testing.T) {
	for _, stack := range []string{"Prod_EU", strings.Repeat("very-long-stack-name-", 4) + "one", strings.Repeat("x", 100)} {
		run, err := runStackNamed(t, "dev", stack, nil)
		if err != nil {
			t.Fatalf("stack %q: %v", stack, err)
		}
		for _, topic := range run.ofType("aws:sns/topic:Topic") {
			if name := str(t, topic.Inputs, "displayName"); len(name) > 100 || !strings.Contains(name, "alarms") {
				t.Errorf("stack %q: topic %s display name %q (%d characters): SNS takes at most 100", stack, topic.Name, name, len(name))
			}
		}
	}
}

// TestAlarmEmailListedTwiceIsRefused: each address is one subscription,
// registered under a name made of the address; an address listed twice
// stopped the program at the alarms, the last stage, with a duplicate
// resource name after everything else had been registered (and, in
// pulumi up, created). It is refused with every other problem instead.
func TestAlarmEmailListedTwiceIsRefused(t *testing.T) {
	run, err := runStack(t, "dev", map[string]string{"logsearch:alarmEmails": `["ops@corp.example", "oncall@corp.example", "ops@corp.example"]`})
	if want := `logsearch:alarmEmails[2] = "ops@corp.example": is already listed as alarmEmails[0]`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want %q, got %v", want, err)
	}
	if n := len(run.Resources); n > 0 {
		t.Errorf("a refused config registered %d resources", n)
	}
}
