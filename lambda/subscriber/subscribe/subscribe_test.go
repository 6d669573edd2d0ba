package subscribe

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logsearch/logsearch/lambda/subscriber/fakelogs"
)

// These tests run the real SDK client against fakelogs on 127.0.0.1, which
// enforces CloudWatch Logs' documented 2-filter limit.

const (
	ours    = "arn:aws:lambda:eu-west-1:123456789012:function:logsearch-dev-ingest"
	ourName = "logsearch-dev-auto"
)

func settings(rules ...Rule) Settings {
	return Settings{Rules: rules, FilterName: ourName, DestinationArn: ours, Exclude: []string{"/aws/lambda/logsearch-dev-"}}
}

func foreign(name string) fakelogs.Filter {
	return fakelogs.Filter{Name: name, DestinationArn: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/" + name}
}

func start(t *testing.T) (*fakelogs.Server, CloudWatchLogs) {
	t.Helper()
	f := fakelogs.Start(t)
	client := cloudwatchlogs.NewFromConfig(aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(f.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
	return f, CloudWatchLogs{API: client}
}

// ourFilters lists the groups that hold our filter, with its pattern.
func ourFilters(f *fakelogs.Server, groups ...string) map[string]string {
	out := map[string]string{}
	for _, g := range groups {
		for _, x := range f.Filters(g) {
			if x.Name == ourName && x.DestinationArn == ours {
				out[g] = x.FilterPattern
			}
		}
	}
	return out
}

func sweep(t *testing.T, logs Logs, s Settings, cleanup bool) Report {
	t.Helper()
	rep, err := Sweep(context.Background(), logs, s, cleanup)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return rep
}

func TestGroupCreatedAfterDeployIsSubscribed(t *testing.T) {
	for _, path := range []string{"sweep", "event"} {
		t.Run(path, func(t *testing.T) {
			f, logs := start(t)
			s := settings(Rule{Prefix: "/acme/", FilterPattern: `-"DEBUG"`})
			f.CreateLogGroup("/acme/web")
			f.CreateLogGroup("/other/app")
			sweep(t, logs, s, true) // the deploy-time run

			f.CreateLogGroup("/acme/new-service")
			var rep Report
			var err error
			if path == "sweep" {
				rep, err = Sweep(context.Background(), logs, s, false)
			} else {
				rep, err = One(context.Background(), logs, s, "/acme/new-service")
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.Subscribed, []string{"/acme/new-service"}) {
				t.Errorf("subscribed = %v, want only the new group", rep.Subscribed)
			}
			want := map[string]string{"/acme/web": `-"DEBUG"`, "/acme/new-service": `-"DEBUG"`}
			if got := ourFilters(f, "/acme/web", "/acme/new-service", "/other/app"); !reflect.DeepEqual(got, want) {
				t.Errorf("our filters = %v, want %v", got, want)
			}
		})
	}
}

func TestOtherOwnersSlots(t *testing.T) {
	tests := []struct {
		name     string
		existing []fakelogs.Filter
		keepFree bool
		want     func(Report) []string // the report list the group must be in
		ourAfter bool
	}{
		{"two foreign filters: reported, untouched", []fakelogs.Filter{foreign("a"), foreign("b")}, false, func(r Report) []string { return r.NoFreeSlot }, false},
		{"two foreign filters, keepLastSlotFree", []fakelogs.Filter{foreign("a"), foreign("b")}, true, func(r Report) []string { return r.NoFreeSlot }, false},
		{"one foreign filter: last slot taken and reported", []fakelogs.Filter{foreign("a")}, false, func(r Report) []string { return r.LastSlotTaken }, true},
		{"one foreign filter, keepLastSlotFree: left free and reported", []fakelogs.Filter{foreign("a")}, true, func(r Report) []string { return r.LastSlotKept }, false},
		{"no filter: subscribed", nil, true, func(r Report) []string { return r.Subscribed }, true},
		{"a filter of our name to another destination is another owner's", []fakelogs.Filter{{Name: ourName, DestinationArn: "arn:aws:lambda:eu-west-1:123456789012:function:other"}, foreign("b")}, false, func(r Report) []string { return r.NoFreeSlot }, false},
		{"already delivered by an exact entry's filter", []fakelogs.Filter{{Name: "logsearch-dev", DestinationArn: ours}}, false, func(r Report) []string { return r.DeliveredOtherwise }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, logs := start(t)
			f.CreateLogGroup("/acme/g")
			for _, x := range tt.existing {
				f.AddFilter("/acme/g", x)
			}
			before := f.Filters("/acme/g")
			rep := sweep(t, logs, settings(Rule{Prefix: "/acme/", KeepLastSlotFree: tt.keepFree}), false)
			if !slices.Contains(tt.want(rep), "/acme/g") {
				t.Errorf("report = %+v, want /acme/g in the expected list", rep)
			}
			after := f.Filters("/acme/g")
			_, has := ourFilters(f, "/acme/g")["/acme/g"]
			if has != tt.ourAfter {
				t.Errorf("our filter present = %v, want %v (filters %v)", has, tt.ourAfter, after)
			}
			for _, b := range before {
				if !slices.Contains(after, b) {
					t.Errorf("filter %+v of another owner changed or disappeared: %v", b, after)
				}
			}
			wantNot := !tt.ourAfter && len(tt.want(rep)) > 0 && (slices.Contains(rep.NoFreeSlot, "/acme/g") || slices.Contains(rep.LastSlotKept, "/acme/g"))
			if got := slices.Contains(rep.NotSubscribed(), "/acme/g"); got != wantNot {
				t.Errorf("NotSubscribed() contains the group = %v, want %v", got, wantNot)
			}
		})
	}
}

// racingLogs lets another owner fill the group's last slot between our
// describe and our put.
type racingLogs struct {
	CloudWatchLogs
	f *fakelogs.Server
}

func (r racingLogs) Put(ctx context.Context, group string, x Filter) error {
	r.f.AddFilter(group, foreign("late"))
	return r.CloudWatchLogs.Put(ctx, group, x)
}

func TestSlotTakenMeanwhileIsReported(t *testing.T) {
	f, logs := start(t)
	f.CreateLogGroup("/acme/g")
	f.AddFilter("/acme/g", foreign("a"))
	rep := sweep(t, racingLogs{logs, f}, settings(Rule{Prefix: "/acme/"}), false)
	if !reflect.DeepEqual(rep.NoFreeSlot, []string{"/acme/g"}) || len(rep.Subscribed) != 0 {
		t.Errorf("report = %+v, want /acme/g reported without a free slot (LimitExceededException)", rep)
	}
}

func TestRemoveAllRemovesOnlyOurFilters(t *testing.T) {
	f, logs := start(t)
	s := settings(Rule{Prefix: "/acme/"})
	for _, g := range []string{"/acme/a", "/acme/b", "/other/c"} {
		f.CreateLogGroup(g)
	}
	f.AddFilter("/acme/a", foreign("keep-me"))
	f.AddFilter("/other/c", fakelogs.Filter{Name: ourName, DestinationArn: "arn:aws:lambda:eu-west-1:123456789012:function:another-stack"})
	f.AddFilter("/other/c", fakelogs.Filter{Name: "logsearch-dev", DestinationArn: ours}) // an exact entry's, Pulumi's to delete
	sweep(t, logs, s, true)
	if got := ourFilters(f, "/acme/a", "/acme/b"); len(got) != 2 {
		t.Fatalf("after the sweep our filters = %v, want both /acme groups", got)
	}
	rep, err := RemoveAll(context.Background(), logs, s)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Removed, []string{"/acme/a", "/acme/b"}) {
		t.Errorf("removed = %v", rep.Removed)
	}
	if got := ourFilters(f, "/acme/a", "/acme/b", "/other/c"); len(got) != 0 {
		t.Errorf("our filters left = %v", got)
	}
	if got := f.Filters("/acme/a"); len(got) != 1 || got[0].Name != "keep-me" {
		t.Errorf("/acme/a filters = %v, want the foreign one kept", got)
	}
	if got := f.Filters("/other/c"); len(got) != 2 {
		t.Errorf("/other/c filters = %v, want both kept (another stack's, and a filter of another name)", got)
	}
}

func TestSweepIsIdempotent(t *testing.T) {
	f, logs := start(t)
	f.PageSize = 2 // several pages
	s := settings(Rule{Prefix: "/acme/", FilterPattern: "ERROR"}, Rule{Prefix: "/fleet/"})
	for _, g := range []string{"/acme/1", "/acme/2", "/acme/3", "/fleet/x", "/zzz/y", "/aws/lambda/logsearch-dev-ingest"} {
		f.CreateLogGroup(g)
	}
	f.AddFilter("/acme/2", foreign("a"))
	f.AddFilter("/acme/2", foreign("b"))
	for _, cleanup := range []bool{true, false, true} {
		sweep(t, logs, s, cleanup)
	}
	puts, deletes := f.Calls("PutSubscriptionFilter"), f.Calls("DeleteSubscriptionFilter")
	if puts != 3 || deletes != 0 {
		t.Fatalf("after three sweeps: %d puts, %d deletes; want 3 (one per free matching group) and 0", puts, deletes)
	}
	rep := sweep(t, logs, s, false)
	if f.Calls("PutSubscriptionFilter") != puts || f.Calls("DeleteSubscriptionFilter") != 0 {
		t.Errorf("another sweep changed something: report %+v", rep)
	}
	if !reflect.DeepEqual(rep.NoFreeSlot, []string{"/acme/2"}) {
		t.Errorf("a repeated sweep must keep reporting the full group: %v", rep.NoFreeSlot)
	}
	if got := ourFilters(f, "/aws/lambda/logsearch-dev-ingest", "/zzz/y"); len(got) != 0 {
		t.Errorf("excluded or unmatched groups subscribed: %v", got)
	}
}

func TestNarrowingAndPatternChanges(t *testing.T) {
	f, logs := start(t)
	for _, g := range []string{"/acme/web/1", "/acme/db/1"} {
		f.CreateLogGroup(g)
	}
	f.AddFilter("/acme/web/1", foreign("a")) // our update must not need a second slot
	sweep(t, logs, settings(Rule{Prefix: "/acme/"}), true)

	narrowed := settings(Rule{Prefix: "/acme/web/", FilterPattern: "ERROR"})
	// A scheduled sweep lists only the current prefixes: it updates, and
	// leaves the cleanup to the deploy-time run.
	rep := sweep(t, logs, narrowed, false)
	if !reflect.DeepEqual(rep.Updated, []string{"/acme/web/1"}) || len(rep.Removed) != 0 {
		t.Errorf("scheduled sweep report = %+v", rep)
	}
	rep = sweep(t, logs, narrowed, true)
	if !reflect.DeepEqual(rep.Removed, []string{"/acme/db/1"}) {
		t.Errorf("cleanup sweep removed %v, want /acme/db/1", rep.Removed)
	}
	if got := ourFilters(f, "/acme/web/1", "/acme/db/1"); !reflect.DeepEqual(got, map[string]string{"/acme/web/1": "ERROR"}) {
		t.Errorf("our filters = %v", got)
	}
}

func TestOneIgnoresGroupsNoRuleCovers(t *testing.T) {
	f, logs := start(t)
	f.CreateLogGroup("/other/x")
	f.CreateLogGroup("/aws/lambda/logsearch-dev-ingest")
	for _, g := range []string{"/other/x", "/aws/lambda/logsearch-dev-ingest", "/acme/deleted-meanwhile"} {
		if rep, err := One(context.Background(), logs, settings(Rule{Prefix: "/"}), g); err != nil || len(rep.Subscribed) > 0 != (g == "/other/x") {
			t.Errorf("One(%s) = %+v, %v", g, rep, err)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := (Settings{Rules: []Rule{{Prefix: ""}}}).Validate(); err == nil {
		t.Fatal("want errors for empty name, destination and prefix")
	}
	if err := settings(Rule{Prefix: "/a/"}).Validate(); err != nil {
		t.Fatal(err)
	}
}
