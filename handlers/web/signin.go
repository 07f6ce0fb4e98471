package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
	"helpcenter/sso"
)

// SecretOpener opens a help center's sealed shared secret.
type SecretOpener interface {
	JWTSecret(hc *models.HelpCenter) (string, error)
}

// SSOSettings is the help center's JWT configuration for sso.Verify. The
// secret is opened from the database row on every call, so a regenerated
// secret takes effect at once in every process.
func SSOSettings(secrets SecretOpener, hc *models.HelpCenter) (sso.Settings, error) {
	s := sso.Settings{Enabled: hc.SSOEnabled, Issuer: hc.Issuer, Audience: hc.Audience, TTL: time.Duration(hc.TokenTTL) * time.Second}
	if hc.HasSecret() {
		secret, err := secrets.JWTSecret(hc)
		if err != nil {
			return s, err
		}
		s.Secret = secret
	}
	return s, nil
}

// SignInCenter is the help center as the sign-in flow needs it.
func SignInCenter(secrets SecretOpener, hc *models.HelpCenter) (sso.HelpCenter, error) {
	settings, err := SSOSettings(secrets, hc)
	return sso.HelpCenter{ID: hc.ID, Subdomain: hc.Subdomain, LoginURL: hc.LoginURL,
		AllowUnsolicited: hc.AllowUnsolicited, ReportOnly: hc.ReportOnly, Settings: settings}, err
}

// Browser is who asks, as sso sees them; browserID is the raw browser-id
// cookie ("" when none).
func Browser(c echo.Context, browserID string) sso.Browser {
	return sso.Browser{ID: browserID, IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}
