package domainsetup

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/logsearch/logsearch/lambda/domainstate"
)

// Action is what setup did to one object.
type Action string

// The actions an Outcome reports.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	// Skipped: the domain cannot hold the object (its engine lacks the
	// API); Detail says why and what would fix it. Nothing was written.
	Skipped Action = "skipped"
)

// Outcome is what happened to one object of the domain.
type Outcome struct {
	Object string `json:"object"`
	Action Action `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// Changed reports whether setup wrote the object.
func (o Outcome) Changed() bool { return o.Action == Created || o.Action == Updated }

// Result is the setup function's answer, kept in the Pulumi state: what
// changed per object. It never holds a credential.
type Result struct {
	Changed  int       `json:"changed"`
	Outcomes []Outcome `json:"outcomes"`
}

// Run applies req.Spec to the domain, in an order that never leaves the
// ingest function able to write before the template and retention policy
// that govern its indices exist, and then turns on audit logging. It stops
// at the first failure.
func Run(ctx context.Context, req Request, hc *http.Client, retry Retry) (Result, error) {
	if err := req.Validate(); err != nil {
		return Result{}, fmt.Errorf("invalid setup request: %w", err)
	}
	base, _ := req.baseURL() // validated above
	s := &setup{
		c:    &client{http: hc, base: base, user: req.MasterUserName, password: req.MasterPassword, retry: retry},
		spec: req.Spec,
		user: req.MasterUserName,
	}
	steps := []func(context.Context) (Outcome, error){
		s.indexTemplate,
		s.ismPolicy,
		s.role(domainstate.WriterRole, req.Spec.WriterRoleBody()),
		s.role(domainstate.ReaderRole, req.Spec.ReaderRoleBody()),
		s.role(domainstate.StorageGuardRole, req.Spec.StorageGuardRoleBody()),
	}
	for _, m := range req.Spec.RoleMappings(req.MasterUserName) {
		steps = append(steps, s.roleMapping(m))
	}
	steps = append(steps, s.savedObject(req.Spec.IndexPatternObject()),
		s.uiSetting("Dashboards default index pattern", "defaultIndex", req.Spec.IndexPatternID(), req.Spec.DefaultIndexBody()))
	steps = append(steps, s.landingDashboard()...)
	steps = append(steps, s.defaultTenant, s.auditLogging)

	var res Result
	for _, step := range steps {
		o, err := step(ctx)
		if err != nil {
			return res, err
		}
		if o.Changed() {
			res.Changed++
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res, nil
}

type setup struct {
	c    *client
	spec domainstate.Spec
	user string
}

// dashboardsHeader addresses the Dashboards API: osd-xsrf is its CSRF
// guard, and the global tenant is the one every support user can read.
var dashboardsHeader = http.Header{"Osd-Xsrf": {"true"}, "Securitytenant": {"global"}}

// read GETs path; found is false on 404.
func (s *setup) read(ctx context.Context, path string, header http.Header) (a answer, found bool, err error) {
	a, err = s.c.do(ctx, http.MethodGet, path, nil, header)
	switch {
	case err != nil:
		return a, false, err
	case a.status == http.StatusNotFound:
		return a, false, nil
	case !ok(a.status):
		return a, false, s.c.fail(http.MethodGet, path, a)
	}
	return a, true, nil
}

// write sends body and accepts any 2xx.
func (s *setup) write(ctx context.Context, method, path string, body any, header http.Header) (answer, error) {
	a, err := s.c.do(ctx, method, path, body, header)
	if err != nil {
		return a, err
	}
	if !ok(a.status) {
		return a, s.c.fail(method, path, a)
	}
	return a, nil
}

// converge writes when the object is missing or differs.
func (s *setup) converge(ctx context.Context, object string, found, equal bool, write func() error) (Outcome, error) {
	if found && equal {
		return Outcome{Object: object, Action: Unchanged}, nil
	}
	if err := write(); err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", object, err)
	}
	if found {
		return Outcome{Object: object, Action: Updated}, nil
	}
	return Outcome{Object: object, Action: Created}, nil
}

func (s *setup) indexTemplate(ctx context.Context) (Outcome, error) {
	name := s.spec.TemplateName()
	path := "_index_template/" + url.PathEscape(name)
	object := "index template " + name
	desired := s.spec.IndexTemplateBody()
	a, found, err := s.read(ctx, path, nil)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", object, err)
	}
	var current any
	if found {
		var got struct {
			IndexTemplates []struct {
				Name          string `json:"name"`
				IndexTemplate any    `json:"index_template"`
			} `json:"index_templates"`
		}
		if err := decode(http.MethodGet, path, a, &got); err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		found = false
		for _, t := range got.IndexTemplates {
			if t.Name == name {
				current, found = t.IndexTemplate, true
			}
		}
	}
	return s.converge(ctx, object, found, same(current, desired), func() error {
		_, err := s.write(ctx, http.MethodPut, path, desired, nil)
		return err
	})
}

// securityObject reads a security-plugin resource: {"<name>": {...}}.
func (s *setup) securityObject(ctx context.Context, path, name string) (map[string]any, bool, error) {
	a, found, err := s.read(ctx, path, nil)
	if err != nil || !found {
		return nil, false, err
	}
	var got map[string]map[string]any
	if err := decode(http.MethodGet, path, a, &got); err != nil {
		return nil, false, err
	}
	current, found := got[name]
	return current, found, nil
}

// securityMetadata are keys the security plugin adds to what it returns.
var securityMetadata = []string{"reserved", "hidden", "static"}

func (s *setup) role(name string, desired domainstate.Body) func(context.Context) (Outcome, error) {
	return func(ctx context.Context) (Outcome, error) {
		path := "_plugins/_security/api/roles/" + url.PathEscape(name)
		object := "role " + name
		current, found, err := s.securityObject(ctx, path, name)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		return s.converge(ctx, object, found, same(current, desired, securityMetadata...), func() error {
			_, err := s.write(ctx, http.MethodPut, path, desired, nil)
			return err
		})
	}
}

func (s *setup) roleMapping(m domainstate.RoleMapping) func(context.Context) (Outcome, error) {
	return func(ctx context.Context) (Outcome, error) {
		path := "_plugins/_security/api/rolesmapping/" + url.PathEscape(m.Role)
		object := "role mapping " + m.Role
		current, found, err := s.securityObject(ctx, path, m.Role)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		desired := m.Desired(current)
		return s.converge(ctx, object, found, same(current, desired, securityMetadata...), func() error {
			_, err := s.write(ctx, http.MethodPut, path, desired, nil)
			return err
		})
	}
}

// savedObject converges one Dashboards saved object in the global tenant.
// Only what setup owns counts: Dashboards adds to the attributes (the index
// pattern's field list), to the object (version, updated_at,
// migrationVersion) and, through its saved-object migrations, to the JSON
// held in strings (visState, panelsJSON). Those strings compare as JSON and
// by what setup declared, so neither re-serialising nor added keys is a
// difference, while any change to a declared value is.
func (s *setup) savedObject(o domainstate.SavedObject) func(context.Context) (Outcome, error) {
	return func(ctx context.Context) (Outcome, error) {
		path := "_dashboards/api/saved_objects/" + url.PathEscape(o.Type) + "/" + url.PathEscape(o.ID)
		object := o.Name()
		a, found, err := s.read(ctx, path, dashboardsHeader)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		var current struct {
			Attributes map[string]any `json:"attributes"`
			References []any          `json:"references"`
		}
		if found {
			if err := decode(http.MethodGet, path, a, &current); err != nil {
				return Outcome{}, fmt.Errorf("%s: %w", object, err)
			}
		}
		desired := o.Body()
		equal := same(current.References, desired["references"])
		for k, v := range o.Attributes {
			equal = equal && covers(jsonValue(current.Attributes[k]), jsonValue(v))
		}
		return s.converge(ctx, object, found, equal, func() error {
			_, err := s.write(ctx, http.MethodPost, path+"?overwrite=true", desired, dashboardsHeader)
			return err
		})
	}
}

// uiSetting converges one advanced setting of the global tenant.
func (s *setup) uiSetting(object, key, value string, body domainstate.Body) func(context.Context) (Outcome, error) {
	return func(ctx context.Context) (Outcome, error) {
		const path = "_dashboards/api/opensearch-dashboards/settings"
		a, exists, err := s.read(ctx, path, dashboardsHeader)
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", object, err)
		}
		var current struct {
			Settings map[string]struct {
				UserValue any `json:"userValue"`
			} `json:"settings"`
		}
		// A 404 means no settings yet, whatever its body: Dashboards or a
		// proxy in front of it may answer it with an HTML page.
		if exists && len(a.body) > 0 {
			if err := decode(http.MethodGet, path, a, &current); err != nil {
				return Outcome{}, fmt.Errorf("%s: %w", object, err)
			}
		}
		setting, found := current.Settings[key]
		equal := found && setting.UserValue == value
		return s.converge(ctx, object, found, equal, func() error {
			_, err := s.write(ctx, http.MethodPost, path, body, dashboardsHeader)
			return err
		})
	}
}
