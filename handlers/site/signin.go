package site

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/site"
)

// SignIn is GET and POST /sso/jwt: checks 0–14 of SPEC section 4 in
// order, then provisioning, session rotation and the redirect (section 3).
// Every outcome is exactly one event row, written in the transaction that
// carries the outcome.
func (h *Handler) SignIn(c echo.Context) error {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	req := c.Request()
	token := c.QueryParam("jwt")
	returnTo := c.QueryParam("return_to")
	browserID := session.BrowserID(h.Cookies.Read(c, session.BrowserIDCookie))
	if req.Method == http.MethodPost {
		token, returnTo = req.PostFormValue("jwt"), req.PostFormValue("return_to")
		// A cross-site POST arrives without our SameSite=Lax browser-id
		// cookie. Re-submit it once from our own origin so the cookie comes
		// along; the marked re-submission is then judged as it is.
		if browserID == "" && req.PostFormValue("resubmitted") != "1" {
			return web.Render(c, http.StatusOK, site.Resubmit(site.ResubmitPage{Chrome: h.siteChrome(c, "Signing in"), JWT: token, ReturnTo: returnTo}))
		}
	}

	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.Now()
	center, err := h.Keys.SignInCenter(ctx, hc, now)
	if err != nil {
		return err
	}
	// The limit counts rejected outcomes only, and never refuses a token
	// that verifies (SPEC section 3): past it, a token is checked first.
	client := ratelimit.ClientKey(c.RealIP())
	if jti := sso.UnverifiedJTI(token); sso.IsTesterKey(jti) {
		if over, retry := h.SSOLimiter.Over(client); over {
			return h.rateLimited(c, retry, "rejected sign-ins at /sso/jwt")
		}
		return h.testSignIn(c, hc, center.Settings, token, jti, client)
	}
	if over, retry := h.SSOLimiter.Over(client); over {
		if _, rej := sso.Verify(token, center.Settings, now); rej != nil {
			return h.rateLimited(c, retry, "rejected sign-ins at /sso/jwt")
		}
	}
	b := web.Browser(c, browserID)
	b.Bearer = strings.HasPrefix(strings.ToLower(strings.TrimSpace(req.Header.Get("Authorization"))), "bearer ")
	// The browser's current session, read from the database: the repeat
	// rule needs the jti that opened it and where it went.
	if sess, ok := theSession.Get(c); ok {
		b.Current, _, err = h.Store.VisitorSession(ctx, hc.ID, sess.IDHash, now)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	out, err := sso.SignIn(ctx, h.SignIns, center, b, token, returnTo, now)
	if err != nil {
		// Fail closed: no session, and the visitor sees a server error.
		return err
	}
	if out.Rejection != nil {
		h.SSOLimiter.Add(client)
		if out.LetIn() {
			return h.letIn(c, "/")
		}
		return h.rejectionPage(c, out.Rejection, "/")
	}
	if out.KeyRedeemed {
		h.GateLimiter.GiveBack(client)
	}
	if out.Opened != nil {
		if out.Ended != nil {
			h.Revocations.Add(out.Ended.IDHash, out.Ended.ExpiresAt)
		}
		if err := h.setVisitorCookie(c, session.VisitorOf(hc.ID, out.Opened)); err != nil {
			return err
		}
		// The token may have changed the user's groups and profile.
		h.profiles.Forget(out.Opened.UserID)
		h.Cookies.Clear(c, session.SignedOutCookie)
	}
	return c.Redirect(http.StatusSeeOther, out.RedirectTo)
}

// SignInHead refuses HEAD: a link checker's HEAD must consume nothing.
func (h *Handler) SignInHead(c echo.Context) error {
	c.Response().Header().Set("Allow", "GET, POST")
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.NoContent(http.StatusMethodNotAllowed)
}

// Logout ends the visitor's session on the server (the old cookie
// never signs in again) and goes to the Logout URL, or to the root, which
// then shows "You are signed out" once.
func (h *Handler) Logout(c echo.Context) error {
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	token := c.QueryParam("jwt")
	if c.Request().Method == http.MethodPost && token == "" {
		token = c.Request().PostFormValue("jwt")
	}
	if token != "" {
		if err := h.frontChannelLogout(c, hc, token); err != nil {
			return err
		}
		if c.Response().Committed {
			return nil
		}
	}
	if v, ok := h.visitorCookie(c); ok {
		if err := h.Store.EndVisitorSession(c.Request().Context(), hc.ID, v.IDHash()); err != nil {
			return err
		}
		h.Revocations.Add(v.IDHash(), v.ExpiresAt)
	}
	h.Cookies.Clear(c, session.VisitorCookie)
	h.Cookies.Clear(c, session.SitePassCookie)
	if hc.LogoutURL != "" {
		return c.Redirect(http.StatusSeeOther, hc.LogoutURL)
	}
	h.Cookies.Set(c, session.SignedOutCookie, "1", int(session.SignedOutTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, "/")
}

// frontChannelLogout ends every session of the user a signed logout
// token names (SPEC section 3: /logout?jwt=<token with "logout": true>),
// on every instance within session.SyncEvery; the browser's own session
// ends with the rest of Logout. A token that does not verify, or lacks
// the claim, is refused with its reason and ends nothing.
func (h *Handler) frontChannelLogout(c echo.Context, hc *models.HelpCenter, token string) error {
	ctx := c.Request().Context()
	now := h.Now()
	client := ratelimit.ClientKey(c.RealIP())
	if over, retry := h.SSOLimiter.Over(client); over {
		return h.rateLimited(c, retry, "rejected tokens")
	}
	center, err := h.Keys.SignInCenter(ctx, hc, now)
	if err != nil {
		return err
	}
	claims, rej := sso.Verify(token, center.Settings, now)
	if rej != nil {
		h.SSOLimiter.Add(client)
		return h.rejectionPage(c, rej, "/")
	}
	if !claims.Logout {
		h.SSOLimiter.Add(client)
		return h.ErrorPage(c, http.StatusBadRequest, "Not a logout token",
			`This token verifies but does not carry "logout": true, so it ends no session. Your app signs logout tokens with that claim.`)
	}
	_, err = h.Store.RevokeSessionsOf(ctx, hc.ID, claims.ExternalID, claims.Email, "front-channel logout")
	if errors.Is(err, models.ErrNotFound) {
		return nil // nobody to sign out: the browser's own session still ends
	}
	return err
}

// testSignIn takes the token of a console Test sign-in: it runs every
// check on it, keeps the report for the admin and sends the browser to
// it. No jti is recorded, no key consumed, no session opened.
func (h *Handler) testSignIn(c echo.Context, hc *models.HelpCenter, settings sso.Settings, token, key, client string) error {
	// Checked as if the switch were on, as the token tester does.
	settings.Enabled = true
	report, err := json.Marshal(sso.Inspect(token, settings, h.Now()))
	if err != nil {
		return err
	}
	found, err := h.Store.SaveTesterReport(c.Request().Context(), hc.ID, key, string(report))
	if err != nil {
		return err
	}
	if !found {
		h.SSOLimiter.Add(client)
		return h.ErrorPage(c, http.StatusGone, "Test sign-in expired",
			"This Test sign-in is over or was never started here. Start it again from the console (JWT page, Test sign-in).")
	}
	return c.Redirect(http.StatusSeeOther, h.ConsoleURL+"/settings/security/sso/tester?run="+url.QueryEscape(key))
}
