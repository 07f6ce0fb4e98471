package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"helpcenter/models"
)

// The embedded widget (SPEC section 8) sends the partner's token on every
// call, with the id of the widget instance (one page load) that sends it.
// Step 11 on this surface binds the token's jti to that instance instead
// of taking it once: the same instance may reuse the token until exp, any
// other instance, or the redirect flow, may not.

// Instance ids are 16 to 128 characters of base64url's alphabet: the
// widget sends 32 hex digits (16 random bytes); the bounds leave room for
// other clients and keep the header cheap to store.
const (
	MinInstanceIDLength = 16
	MaxInstanceIDLength = 128
)

// CheckInstanceID is the widget surface's rule for the X-Widget-Instance
// header. Without a usable instance id a jti cannot be bound, so the
// credential as a whole is malformed: the rejection is jwt_malformed, with
// a detail that names the header rather than the token. It names the
// verified claims' jti and email for the event row.
func CheckInstanceID(c *Claims, id string) *Rejection {
	if id == "" {
		return c.reject(ReasonMalformed, "the X-Widget-Instance header is missing; the widget sends a random id per page load with every call")
	}
	if len(id) < MinInstanceIDLength || len(id) > MaxInstanceIDLength {
		return c.reject(ReasonMalformed, "the X-Widget-Instance header is %d characters long; it must be %d to %d characters of A–Z, a–z, 0–9, _ and -",
			len(id), MinInstanceIDLength, MaxInstanceIDLength)
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b == '-') {
			return c.reject(ReasonMalformed, "the X-Widget-Instance header holds a character other than A–Z, a–z, 0–9, _ and -")
		}
	}
	return nil
}

// WidgetJTIBinder binds jtis to widget instances (step 11 on the widget
// surface).
type WidgetJTIBinder interface {
	// BindWidgetJTI binds jti to the widget instance unless the help center
	// already holds the jti, and returns who holds it afterwards (the
	// caller, when it was first). The insert must be
	// one atomic statement judged by rows affected (INSERT … ON CONFLICT
	// DO NOTHING), and the holder read in the same transaction, so that of
	// concurrent first uses by two instances exactly one wins and the
	// other sees the winner. keepUntil is as for JTIRecorder.RecordJTI.
	BindWidgetJTI(ctx context.Context, helpCenterID int64, jti, instance string, keepUntil time.Time) (models.JTIHolder, error)
}

// CheckWidgetReplay is step 11 (jwt_replayed) for a widget call whose token
// passed checks 0–10 and whose instance id passed CheckInstanceID. A
// storage error is returned as an error and must be treated as a failure,
// never as a success.
func CheckWidgetReplay(ctx context.Context, b WidgetJTIBinder, helpCenterID int64, c *Claims, instance string) (*Rejection, error) {
	h, err := b.BindWidgetJTI(ctx, helpCenterID, c.JTI, instance, c.ReplayKeepUntil())
	if err != nil {
		return nil, fmt.Errorf("bind jti: %w", err)
	}
	if !h.Widget {
		return c.reject(ReasonReplayed, "jti %s was already used to sign in through /sso/jwt; a token serves one surface only, so sign a separate token for the widget", quote(c.JTI)), nil
	}
	if !h.SameInstance {
		return c.reject(ReasonReplayed, "jti %s is bound to another widget instance (another page load or tab); sign a new token for every page load", quote(c.JTI)), nil
	}
	return nil, nil
}

// Preview tokens let an admin try the widget inside the console without a
// partner app. They are signed with the help center's own secret, exactly
// like a partner's token, so the preview exercises the real API and its
// real checks (issuer, audience, TTL) instead of a mode that bypasses them
// — there is no special case in the API that could be abused. The console
// hands one out only to a signed-in admin of that help center, who could
// sign any token with the secret anyway; it names a fixed viewer user, so
// it reads only what every viewer reads, and lives a few minutes.
const (
	previewLifetime = 5 * time.Minute
	previewName     = "Widget preview"
)

// PreviewEmail is the email of the viewer a preview token signs in.
func PreviewEmail(subdomain string) string { return "preview@" + subdomain }

// PreviewToken signs a short-lived viewer token for the console's widget
// preview. s must pass CheckConfigured. The token lives five minutes, or
// the Token TTL when that is shorter (an older token would be jwt_too_old).
func PreviewToken(s Settings, subdomain string, now time.Time) (string, error) {
	if r := CheckConfigured(s); r != nil {
		return "", fmt.Errorf("preview token: %s", r.Detail)
	}
	jti := make([]byte, 18)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	life := previewLifetime
	if s.TTL > 0 && s.TTL < life {
		life = s.TTL
	}
	iss := s.Issuer
	if iss == "" {
		iss = "helpcenter-console-preview"
	}
	claims := map[string]any{
		"jti": "preview-" + base64.RawURLEncoding.EncodeToString(jti), "iss": iss,
		"iat": now.Unix(), "exp": now.Add(life).Unix(),
		"email": PreviewEmail(subdomain), "name": previewName, "role": string(RoleViewer),
	}
	if s.Audience != "" {
		claims["aud"] = s.Audience
	}
	secret := s.signingSecret()
	if secret == "" {
		return "", errors.New("preview token: the widget preview signs with a shared secret, and this help center has none live (it verifies public keys only)")
	}
	return Mint(secret, claims)
}
