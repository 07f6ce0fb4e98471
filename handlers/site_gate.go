package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/accounts"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/site"
)

// gate guards every help-center page by the help center's visibility:
// public pages pass; a private help center sends a visitor without a
// session through single sign-on; a password-protected one asks for the
// shared password (offering SSO beside it when configured).
func (h *Handler) gate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hc, _ := tenantFrom(c)
		if hc.Visibility == models.VisibilityPublic {
			return next(c)
		}
		if _, ok := visitorFrom(c); ok {
			return next(c)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		// Only a GET asks for a page (SPEC section 3, step 1): no other
		// method hands out a key or sends anyone to the Login URL.
		if c.Request().Method != http.MethodGet {
			c.Response().Header().Set("Allow", http.MethodGet)
			return echo.NewHTTPError(http.StatusMethodNotAllowed, "This address answers GET requests only.")
		}
		returnTo := sso.CleanReturnTo(c.Request().URL.RequestURI())
		if hc.Visibility == models.VisibilityPassword {
			if h.hasSitePassword(c, hc) {
				return next(c)
			}
			return h.passwordPage(c, http.StatusOK, returnTo, "")
		}
		// Logout must hold: the first visit to the root after signing out
		// shows "You are signed out" instead of bouncing straight back
		// through the login page.
		if c.Request().URL.Path == "/" {
			if ck, err := c.Cookie(signedOutCookie); err == nil && ck.Value == "1" {
				h.clearCookie(c, signedOutCookie)
				return render(c, http.StatusOK, site.SignedOut(site.SignedOutPage{Chrome: h.siteChrome(c, "Signed out")}))
			}
		}
		return h.startSignIn(c, returnTo)
	}
}

// ssoLogin starts single sign-on on request ("Try again", or the button
// beside a password form).
func (h *Handler) ssoLogin(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.startSignIn(c, sso.CleanReturnTo(c.QueryParam("return_to")))
}

// startSignIn hands out a pending key bound to this browser and this page
// and sends the visitor to the partner's Login URL (SPEC section 3, 1–3).
func (h *Handler) startSignIn(c echo.Context, returnTo string) error {
	if ok, retry := h.gateLimiter.Allow(c.RealIP()); !ok {
		return h.rateLimited(c, retry)
	}
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	center, err := h.ssoHelpCenter(hc)
	if err != nil {
		return err
	}
	browserID := h.browserID(c)
	newBrowser := browserID == ""
	if newBrowser {
		if browserID, err = sso.NewBrowserID(); err != nil {
			return err
		}
	}
	out, err := sso.StartSignIn(c.Request().Context(), h.signIns, center, h.browser(c, browserID), returnTo, h.now())
	if err != nil {
		return err
	}
	if out.Rejection != nil {
		return h.rejectionPage(c, out.Rejection, returnTo)
	}
	if newBrowser {
		h.setCookie(c, browserIDCookie, browserID, int(browserIDTTL.Seconds()))
	}
	return c.Redirect(http.StatusFound, out.RedirectTo)
}

// browser is who asks, as sso sees them.
func (h *Handler) browser(c echo.Context, browserID string) sso.Browser {
	return sso.Browser{ID: browserID, IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

// browserID is this browser's id cookie, or "".
func (h *Handler) browserID(c echo.Context) string {
	if ck, err := c.Cookie(browserIDCookie); err == nil && len(ck.Value) >= 32 && len(ck.Value) <= 64 {
		return ck.Value
	}
	return ""
}

// ssoHelpCenter is the help center as the sign-in flow needs it. The
// secret is opened from the database on every request, so a regenerated
// secret takes effect at once in every process.
func (h *Handler) ssoHelpCenter(hc *models.HelpCenter) (sso.HelpCenter, error) {
	settings, err := h.ssoSettings(hc)
	return sso.HelpCenter{ID: hc.ID, Subdomain: hc.Subdomain, LoginURL: hc.LoginURL,
		AllowUnsolicited: hc.AllowUnsolicited, Settings: settings}, err
}

// ssoSettings is the help center's JWT configuration for sso.Verify.
func (h *Handler) ssoSettings(hc *models.HelpCenter) (sso.Settings, error) {
	s := sso.Settings{Enabled: hc.SSOEnabled, Issuer: hc.Issuer, Audience: hc.Audience, TTL: time.Duration(hc.TokenTTL) * time.Second}
	if hc.HasSecret() {
		secret, err := h.store.JWTSecret(hc)
		if err != nil {
			return s, err
		}
		s.Secret = secret
	}
	return s, nil
}

// rejectionPage renders SPEC section 3 step 6: the reason code, what it
// means in plain words, and "Try again". No session cookie is set.
func (h *Handler) rejectionPage(c echo.Context, rej *sso.Rejection, returnTo string) error {
	r, ok := sso.LookupReason(rej.Reason)
	if !ok {
		return echo.NewHTTPError(http.StatusInternalServerError, "unknown reason "+string(rej.Reason))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, r.HTTPStatus, site.Rejection(site.RejectionPage{
		Chrome: h.siteChrome(c, "Sign-in failed"), Status: r.HTTPStatus, Code: string(r.Code),
		Title: r.Title, Explanation: r.Explanation, Extension: r.Extension,
		TryAgainURL: "/sso/login?return_to=" + url.QueryEscape(sso.CleanReturnTo(returnTo)),
	}))
}

func (h *Handler) rateLimited(c echo.Context, retry time.Duration) error {
	secs := setRetryAfter(c, retry)
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusTooManyRequests, site.RateLimited(site.RateLimitedPage{Chrome: h.siteChrome(c, "Too many attempts"), RetryAfter: secs}))
}

// passwordPage shows the shared-password form.
func (h *Handler) passwordPage(c echo.Context, status int, returnTo, errMsg string) error {
	hc, _ := tenantFrom(c)
	p := site.PasswordPage{Chrome: h.siteChrome(c, "Password required"), CSRF: csrfToken(c), ReturnTo: returnTo, Error: errMsg}
	if hc.SSOReady() {
		p.SSOURL = "/sso/login?return_to=" + url.QueryEscape(returnTo)
	}
	return render(c, status, site.Password(p))
}

// passwordSubmit checks the shared site password.
func (h *Handler) passwordSubmit(c echo.Context) error {
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	returnTo := sso.CleanReturnTo(c.FormValue("return_to"))
	if hc.Visibility != models.VisibilityPassword {
		return redirect(c, returnTo)
	}
	if ok, retry := h.passwordLimiter.Allow(c.RealIP()); !ok {
		return h.rateLimited(c, retry)
	}
	ok, err := accounts.CheckPassword(hc.SitePasswordHash, c.FormValue("password"))
	if err != nil || !ok {
		return h.passwordPage(c, http.StatusUnauthorized, returnTo, "That password is not right. Check it with whoever gave it to you.")
	}
	value, err := h.cookies.Encode(sitePassCookie, sitePassToken(hc))
	if err != nil {
		return err
	}
	h.setCookie(c, sitePassCookie, value, int(sitePasswordTTL.Seconds()))
	return redirect(c, returnTo)
}

// sitePassToken names the help center and its current password hash, so
// changing the site password locks out every browser that knew the old one.
func sitePassToken(hc *models.HelpCenter) []byte {
	sum := sha256.Sum256([]byte(hc.SitePasswordHash))
	b := binary.BigEndian.AppendUint64(nil, uint64(hc.ID))
	return append(b, sum[:16]...)
}

func (h *Handler) hasSitePassword(c echo.Context, hc *models.HelpCenter) bool {
	ck, err := c.Cookie(sitePassCookie)
	if err != nil || hc.SitePasswordHash == "" {
		return false
	}
	var got []byte
	if err := h.cookies.Decode(sitePassCookie, ck.Value, &got); err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, sitePassToken(hc)) == 1
}
