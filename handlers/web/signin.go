package web

import (
	"context"
	"sync"
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
	// Cache, when set, keeps each help center's keys between calls for as
	// long as the help center's KeysVersion stays the one they were read
	// at; nil reads them every time.
	Cache *KeyCache
}

// Settings is the help center's JWT configuration for sso.Verify at now.
// A key added or revoked takes effect at once in every process: the keys
// are read again whenever hc's KeysVersion differs from the one they were
// read at, and the sign-in endpoints pass a help center read fresh. Only a
// JWKS's fetched keys come from a cache of their own, as the SPEC allows.
func (r Keyring) Settings(ctx context.Context, hc *models.HelpCenter, now time.Time) (sso.Settings, error) {
	return r.settings(ctx, hc, now, true)
}

// settings builds Settings; without fetch a JWKS URL's keys are not
// asked for (its Refresh stays, so the help center counts as configured):
// what the gate needs, which verifies no token.
func (r Keyring) settings(ctx context.Context, hc *models.HelpCenter, now time.Time, fetch bool) (sso.Settings, error) {
	s := sso.Settings{Enabled: hc.SSOEnabled, Issuer: hc.Issuer, Audience: hc.Audience, TTL: time.Duration(hc.TokenTTL) * time.Second}
	stored, keys, err := r.liveKeys(ctx, hc, now)
	if err != nil {
		return s, err
	}
	s.Keys = keys
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
	live, _, err := r.liveKeys(ctx, hc, now)
	return len(live) > 0, err
}

// liveKeys are hc's live keys, stored and as sso takes them.
func (r Keyring) liveKeys(ctx context.Context, hc *models.HelpCenter, now time.Time) ([]models.VerificationKey, []sso.Key, error) {
	if stored, keys, ok := r.Cache.get(hc, now); ok {
		return stored, keys, nil
	}
	stored, err := r.Store.LiveKeys(ctx, hc.ID, now)
	if err != nil {
		return nil, nil, err
	}
	keys, err := sso.KeysFrom(stored, now)
	if err != nil {
		return nil, nil, err
	}
	r.Cache.put(hc, now, stored, keys)
	return stored, keys, nil
}

// keyCacheMax bounds how long an entry is used even when the version
// says nothing changed: a guard, should some change ever reach the keys
// without their triggers.
const keyCacheMax = time.Minute

// KeyCache holds each help center's live keys as last read, with the
// KeysVersion they were read at. Reading them cost a query (with a
// shared secret to open, a public key to parse) on every sign-in, the
// largest part of the handler's work for one (bench/RESULTS.md).
type KeyCache struct {
	mu      sync.Mutex
	entries map[int64]keyEntry
}

type keyEntry struct {
	version int64
	until   time.Time // the first key's retirement after the read, or keyCacheMax
	stored  []models.VerificationKey
	keys    []sso.Key
}

// NewKeyCache returns an empty cache.
func NewKeyCache() *KeyCache { return &KeyCache{entries: map[int64]keyEntry{}} }

func (c *KeyCache) get(hc *models.HelpCenter, now time.Time) ([]models.VerificationKey, []sso.Key, bool) {
	if c == nil {
		return nil, nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[hc.ID]
	c.mu.Unlock()
	if !ok || e.version != hc.KeysVersion || !now.Before(e.until) {
		return nil, nil, false
	}
	return e.stored, e.keys, true
}

func (c *KeyCache) put(hc *models.HelpCenter, now time.Time, stored []models.VerificationKey, keys []sso.Key) {
	if c == nil {
		return
	}
	until := now.Add(keyCacheMax)
	for _, k := range stored {
		// A key in its grace window stops verifying at retires_at without
		// any write: the entry must not outlive it.
		if k.RetiresAt != nil && k.RetiresAt.After(now) && k.RetiresAt.Before(until) {
			until = *k.RetiresAt
		}
	}
	c.mu.Lock()
	c.entries[hc.ID] = keyEntry{version: hc.KeysVersion, until: until, stored: stored, keys: keys}
	c.mu.Unlock()
}
