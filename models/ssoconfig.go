package models

import "time"

// SSOSettings are the JWT single sign-on settings an admin applies, in the
// console's JWT form or with `helpcenter sso configure`. The shared secret
// is not among them: it travels separately so that it is never copied
// around with the rest.
type SSOSettings struct {
	LoginURL         string
	LogoutURL        string
	Issuer           string
	Audience         string
	TokenTTL         int // seconds
	AllowUnsolicited bool
	ReportOnly       bool
	InviteOnly       bool
	// AllowedDomains is one domain a line, lower-case; "" allows any.
	AllowedDomains string
	// SessionLength is in seconds.
	SessionLength int
}

// SSOSettings returns the help center's current JWT settings.
func (h *HelpCenter) SSOSettings() SSOSettings {
	return SSOSettings{
		LoginURL: h.LoginURL, LogoutURL: h.LogoutURL, Issuer: h.Issuer, Audience: h.Audience,
		TokenTTL: h.TokenTTL, AllowUnsolicited: h.AllowUnsolicited, ReportOnly: h.ReportOnly,
		InviteOnly: h.InviteOnly, AllowedDomains: h.AllowedDomains, SessionLength: h.SessionLength,
	}
}

// AuditEntry is one change to a help center's security settings: who made
// it, when, and what changed, in words. It never holds a secret.
type AuditEntry struct {
	ID           int64
	HelpCenterID int64
	CreatedAt    time.Time
	// Actor is the admin's email, "API key hcapi_… (label)", "helpcenter
	// CLI", or "system" for the product's own jobs.
	Actor string
	// Action is a sentence such as "Secret regenerated", with old → new.
	Action string
	// IP and UserAgent are the request's, "" from the CLI or a job.
	IP        string
	UserAgent string
}

// Providers whose "Notify me when this ships" wish an admin can record;
// the values are the keys stored in provider_wishes.
const (
	ProviderSAML   = "saml"
	ProviderOIDC   = "oidc"
	ProviderGoogle = "google"
	ProviderOkta   = "okta"
	ProviderEntra  = "entra"
)

// ProviderNames name each provider as the console and mail do.
var ProviderNames = map[string]string{
	ProviderSAML: "SAML 2.0", ProviderOIDC: "OpenID Connect", ProviderGoogle: "Google Workspace",
	ProviderOkta: "Okta", ProviderEntra: "Microsoft Entra ID",
}

// ShippedProviders is the shipping flag: a provider listed here has
// shipped, and every admin who asked to hear about it is mailed once
// (internal/app). None has shipped yet.
var ShippedProviders = []string{}
