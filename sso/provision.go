package sso

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	//
	// With create false a user the help center does not know is not
	// created: the zero ProvisionedUser (ID 0) comes back.
	ProvisionUser(ctx context.Context, helpCenterID int64, p models.Profile, create bool, now time.Time) (models.ProvisionedUser, error)
}

// Provisioning is who may become a user of the help center on their first
// sign-in (SPEC section 10): anyone, or, with InviteOnly, only users
// created beforehand; and, when AllowedDomains is not empty, only emails
// of those domains (exact, lower-case).
type Provisioning struct {
	InviteOnly     bool
	AllowedDomains []string
}

// allows reports whether a new user with this email may be created.
func (p Provisioning) allows(email string) bool {
	return !p.InviteOnly && p.domainAllowed(email)
}

func (p Provisioning) domainAllowed(email string) bool {
	if len(p.AllowedDomains) == 0 {
		return true
	}
	_, domain, _ := strings.Cut(models.EmailKey(email), "@")
	return slices.Contains(p.AllowedDomains, domain)
}

// Provision provisions the token's user and then runs steps 14
// (user_banned), 15 (user_not_invited) and 16 (email_domain_not_allowed):
// a known user signs in whatever the provisioning rules, which decide
// only who may become one. A storage error is returned as an error and
// must be treated as a failure, never as a success.
func Provision(ctx context.Context, up UserProvisioner, helpCenterID int64, rules Provisioning, c *Claims, now time.Time) (models.ProvisionedUser, *Rejection, error) {
	u, err := up.ProvisionUser(ctx, helpCenterID, c.Profile(), rules.allows(c.Email), now)
	if err != nil {
		return models.ProvisionedUser{}, nil, fmt.Errorf("provision user: %w", err)
	}
	return u, rules.Judge(u.ID != 0, u.Banned, c), nil
}

// Judge is checks 14–16 for the token's user, known or not (a banned
// email counts as known), as Provision applies them; nil lets them in.
// The console's token tester asks it about the user a token names.
func (p Provisioning) Judge(known, banned bool, c *Claims) *Rejection {
	switch {
	case banned:
		return c.reject(ReasonUserBanned, "the user %s is suspended on this help center", quote(c.Email))
	case known, p.allows(c.Email):
		return nil
	case p.InviteOnly:
		who := "email " + quote(c.Email)
		if c.ExternalID != "" {
			who = "external_id " + quote(c.ExternalID) + " or email " + quote(c.Email)
		}
		return c.reject(ReasonUserNotInvited, "the help center is Invite only and has no user with %s", who)
	default:
		_, domain, _ := strings.Cut(models.EmailKey(c.Email), "@")
		return c.reject(ReasonDomainNotAllowed, "the email's domain %s is not among the allowed email domains (%s)", quote(domain), strings.Join(p.AllowedDomains, ", "))
	}
}
