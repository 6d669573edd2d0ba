package domainstate

// The security plugin's multi-tenancy config decides which Dashboards
// tenant a user starts in. Setup owns three of its fields; it leaves the
// others (sign_in_options, preferred_tenants) as the service or an
// engineer set them.
//
// API: PUT/GET _plugins/_security/api/tenancy/config, OpenSearch 2.7 and
// later (security plugin MultiTenancyConfigApiAction; docs.opensearch.org
// "Create or Update Multi-Tenancy Configuration API"; on Amazon OpenSearch
// Service: AWS Big Data blog "Configure dynamic tenancy for Amazon
// OpenSearch Dashboards").

// DefaultTenant is the tenant every user starts in: the one that holds the
// landing dashboard and the defaultRoute setting pointing at it. With a
// default tenant set, Dashboards no longer asks for a tenant on sign-in
// (opensearch-project/security-dashboards-plugin,
// public/apps/account/account-app.tsx: defaultTenantSet). The plugin
// accepts "Global" (and "Private") whatever the case, and any other name
// only if that tenant exists.
const DefaultTenant = "Global"

// TenancyConfigBody is the body setup PUTs, and the only fields it
// compares. Multi-tenancy stays on and private tenants stay enabled:
// support staff may not write to the Global tenant (the reader role's
// kibana_all_read), so their Private tenant is the only place they can save
// searches and visualizations of their own.
func TenancyConfigBody() Body {
	return Body{
		"multitenancy_enabled":   true,
		"private_tenant_enabled": true,
		"default_tenant":         DefaultTenant,
	}
}
