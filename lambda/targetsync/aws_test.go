package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/logsearch/logsearch/lambda/targetsync/reconcile"
)

// These tests run the real SDK clients against local servers on 127.0.0.1,
// proving the wire requests (filters, target lists) and the response parsing.

// fakeAWS records every form-encoded request and answers from a handler.
type fakeAWS struct {
	mu       sync.Mutex
	requests []url.Values
	answer   func(form url.Values) (int, string)
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, r.PostForm)
	f.mu.Unlock()
	code, body := f.answer(r.PostForm)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

func startFake(t *testing.T, answer func(url.Values) (int, string)) (*fakeAWS, aws.Config) {
	t.Helper()
	f := &fakeAWS{answer: answer}
	srv := httptest.NewServer(f) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
	return f, cfg
}

const eniPage1 = `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>r1</requestId>
<networkInterfaceSet>
  <item><networkInterfaceId>eni-a</networkInterfaceId><description>ES logs</description>
    <privateIpAddress>10.0.1.10</privateIpAddress>
    <privateIpAddressesSet><item><privateIpAddress>10.0.1.10</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
  </item>
</networkInterfaceSet>
<nextToken>page2</nextToken>
</DescribeNetworkInterfacesResponse>`

const eniPage2 = `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>r2</requestId>
<networkInterfaceSet>
  <item><networkInterfaceId>eni-b</networkInterfaceId><description>ES logs</description>
    <privateIpAddress>10.0.2.10</privateIpAddress>
  </item>
</networkInterfaceSet>
</DescribeNetworkInterfacesResponse>`

func TestDomainENIsFiltersAndPages(t *testing.T) {
	f, cfg := startFake(t, func(form url.Values) (int, string) {
		if form.Get("NextToken") == "page2" {
			return 200, eniPage2
		}
		return 200, eniPage1
	})
	d := domainENIs{api: ec2.NewFromConfig(cfg), domainName: "logs", vpcID: "vpc-123"}
	ips, err := d.DomainIPs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.1.10", "10.0.2.10"}; !slices.Equal(ips, want) {
		t.Fatalf("ips = %v, want %v", ips, want)
	}
	if len(f.requests) != 2 {
		t.Fatalf("%d requests, want 2 (one per page)", len(f.requests))
	}
	filters := map[string]string{}
	form := f.requests[0]
	if form.Get("Action") != "DescribeNetworkInterfaces" {
		t.Fatalf("Action = %q", form.Get("Action"))
	}
	for i := 1; form.Get(fmt.Sprintf("Filter.%d.Name", i)) != ""; i++ {
		filters[form.Get(fmt.Sprintf("Filter.%d.Name", i))] = form.Get(fmt.Sprintf("Filter.%d.Value.1", i))
	}
	want := map[string]string{"description": "ES logs", "vpc-id": "vpc-123", "status": "in-use"}
	if fmt.Sprint(filters) != fmt.Sprint(want) {
		t.Fatalf("filters = %v, want %v", filters, want)
	}
}

func TestDomainENIsError(t *testing.T) {
	_, cfg := startFake(t, func(url.Values) (int, string) {
		return 403, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>not allowed</Message></Error></Errors><RequestID>x</RequestID></Response>`
	})
	d := domainENIs{api: ec2.NewFromConfig(cfg), domainName: "logs", vpcID: "vpc-123"}
	if _, err := d.DomainIPs(context.Background()); err == nil || !strings.Contains(err.Error(), "UnauthorizedOperation") {
		t.Fatalf("err = %v, want UnauthorizedOperation", err)
	}
}

const healthXML = `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
<DescribeTargetHealthResult><TargetHealthDescriptions>
  <member><Target><Id>10.0.1.10</Id><Port>443</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>
  <member><Target><Id>10.0.2.10</Id><Port>443</Port></Target><TargetHealth><State>unhealthy</State></TargetHealth></member>
</TargetHealthDescriptions></DescribeTargetHealthResult>
<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</DescribeTargetHealthResponse>`

func TestTargetGroupWireFormat(t *testing.T) {
	const arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/dash/abc"
	f, cfg := startFake(t, func(form url.Values) (int, string) {
		action := form.Get("Action")
		if action == "DescribeTargetHealth" {
			return 200, healthXML
		}
		return 200, fmt.Sprintf(`<%[1]sResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><%[1]sResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%[1]sResponse>`, action)
	})
	g := targetGroup{api: elbv2.NewFromConfig(cfg), arn: arn}
	ctx := context.Background()

	got, err := g.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.Target{{IP: "10.0.1.10", Port: 443, State: "healthy"}, {IP: "10.0.2.10", Port: 443, State: "unhealthy"}}
	if !slices.Equal(got, want) {
		t.Fatalf("targets = %+v, want %+v", got, want)
	}
	if err := g.Register(ctx, []string{"10.0.3.10", "10.0.4.10"}); err != nil {
		t.Fatal(err)
	}
	if err := g.Deregister(ctx, []reconcile.Target{{IP: "10.0.2.10", Port: 443}}); err != nil {
		t.Fatal(err)
	}

	reg, dereg := f.requests[1], f.requests[2]
	for _, c := range []struct {
		form      url.Values
		key, want string
	}{
		{reg, "Action", "RegisterTargets"},
		{reg, "TargetGroupArn", arn},
		{reg, "Targets.member.1.Id", "10.0.3.10"},
		{reg, "Targets.member.2.Id", "10.0.4.10"},
		{reg, "Targets.member.1.Port", ""},
		{dereg, "Action", "DeregisterTargets"},
		{dereg, "Targets.member.1.Id", "10.0.2.10"},
		{dereg, "Targets.member.1.Port", "443"},
	} {
		if got := c.form.Get(c.key); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.form.Get("Action"), c.key, got, c.want)
		}
	}
}

// TestHandlerEndToEnd wires the handler to both local fakes: a blue/green swap is
// registered first and the old IP leaves only on a later run, once healthy.
func TestHandlerEndToEnd(t *testing.T) {
	_, ec2Cfg := startFake(t, func(url.Values) (int, string) { return 200, eniPage2 })
	var mu sync.Mutex
	state := map[string]string{"10.0.1.10": "healthy"}
	elbFake, elbCfg := startFake(t, func(form url.Values) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		action := form.Get("Action")
		switch action {
		case "DescribeTargetHealth":
			var b strings.Builder
			for _, ip := range slices.Sorted(maps.Keys(state)) {
				fmt.Fprintf(&b, `<member><Target><Id>%s</Id><Port>443</Port></Target><TargetHealth><State>%s</State></TargetHealth></member>`, ip, state[ip])
			}
			return 200, `<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>` + b.String() +
				`</TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>`
		case "RegisterTargets":
			state[form.Get("Targets.member.1.Id")] = "initial"
		case "DeregisterTargets":
			state[form.Get("Targets.member.1.Id")] = "draining"
		}
		return 200, fmt.Sprintf(`<%[1]sResponse><%[1]sResult/></%[1]sResponse>`, action)
	})
	h := handler{
		domain: domainENIs{api: ec2.NewFromConfig(ec2Cfg), domainName: "logs", vpcID: "vpc-1"},
		group:  targetGroup{api: elbv2.NewFromConfig(elbCfg), arn: "arn:tg"},
		log:    quietLogger(),
	}
	event := []byte(`{"source":"aws.events","detail-type":"Scheduled Event"}`)
	if err := h.handle(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	if state["10.0.2.10"] != "initial" || state["10.0.1.10"] != "healthy" {
		t.Fatalf("after first run: %v", state)
	}
	state["10.0.2.10"] = "healthy" // the health checker passed it
	if err := h.handle(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	if state["10.0.1.10"] != "draining" {
		t.Fatalf("after second run: %v", state)
	}
	if n := len(elbFake.requests); n != 4 {
		t.Fatalf("%d ELB calls, want 4 (describe, register, describe, deregister)", n)
	}
}
