// Package models holds the domain's plain structs and errors. Nothing here
// talks to the database; the store fills and persists these.
package models

import (
	"errors"
	"time"
)

// Domain errors the store returns and handlers translate into statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Workspace is a customer company.
type Workspace struct {
	ID   int64
	Name string
	// RequireTwoFactor sends every admin without two-factor to enrol.
	RequireTwoFactor bool
	CreatedAt        time.Time
}

// Admin is a workspace member who uses the console. An admin email belongs
// to exactly one workspace.
type Admin struct {
	ID           int64
	WorkspaceID  int64
	Email        string // stored lower-cased
	PasswordHash string
	Role         AdminRole
	// TOTPSealed is the confirmed two-factor secret, sealed; TOTPEnabledAt
	// is nil while two-factor is off. TOTPLastStep is the last time step
	// a code was accepted for: a code works once.
	TOTPSealed    []byte     `gorm:"column:totp_sealed"`
	TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
	TOTPLastStep  int64      `gorm:"column:totp_last_step"`
	CreatedAt     time.Time
}

// TwoFactor reports whether the admin signs in with a second factor.
func (a *Admin) TwoFactor() bool { return a.TOTPEnabledAt != nil }

// Visibility says who may read a help center.
type Visibility string

// The three visibilities of SPEC section 3.
const (
	VisibilityPublic   Visibility = "public"
	VisibilityPrivate  Visibility = "private"
	VisibilityPassword Visibility = "password"
)

// Valid reports whether v is one of the known visibilities.
func (v Visibility) Valid() bool {
	return v == VisibilityPublic || v == VisibilityPrivate || v == VisibilityPassword
}

// DefaultTokenTTL is the Token TTL a help center starts with (SPEC section 7).
const DefaultTokenTTL = 300

// Session length bounds, in seconds (SPEC section 3): 12 hours by
// default, 5 minutes to 30 days.
const (
	DefaultSessionLength = 12 * 60 * 60
	MinSessionLength     = 5 * 60
	MaxSessionLength     = 30 * 24 * 60 * 60
)

// HelpCenter is a tenant site and its SSO configuration. The shared JWT
// secret is only ever held sealed here; the store opens it on demand.
type HelpCenter struct {
	ID           int64
	WorkspaceID  int64
	PublicID     string // the widget's app_id: public, unguessable, not the subdomain
	Name         string
	Subdomain    string
	CustomDomain string // empty when none
	// DomainToken is what the TXT record _helpcenter.<custom domain> must
	// hold; DomainVerifiedAt is when it was found there. Until then the
	// custom domain serves nothing.
	DomainToken      string
	DomainVerifiedAt *time.Time
	Visibility       Visibility
	SitePasswordHash string
	SSOEnabled       bool
	LoginURL         string
	LogoutURL        string
	Issuer           string
	Audience         string
	TokenTTL         int
	AllowUnsolicited bool
	// ReportOnly rolls single sign-on out without locking anyone out: every
	// token is checked and every outcome logged, but a visitor whose
	// sign-in fails is let in anyway (as a viewer, without a session).
	ReportOnly bool
	// InviteOnly refuses tokens of users the help center does not know
	// yet (user_not_invited); AllowedDomains, one a line, limits the
	// email domains new users may have (email_domain_not_allowed).
	InviteOnly     bool
	AllowedDomains string
	// SessionLength is how long a visitor session lasts, in seconds.
	SessionLength int
	// KeysVersion changes whenever one of the help center's verification
	// keys does (the database's triggers bump it): an instance keeps the
	// keys it loaded for as long as the fresh row shows the same version.
	KeysVersion int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CanonicalDomain is the verified custom domain, the help center's
// canonical host (SPEC section 2); "" when it has none.
func (h *HelpCenter) CanonicalDomain() string {
	if h.CustomDomain != "" && h.DomainVerifiedAt != nil {
		return h.CustomDomain
	}
	return ""
}

// DomainRecord is the name of the TXT record that verifies the custom
// domain.
func (h *HelpCenter) DomainRecord() string { return "_helpcenter." + h.CustomDomain }

// AdminSession is a signed-in admin's server-side session; deleting the row
// revokes the cookie that names it.
type AdminSession struct {
	IDHash      []byte `gorm:"primaryKey"`
	AdminID     int64
	WorkspaceID int64
	// IP and UserAgent are the browser's when the session opened.
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ConflictError says which unique field collided, so a form can put the
// message beside that field. It matches ErrConflict with errors.Is.
type ConflictError struct{ Field string }

func (e *ConflictError) Error() string { return e.Field + " is already taken" }

// Unwrap lets errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }
