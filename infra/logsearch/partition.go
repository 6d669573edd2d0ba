package logsearch

import (
	"fmt"
	"slices"
	"strings"
)

// The names AWS services go by differ between partitions (aws, aws-cn,
// aws-us-gov, the isolated ones): the provider's aws.GetPartition gives
// each partition's DNS suffix (amazonaws.com, amazonaws.com.cn, ...) and
// the reverse-DNS prefix of its service names (com.amazonaws,
// cn.com.amazonaws, ...). loadAccount keeps both; a Go program's Args that
// name the partition without them get the values of partitionDNSNames.

// partitionDNS is a partition's DNS suffix and service-name prefix.
type partitionDNS struct{ suffix, reversePrefix string }

// partitionDNSNames are the known partitions' names, as aws.GetPartition
// answers them (the provider's partition data; China: endpoints
// <service>.<region>.amazonaws.com.cn,
// https://docs.amazonaws.cn/en_us/general/latest/gr/endpoints-arns.html).
// Any other partition is taken for the commercial one.
var partitionDNSNames = map[string]partitionDNS{
	"aws":        {"amazonaws.com", "com.amazonaws"},
	"aws-us-gov": {"amazonaws.com", "com.amazonaws"},
	"aws-cn":     {"amazonaws.com.cn", "cn.com.amazonaws"},
}

// partitionDNSOf is the DNS suffix and service-name prefix of the stack's
// partition.
func (c *Config) partitionDNSOf() partitionDNS {
	if c.dnsSuffix != "" && c.reverseDNSPrefix != "" {
		return partitionDNS{c.dnsSuffix, c.reverseDNSPrefix}
	}
	if n, ok := partitionDNSNames[c.Partition]; ok {
		return n
	}
	return partitionDNSNames["aws"]
}

// partitionSuffixPrincipals are the services whose principal ends in the
// partition's own DNS suffix outside the commercial partition; every other
// service is <service>.amazonaws.com in every partition
// (hashicorp/terraform-provider-aws,
// internal/service/meta/service_principal_data_source.go,
// servicePrincipalNameForPartition, taken from aws-cdk's
// region-info/lib/default.ts): in aws-cn codedeploy, elasticmapreduce and
// logs; in aws-iso cloudhsm, config, logs and workspaces; in aws-iso-b dms
// and logs.
var partitionSuffixPrincipals = map[string][]string{
	"aws-cn":    {"codedeploy", "elasticmapreduce", "logs"},
	"aws-iso":   {"cloudhsm", "config", "logs", "workspaces"},
	"aws-iso-b": {"dms", "logs"},
}

// servicePrincipal is the IAM service principal of service (e.g. "logs")
// in the stack's partition: logs.amazonaws.com, in China
// logs.amazonaws.com.cn.
func (c *Config) servicePrincipal(service string) string {
	return service + "." + c.principalSuffix(service)
}

// regionalServicePrincipal is service's Region-scoped principal, e.g.
// logs.eu-west-1.amazonaws.com, in China logs.cn-north-1.amazonaws.com.cn
// (the form CloudWatch Logs' key policies name: CloudWatch Logs user
// guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
func (c *Config) regionalServicePrincipal(service string) string {
	return service + "." + c.Region + "." + c.principalSuffix(service)
}

func (c *Config) principalSuffix(service string) string {
	if slices.Contains(partitionSuffixPrincipals[c.Partition], service) {
		return c.partitionDNSOf().suffix
	}
	return "amazonaws.com"
}

// regionalEndpointHost is service's endpoint in the stack's Region,
// e.g. s3.eu-west-1.amazonaws.com, in China s3.cn-north-1.amazonaws.com.cn:
// the value kms:ViaService compares (AWS KMS developer guide, "kms:ViaService").
func (c *Config) regionalEndpointHost(service string) string {
	return service + "." + c.Region + "." + c.partitionDNSOf().suffix
}

// interfaceEndpointService is the VPC endpoint service name of an AWS
// service reached through an interface endpoint: com.amazonaws.<region>.sqs,
// in China cn.com.amazonaws.<region>.sqs (the China Regions list sqs and
// xray under cn.com.amazonaws, and the isolated Regions sqs under their own
// prefix: aws/aws-cdk, packages/aws-cdk-lib/aws-ec2/lib/vpc-endpoint.ts,
// getDefaultEndpointPrefix; "The Vpc Endpoint Service
// 'com.amazonaws.cn-north-1.ecr.api' does not exist" in aws/aws-cdk#14721).
// Only for the services this stack reaches that way (sqs, xray); a gateway
// endpoint keeps com.amazonaws in every partition.
func (c *Config) interfaceEndpointService(service string) string {
	return c.partitionDNSOf().reversePrefix + "." + c.Region + "." + service
}

// regionPartitions name the partition of each Region outside the
// commercial one, by the start of the Region's name (the partitions'
// regionRegex in the AWS SDKs' endpoint data, e.g. aws-sdk-go-v2
// internal/endpoints/awsrulesfn/partitions.json: ^cn\-\w+\-\d+$ for
// aws-cn, ^us\-gov\-\w+\-\d+$ for aws-us-gov, ...), longest first.
var regionPartitions = []struct{ prefix, partition string }{
	{"us-isob-", "aws-iso-b"},
	{"us-isof-", "aws-iso-f"},
	{"eu-isoe-", "aws-iso-e"},
	{"us-iso-", "aws-iso"},
	{"us-gov-", "aws-us-gov"},
	{"cn-", "aws-cn"},
}

// stackPartition is the partition the stack deploys to: the provider's
// when known, else its Region's ("" when neither is known).
func (c *Config) stackPartition() string {
	if c.Partition != "" {
		return c.Partition
	}
	if c.Region == "" {
		return ""
	}
	for _, p := range regionPartitions {
		if strings.HasPrefix(c.Region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// arnPartitionProblems refuses ARNs of another partition than the stack's:
// an IAM principal or an ACM certificate of one partition does not exist in
// another (accounts and credentials of the China and GovCloud partitions
// are their own, https://docs.amazonaws.cn/en_us/aws/latest/userguide/accounts-and-credentials.html),
// so AWS would refuse the access policy or the listener in pulumi up.
func (c *Config) arnPartitionProblems() problems {
	want := c.stackPartition()
	if want == "" {
		return nil
	}
	var ps problems
	check := func(key, arn string) {
		parts := strings.SplitN(arn, ":", 3)
		if len(parts) == 3 && parts[0] == "arn" && parts[1] != want {
			ps.add(key, arn, "is an ARN of partition %s, but the stack deploys to %s (%s); use the ARN of the %s account's own role, user or certificate (arn:%s:...)", parts[1], want, c.Region, want, want)
		}
	}
	for i, p := range c.Domain.APIPrincipals {
		check(fmt.Sprintf("domain.apiPrincipals[%d]", i), p)
	}
	for i, p := range c.Domain.WriterPrincipals {
		check(fmt.Sprintf("domain.writerPrincipals[%d]", i), p)
	}
	if c.Dashboards.CertificateArn != "" {
		check("dashboards.certificateArn", c.Dashboards.CertificateArn)
	}
	return ps
}
