package logsearch

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SamlConfig turns on SAML single sign-on to OpenSearch Dashboards with the
// company's identity provider. Support staff then sign in with their
// company account; the groups the provider sends in rolesKey are mapped by
// dashboards.readerBackendRoles and dashboards.adminBackendRoles. The master
// user and internal users keep working beside it (break-glass).
type SamlConfig struct {
	// Metadata is the identity provider's SAML 2.0 metadata XML, as the
	// provider offers it for download (an EntityDescriptor with an
	// IDPSSODescriptor, an https SingleSignOnService and a signing
	// certificate). Required with saml. At most 1 MiB, with one
	// EntityDescriptor whose entityID (8 to 512 characters) becomes the
	// IdP's entity ID. Set it from the file:
	// pulumi config set --path 'dashboards.saml.metadata' -- "$(cat idp-metadata.xml)".
	Metadata string `json:"metadata"`
	// RolesKey is the SAML assertion attribute whose values are the user's
	// groups, e.g. groups (Okta, Google Workspace) or
	// http://schemas.microsoft.com/ws/2008/06/identity/claims/groups
	// (Entra ID). Required with saml.
	RolesKey string `json:"rolesKey"`
	// SubjectKey is the SAML assertion attribute that names the user in
	// Dashboards and in the audit log. Default: empty, the assertion's
	// NameID.
	SubjectKey string `json:"subjectKey"`
	// SessionTimeoutMinutes is how long a Dashboards session lasts after
	// sign-in: 1 to 1440 minutes. Default 60.
	SessionTimeoutMinutes int `json:"sessionTimeoutMinutes"`
	// secret: the stack file holds dashboards encrypted (pulumi config set
	// --secret), so the metadata may have been stored as a secret and stays
	// one in the state.
	secret bool
}

// DefaultSamlSessionTimeoutMinutes is OpenSearch Service's own default.
const DefaultSamlSessionTimeoutMinutes = 60

// OpenSearch Service's bounds for SAMLOptionsInput and SAMLIdp
// (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_SAMLOptionsInput.html,
// https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_SAMLIdp.html).
const (
	maxSamlSessionTimeoutMinutes = 1440
	maxSamlMetadataBytes         = 1048576
	minSamlEntityIDLength        = 8
	maxSamlEntityIDLength        = 512
)

// samlMetadataNamespace is the SAML 2.0 metadata namespace
// (saml-metadata-2.0-os, section 2.1).
const samlMetadataNamespace = "urn:oasis:names:tc:SAML:2.0:metadata"

// SamlACSPath is where the IdP posts assertions: Dashboards' SAML
// assertion consumer service (SP-initiated sign-in), below the domain's
// custom endpoint (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/saml.html).
const SamlACSPath = DashboardsPath + "/_opendistro/_security/saml/acs"

// SamlACSURL and SamlServiceProviderEntityID are what the IdP administrator
// registers for the stack's host name.
func SamlACSURL(hostName string) string { return "https://" + hostName + SamlACSPath }

// SamlServiceProviderEntityID is the domain's SP entity ID: its endpoint as
// an https URL, which with a custom endpoint is the host name.
func SamlServiceProviderEntityID(hostName string) string { return "https://" + hostName }

// samlMetadata is what the stack needs from IdP metadata.
type samlMetadata struct {
	EntityID string
}

// parseSamlMetadata checks that raw is SAML 2.0 metadata of one identity
// provider that OpenSearch can use, and returns its entity ID. Each error
// says what is missing, in the terms of the provider's download page.
func parseSamlMetadata(raw string) (samlMetadata, error) {
	var doc struct {
		XMLName    xml.Name
		EntityID   string `xml:"entityID,attr"`
		ValidUntil string `xml:"validUntil,attr"`
		IDP        []struct {
			Protocols string `xml:"protocolSupportEnumeration,attr"`
			SSO       []struct {
				XMLName  xml.Name
				Location string `xml:"Location,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
			Keys []struct {
				Use  string   `xml:"use,attr"`
				Cert []string `xml:"KeyInfo>X509Data>X509Certificate"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
	}
	if len(raw) > maxSamlMetadataBytes {
		return samlMetadata{}, fmt.Errorf("is %d bytes; OpenSearch accepts at most %d", len(raw), maxSamlMetadataBytes)
	}
	if err := refuseDoctype(raw); err != nil {
		return samlMetadata{}, err
	}
	dec := xml.NewDecoder(strings.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		return samlMetadata{}, fmt.Errorf("is not well-formed XML (%v); paste the metadata XML exactly as the identity provider offers it for download", err)
	}
	// Anything after the root element but white space means a truncated
	// or concatenated paste.
	if err := checkXMLTail(dec); err != nil {
		return samlMetadata{}, err
	}
	if doc.XMLName.Space != samlMetadataNamespace || doc.XMLName.Local != "EntityDescriptor" {
		return samlMetadata{}, fmt.Errorf("the root element is %s, not a SAML 2.0 EntityDescriptor (%s); download the identity provider's SAML 2.0 metadata", xmlName(doc.XMLName), samlMetadataNamespace)
	}
	if strings.TrimSpace(doc.EntityID) != doc.EntityID {
		return samlMetadata{}, fmt.Errorf("the EntityDescriptor's entityID %q starts or ends with white space, so it never equals the Issuer of the provider's assertions: remove the spaces (download the metadata again rather than editing it)", doc.EntityID)
	}
	if doc.ValidUntil != "" {
		until, err := time.Parse(time.RFC3339, doc.ValidUntil)
		switch {
		case err != nil:
			return samlMetadata{}, fmt.Errorf("the EntityDescriptor's validUntil %q is not an xs:dateTime such as 2030-01-01T00:00:00Z: download the metadata again", doc.ValidUntil)
		case until.Before(time.Now()):
			return samlMetadata{}, fmt.Errorf("the metadata expired at validUntil %s; OpenSearch refuses expired metadata: download it again from the identity provider (or ask its administrator to renew it)", doc.ValidUntil)
		}
	}
	if n := len(doc.EntityID); n < minSamlEntityIDLength || n > maxSamlEntityIDLength {
		return samlMetadata{}, fmt.Errorf("the EntityDescriptor's entityID %q must be %d to %d characters (the identity provider's entity ID, often its issuer URL)", doc.EntityID, minSamlEntityIDLength, maxSamlEntityIDLength)
	}
	if len(doc.IDP) != 1 {
		return samlMetadata{}, fmt.Errorf("has %d IDPSSODescriptor elements; it must describe exactly one identity provider (is this the service provider's metadata?)", len(doc.IDP))
	}
	idp := doc.IDP[0]
	if !strings.Contains(idp.Protocols, "urn:oasis:names:tc:SAML:2.0:protocol") {
		return samlMetadata{}, errors.New("the IDPSSODescriptor does not list urn:oasis:names:tc:SAML:2.0:protocol in protocolSupportEnumeration; OpenSearch speaks SAML 2.0 only")
	}
	hasHTTPS := false
	for _, s := range idp.SSO {
		u, err := url.Parse(s.Location)
		hasHTTPS = hasHTTPS || (err == nil && u.Scheme == "https" && u.Hostname() != "")
	}
	if !hasHTTPS {
		return samlMetadata{}, errors.New("the IDPSSODescriptor has no SingleSignOnService with an https:// Location naming a host (https://idp.example.com/sso/saml); browsers are sent there to sign in: download the metadata again from the identity provider")
	}
	hasCert := false
	for _, k := range idp.Keys {
		for _, c := range k.Cert {
			if k.Use == "encryption" || strings.TrimSpace(c) == "" {
				continue
			}
			if err := parseSigningCertificate(c); err != nil {
				return samlMetadata{}, err
			}
			hasCert = true
		}
	}
	if !hasCert {
		return samlMetadata{}, errors.New("the IDPSSODescriptor has no signing certificate (KeyDescriptor with an X509Certificate); OpenSearch needs it to verify assertions")
	}
	return samlMetadata{EntityID: doc.EntityID}, nil
}

// refuseDoctype refuses a document type declaration before the root
// element. OpenSearch reads the metadata with OpenSAML, whose parser pool
// is configured to disallow DOCTYPE declarations (the Xerces feature
// http://apache.org/xml/features/disallow-doctype-decl, against XML entity
// attacks), so such metadata would fail only inside the domain; the
// OpenSAML source could not be read here to confirm the default, which the
// security plugin's refusal of such metadata shows.
func refuseDoctype(raw string) error {
	dec := xml.NewDecoder(strings.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the full decode reports malformed XML
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return errors.New("has a <!DOCTYPE …> declaration, which OpenSearch's SAML library (OpenSAML) refuses: remove it, or download the metadata again from the identity provider")
			}
		case xml.StartElement:
			return nil
		}
	}
}

// checkXMLTail refuses content after the root element.
func checkXMLTail(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("is not well-formed XML after the root element (%v)", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("has text after the root element; paste one metadata document")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return errors.New("has more than one root element; paste one metadata document")
		}
	}
}

func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Local + " in namespace " + n.Space
}

// validateSaml checks dashboards.saml and how it combines with the rest of
// the dashboards config.
func (c *Config) validateSaml(ps *problems) {
	d := &c.Dashboards
	s := d.Saml
	if s == nil {
		return
	}
	if strings.TrimSpace(s.Metadata) == "" {
		ps.add("dashboards.saml.metadata", "", "required with saml: the identity provider's SAML 2.0 metadata XML: pulumi config set --path 'dashboards.saml.metadata' -- \"$(cat idp-metadata.xml)\"")
	} else if _, err := parseSamlMetadata(s.Metadata); err != nil {
		ps.add("dashboards.saml.metadata", "", "%v", err)
	}
	if strings.TrimSpace(s.RolesKey) == "" {
		ps.add("dashboards.saml.rolesKey", s.RolesKey, "required with saml: the assertion attribute that carries the user's groups, e.g. groups; configure the identity provider to send it")
	}
	if s.SubjectKey != strings.TrimSpace(s.SubjectKey) {
		ps.add("dashboards.saml.subjectKey", s.SubjectKey, "has leading or trailing spaces; write the attribute name exactly, or leave it out for NameID")
	}
	if s.RolesKey != strings.TrimSpace(s.RolesKey) {
		ps.add("dashboards.saml.rolesKey", s.RolesKey, "has leading or trailing spaces; write the attribute name exactly")
	}
	if s.SessionTimeoutMinutes < 1 || s.SessionTimeoutMinutes > maxSamlSessionTimeoutMinutes {
		ps.add("dashboards.saml.sessionTimeoutMinutes", s.SessionTimeoutMinutes, "must be 1 to %d minutes (default %d)", maxSamlSessionTimeoutMinutes, DefaultSamlSessionTimeoutMinutes)
	}
	if len(d.ReaderBackendRoles) == 0 && len(d.AdminBackendRoles) == 0 {
		ps.add("dashboards.readerBackendRoles", "", "SAML sign-in needs at least one identity-provider group to map: list the support staff's group here (or an engineers' group in dashboards.adminBackendRoles); without one every SAML user signs in with no rights")
	}
	if d.Oidc != nil {
		ps.add("dashboards.oidc", "", "cannot be combined with dashboards.saml: staff would sign in twice (once at the load balancer, once in Dashboards). Remove dashboards.oidc; SAML already signs staff in with the identity provider")
	}
}

// applyDefaults fills what dashboards.saml leaves out.
func (s *SamlConfig) applyDefaults() {
	if s != nil && s.SessionTimeoutMinutes == 0 {
		s.SessionTimeoutMinutes = DefaultSamlSessionTimeoutMinutes
	}
}

// CustomEndpoint is the domain's own name for Dashboards: dashboards.hostName
// with the stack's certificate. It exists only with SAML, whose ACS URL and
// Dashboards' own links must carry the name staff open. The VPC endpoint
// stays what every function (setup, ingest, target sync) talks to.
type CustomEndpoint struct {
	HostName       string
	CertificateArn pulumi.StringOutput
}

// newCustomEndpoint gives the domain its custom endpoint when SAML is on,
// nil otherwise. The certificate is the one the load balancer serves:
// dashboards.certificateArn, or the one the stack requests for hostName
// (so the name matches the certificate by construction). The requested
// certificate's ARN comes from its validation, so the domain waits until
// ACM has issued it.
func newCustomEndpoint(cfg *Config, certArn pulumi.StringOutput) *CustomEndpoint {
	if cfg.Dashboards.Saml == nil {
		return nil
	}
	return &CustomEndpoint{HostName: cfg.Dashboards.HostName, CertificateArn: certArn}
}

// dashboardsZoneID is the ID of dashboards.hostedZone: Args.Existing.HostedZoneID
// when given (checked when it resolves), otherwise looked up by name.
func dashboardsZoneID(ctx *pulumi.Context, cfg *Config) (pulumi.StringOutput, error) {
	if cfg.Existing.HostedZoneID != nil {
		return cfg.existingZoneID(ctx), nil
	}
	if cfg.hostedZoneID != "" {
		return pulumi.String(cfg.hostedZoneID).ToStringOutput(), nil
	}
	d := cfg.Dashboards
	zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{Name: pulumi.StringRef(d.HostedZone), PrivateZone: pulumi.BoolRef(d.PrivateZone)})
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("dashboards.hostedZone %q (privateZone %v): no such Route53 hosted zone in this account: %w", d.HostedZone, d.PrivateZone, err)
	}
	return pulumi.String(zone.ZoneId).ToStringOutput(), nil
}

// endpointOptions are the domain's endpoint options: HTTPS only with the
// newest TLS policy, plus the custom endpoint when there is one.
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/customendpoint.html
func (e *CustomEndpoint) endpointOptions() *opensearch.DomainDomainEndpointOptionsArgs {
	opts := &opensearch.DomainDomainEndpointOptionsArgs{
		EnforceHttps:      pulumi.Bool(true),
		TlsSecurityPolicy: pulumi.String(TLSPolicy),
	}
	if e != nil {
		opts.CustomEndpointEnabled = pulumi.Bool(true)
		opts.CustomEndpoint = pulumi.String(e.HostName)
		opts.CustomEndpointCertificateArn = e.CertificateArn
	}
	return opts
}

// newSamlSignIn turns on SAML sign-in to Dashboards when dashboards.saml is
// set. The master user is not replaced (no SAML master user or master
// backend role): the internal user database stays on for break-glass, and
// setup maps the groups to roles. The options wait for the domain access
// policy (see NewAccessPolicy): both update the domain, and AWS takes one
// update at a time, the policy first.
func (domain *SearchDomain) newSamlSignIn(ctx *pulumi.Context, s *SamlConfig, accessPolicy pulumi.Resource) error {
	if s == nil {
		return nil
	}
	meta, err := parseSamlMetadata(s.Metadata)
	if err != nil { // validated in LoadConfig; kept for callers that skip it
		return fmt.Errorf("logsearch:dashboards.saml.metadata: %w", err)
	}
	metadata := pulumi.String(s.Metadata).ToStringOutput()
	if s.secret {
		metadata = pulumi.ToSecret(metadata).(pulumi.StringOutput)
	}
	options := &opensearch.DomainSamlOptionsSamlOptionsArgs{
		Enabled: pulumi.Bool(true),
		Idp: &opensearch.DomainSamlOptionsSamlOptionsIdpArgs{
			EntityId:        pulumi.String(meta.EntityID),
			MetadataContent: metadata,
		},
		RolesKey:              pulumi.String(s.RolesKey),
		SessionTimeoutMinutes: pulumi.Int(s.SessionTimeoutMinutes),
	}
	if s.SubjectKey != "" {
		options.SubjectKey = pulumi.String(s.SubjectKey)
	}
	_, err = opensearch.NewDomainSamlOptions(ctx, childName(ctx, "domain-saml"), &opensearch.DomainSamlOptionsArgs{
		DomainName:  domain.Name,
		SamlOptions: options,
	}, childOptions(ctx, pulumi.DependsOn([]pulumi.Resource{domain.Resource, accessPolicy}))...)
	return err
}

// parseSigningCertificate checks that an X509Certificate element holds a
// certificate: the base64 of its DER encoding (XML Signature, ds:X509Data:
// https://www.w3.org/TR/xmldsig-core1/#sec-X509Data), white space allowed.
// OpenSearch verifies assertions with it, so anything else fails only at
// the first sign-in.
func parseSigningCertificate(text string) error {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		return fmt.Errorf("the IDPSSODescriptor's signing certificate is not base64 (%v): download the metadata again rather than copying the certificate by hand", err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return fmt.Errorf("the IDPSSODescriptor's signing certificate is not an X.509 certificate (%v): download the metadata again from the identity provider", err)
	}
	return nil
}
