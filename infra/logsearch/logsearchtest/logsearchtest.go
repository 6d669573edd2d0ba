// Package logsearchtest runs Pulumi programs built on package logsearch
// under Pulumi's mocks (pulumi.WithMocks), offline, for unit tests.
//
// The empty mocks of Pulumi's testing guide answer every resource with its
// inputs and every provider function with nothing; pulumi-aws and logsearch
// then fail on what AWS always returns: an ACM certificate's
// domainValidationOptions, IDs and ARNs in AWS's shapes, the caller
// identity, partition and region. Mocks answers those as AWS would, for
// one account and region:
//
//	m := logsearchtest.New("123456789012", "eu-west-1")
//	err := pulumi.RunErr(program, pulumi.WithMocks("shop", "dev", m))
//
// and records what the program registered (Resources) and called
// (Invokes) for the test to assert on.
package logsearchtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// HostedZoneID is the ID of every Route53 zone route53.LookupZone finds.
	HostedZoneID = "Z0123456789MOCKZONE"
	// S3PrefixList is the region's S3 prefix list (pl-...), as
	// ec2.GetPrefixList and an S3 gateway endpoint report it.
	S3PrefixList = "pl-63a5400a"
	// LoadBalancerZoneID is the hosted zone ID of every load balancer.
	LoadBalancerZoneID = "Z35SXDOTRQ7X7K"
	// MasterPassword is the result of every random.RandomPassword.
	MasterPassword = "Mock-Passw0rd!-for-tests"
	// PrivateZoneID is the account's one private hosted zone, for
	// route53.LookupZone by zone ID; every other ID is a public zone.
	PrivateZoneID = "Z0PRIVATEZONEMOCK"
)

// VpcCidrs are the associated IPv4 CIDRs of every existing VPC
// ec2.LookupVpc finds, sorted; the VPC also lists a disassociated one.
var VpcCidrs = []string{"10.0.0.0/16", "100.64.0.0/16"}

// Mocks implements pulumi.MockResourceMonitor for one AWS account and
// region. Set the fields before the run; the zero Mocks is not usable,
// start from New.
type Mocks struct {
	// Account is the AWS account ID: aws.GetCallerIdentity returns it and
	// every ARN the mocks make holds it.
	Account string
	// Region is the AWS region (aws:region): aws.GetRegion returns it,
	// and ARNs, endpoints and availability zones are in it.
	Region string
	// IAMRoles names the IAM roles that already exist in the account:
	// iam.LookupRole finds these and fails, as IAM does, for any other.
	IAMRoles []string
	// MissingLogGroups names log groups that do not exist:
	// cloudwatch.LookupLogGroup fails for these, as the provider does, and
	// finds every other.
	MissingLogGroups []string
	// MissingHostedZones names Route53 hosted zones that do not exist:
	// route53.LookupZone by name fails for these, as the provider does,
	// and finds every other.
	MissingHostedZones []string

	mu        sync.Mutex
	resources []Resource
	invokes   []Invoke
}

// New returns mocks for the AWS account (12 digits) and region
// (e.g. eu-west-1).
func New(account, region string) *Mocks {
	return &Mocks{Account: account, Region: region}
}

// Resource is one registration and the mocks' answer.
type Resource struct {
	Args    pulumi.MockResourceArgs
	ID      string
	Outputs resource.PropertyMap
}

// Invoke is one provider function call (data source) and its arguments.
type Invoke struct {
	Token string
	Args  resource.PropertyMap
}

// Resources are the registrations so far, in the order they arrived.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}

// Invokes are the provider function calls so far, in the order they
// arrived.
func (m *Mocks) Invokes() []Invoke {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.invokes)
}

// ARN is an ARN of service in the mocks' region and account.
func (m *Mocks) ARN(service, resourcePart string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", Partition(m.Region), service, m.Region, m.Account, resourcePart)
}

// Partition is the AWS partition of region: aws-cn for China, aws-us-gov
// for GovCloud, aws elsewhere.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// dnsSuffix is the partition's DNS suffix.
func dnsSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// NewResource answers a registration with its inputs plus the computed
// outputs AWS would return, shaped like the real ones.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, outs := m.outputs(args)
	m.mu.Lock()
	m.resources = append(m.resources, Resource{Args: args, ID: id, Outputs: outs})
	m.mu.Unlock()
	return id, outs, nil
}

func (m *Mocks) outputs(args pulumi.MockResourceArgs) (string, resource.PropertyMap) {
	outs := args.Inputs.Copy()
	input := func(k string) string {
		if v, ok := args.Inputs[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	name := args.Name
	if n := input("name"); n != "" {
		name = n
	}
	set := func(k string, v any) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	setDefault := func(k string, v any) {
		if _, ok := outs[resource.PropertyKey(k)]; !ok {
			set(k, v)
		}
	}
	service := "mock"
	if parts := strings.SplitN(args.TypeToken, ":", 3); len(parts) == 3 {
		service = strings.SplitN(parts[1], "/", 2)[0]
	}
	partition := Partition(m.Region)
	id := args.Name + "-id"
	setDefault("name", name)
	setDefault("arn", m.ARN(service, name))

	switch args.TypeToken {
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + args.Name
		set("defaultSecurityGroupId", "sg-default-"+args.Name)
		set("defaultNetworkAclId", "acl-default-"+args.Name)
		set("mainRouteTableId", "rtb-main-"+args.Name)
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + args.Name
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + args.Name
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + args.Name
		if input("vpcEndpointType") == "Gateway" {
			set("prefixListId", S3PrefixList)
		}
	case "aws:ec2/internetGateway:InternetGateway":
		id = "igw-" + args.Name
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + args.Name
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + args.Name
		set("publicIp", "192.0.2.10")
	case "aws:ec2/routeTable:RouteTable":
		id = "rtb-" + args.Name
	case "aws:kms/key:Key":
		id = "key-" + args.Name
		set("keyId", id)
		set("arn", m.ARN("kms", "key/"+id))
	case "aws:kms/alias:Alias":
		set("arn", m.ARN("kms", name))
	case "aws:opensearch/domain:Domain":
		domainName := args.Name
		if n := input("domainName"); n != "" {
			domainName = n
		}
		id = m.ARN("es", "domain/"+domainName)
		set("domainName", domainName)
		set("domainId", m.Account+"/"+domainName)
		set("arn", id)
		set("endpoint", fmt.Sprintf("vpc-%s-xxxx.%s.es.%s", domainName, m.Region, dnsSuffix(partition)))
		set("dashboardEndpoint", fmt.Sprintf("vpc-%s-xxxx.%s.es.%s/_dashboards", domainName, m.Region, dnsSuffix(partition)))
	case "aws:sqs/queue:Queue":
		id = fmt.Sprintf("https://sqs.%s.%s/%s/%s", m.Region, dnsSuffix(partition), m.Account, name)
		set("url", id)
		set("arn", m.ARN("sqs", name))
	case "aws:sns/topic:Topic":
		id = m.ARN("sns", name)
		set("arn", id)
	case "aws:iam/role:Role":
		id = name
		set("arn", fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, m.Account, name))
		set("uniqueId", "AROAMOCK"+strings.ToUpper(args.Name))
	case "aws:iam/policy:Policy":
		id = fmt.Sprintf("arn:%s:iam::%s:policy/%s", partition, m.Account, name)
		set("arn", id)
	case "aws:lambda/function:Function":
		id = name
		fn := m.ARN("lambda", "function:"+name)
		set("arn", fn)
		set("invokeArn", fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", partition, m.Region, fn))
		set("qualifiedArn", fn+":$LATEST")
		set("version", "$LATEST")
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name
		set("arn", m.ARN("logs", "log-group:"+name))
	case "aws:cloudwatch/eventRule:EventRule":
		id = name
		set("arn", m.ARN("events", "rule/"+name))
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := "app/" + name + "/50dc6c495c0c9188"
		id = m.ARN("elasticloadbalancing", "loadbalancer/"+suffix)
		set("arn", id)
		set("arnSuffix", suffix)
		set("dnsName", fmt.Sprintf("internal-%s-1234567890.%s.elb.%s", name, m.Region, dnsSuffix(partition)))
		set("zoneId", LoadBalancerZoneID)
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + name + "/73e2d6bc24d8a067"
		id = m.ARN("elasticloadbalancing", suffix)
		set("arn", id)
		set("arnSuffix", suffix)
	case "aws:lb/listener:Listener":
		id = m.ARN("elasticloadbalancing", "listener/app/"+args.Name)
		set("arn", id)
	case "aws:acm/certificate:Certificate":
		// ACM answers DNS validation with one CNAME per name
		// (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
		id = m.ARN("acm", "certificate/"+args.Name)
		set("arn", id)
		domain := input("domainName")
		set("domainValidationOptions", []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  "_0123abcd." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_4567efgh.acm-validations.aws.",
		}})
	case "aws:route53/zone:Zone":
		// Route53 zone IDs are upper-case letters and digits; the ARN
		// and the name are not the ID.
		id = "Z" + strings.ToUpper(strings.NewReplacer("-", "", ".", "").Replace(args.Name))
		set("zoneId", id)
		set("arn", "arn:"+partition+":route53:::hostedzone/"+id)
	case "aws:route53/record:Record":
		if n := input("name"); n != "" {
			set("fqdn", n)
		}
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		bucket := args.Name
		if b := input("bucket"); b != "" {
			bucket = b
		}
		id = bucket
		set("bucket", bucket)
		set("arn", "arn:"+partition+":s3:::"+bucket)
		set("bucketDomainName", bucket+".s3."+dnsSuffix(partition))
	case "random:index/randomPassword:RandomPassword":
		set("result", MasterPassword)
		set("bcryptHash", "$2a$10$mock")
	case "random:index/randomString:RandomString", "random:index/randomId:RandomId":
		set("result", "mockrandom")
		set("hex", "abcdef012345")
	}
	if oid, ok := officeOutputs(args.TypeToken, args.Name, set); ok {
		id = oid
	}
	return id, outs
}

// Call answers a provider function (data source) as AWS would in the
// mocks' account and region; a function it does not know is an error
// naming it, never an empty answer.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, Invoke{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	str := func(k string) string {
		if v, ok := args.Args[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	partition := Partition(m.Region)
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": m.Account, "id": m.Account,
			"arn": "arn:" + partition + ":iam::" + m.Account + ":user/deployer", "userId": "AIDAMOCK",
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": m.Region, "id": m.Region, "endpoint": "ec2." + m.Region + "." + dnsSuffix(partition), "description": m.Region,
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": partition, "id": partition, "dnsSuffix": dnsSuffix(partition),
			"reverseDnsPrefix": reverseDNS(dnsSuffix(partition)),
		}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return m.availabilityZones(args.Args), nil
	case "aws:iam/getRole:getRole":
		// IAM's answer for a missing role, as the provider reports it.
		name := str("name")
		if !slices.Contains(m.IAMRoles, name) {
			return nil, fmt.Errorf("reading IAM Role (%s): couldn't find resource", name)
		}
		path := "/"
		if strings.HasPrefix(name, "AWSServiceRoleFor") {
			path = "/aws-service-role/opensearchservice.amazonaws.com/"
		}
		// An existing role as AWS's samples create it: with a
		// description, and tags added by hand.
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": name, "name": name, "path": path,
			"arn":         "arn:" + partition + ":iam::" + m.Account + ":role" + path + name,
			"description": "Service-linked role created by the company's account baseline",
			"tags":        map[string]any{"owner": "platform-team"},
		}), nil
	case "aws:cloudwatch/getLogGroup:getLogGroup":
		// The provider's answer for a missing group.
		name := str("name")
		if slices.Contains(m.MissingLogGroups, name) {
			return nil, fmt.Errorf("reading CloudWatch Logs Log Group (%s): couldn't find resource", name)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": name, "name": name, "arn": m.ARN("logs", "log-group:"+name), "retentionInDays": 0,
		}), nil
	case "aws:route53/getZone:getZone":
		if id := str("zoneId"); id != "" {
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": id, "zoneId": id, "name": "example.com",
				"privateZone": id == PrivateZoneID,
				"arn":         "arn:" + partition + ":route53:::hostedzone/" + id,
			}), nil
		}
		zone := strings.TrimSuffix(str("name"), ".")
		if slices.Contains(m.MissingHostedZones, zone) {
			// The provider's answer for a name no zone has
			// (tfresource.SingularDataSourceFindError).
			return nil, fmt.Errorf("reading Route 53 Hosted Zone: no matching Route 53 Hosted Zone found")
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": HostedZoneID, "zoneId": HostedZoneID, "name": zone,
			"privateZone": args.Args["privateZone"].IsBool() && args.Args["privateZone"].BoolValue(),
			"arn":         "arn:" + partition + ":route53:::hostedzone/" + HostedZoneID,
		}), nil
	case "aws:iam/getPolicyDocument:getPolicyDocument":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": "policy", "json": RenderPolicyDocument(args.Args),
		}), nil
	case "aws:elb/getServiceAccount:getServiceAccount":
		region := str("region")
		if region == "" {
			region = m.Region
		}
		acct, ok := elbLogAccounts[region]
		if !ok {
			return nil, fmt.Errorf("unsupported AWS Region: %s", region)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": acct, "arn": "arn:" + Partition(region) + ":iam::" + acct + ":root", "region": region,
		}), nil
	case "aws:ec2/getPrefixList:getPrefixList":
		// Only AWS services' own lists exist under com.amazonaws.<region>.
		if str("name") != "com.amazonaws."+m.Region+".s3" {
			return nil, fmt.Errorf("no prefix list named %q in %s", str("name"), m.Region)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": S3PrefixList, "prefixListId": S3PrefixList, "name": str("name"), "cidrBlocks": []any{"52.216.0.0/15"},
		}), nil
	case "aws:ec2/getVpc:getVpc":
		// A VPC with a secondary CIDR, and one that was removed again.
		associations := []any{}
		for _, a := range [][2]string{{VpcCidrs[0], "associated"}, {VpcCidrs[1], "associated"}, {"10.99.0.0/16", "disassociated"}} {
			associations = append(associations, map[string]any{"cidrBlock": a[0], "state": a[1], "associationId": "vpc-cidr-assoc-" + a[0]})
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": str("id"), "cidrBlock": VpcCidrs[0], "arn": m.ARN("ec2", "vpc/"+str("id")),
			"cidrBlockAssociations": associations,
		}), nil
	}
	return nil, fmt.Errorf("logsearchtest: no answer for provider function %s", args.Token)
}

func reverseDNS(suffix string) string {
	parts := strings.Split(suffix, ".")
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// elbLogAccounts are the Elastic Load Balancing accounts that deliver
// access logs in Regions opened before August 2022, as AWS lists them
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html)
// and as the provider knows them (hashicorp/terraform-provider-aws,
// internal/service/elb/service_account_data_source.go); the provider
// fails for every other Region, as here.
var elbLogAccounts = map[string]string{
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-northeast-1": "582318560864",
	"ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331", "ap-south-1": "718504428378",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
	"ca-central-1": "985666609251", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
	"eu-central-1": "054676820928", "eu-north-1": "897822967062", "eu-south-1": "635631232127",
	"eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667",
	"me-south-1": "076674570225", "sa-east-1": "507241528517", "us-east-1": "127311923021",
	"us-east-2": "033677994240", "us-gov-east-1": "190560391635", "us-gov-west-1": "048591011584",
	"us-west-1": "027434742980", "us-west-2": "797873946194",
}

// Zone is one availability zone of the mocks' region.
type Zone struct{ Name, ID, OptInStatus string }

// Zones is the region as DescribeAvailabilityZones lists it, sorted by
// name: an opted-in Local Zone sorts first, a Wavelength Zone sits among
// the ordinary zones, and zone IDs do not follow the letters
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html).
func (m *Mocks) Zones() []Zone {
	id := ZoneIDPrefix(m.Region)
	r := m.Region
	return []Zone{
		{r + "-bos-1a", id + "-bos1-az1", "opted-in"},
		{r + "-wl1-bos-wlz-1", id + "-wl1-bos-wlz1", "opted-in"},
		{r + "a", id + "-az3", "opt-in-not-required"},
		{r + "b", id + "-az4", "opt-in-not-required"},
		{r + "c", id + "-az1", "opt-in-not-required"},
		{r + "d", id + "-az2", "opt-in-not-required"},
		{r + "e", id + "-az6", "opt-in-not-required"},
	}
}

// availabilityZones answers aws.GetAvailabilityZones, applying its
// opt-in-status filter and excludeZoneIds argument as EC2 does.
func (m *Mocks) availabilityZones(args resource.PropertyMap) resource.PropertyMap {
	optIn := map[string]bool{}
	if f, ok := args["filters"]; ok && f.IsArray() {
		for _, e := range f.ArrayValue() {
			if !e.IsObject() {
				continue
			}
			fm := e.ObjectValue()
			if fm["name"].IsString() && fm["name"].StringValue() == "opt-in-status" && fm["values"].IsArray() {
				for _, v := range fm["values"].ArrayValue() {
					if v.IsString() {
						optIn[v.StringValue()] = true
					}
				}
			}
		}
	}
	var exclude []string
	if e, ok := args["excludeZoneIds"]; ok && e.IsArray() {
		for _, v := range e.ArrayValue() {
			if v.IsString() {
				exclude = append(exclude, v.StringValue())
			}
		}
	}
	var names, ids []any
	for _, z := range m.Zones() {
		if (len(optIn) == 0 || optIn[z.OptInStatus]) && !slices.Contains(exclude, z.ID) {
			names, ids = append(names, z.Name), append(ids, z.ID)
		}
	}
	return resource.NewPropertyMapFromMap(map[string]any{"id": m.Region, "names": names, "zoneIds": ids})
}

// ZoneIDPrefix is the region part of its zone IDs: us-east-1 -> use1,
// eu-west-1 -> euw1, ap-southeast-2 -> apse2.
func ZoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	out := parts[0]
	for _, p := range parts[1:] {
		for _, d := range []struct{ word, short string }{{"north", "n"}, {"south", "s"}, {"east", "e"}, {"west", "w"}, {"central", "c"}} {
			p = strings.ReplaceAll(p, d.word, d.short)
		}
		out += p
	}
	return out
}

// RenderPolicyDocument turns iam.getPolicyDocument arguments into the JSON
// AWS would render, so a test sees the same document however the program
// built it.
func RenderPolicyDocument(args resource.PropertyMap) string {
	doc := map[string]any{"Version": "2012-10-17"}
	var stmts []any
	if s, ok := args["statements"]; ok && s.IsArray() {
		for _, e := range s.ArrayValue() {
			in, _ := plain(e).(map[string]any)
			out := map[string]any{"Effect": "Allow"}
			for from, to := range map[string]string{"sid": "Sid", "effect": "Effect", "actions": "Action", "notActions": "NotAction", "resources": "Resource", "notResources": "NotResource"} {
				if v, ok := in[from]; ok {
					out[to] = v
				}
			}
			if ps, ok := in["principals"].([]any); ok {
				princ := map[string]any{}
				for _, p := range ps {
					pm, _ := p.(map[string]any)
					typ, _ := pm["type"].(string)
					princ[typ] = pm["identifiers"]
				}
				out["Principal"] = princ
			}
			if cs, ok := in["conditions"].([]any); ok {
				cond := map[string]any{}
				for _, c := range cs {
					cm, _ := c.(map[string]any)
					test, _ := cm["test"].(string)
					variable, _ := cm["variable"].(string)
					if cond[test] == nil {
						cond[test] = map[string]any{}
					}
					cond[test].(map[string]any)[variable] = cm["values"]
				}
				out["Condition"] = cond
			}
			stmts = append(stmts, out)
		}
	}
	doc["Statement"] = stmts
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Sprintf(`{"error": %q}`, err.Error())
	}
	return string(b)
}

// plain converts a property value to plain Go, secrets and known outputs
// unwrapped.
func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsOutput():
		return plain(v.OutputValue().Element)
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	}
	return v.Mappable()
}
