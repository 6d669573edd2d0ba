package logsearch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPrefixEntriesRefusals(t *testing.T) {
	groups := func(entries ...map[string]any) map[string]func(any) any {
		list := make([]any, len(entries))
		for i, e := range entries {
			list[i] = e
		}
		return map[string]func(any) any{"logGroups": to(list)}
	}
	type m = map[string]any
	cases := []struct {
		name  string
		edits map[string]func(any) any
		key   string
		says  string
	}{
		{"both name and prefix", groups(m{"name": "/a/x", "prefix": "/a/"}), "logsearch:logGroups[0]", "sets both name"},
		{"neither", groups(m{"filterPattern": "ERROR"}), "logsearch:logGroups[0]", "sets neither name nor prefix"},
		{"bad prefix", groups(m{"prefix": "my logs/"}), "logsearch:logGroups[0].prefix", "not a log group name prefix"},
		{"prefix twice", groups(m{"prefix": "/a/"}, m{"prefix": "/a/"}), "logsearch:logGroups[1].prefix", "already listed as logGroups[0].prefix"},
		{"overlapping prefixes", groups(m{"prefix": "/acme/web/"}, m{"prefix": "/acme/"}), "logsearch:logGroups[1].prefix", `overlaps logGroups[0].prefix "/acme/web/": every group under /acme/web/ matches both`},
		{"name under a prefix", groups(m{"name": "/acme/web"}, m{"prefix": "/acme/"}), "logsearch:logGroups[0].name", `is under logGroups[1].prefix "/acme/", which already subscribes it`},
		{"prefix inside own groups", groups(m{"prefix": "/aws/lambda/logsearch-dev-ingest"}), "logsearch:logGroups[0].prefix", "loop"},
		{"keepLastSlotFree on a name", groups(m{"name": "/a/x", "keepLastSlotFree": true}), "logsearch:logGroups[0].keepLastSlotFree", "prefix entries only"},
		{"prefix filter pattern too long", groups(m{"prefix": "/a/", "filterPattern": strings.Repeat("x", 1025)}), "logsearch:logGroups[0].filterPattern", "1024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("dev", stackSource(t, "dev", c.edits))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
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

func TestPrefixEntriesAccepted(t *testing.T) {
	edits := map[string]func(any) any{"logGroups": to([]any{
		map[string]any{"name": "/example/app/web"},
		map[string]any{"prefix": "/acme/", "filterPattern": `-"DEBUG"`},
		map[string]any{"prefix": "/acmecorp/"}, // not under /acme/: "/acme/" is not a prefix of it
		map[string]any{"prefix": "/aws/lambda/", "keepLastSlotFree": true},
	})}
	cfg, err := parseConfig("dev", stackSource(t, "dev", edits))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.prefixEntries()); got != 3 {
		t.Errorf("prefix entries = %d, want 3", got)
	}
}

// prefixOverride is logsearch:logGroups with one named group and two
// prefixes, for runs under the mocks.
const prefixOverride = `[{"name": "/example/app/web"}, {"prefix": "/acme/", "filterPattern": "-\"DEBUG\""}, {"prefix": "/fleet/", "keepLastSlotFree": true}]`

func TestPrefixEntriesDeployTheSubscriber(t *testing.T) {
	run := mustRunStack(t, "dev", map[string]string{"logsearch:logGroups": prefixOverride})
	names := NamesFor("dev")

	if filters := run.ofType("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"); len(filters) != 1 || str(t, filters[0].Inputs, "logGroup") != "/example/app/web" {
		t.Errorf("subscription filters = %v, want Pulumi's filter on the named group only", filters)
	}

	fn := run.one(t, typeFunction, "subscriber")
	if got := str(t, fn.Inputs, "name"); got != names.SubscriberFunction {
		t.Errorf("function name = %s", got)
	}
	if _, inVPC := lookup(fn.Inputs, "vpcConfig"); inVPC {
		t.Error("the subscriber calls only the CloudWatch Logs API and runs outside the VPC")
	}
	var rules []map[string]any
	if err := json.Unmarshal([]byte(str(t, fn.Inputs, "environment.variables.RULES")), &rules); err != nil || len(rules) != 2 ||
		rules[0]["prefix"] != "/acme/" || rules[0]["filterPattern"] != `-"DEBUG"` || rules[1]["keepLastSlotFree"] != true {
		t.Errorf("RULES = %v (%v)", rules, err)
	}
	if got := str(t, fn.Inputs, "environment.variables.FILTER_NAME"); got != names.AutoSubscriptionFilter || got == names.SubscriptionFilter {
		t.Errorf("FILTER_NAME = %s, want %s, distinct from the named groups' filter", got, names.AutoSubscriptionFilter)
	}
	if got := str(t, fn.Inputs, "environment.variables.EXCLUDE_PREFIXES"); !strings.Contains(got, FunctionLogGroup(names.IngestFunction)) || !strings.Contains(got, FunctionLogGroup(names.SubscriberFunction)) {
		t.Errorf("EXCLUDE_PREFIXES = %s, want the stack's own log groups", got)
	}

	// CloudWatch Logs may invoke the ingest function from any group under
	// each prefix; the invocation waits for those permissions.
	inv := run.one(t, "aws:lambda/invocation:Invocation", "subscriber-deploy")
	if got := str(t, inv.Inputs, "lifecycleScope"); got != "CRUD" {
		t.Errorf("lifecycleScope = %s, want CRUD so pulumi destroy runs the cleanup", got)
	}
	perms := 0
	for _, p := range run.ofType("aws:lambda/permission:Permission") {
		if !strings.HasPrefix(p.Name, "invoke-prefix-") {
			continue
		}
		perms++
		src := str(t, p.Inputs, "sourceArn")
		underPrefix := strings.HasSuffix(src, ":log-group:/acme/*") || strings.HasSuffix(src, ":log-group:/fleet/*")
		if str(t, p.Inputs, "principal") != "logs.amazonaws.com" || !underPrefix {
			t.Errorf("permission %s: principal %s, sourceArn %s", p.Name, str(t, p.Inputs, "principal"), src)
		}
		if !run.waitsFor(inv, p.URN) {
			t.Errorf("the deploy-time run does not wait for %s: filters could fire before CloudWatch Logs may invoke", p.Name)
		}
	}
	if perms != 2 {
		t.Errorf("prefix permissions = %d, want 2", perms)
	}

	// Both triggers wait for the deploy-time run, so destroy removes them
	// before its cleanup run.
	for _, name := range []string{"subscriber-schedule", "subscriber-new-groups"} {
		target := run.one(t, "aws:cloudwatch/eventTarget:EventTarget", name)
		if !run.waitsFor(target, inv.URN) {
			t.Errorf("%s target does not wait for the deploy-time run", name)
		}
	}
	var pattern struct {
		Source     []string `json:"source"`
		DetailType []string `json:"detail-type"`
		Detail     struct {
			EventName         []string `json:"eventName"`
			RequestParameters struct {
				LogGroupName []map[string]string `json:"logGroupName"`
			} `json:"requestParameters"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(str(t, run.one(t, typeEventRule, "subscriber-new-groups").Inputs, "eventPattern")), &pattern); err != nil {
		t.Fatal(err)
	}
	if pattern.Source[0] != "aws.logs" || pattern.DetailType[0] != "AWS API Call via CloudTrail" || pattern.Detail.EventName[0] != "CreateLogGroup" ||
		len(pattern.Detail.RequestParameters.LogGroupName) != 2 || pattern.Detail.RequestParameters.LogGroupName[0]["prefix"] != "/acme/" {
		t.Errorf("creation pattern = %+v", pattern)
	}

	// Put only under the prefixes; describe and delete account-wide (the
	// cleanup must reach groups a narrowed prefix left); nothing else.
	var doc struct {
		Statement []struct {
			Sid      string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(str(t, run.one(t, typeRolePolicy, "subscriber").Inputs, "policy")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Statement {
		acts, res := strings.Join(asStrings(t, s.Action), ","), strings.Join(asStrings(t, s.Resource), ",")
		switch {
		case strings.Contains(acts, "*"):
			t.Errorf("wildcard action %s", acts)
		case acts == "logs:PutSubscriptionFilter":
			if !strings.Contains(res, ":log-group:/acme/*") || !strings.Contains(res, ":log-group:/fleet/*") || strings.Contains(res, ":log-group:*") {
				t.Errorf("PutSubscriptionFilter on %s, want only the prefixes", res)
			}
		}
	}
	for _, a := range []string{"alarm-groups-not-subscribed", "alarm-subscriber-errors"} {
		run.one(t, "aws:cloudwatch/metricAlarm:MetricAlarm", a)
	}
}

func TestNoPrefixNoSubscriber(t *testing.T) {
	run := mustRunStack(t, "dev", map[string]string{"logsearch:logGroups": `[{"name": "/example/app/web"}]`})
	if fns := run.ofType(typeFunction); len(fns) == 0 {
		t.Fatal("no functions registered at all")
	}
	for _, fn := range run.ofType(typeFunction) {
		if fn.Name == "subscriber" {
			t.Error("a stack without prefix entries deploys the subscriber")
		}
	}
}
