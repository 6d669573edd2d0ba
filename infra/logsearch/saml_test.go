package logsearch

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	samlOptionsType = "aws:opensearch/domainSamlOptions:DomainSamlOptions"
	domainType      = "aws:opensearch/domain:Domain"
	// oktaEntityID is the entityID of testdata/saml/okta-metadata.xml.
	oktaEntityID = "http://www.okta.com/exk1a2b3c4d5e6f7g8h9"
)

// oktaMetadata is an Okta-shaped IdP metadata document.
func oktaMetadata(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/saml/okta-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The rules are SAML 2.0 metadata's (saml-metadata-2.0-os: EntityDescriptor
// with entityID, IDPSSODescriptor with protocolSupportEnumeration,
// SingleSignOnService, KeyDescriptor) and OpenSearch Service's bounds
// (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_SAMLIdp.html:
// MetadataContent 1 to 1048576 characters, EntityId 8 to 512).
func TestSamlMetadataChecks(t *testing.T) {
	okta := oktaMetadata(t)
	got, err := parseSamlMetadata(okta)
	if err != nil || got.EntityID != oktaEntityID {
		t.Fatalf("Okta metadata: entity ID %q, err %v; want %q", got.EntityID, err, oktaEntityID)
	}
	// Entra ID's federation metadata: default namespace, a document
	// signature and WS-Federation role descriptors beside the SAML one.
	entra, err := os.ReadFile("testdata/saml/entra-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := parseSamlMetadata(string(entra)); err != nil || got.EntityID != "https://sts.windows.net/00000000-1111-2222-3333-444444444444/" {
		t.Errorf("Entra ID metadata: entity ID %q, err %v", got.EntityID, err)
	}
	replace := func(old, new string) string {
		if !strings.Contains(okta, old) {
			t.Fatalf("sample lacks %q", old)
		}
		return strings.ReplaceAll(okta, old, new)
	}
	cases := []struct {
		name, metadata, says string
	}{
		{"not XML", "https://example-corp.okta.com/app/exk1/sso/saml/metadata", "not well-formed XML"},
		{"cut short", okta[:len(okta)/2], "not well-formed XML"},
		{"two documents", okta + okta, "more than one root element"},
		{"text after the document", okta + "trailing", "text after the root element"},
		{"no metadata namespace", replace(`xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"`, `xmlns:md="urn:example:other"`), "not a SAML 2.0 EntityDescriptor"},
		{"a list of entities", "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>", "root element is EntitiesDescriptor"},
		{"no entityID", replace(`entityID="`+oktaEntityID+`"`, ""), "entityID"},
		{"entityID too short", replace(oktaEntityID, "okta"), "8 to 512 characters"},
		{"service provider metadata", replace("IDPSSODescriptor", "SPSSODescriptor"), "0 IDPSSODescriptor"},
		{"SAML 1.1 only", replace("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol"), "SAML 2.0 only"},
		{"sign-on over http", replace("Location=\"https://", "Location=\"http://"), "https:// Location"},
		{"no signing certificate", replace(`use="signing"`, `use="encryption"`), "no signing certificate"},
		{"too large", okta + "<!--" + strings.Repeat("x", maxSamlMetadataBytes) + "-->", "at most 1048576"},
		{"DOCTYPE", strings.Replace(okta, "<md:EntityDescriptor", "<!DOCTYPE md:EntityDescriptor [<!ENTITY x \"y\">]>\n<md:EntityDescriptor", 1), "<!DOCTYPE …> declaration"},
		{"entityID with spaces", replace(`entityID="`+oktaEntityID+`"`, `entityID=" `+oktaEntityID+` "`), "white space"},
		{"sign-on Location without a host", strings.ReplaceAll(okta, "Location=\"https://example-corp.okta.com/app/example-corp_logsearch_1/exk1a2b3c4d5e6f7g8h9/sso/saml\"", "Location=\"https://\""), "naming a host"},
		{"garbage signing certificate", regexp.MustCompile(`X509Certificate>[^<]+<`).ReplaceAllString(okta, "X509Certificate>TUlJQzhEQ0NBZGlnQXdJQkFnSVFleGFtcGxl<"), "not an X.509 certificate"},
		{"signing certificate not base64", regexp.MustCompile(`X509Certificate>[^<]+<`).ReplaceAllString(okta, "X509Certificate>not base64!<"), "not base64"},
		{"expired", replace(`entityID="`+oktaEntityID+`"`, `entityID="`+oktaEntityID+`" validUntil="2001-01-01T00:00:00Z"`), "expired at validUntil 2001-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseSamlMetadata(c.metadata)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %v; want one saying %q", err, c.says)
			}
		})
	}
}

// withSaml is an edit of logsearch:dashboards that turns SAML on with the
// Okta sample, maps one reader group, drops oidc (refused with saml) and
// then applies fields to the saml object and dash to the dashboards
// object (a nil value removes the key).
func withSaml(t *testing.T, saml, dash map[string]any) func(any) any {
	metadata := oktaMetadata(t)
	return func(v any) any {
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		delete(m, "oidc")
		m["readerBackendRoles"] = []string{"logsearch-support"}
		s := map[string]any{"metadata": metadata, "rolesKey": "groups"}
		for k, x := range saml {
			s[k] = x
		}
		m["saml"] = s
		for k, x := range dash {
			if x == nil {
				delete(m, k)
			} else {
				m[k] = x
			}
		}
		return m
	}
}

func TestSamlConfigRefusals(t *testing.T) {
	oidc := map[string]any{
		"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/authorize",
		"tokenEndpoint": "https://idp.example.com/token", "userInfoEndpoint": "https://idp.example.com/userinfo",
		"clientId": "dashboards", "clientSecret": "s3cret",
	}
	cases := []struct {
		name       string
		saml, dash map[string]any
		key, says  string
	}{
		{"metadata missing", map[string]any{"metadata": ""}, nil, "logsearch:dashboards.saml.metadata", "required with saml"},
		{"metadata not XML", map[string]any{"metadata": "<md:EntityDescriptor"}, nil, "logsearch:dashboards.saml.metadata", "not well-formed XML"},
		{"metadata of a service provider", map[string]any{"metadata": strings.ReplaceAll(oktaMetadata(t), "IDPSSODescriptor", "SPSSODescriptor")}, nil, "logsearch:dashboards.saml.metadata", "IDPSSODescriptor"},
		{"rolesKey missing", map[string]any{"rolesKey": ""}, nil, "logsearch:dashboards.saml.rolesKey", "required with saml"},
		{"rolesKey with spaces", map[string]any{"rolesKey": " groups"}, nil, "logsearch:dashboards.saml.rolesKey", "spaces"},
		{"subjectKey with spaces", map[string]any{"subjectKey": "email "}, nil, "logsearch:dashboards.saml.subjectKey", "spaces"},
		{"session timeout negative", map[string]any{"sessionTimeoutMinutes": -5}, nil, "logsearch:dashboards.saml.sessionTimeoutMinutes", "1 to 1440"},
		{"session timeout above a day", map[string]any{"sessionTimeoutMinutes": 1441}, nil, "logsearch:dashboards.saml.sessionTimeoutMinutes", "1 to 1440"},
		{"no group mapped", nil, map[string]any{"readerBackendRoles": nil, "adminBackendRoles": nil}, "logsearch:dashboards.readerBackendRoles", "at least one identity-provider group"},
		{"oidc too", nil, map[string]any{"oidc": oidc}, "logsearch:dashboards.oidc", "sign in twice"},
		{"misspelt saml key", map[string]any{"roleKey": "groups"}, nil, "logsearch:dashboards.saml.roleKey", "Did you mean rolesKey?"},
	}
	for _, stack := range stackNames(t) {
		for _, c := range cases {
			t.Run(stack+"/"+c.name, func(t *testing.T) {
				src := stackSource(t, stack, map[string]func(any) any{"dashboards": withSaml(t, c.saml, c.dash)})
				src.secrets = map[string]bool{configNamespace + ":dashboards": true}
				_, err := parseConfig(stack, src)
				var ce *ConfigError
				if !asConfigError(err, &ce) {
					t.Fatalf("accepted; want a refusal of %s", c.key)
				}
				for _, p := range ce.Problems {
					if p.Key == c.key && strings.Contains(p.Problem, c.says) {
						return
					}
				}
				t.Errorf("no problem on %s saying %q; got:\n%v", c.key, c.says, err)
			})
		}
	}
}

func asConfigError(err error, into **ConfigError) bool {
	ce, ok := err.(*ConfigError)
	*into = ce
	return ok
}

func TestSamlConfigAcceptsAndDefaults(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			// Admin groups alone are enough to map; the session timeout
			// defaults to OpenSearch's 60 minutes.
			cfg, err := parseConfig(stack, stackSource(t, stack, map[string]func(any) any{
				"dashboards": withSaml(t, nil, map[string]any{"readerBackendRoles": nil, "adminBackendRoles": []string{"platform"}}),
			}))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Dashboards.Saml.SessionTimeoutMinutes; got != DefaultSamlSessionTimeoutMinutes {
				t.Errorf("sessionTimeoutMinutes = %d, want default %d", got, DefaultSamlSessionTimeoutMinutes)
			}
		})
	}
}

// samlStack runs the stack file with SAML on (the Okta sample, the given
// saml fields and a reader and an admin group) and returns the run and the
// dashboards config it ran with.
func samlStack(t *testing.T, stack string, saml, dash map[string]any) (*stackRun, DashboardsConfig) {
	t.Helper()
	edits := map[string]any{"adminBackendRoles": []string{"logsearch-engineers"}}
	for k, v := range dash {
		edits[k] = v
	}
	src := stackSource(t, stack, map[string]func(any) any{"dashboards": withSaml(t, saml, edits)})
	raw := src.values[configNamespace+":dashboards"]
	var got DashboardsConfig
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	got.HostName = normalizeDNSName(got.HostName)
	return mustRunStack(t, stack, map[string]string{configNamespace + ":dashboards": raw}), got
}

// TestSamlStack: with dashboards.saml the domain gets the SAML options
// resource (inputs as OpenSearch Service's SAMLOptionsInput,
// https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_SAMLOptionsInput.html),
// answers under the host name with the load balancer's certificate
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/customendpoint.html),
// keeps the internal users, and setup maps the groups.
func TestSamlStack(t *testing.T) {
	for _, stack := range stackNames(t) {
		for _, cert := range []string{"requested", "configured"} {
			t.Run(stack+"/"+cert+" certificate", func(t *testing.T) {
				var dash map[string]any
				if cert == "configured" {
					dash = map[string]any{"certificateArn": testCertificateArn(t, stack, "0a1b2c3d-office")}
				}
				testSamlStack(t, stack, dash)
			})
		}
	}
}

func testSamlStack(t *testing.T, stack string, dashEdits map[string]any) {
	run, dash := samlStack(t, stack, map[string]any{"subjectKey": "email", "sessionTimeoutMinutes": 480}, dashEdits)
	domain := run.one(t, domainType, "domain")

	saml := run.one(t, samlOptionsType, "domain-saml")
	// The access policy first, then SAML: AWS's SAML guide says to set the
	// policy before SAML
	// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/saml.html),
	// and refuses concurrent domain updates ("A change/update is in
	// progress", hashicorp/terraform-provider-aws#38136).
	if !saml.dependsOn(rtDomainPolicy, "domain-access") {
		t.Errorf("the SAML options do not wait for the domain access policy (depends on %v)", saml.Dependencies)
	}
	var inputs map[string]any
	if err := json.Unmarshal(snapshotOf(saml), &inputs); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"domainName": str(t, domain.Outputs, "domainName"),
		"samlOptions": map[string]any{
			"enabled": true,
			"idp": map[string]any{
				"entityId":        oktaEntityID,
				"metadataContent": oktaMetadata(t),
			},
			"rolesKey":              "groups",
			"subjectKey":            "email",
			"sessionTimeoutMinutes": float64(480),
		},
	}
	if g, w := mustJSON(t, inputs), mustJSON(t, want); g != w {
		t.Errorf("SAML options inputs:\n%s\nwant:\n%s", g, w)
	}
	if !saml.dependsOn(domainType, "domain") {
		t.Error("the SAML options do not wait for the domain")
	}

	// The custom endpoint is the office name with the listener's certificate.
	if got := get(t, domain.Inputs, "domainEndpointOptions.customEndpointEnabled"); got != true {
		t.Errorf("customEndpointEnabled = %v, want true", got)
	}
	if got := str(t, domain.Inputs, "domainEndpointOptions.customEndpoint"); got != dash.HostName {
		t.Errorf("customEndpoint = %q, want dashboards.hostName %q", got, dash.HostName)
	}
	listener := run.one(t, "aws:lb/listener:Listener", "dashboards-https")
	cert := str(t, domain.Inputs, "domainEndpointOptions.customEndpointCertificateArn")
	if cert != str(t, listener.Inputs, "certificateArn") {
		t.Errorf("domain certificate %q is not the load balancer's %q", cert, str(t, listener.Inputs, "certificateArn"))
	}
	if dash.CertificateArn != "" {
		if cert != dash.CertificateArn {
			t.Errorf("domain certificate %q, want dashboards.certificateArn %q", cert, dash.CertificateArn)
		}
		if n := len(run.ofType("aws:acm/certificate:Certificate")); n != 0 {
			t.Errorf("%d certificates requested beside dashboards.certificateArn", n)
		}
	} else {
		// The stack's own certificate is for the host name, so name
		// and certificate match by construction.
		if got := str(t, run.one(t, "aws:acm/certificate:Certificate", "dashboards").Inputs, "domainName"); got != dash.HostName {
			t.Errorf("certificate for %q, custom endpoint %q", got, dash.HostName)
		}
		if !domain.dependsOn("aws:acm/certificateValidation:CertificateValidation", "dashboards") {
			t.Error("the domain does not wait for the certificate's validation")
		}
	}
	if n := len(run.ofType("aws:acm/certificate:Certificate")); n > 1 {
		t.Errorf("%d certificates requested; the domain and the load balancer share one", n)
	}
	if got := str(t, domain.Inputs, "domainEndpointOptions.tlsSecurityPolicy"); got != TLSPolicy {
		t.Errorf("tlsSecurityPolicy = %q, want %q", got, TLSPolicy)
	}

	// Break-glass: the internal user database and master user stay.
	if get(t, domain.Inputs, "advancedSecurityOptions.internalUserDatabaseEnabled") != true ||
		str(t, domain.Inputs, "advancedSecurityOptions.masterUserOptions.masterUserName") != MasterUserName {
		t.Error("SAML turned off the internal users or the master user")
	}

	// Target sync keeps resolving the VPC endpoint, not the custom name.
	sync := run.one(t, "aws:lambda/function:Function", "dashboards-targetsync")
	if got := str(t, sync.Inputs, "environment.variables.DOMAIN_ENDPOINT"); got != str(t, domain.Outputs, "endpoint") || got == dash.HostName {
		t.Errorf("target sync resolves %q, want the domain's VPC endpoint %q", got, str(t, domain.Outputs, "endpoint"))
	}

	// Setup maps the groups the IdP sends.
	req := deployedRequest(t, run)
	if !slices.Equal(req.Spec.StaffReaderBackendRoles, []string{"logsearch-support"}) || !slices.Equal(req.Spec.StaffAdminBackendRoles, []string{"logsearch-engineers"}) {
		t.Errorf("setup maps readers %v and admins %v; want the configured groups", req.Spec.StaffReaderBackendRoles, req.Spec.StaffAdminBackendRoles)
	}
}

// TestSamlStackWithoutSubjectKey: NameID stays OpenSearch's default, so no
// subjectKey is sent, and the session timeout defaults to 60.
func TestSamlStackWithoutSubjectKey(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			run, _ := samlStack(t, stack, nil, nil)
			saml := run.one(t, samlOptionsType, "domain-saml")
			if v, ok := lookup(saml.Inputs, "samlOptions.subjectKey"); ok {
				t.Errorf("subjectKey = %v sent; want it left to OpenSearch (NameID)", v)
			}
			if got := get(t, saml.Inputs, "samlOptions.sessionTimeoutMinutes"); got != float64(DefaultSamlSessionTimeoutMinutes) {
				t.Errorf("sessionTimeoutMinutes = %v, want %d", got, DefaultSamlSessionTimeoutMinutes)
			}
			for _, k := range []string{"masterUserName", "masterBackendRole"} {
				if v, ok := lookup(saml.Inputs, "samlOptions."+k); ok {
					t.Errorf("samlOptions.%s = %v; the internal master user must stay the master", k, v)
				}
			}
		})
	}
}

// TestNoSamlNoCustomEndpoint: a stack without dashboards.saml keeps its
// domain as it was: no SAML options, no custom endpoint.
func TestNoSamlNoCustomEndpoint(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			src := stackSource(t, stack, map[string]func(any) any{"dashboards": func(v any) any {
				m, _ := v.(map[string]any)
				delete(m, "saml")
				return m
			}})
			run := mustRunStack(t, stack, map[string]string{configNamespace + ":dashboards": src.values[configNamespace+":dashboards"]})
			if n := len(run.ofType(samlOptionsType)); n != 0 {
				t.Errorf("%d SAML options resources without dashboards.saml", n)
			}
			domain := run.one(t, domainType, "domain")
			if v, ok := lookup(domain.Inputs, "domainEndpointOptions.customEndpointEnabled"); ok && v != false {
				t.Errorf("customEndpointEnabled = %v without SAML", v)
			}
			if n := len(run.ofType("aws:acm/certificate:Certificate")); n > 1 {
				t.Errorf("%d certificates requested", n)
			}
		})
	}
}

// TestSamlURLs are the values docs/dashboards.md gives the IdP administrator
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/saml.html:
// SP entity ID https://<endpoint>, SP-initiated ACS URL
// https://<endpoint>/_dashboards/_opendistro/_security/saml/acs).
func TestSamlURLs(t *testing.T) {
	if got, want := SamlACSURL("logs.example.com"), "https://logs.example.com/_dashboards/_opendistro/_security/saml/acs"; got != want {
		t.Errorf("ACS URL %q, want %q", got, want)
	}
	if got, want := SamlServiceProviderEntityID("logs.example.com"), "https://logs.example.com"; got != want {
		t.Errorf("SP entity ID %q, want %q", got, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The dashboards certificate, its validation record and its validation, as
// (type, name) of the harness.
var dashboardsCertificateResources = [][2]string{
	{"aws:acm/certificate:Certificate", "dashboards"},
	{typeRecord, "dashboards-cert-validation"},
	{"aws:acm/certificateValidation:CertificateValidation", "dashboards"},
}

// TestSamlToggleKeepsTheDashboardsCertificate: turning dashboards.saml on
// or off must not move the certificate to another parent. A URN holds the
// parents' types (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns),
// so a move is a replacement: a new certificate and validation record, then
// the old record's deletion, which removes the one CNAME (same name for
// the same domain name and account) that ACM's managed renewal of the new
// certificate checks (https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html).
// With dashboards.certificateArn none is created either way.
func TestSamlToggleKeepsTheDashboardsCertificate(t *testing.T) {
	for _, stack := range stackNames(t) {
		for _, certArn := range []any{nil, testCertificateArn(t, stack, "0a1b2c3d-office")} {
			name := map[bool]string{true: "requested", false: "configured"}[certArn == nil]
			t.Run(stack+"/"+name+" certificate", func(t *testing.T) {
				dash := map[string]any{"certificateArn": certArn, "adminBackendRoles": []string{"logsearch-engineers"}}
				urns := map[bool][]string{}
				for _, saml := range []bool{false, true} {
					edit := withSaml(t, nil, dash)
					if !saml {
						edit = func(v any) any {
							m := withSaml(t, nil, dash)(v).(map[string]any)
							delete(m, "saml")
							return m
						}
					}
					raw := stackSource(t, stack, map[string]func(any) any{"dashboards": edit}).values[configNamespace+":dashboards"]
					run := mustRunStack(t, stack, map[string]string{configNamespace + ":dashboards": raw})
					if got := len(run.ofType(samlOptionsType)); got != map[bool]int{false: 0, true: 1}[saml] {
						t.Fatalf("saml %v: %d SAML options resources", saml, got)
					}
					for _, r := range dashboardsCertificateResources {
						found := 0
						for _, res := range run.ofType(r[0]) {
							if res.Name == r[1] {
								found++
								urns[saml] = append(urns[saml], res.URN+" parent "+res.Parent)
							}
						}
						if want := map[bool]int{true: 1, false: 0}[certArn == nil]; found != want {
							t.Errorf("saml %v: %d %s %q, want %d", saml, found, r[0], r[1], want)
						}
					}
				}
				if !slices.Equal(urns[false], urns[true]) {
					t.Errorf("toggling dashboards.saml moves the certificate (a replacement):\n without: %v\n with:    %v", urns[false], urns[true])
				}
			})
		}
	}
}

// TestDashboardsCertificateKeepsItsFormerURN: stacks deployed without SAML
// before the certificate moved to SearchDomain had it in DashboardsAccess;
// the alias names exactly that stage, so the engine adopts the resources
// instead of replacing them (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
func TestDashboardsCertificateKeepsItsFormerURN(t *testing.T) {
	requested := func(v any) any {
		m, _ := v.(map[string]any)
		delete(m, "certificateArn")
		return m
	}
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			raw := stackSource(t, stack, map[string]func(any) any{"dashboards": requested}).values[configNamespace+":dashboards"]
			run := mustRunStack(t, stack, map[string]string{configNamespace + ":dashboards": raw})
			stage := run.one(t, componentTypePrefix+dashboardsAccessKind, dashboardsAccessStage)
			for _, r := range dashboardsCertificateResources {
				res := run.one(t, r[0], r[1])
				if !slices.Contains(res.AliasParents, stage.URN) {
					t.Errorf("%s %q: aliases' parents %v, want the DashboardsAccess stage %s", r[0], r[1], res.AliasParents, stage.URN)
				}
			}
		})
	}
}

// TestEncryptedSamlMetadataStaysSecret: a stack file that holds
// dashboards encrypted (the metadata set with pulumi config set --path
// --secret; the engine marks the whole object secret) keeps the metadata
// a secret in the domain's SAML options, so neither the state nor a
// snapshot shows it; stored in plain text it stays readable there, for
// the pull request's review.
func TestEncryptedSamlMetadataStaysSecret(t *testing.T) {
	for _, encrypted := range []bool{true, false} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			cfg, _ := stackConfig(t, "saml")
			var dash map[string]any
			if err := json.Unmarshal([]byte(cfg["logsearch:dashboards"]), &dash); err != nil {
				t.Fatal(err)
			}
			saml := dash["saml"].(map[string]any)
			metadata := saml["metadata"].(string)
			if encrypted {
				// Any secure value makes the object secret, as the engine
				// reports it; this one leaves the metadata valid XML.
				saml["subjectKey"] = map[string]any{"secure": "email"}
			}
			b, err := json.Marshal(dash)
			if err != nil {
				t.Fatal(err)
			}
			run := mustRunStack(t, "saml", map[string]string{"logsearch:dashboards": string(b)})
			options := string(snapshotOf(run.one(t, samlOptionsType, "domain-saml")))
			shown := strings.Contains(options, metadataCertificate(t, metadata))
			if encrypted && (shown || !strings.Contains(options, "[secret]")) {
				t.Errorf("the encrypted metadata shows in the SAML options:\n%s", options)
			}
			if !encrypted && !shown {
				t.Errorf("plain metadata is hidden in the SAML options:\n%s", options)
			}
			if encrypted && strings.Contains(string(snapshot(t, run)), metadataCertificate(t, metadata)) {
				t.Error("the encrypted metadata shows in the stack's snapshot")
			}
		})
	}
}

// metadataCertificate is a piece of the metadata's signing certificate,
// long enough to be found only where the metadata is.
func metadataCertificate(t *testing.T, metadata string) string {
	t.Helper()
	_, after, ok := strings.Cut(metadata, "X509Certificate>")
	if !ok || len(after) < 64 {
		t.Fatal("the fixture's metadata has no signing certificate")
	}
	return after[:64]
}
