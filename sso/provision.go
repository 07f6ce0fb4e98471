package sso

import (
	"context"
	"fmt"
	"time"

	"helpcenter/models"
)

// Profile returns the user profile the claims describe.
func (c *Claims) Profile() models.Profile {
	return models.Profile{
		ExternalID:   c.ExternalID,
		Email:        c.Email,
		Name:         c.Name,
		AvatarURL:    c.AvatarURL,
		Lang:         c.Lang,
		Role:         c.Role,
		CustomFields: c.CustomFields,
		Groups:       c.Groups,
		KeepLang:     !c.NamesLang,
		KeepAvatar:   !c.NamesAvatar,
		KeepCustom:   !c.NamesCustomFields,
	}
}

// UserProvisioner creates and refreshes a help center's users.
type UserProvisioner interface {
	// ProvisionUser finds the help center's user — by external_id when the
	// token gives one (so an email change at the partner follows the same
	// user), else by email compared case-insensitively —
	// creates it on first sight, and refreshes name, email, avatar,
	// language, role and custom fields from p — all in one transaction,
	// with a unique index behind each lookup key so that two concurrent
	// first sign-ins make one user. It never changes the banned flag: a
	// banned user stays banned whatever the token says, and a ban recorded
	// for an email before its first sign-in applies to the user created.
	ProvisionUser(ctx context.Context, helpCenterID int64, p models.Profile, now time.Time) (models.ProvisionedUser, error)
}

// Provision provisions the token's user and then runs step 14
// (user_banned). A storage error is returned as an error and must be
// treated as a failure, never as a success.
func Provision(ctx context.Context, up UserProvisioner, helpCenterID int64, c *Claims, now time.Time) (models.ProvisionedUser, *Rejection, error) {
	u, err := up.ProvisionUser(ctx, helpCenterID, c.Profile(), now)
	if err != nil {
		return models.ProvisionedUser{}, nil, fmt.Errorf("provision user: %w", err)
	}
	if u.Banned {
		return u, c.reject(ReasonUserBanned, "the user %s is suspended on this help center", quote(c.Email)), nil
	}
	return u, nil, nil
}
