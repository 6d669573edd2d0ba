package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/logsearch/logsearch/lambda/backfill/awsenv"
	"github.com/logsearch/logsearch/lambda/settings"
)

// fromFunctionFlag takes the ingest settings from the deployed function.
const fromFunctionFlag = "from-function"

// documentFlags shape the documents; with --from-function they come from
// the function, and giving them too would build other documents.
var documentFlags = []string{"index-prefix", "timezone", "time-field", "field-types"}

// checkFromFunction refuses document flags next to --from-function.
func (t *Target) checkFromFunction(fs *flag.FlagSet, errs []error) []error {
	if t.FromFunction == "" {
		return errs
	}
	fs.Visit(func(f *flag.Flag) {
		for _, d := range documentFlags {
			if f.Name == d {
				errs = append(errs, fmt.Errorf("--%s conflicts with --%s: the function's own setting is used, so that documents come out exactly as the function builds them; drop --%s", d, fromFunctionFlag, d))
			}
		}
	})
	return errs
}

// flagValue finds --name's value in args before they are parsed (flag
// syntax: -name v, --name v, -name=v, --name=v); "" when absent.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// DefaultFunctionTimeout bounds the wait for the function's settings: the
// SDK retries a failing call on its own, but nothing else would end a
// call the Lambda API never answers.
const DefaultFunctionTimeout = 60 * time.Second

var errFunctionSilent = errors.New("the Lambda API did not answer")

// FunctionAPI is the part of the Lambda client --from-function uses.
type FunctionAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

// withFunctionSettings returns getenv with the deployed function's
// environment in place of the shell's, when args name --from-function:
// every setting the function reads (endpoint, auth, index prefix, time
// zone, time field, field types, DLQ URL) then defaults to the function's
// value, or to the function's default when it has none, never to a stray
// shell variable. AWS_* variables still come from the shell.
func withFunctionSettings(ctx context.Context, args []string, env Env) (func(string) string, string, error) {
	name := flagValue(args, fromFunctionFlag)
	if name == "" {
		return env.Getenv, "", nil
	}
	client, region, err := env.lambdaClient(ctx, name, flagValue(args, "region"))
	if err != nil {
		return nil, "", err
	}
	wait := env.FunctionTimeout
	if wait <= 0 {
		wait = DefaultFunctionTimeout
	}
	lookupCtx, cancel := context.WithTimeoutCause(ctx, wait, fmt.Errorf("%w within %s", errFunctionSilent, wait))
	defer cancel()
	vars, err := functionEnvironment(lookupCtx, client, name, region)
	if err != nil {
		if cause := context.Cause(lookupCtx); errors.Is(cause, errFunctionSilent) {
			return nil, "", fmt.Errorf("--%s %s: %v: check the network path to lambda.%s.amazonaws.com (a VPC without a Lambda endpoint or NAT), or pass the settings as flags instead", fromFunctionFlag, name, cause, regionName(region))
		}
		return nil, "", err
	}
	getenv := func(k string) string {
		if strings.HasPrefix(k, "AWS_") {
			return env.Getenv(k)
		}
		return vars[k]
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return getenv, fmt.Sprintf("settings from function %s: %s\n", name, strings.Join(keys, ", ")), nil
}

// lambdaClient builds the Lambda client: env.NewLambda, or the AWS
// credential chain in the function ARN's region, else --region's, else
// the configured one. AWS_ENDPOINT_URL_LAMBDA points it elsewhere.
func (env *Env) lambdaClient(ctx context.Context, name, region string) (FunctionAPI, string, error) {
	if a, err := arn.Parse(name); err == nil && a.Region != "" {
		region = a.Region
	}
	if env.NewLambda != nil {
		return env.NewLambda(), region, nil
	}
	cfg, err := awsenv.Load(ctx, region, "to read the function's settings (--from-function)")
	if err != nil {
		return nil, "", err
	}
	return lambda.NewFromConfig(cfg), cfg.Region, nil
}

// functionEnvironment reads the function's environment variables and
// checks them as the function does at cold start.
func functionEnvironment(ctx context.Context, client FunctionAPI, name, region string) (map[string]string, error) {
	out, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("--%s %s: no such function in %s: pass the stack output ingestFunctionName (or the function ARN), and --region if the stack is in another region", fromFunctionFlag, name, regionName(region))
	case err != nil:
		return nil, fmt.Errorf("--%s %s: reading the function's configuration: %w: your credentials need lambda:GetFunctionConfiguration on it", fromFunctionFlag, name, err)
	}
	if out.Environment == nil {
		return nil, fmt.Errorf("--%s %s: the function has no environment variables: it is not a logsearch ingest function; pass the stack output ingestFunctionName", fromFunctionFlag, name)
	}
	if e := out.Environment.Error; e != nil {
		return nil, fmt.Errorf("--%s %s: Lambda cannot show the function's environment (%s: %s): check your kms:Decrypt permission on the function's key", fromFunctionFlag, name, aws.ToString(e.ErrorCode), aws.ToString(e.Message))
	}
	vars := out.Environment.Variables
	if _, err := settings.Load(func(k string) string { return vars[k] }); err != nil {
		return nil, fmt.Errorf("--%s %s: %w", fromFunctionFlag, name, err)
	}
	return vars, nil
}

func regionName(r string) string {
	if r == "" {
		return "the configured region"
	}
	return r
}
