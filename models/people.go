package models

import (
	"slices"
	"strings"
	"time"
)

// AdminRole is what an admin of a workspace may do (SPEC section 10).
type AdminRole string

// The three roles of a workspace's team.
const (
	// TeamOwner may do everything, the team's owners included.
	TeamOwner AdminRole = "owner"
	// TeamAdmin may do everything but touch the team's owners.
	TeamAdmin AdminRole = "admin"
	// TeamEditor writes articles and categories, nothing else.
	TeamEditor AdminRole = "editor"
)

// AdminRoles lists the roles, most powerful first: the order of every
// role picker.
var AdminRoles = []AdminRole{TeamOwner, TeamAdmin, TeamEditor}

// ParseAdminRole reads a role as a form or the CLI gives it.
func ParseAdminRole(s string) (AdminRole, error) {
	r := AdminRole(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(AdminRoles, r) {
		return "", Problem("Choose Owner, Admin or Editor.")
	}
	return r, nil
}

// Label is the role as the console names it.
func (r AdminRole) Label() string {
	switch r {
	case TeamOwner:
		return "Owner"
	case TeamAdmin:
		return "Admin"
	case TeamEditor:
		return "Editor"
	}
	return string(r)
}

// ManagesSettings reports whether the role reaches every settings page
// (an Editor reaches articles and categories only).
func (r AdminRole) ManagesSettings() bool { return r == TeamOwner || r == TeamAdmin }

// CanManage reports whether an admin of role r may invite, change or
// remove a member of role target, or give that role: an Admin manages
// Admins and Editors, never an Owner.
func (r AdminRole) CanManage(target AdminRole) bool {
	switch r {
	case TeamOwner:
		return true
	case TeamAdmin:
		return target != TeamOwner
	}
	return false
}

// Invitation is a pending (or answered) invitation to join a workspace's
// team. Only the hash of its one-time token is stored.
type Invitation struct {
	ID          int64
	WorkspaceID int64
	Email       string
	Role        AdminRole
	TokenHash   []byte
	InvitedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  *time.Time
	RevokedAt   *time.Time
}

// InvitationTTL is how long an invitation link holds (SPEC section 10).
const InvitationTTL = 7 * 24 * time.Hour

// PasswordResetTTL is how long a password-reset link holds.
const PasswordResetTTL = time.Hour

// Pending reports whether the invitation can still be accepted at now.
func (i Invitation) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// Mail is one message the product sends: to one address, a plain-text
// part always and an HTML part when there is one.
type Mail struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// APIScope is one permission of a partner API key (SPEC section 10).
type APIScope string

// The scopes of the partner API.
const (
	ScopeUsersRead      APIScope = "users:read"
	ScopeUsersWrite     APIScope = "users:write"
	ScopeSessionsRevoke APIScope = "sessions:revoke"
	ScopeLogsRead       APIScope = "logs:read"
)

// APIScopes lists every scope, in the order the console shows them.
var APIScopes = []APIScope{ScopeUsersRead, ScopeUsersWrite, ScopeSessionsRevoke, ScopeLogsRead}

// APIKey is a partner API key of a help center; only a hash of the secret
// part is stored, and Prefix (shown in lists) identifies it to a person.
type APIKey struct {
	ID           int64
	HelpCenterID int64
	Label        string
	Prefix       string
	Hash         []byte
	Scopes       string // space-separated APIScope values
	CreatedBy    string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	RevokedAt    *time.Time
}

// Allows reports whether the key carries scope.
func (k APIKey) Allows(scope APIScope) bool {
	return slices.Contains(strings.Fields(k.Scopes), string(scope))
}

// QueuedMail is a mail claimed from the queue for one sending attempt.
type QueuedMail struct {
	ID        int64
	Mail      Mail
	Attempts  int // counting the attempt about to be made
	CreatedAt time.Time
	// RequestID is the request that queued the mail, for the log.
	RequestID string
}

// AlertRules are a help center's alerts (SPEC section 12), each mailed to
// its owners and admins at most once an hour.
type AlertRules struct {
	HelpCenterID int64 `gorm:"primaryKey"`
	// RejectionsThreshold alerts when more rejected sign-ins than this
	// arrive in AlertWindow; 0 is off.
	RejectionsThreshold int
	// ReasonJump alerts when one reason jumps after a settings change.
	ReasonJump       bool
	LastRejectionsAt *time.Time
	LastJumpAt       *time.Time
}

// AlertWindow is the span the rejections rule counts over; AlertEvery is
// the least time between two alerts of one rule.
const (
	AlertWindow = 10 * time.Minute
	AlertEvery  = time.Hour
)

// The alert rules, as the store marks when each last fired.
const (
	AlertRejections = "rejections"
	AlertReasonJump = "reason_jump"
)

// TableName is alert_rules.
func (AlertRules) TableName() string { return "alert_rules" }

// Webhook is an endpoint a help center's events are posted to (SPEC
// section 12); its signing secret is sealed at rest.
type Webhook struct {
	ID           int64
	HelpCenterID int64
	URL          string
	Events       string // space-separated event names
	SecretSealed []byte
	CreatedBy    string
	CreatedAt    time.Time
	AfterEventID int64
}

// Wants reports whether the webhook receives event.
func (w Webhook) Wants(event string) bool { return slices.Contains(strings.Fields(w.Events), event) }

// WebhookDelivery is one event posted (or to be posted) to a webhook.
type WebhookDelivery struct {
	ID            int64
	WebhookID     int64
	HelpCenterID  int64
	Event         string
	Payload       string
	Status        string // "queued", "delivered" or "failed"
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	// RequestID is the request whose event the delivery carries.
	RequestID string
}

// The states of a delivery.
const (
	DeliveryQueued    = "queued"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WorkspaceOIDC is a workspace's OpenID Connect provider for its admins
// (SPEC section 13): admins whose email is at Domain sign in through it.
type WorkspaceOIDC struct {
	WorkspaceID        int64 `gorm:"primaryKey"`
	Issuer             string
	ClientID           string
	ClientSecretSealed []byte
	Domain             string
	// CreateAdmins makes an Editor of someone at Domain who is not yet an
	// admin; Required turns passwords off for admins at Domain.
	CreateAdmins bool
	Required     bool `gorm:"column:required"`
}

// TableName is workspace_oidc.
func (WorkspaceOIDC) TableName() string { return "workspace_oidc" }
