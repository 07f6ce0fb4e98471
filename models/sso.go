package models

import "time"

// Role ranks what a signed-in end user may read: viewer < editor < admin.
type Role string

// The roles of the `role` claim (SPEC section 4); viewer is the default.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// Rank orders roles; an unknown role ranks as a viewer.
func (r Role) Rank() int {
	switch r {
	case RoleEditor:
		return 1
	case RoleAdmin:
		return 2
	default:
		return 0
	}
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleViewer || r == RoleEditor || r == RoleAdmin }

// User is an end user of one help center, provisioned from SSO tokens.
type User struct {
	ID           int64
	HelpCenterID int64
	ExternalID   string // empty when the partner sends none
	Email        string
	EmailLower   string // the lookup key: emails match case-insensitively
	Name         string
	AvatarURL    string
	Lang         string
	Role         Role
	CustomFields string // a JSON object, as the token carried it
	Banned       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastSignInAt *time.Time
}

// Event names of SPEC section 6.
const (
	EventRedirectRejected  = "sso.redirect_flow.rejected"
	EventRedirectSucceeded = "sso.redirect_flow.succeeded"
	EventWidgetRejected    = "widget_jwt.rejected"
)

// Event is one SSO outcome in the Logs view. Email and JTI are filled only
// from a token whose signature verified; the raw token is never stored.
type Event struct {
	ID           int64
	HelpCenterID int64
	CreatedAt    time.Time
	Event        string
	Reason       string // empty on success
	Detail       string
	Email        string
	JTI          string
	IP           string
	UserAgent    string
	// Count is 1, or the number of rejections a summary row stands for
	// when a flood went past the per-help-center ceiling.
	Count int
}

// VisitorSession is an end user's signed-in session on one help center.
type VisitorSession struct {
	IDHash       []byte `gorm:"primaryKey"`
	HelpCenterID int64
	UserID       int64
	// JTIHash is the SHA-256 of the jti that opened the session, for the
	// harmless-repeat rule of SPEC section 3.
	JTIHash   []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}
