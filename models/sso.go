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

// Rank orders roles: viewer 1, editor 2, admin 3. Anything else ranks 0,
// below every role, so an unknown value never grants access.
func (r Role) Rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
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
	// Groups is a JSON array of the groups the latest token asserted.
	Groups    string
	Banned    bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// FirstSignInAt is nil for a user created beforehand (by the console,
	// the CLI or the API) who has not signed in yet.
	FirstSignInAt *time.Time
	LastSignInAt  *time.Time
}

// Event names of SPEC section 6.
const (
	EventRedirectRejected  = "sso.redirect_flow.rejected"
	EventRedirectSucceeded = "sso.redirect_flow.succeeded"
	EventWidgetRejected    = "widget_jwt.rejected"
)

// EventNames are every event, in the order filters list them.
var EventNames = []string{EventRedirectRejected, EventRedirectSucceeded, EventWidgetRejected}

// DefaultLogEvents are what an absent or empty event filter means (SPEC
// section 6): the rejections of both surfaces.
var DefaultLogEvents = []string{EventRedirectRejected, EventWidgetRejected}

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
	// Key names the verification key that checked the token's signature
	// (its label and fingerprint), empty when none did.
	Key string `gorm:"column:key_name"`
	// KeyID is the stored key that checked it (a JWKS URL's for its keys),
	// 0 when none did; the Logs view filters by it, and the key's usage
	// counts it.
	KeyID int64
	// RequestID is the request that wrote the row (set by the store from
	// the request's context).
	RequestID string
	// Skew is the verified token's iat − now in seconds (the signer's
	// clock ahead of ours, less transit), nil when no claims were read.
	Skew *float64 `gorm:"column:iat_skew"`
	// Count is 1, or the number of rejections a summary row stands for
	// when a flood went past the per-help-center ceiling.
	Count int
	// Summary marks the one row per minute that counts rejections past the
	// ceiling instead of logging each.
	Summary bool
}

// VisitorSession is an end user's signed-in session on one help center.
type VisitorSession struct {
	IDHash       []byte `gorm:"primaryKey"`
	HelpCenterID int64
	UserID       int64
	// JTI is the jti of the token that opened the session, for the
	// harmless-repeat rule of SPEC section 3 (a consumed key, worthless now).
	JTI string
	// ReturnTo is where the sign-in sent the visitor; a harmless repeat
	// sends them there again.
	ReturnTo  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Revocation says a visitor session must no longer sign anyone in, until
// it would have expired anyway. Sessions live in signed cookies, so every
// instance keeps the revocations in memory (see handlers).
type Revocation struct {
	ID           int64
	IDHash       []byte
	HelpCenterID int64
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// TableName keeps the table's name in the plural of its subject.
func (Revocation) TableName() string { return "revoked_sessions" }

// PendingKey is a one-time sign-in key handed out when a visitor without a
// session reaches a private help center (SPEC section 3, step 2). The key
// goes to the partner's login page and must come back as the token's jti.
type PendingKey struct {
	// Key is 32 random bytes as unpadded base64url. The store keeps only
	// its hash, so the table is no list of live sign-in keys.
	Key string
	// BrowserHash binds the key to the browser that asked for it: the hex
	// SHA-256 of its browser id cookie, never the cookie itself.
	BrowserHash string
	// ReturnTo is the page the visitor asked for: a path and query on this
	// help center's host.
	ReturnTo  string
	ExpiresAt time.Time
}

// Profile is what an accepted token says about its user: what the store
// creates the user with and refreshes on every accepted token (SPEC
// section 5).
type Profile struct {
	ExternalID   string
	Email        string
	Name         string
	AvatarURL    string
	Lang         string
	Role         Role
	CustomFields []byte // a JSON object, or nil when the token had none
	Groups       []string
	// KeepLang, KeepAvatar and KeepCustom: the token left that profile
	// claim out, so the user keeps what they have (a null clears it).
	KeepLang, KeepAvatar, KeepCustom bool
}

// ProvisionedUser is the help center's user a token signed in.
type ProvisionedUser struct {
	ID     int64
	Banned bool
}

// JTIHolder says who holds a jti on a help center, as seen by one widget
// instance asking to use it (SPEC section 8).
type JTIHolder struct {
	// Widget is false when the redirect flow (/sso/jwt) took the jti.
	Widget bool
	// SameInstance is true when the jti is bound to the asking instance.
	SameInstance bool
}
