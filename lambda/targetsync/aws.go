package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/logsearch/logsearch/lambda/targetsync/reconcile"
)

// domainENIs finds a VPC domain's IPs through the ENIs OpenSearch Service
// creates for it. The service names each one "ES <domain-name>"; that
// description, the VPC and the in-use status single them out (an ENI left
// behind by a finished blue/green deployment is no longer in use).
type domainENIs struct {
	api        ec2.DescribeNetworkInterfacesAPIClient
	domainName string
	vpcID      string
}

func (d domainENIs) DomainIPs(ctx context.Context) ([]string, error) {
	in := &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("description"), Values: []string{"ES " + d.domainName}},
		{Name: aws.String("vpc-id"), Values: []string{d.vpcID}},
		{Name: aws.String("status"), Values: []string{string(ec2types.NetworkInterfaceStatusInUse)}},
	}}
	var ips []string
	pages := ec2.NewDescribeNetworkInterfacesPaginator(d.api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, eni := range page.NetworkInterfaces {
			ips = append(ips, eniIPs(eni)...)
		}
	}
	return ips, nil
}

func eniIPs(eni ec2types.NetworkInterface) []string {
	var ips []string
	for _, a := range eni.PrivateIpAddresses {
		if a.PrivateIpAddress != nil {
			ips = append(ips, *a.PrivateIpAddress)
		}
	}
	if len(ips) == 0 && eni.PrivateIpAddress != nil {
		ips = append(ips, *eni.PrivateIpAddress)
	}
	return ips
}

// elbAPI is the part of the ELBv2 client the sync calls.
type elbAPI interface {
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	RegisterTargets(context.Context, *elbv2.RegisterTargetsInput, ...func(*elbv2.Options)) (*elbv2.RegisterTargetsOutput, error)
	DeregisterTargets(context.Context, *elbv2.DeregisterTargetsInput, ...func(*elbv2.Options)) (*elbv2.DeregisterTargetsOutput, error)
}

// targetGroup adapts one ELBv2 ip target group to reconcile.TargetGroup.
type targetGroup struct {
	api elbAPI
	arn string
}

func (g targetGroup) Targets(ctx context.Context) ([]reconcile.Target, error) {
	out, err := g.api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: &g.arn})
	if err != nil {
		return nil, err
	}
	targets := make([]reconcile.Target, 0, len(out.TargetHealthDescriptions))
	for _, d := range out.TargetHealthDescriptions {
		if d.Target == nil || d.Target.Id == nil {
			return nil, fmt.Errorf("DescribeTargetHealth returned a target without an Id")
		}
		t := reconcile.Target{IP: *d.Target.Id, Port: aws.ToInt32(d.Target.Port)}
		if d.TargetHealth != nil {
			t.State = string(d.TargetHealth.State)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// Register adds IPs on the group's own port (443), so no port is sent.
func (g targetGroup) Register(ctx context.Context, ips []string) error {
	descs := make([]elbtypes.TargetDescription, 0, len(ips))
	for _, ip := range ips {
		descs = append(descs, elbtypes.TargetDescription{Id: aws.String(ip)})
	}
	_, err := g.api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: &g.arn, Targets: descs})
	return err
}

// Deregister names each target with the port it was registered on, which
// ELBv2 needs to match the exact registration.
func (g targetGroup) Deregister(ctx context.Context, targets []reconcile.Target) error {
	descs := make([]elbtypes.TargetDescription, 0, len(targets))
	for _, t := range targets {
		d := elbtypes.TargetDescription{Id: aws.String(t.IP)}
		if t.Port != 0 {
			d.Port = aws.Int32(t.Port)
		}
		descs = append(descs, d)
	}
	_, err := g.api.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: &g.arn, Targets: descs})
	return err
}
