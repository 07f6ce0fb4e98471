package web

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
	"helpcenter/sso"
)

// KeyStore holds the help centers' verification keys.
type KeyStore interface {
	LiveKeys(ctx context.Context, helpCenterID int64, now time.Time) ([]models.VerificationKey, error)
}

// JWKS serves the keys published at the JWKS URLs admins added
// (internal/jwks): cached, fetched by the SPEC's rules.
type JWKS interface {
	// Keys returns the keys of the JWKS key row k, cached or fetched.
	Keys(ctx context.Context, k models.VerificationKey) ([]sso.Key, error)
	// Refetch fetches k's JWKS again for a kid its cached keys lack, at
	// most once a minute, and returns the keys it then has.
	Refetch(ctx context.Context, k models.VerificationKey, kid string) ([]sso.Key, error)
}

// Keyring builds a help center's JWT configuration for sso from its live
// keys and the keys of its JWKS URLs.
type Keyring struct {
	Store KeyStore
	JWKS  JWKS
}

// Settings is the help center's JWT configuration for sso.Verify at now.
// The keys are read from the database on every call, so a key added or
// revoked takes effect at once in every process; only a JWKS's keys come
// from a cache, as the SPEC allows.
func (r Keyring) Settings(ctx context.Context, hc *models.HelpCenter, now time.Time) (sso.Settings, error) {
	return r.settings(ctx, hc, now, true)
}

// settings builds Settings; without fetch a JWKS URL's keys are not
// asked for (its Refresh stays, so the help center counts as configured):
// what the gate needs, which verifies no token.
func (r Keyring) settings(ctx context.Context, hc *models.HelpCenter, now time.Time, fetch bool) (sso.Settings, error) {
	s := sso.Settings{Enabled: hc.SSOEnabled, Issuer: hc.Issuer, Audience: hc.Audience, TTL: time.Duration(hc.TokenTTL) * time.Second}
	stored, err := r.Store.LiveKeys(ctx, hc.ID, now)
	if err != nil {
		return s, err
	}
	if s.Keys, err = sso.KeysFrom(stored, now); err != nil {
		return s, err
	}
	var sources []models.VerificationKey
	for _, k := range stored {
		if k.Kind == models.KeyJWKS {
			sources = append(sources, k)
		}
	}
	if len(sources) == 0 || r.JWKS == nil {
		return s, nil
	}
	static := s.Keys
	fetched := func(get func(k models.VerificationKey) ([]sso.Key, error)) ([]sso.Key, string) {
		keys := append([]sso.Key(nil), static...)
		var note string
		for _, src := range sources {
			got, err := get(src)
			if err != nil {
				note = "the JWKS at " + src.JWKSURL + " could not be fetched: " + err.Error()
			}
			keys = append(keys, got...)
		}
		return keys, note
	}
	if fetch {
		s.Keys, s.KeysNote = fetched(func(k models.VerificationKey) ([]sso.Key, error) { return r.JWKS.Keys(ctx, k) })
	}
	s.Refresh = func(kid string) []sso.Key {
		keys, _ := fetched(func(k models.VerificationKey) ([]sso.Key, error) { return r.JWKS.Refetch(ctx, k, kid) })
		return keys
	}
	return s, nil
}

// SignInCenter is the help center as the sign-in flow needs it.
func (r Keyring) SignInCenter(ctx context.Context, hc *models.HelpCenter, now time.Time) (sso.HelpCenter, error) {
	return r.center(ctx, hc, now, true)
}

// GateCenter is SignInCenter for the gate, which only hands out a key:
// a visitor is never kept waiting on an issuer's JWKS before being sent
// to the Login URL.
func (r Keyring) GateCenter(ctx context.Context, hc *models.HelpCenter, now time.Time) (sso.HelpCenter, error) {
	return r.center(ctx, hc, now, false)
}

func (r Keyring) center(ctx context.Context, hc *models.HelpCenter, now time.Time, fetch bool) (sso.HelpCenter, error) {
	settings, err := r.settings(ctx, hc, now, fetch)
	return sso.HelpCenter{ID: hc.ID, Subdomain: hc.Subdomain, LoginURL: hc.LoginURL,
		AllowUnsolicited: hc.AllowUnsolicited, ReportOnly: hc.ReportOnly,
		Provisioning:  sso.Provisioning{InviteOnly: hc.InviteOnly, AllowedDomains: sso.DomainList(hc.AllowedDomains)},
		SessionLength: time.Duration(hc.SessionLength) * time.Second,
		Settings:      settings}, err
}

// Browser is who asks, as sso sees them; browserID is the raw browser-id
// cookie ("" when none).
func Browser(c echo.Context, browserID string) sso.Browser {
	return sso.Browser{ID: browserID, IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

// Ready reports whether the JWT gate can sign anyone in: switched on,
// with a Login URL and a live key (a JWKS URL counts without a fetch).
func (r Keyring) Ready(ctx context.Context, hc *models.HelpCenter, now time.Time) (bool, error) {
	if !hc.SSOEnabled || hc.LoginURL == "" {
		return false, nil
	}
	live, err := r.Store.LiveKeys(ctx, hc.ID, now)
	return len(live) > 0, err
}
