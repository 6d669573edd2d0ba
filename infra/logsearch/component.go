package logsearch

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// componentTypePrefix starts the type token of every logsearch component:
// "<package>:<module>:<type>", package logsearch, module index, as
// Pulumi's component guide writes them ("pkg:index:MyComponent",
// https://www.pulumi.com/docs/iac/concepts/components/).
const componentTypePrefix = "logsearch:index:"

// DefaultName is the name Program gives its one LogSearch. With this name
// the physical names are the stack's alone (logsearch-<stack>-...).
const DefaultName = "logsearch"

// scopeKey holds, in a *pulumi.Context, the component that the resources
// registered with that context belong to.
type scopeKey struct{}

// scope is a component's naming and parenting for its children. A URN
// holds the stack, project, the parents' types and the resource's own type
// and name, not the parents' names
// (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns), so two
// LogSearch instances' children differ only if their own logical names
// carry the instance name.
type scope struct {
	instance string
	parent   pulumi.Resource
	// stageParent is, inside a stage, the LogSearch the stage belongs to
	// (nil for a stage built on its own).
	stageParent pulumi.Resource
	// stage is, inside a stage, how far it is built; stages is, inside a
	// LogSearch, every stage it has (see checkStagesFinished).
	stage  *stageLife
	stages *[]*stageLife
}

// stageLife follows one stage: registering a component's outputs tells
// the engine it is fully constructed
// (https://www.pulumi.com/docs/iac/concepts/components/#registering-component-outputs),
// so nothing may become its child afterwards.
type stageLife struct {
	name     string
	finished bool
	late     int // children registered after finished
}

func scopeOf(ctx *pulumi.Context) (scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(scope)
	return s, ok
}

// childName is a resource's logical name inside the ctx's LogSearch:
// "<instance>-<local>".
func childName(ctx *pulumi.Context, local string) string {
	if s, ok := scopeOf(ctx); ok {
		return s.instance + "-" + local
	}
	return local
}

// childOptions parents a resource to the ctx's component, then applies
// extra.
func childOptions(ctx *pulumi.Context, extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	s, ok := scopeOf(ctx)
	if !ok {
		return extra
	}
	if s.stage != nil && s.stage.finished {
		s.stage.late++
	}
	return append([]pulumi.ResourceOption{pulumi.Parent(s.parent)}, extra...)
}

// newStage registers c as the stage component logsearch:index:<kind>,
// a child of the ctx's LogSearch named "<instance>-<stage>", and returns
// the context its own resources are registered with. A stage built on its
// own (outside New, as the stage tests do) sits at the stack's root and
// names its children like Program's LogSearch.
func newStage(ctx *pulumi.Context, kind, stage string, c pulumi.ComponentResource) (*pulumi.Context, error) {
	s, ok := scopeOf(ctx)
	if !ok {
		s.instance = DefaultName
	}
	if err := ctx.RegisterComponentResource(componentTypePrefix+kind, s.instance+"-"+stage, c, childOptions(ctx)...); err != nil {
		return nil, err
	}
	life := &stageLife{name: s.instance + "-" + stage}
	if s.stages != nil {
		*s.stages = append(*s.stages, life)
	}
	return ctx.WithValue(scopeKey{}, scope{instance: s.instance, parent: c, stageParent: s.parent, stage: life}), nil
}

// checkStagesFinished refuses a LogSearch whose stages did not each
// register their outputs once, after their last child: a programming
// error that would have the engine record a stage as complete too early.
func checkStagesFinished(stages []*stageLife) error {
	for _, st := range stages {
		switch {
		case !st.finished:
			return fmt.Errorf("logsearch: stage %s never registered its outputs; call registerStageOutputs after its last child", st.name)
		case st.late > 0:
			return fmt.Errorf("logsearch: stage %s got %d children after registering its outputs; register the outputs after its last child", st.name, st.late)
		}
	}
	return nil
}

// formerlyInStage is the alias of a resource that moved into ctx's stage
// from the stage kind registered as newStage(ctx, kind, stage, ...) of the
// same LogSearch: the engine then keeps the resource, not replacing it
// (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
func formerlyInStage(ctx *pulumi.Context, kind, stage string) pulumi.ResourceOption {
	s, _ := scopeOf(ctx)
	var parentURN pulumi.StringInput = pulumi.String("") // the stack's root
	if s.stageParent != nil {
		parentURN = s.stageParent.URN()
	}
	instance := s.instance
	if instance == "" {
		instance = DefaultName
	}
	stageURN := pulumi.CreateURN(pulumi.String(instance+"-"+stage), pulumi.String(componentTypePrefix+kind), parentURN,
		pulumi.String(ctx.Project()), pulumi.String(ctx.Stack()))
	return pulumi.Aliases([]pulumi.Alias{{ParentURN: stageURN}})
}

// registerStageOutputs registers a stage's exported outputs (its
// pulumi.Output fields that are set), keyed by field name, so the engine
// records them with the component.
func registerStageOutputs(ctx *pulumi.Context, c pulumi.ComponentResource) error {
	if s, ok := scopeOf(ctx); ok && s.stage != nil {
		s.stage.finished = true
	}
	outs := pulumi.Map{}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		out, ok := v.Field(i).Interface().(pulumi.Output)
		if !ok || v.Field(i).FieldByName("OutputState").IsNil() {
			continue
		}
		outs[lowerFirst(f.Name)] = out
	}
	return ctx.RegisterResourceOutputs(c, outs)
}

// lowerFirst turns a Go field name into a Pulumi property name: VpcID -> vpcID.
func lowerFirst(s string) string {
	return strings.ToLower(s[:1]) + s[1:]
}
