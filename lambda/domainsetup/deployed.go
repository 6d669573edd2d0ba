package domainsetup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

// DeployedFile is the name, in the setup function's code package, of the
// desired state Pulumi deployed with it.
const DeployedFile = "desired-state.json"

// Deployed is the desired state Pulumi packs into the setup function's
// code (DeployedFile). It is the only state the function applies: whoever
// may invoke the function can make it re-apply what was deployed, but only
// whoever may change the function's code (the deployer) can change what
// that is. The invocation payload never carries a Spec.
type Deployed struct {
	// Endpoint is the domain's host name, or a base URL (tests).
	Endpoint string `json:"endpoint"`
	// MasterUserName is the master user, whose role mappings are part of
	// the desired state.
	MasterUserName string           `json:"masterUserName"`
	Spec           domainstate.Spec `json:"spec"`
}

// Hash identifies what was deployed: the deploy-time invocation names it
// (Invocation.DesiredState), and the function refuses to run for another.
func (d Deployed) Hash() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // strings, ints and a Spec only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Marshal is the content of DeployedFile.
func (d Deployed) Marshal() ([]byte, error) {
	if err := d.request(Invocation{SignWithRole: true}).Validate(); err != nil {
		return nil, fmt.Errorf("the desired state to deploy is invalid: %w", err)
	}
	return json.Marshal(d)
}

// LoadDeployed reads DeployedFile at path. Unknown keys are refused, so a
// file of another layout is never half-applied.
func LoadDeployed(path string) (Deployed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Deployed{}, fmt.Errorf("the function has no deployed desired state (%w): deploy it with `pulumi up`, which packs %s next to bootstrap", err, DeployedFile)
	}
	var d Deployed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Deployed{}, fmt.Errorf("%s: %w: redeploy with `pulumi up`", path, err)
	}
	if err := d.request(Invocation{SignWithRole: true}).Validate(); err != nil {
		return Deployed{}, fmt.Errorf("%s: %w: redeploy with `pulumi up`", path, err)
	}
	return d, nil
}

// Invocation is the setup function's payload. It says how to authenticate
// and, at deploy time, which deployed state the caller expects; never what
// to apply. The hourly schedule sends the constant ScheduledInvocation.
type Invocation struct {
	// MasterPassword authenticates a deploy-time run (HTTP basic auth).
	MasterPassword string `json:"masterPassword,omitempty"`
	// SignWithRole makes the run sign its requests with the function's IAM
	// role (SigV4) instead of the password. The deploy-time run maps that
	// role to all_access, so a scheduled run needs no secret at all.
	SignWithRole bool `json:"signWithRole,omitempty"`
	// DesiredState is the Deployed.Hash the caller expects the function to
	// hold; the run is refused when it holds another. Empty: whatever was
	// deployed (the schedule).
	DesiredState string `json:"desiredState,omitempty"`
}

// ScheduledInvocation is the schedule's whole input: constant, whatever the
// stack config, and far below EventBridge's 8192-character cap on a
// target's Input.
const ScheduledInvocation = `{"signWithRole":true}`

// invocationKeys are the only keys a payload may hold.
var invocationKeys = []string{"masterPassword", "signWithRole", "desiredState"}

// UnmarshalJSON refuses any key but Invocation's: a payload that brings
// its own spec, endpoint or user is an attempt to apply a state Pulumi did
// not deploy, and is refused rather than silently ignored.
func (inv *Invocation) UnmarshalJSON(b []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("the setup payload is not a JSON object: %w", err)
	}
	var unknown []string
	for k := range keys {
		if !slices.Contains(invocationKeys, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("the setup payload names %s: setup applies only the desired state deployed with the function, so a payload may hold only %s; change the desired state with `pulumi up`",
			strings.Join(unknown, ", "), strings.Join(invocationKeys, ", "))
	}
	type plain Invocation
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("the setup payload: %w", err)
	}
	*inv = Invocation(p)
	return nil
}

// Request is the run inv asks for, on the deployed state d. It is refused
// when inv expects another deployed state: a stale or concurrent
// `pulumi up`, or a function whose code was changed outside Pulumi.
func (d Deployed) Request(inv Invocation) (Request, error) {
	if inv.DesiredState != "" && inv.DesiredState != d.Hash() {
		return Request{}, fmt.Errorf("the caller expects desired state %s, but the function was deployed with %s: the function's code changed after this deployment started; run `pulumi up` again", inv.DesiredState, d.Hash())
	}
	req := d.request(inv)
	if err := req.Validate(); err != nil {
		return Request{}, err
	}
	return req, nil
}

func (d Deployed) request(inv Invocation) Request {
	return Request{Endpoint: d.Endpoint, MasterUserName: d.MasterUserName, MasterPassword: inv.MasterPassword, SignWithRole: inv.SignWithRole, Spec: d.Spec}
}
