package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Profile is what an accepted token says about its user: the fields the
// store creates the user with and refreshes on every accepted token (SPEC
// section 5).
type Profile struct {
	ExternalID   string
	Email        string
	Name         string
	AvatarURL    string
	Lang         string
	Role         Role
	CustomFields json.RawMessage
}

// Profile returns the user profile the claims describe.
func (c *Claims) Profile() Profile {
	return Profile{
		ExternalID:   c.ExternalID,
		Email:        c.Email,
		Name:         c.Name,
		AvatarURL:    c.AvatarURL,
		Lang:         c.Lang,
		Role:         c.Role,
		CustomFields: c.CustomFields,
	}
}

// UserKey says how the token's user is found among the help center's
// users: by external_id when the token gives one (so an email change at
// the partner follows the same user), else by email, compared
// case-insensitively (key is then the lower-cased email).
func (p Profile) UserKey() (byExternalID bool, key string) {
	if p.ExternalID != "" {
		return true, p.ExternalID
	}
	return false, NormalizeEmail(p.Email)
}

// NormalizeEmail is the form in which emails are compared: lower case.
func NormalizeEmail(email string) string {
	return strings.ToLower(email)
}

// ProvisionedUser is the help center's user a token signed in.
type ProvisionedUser struct {
	ID     int64
	Banned bool
}

// UserProvisioner creates and refreshes a help center's users.
type UserProvisioner interface {
	// ProvisionUser finds the help center's user as Profile.UserKey says,
	// creates it on first sight, and refreshes name, email, avatar,
	// language, role and custom fields from p — all in one transaction,
	// with a unique index behind each lookup key so that two concurrent
	// first sign-ins make one user. It never changes the banned flag: a
	// banned user stays banned whatever the token says, and a ban recorded
	// for an email before its first sign-in applies to the user created.
	ProvisionUser(ctx context.Context, helpCenterID int64, p Profile, now time.Time) (ProvisionedUser, error)
}

// Provision provisions the token's user and then runs step 14
// (user_banned). A storage error is returned as an error and must be
// treated as a failure, never as a success.
func Provision(ctx context.Context, up UserProvisioner, helpCenterID int64, c *Claims, now time.Time) (ProvisionedUser, *Rejection, error) {
	u, err := up.ProvisionUser(ctx, helpCenterID, c.Profile(), now)
	if err != nil {
		return ProvisionedUser{}, nil, fmt.Errorf("provision user: %w", err)
	}
	if u.Banned {
		return u, c.reject(ReasonUserBanned, "the user %s is suspended on this help center", quote(c.Email)), nil
	}
	return u, nil, nil
}
