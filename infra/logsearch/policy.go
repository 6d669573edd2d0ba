package logsearch

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// policyStatement is one IAM / resource policy statement. Actions are
// always listed one by one: no policy this program writes may use `*` or
// `service:*` actions (a test enforces it).
type policyStatement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func allow(actions []string, resources ...string) policyStatement {
	return policyStatement{Effect: "Allow", Action: actions, Resource: resourceList(resources)}
}

// resourceList keeps single resources as a plain string, as AWS renders them.
func resourceList(rs []string) any {
	if len(rs) == 1 {
		return rs[0]
	}
	return rs
}

// policyJSON renders a policy document.
func policyJSON(stmts ...policyStatement) string {
	b, err := json.Marshal(struct {
		Version   string            `json:"Version"`
		Statement []policyStatement `json:"Statement"`
	}{"2012-10-17", stmts})
	if err != nil {
		panic(err) // only strings, slices and maps: always marshals
	}
	return string(b)
}

// policyOf renders a policy document once every input (ARNs, names) is
// known; build gets them in the order given.
func policyOf(build func(v []string) []policyStatement, inputs ...pulumi.StringInput) pulumi.StringOutput {
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	return pulumi.All(args...).ApplyT(func(xs []any) string {
		v := make([]string, len(xs))
		for i, x := range xs {
			v[i], _ = x.(string)
		}
		return policyJSON(build(v)...)
	}).(pulumi.StringOutput)
}

// assumeRolePolicy lets one AWS service assume a role.
func assumeRolePolicy(service string) string {
	return policyJSON(policyStatement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    []string{"sts:AssumeRole"},
	})
}
