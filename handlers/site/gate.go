package site

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/site"
)

// Gate guards every help-center page by the help center's visibility:
// public pages pass; a private help center sends a visitor without a
// session through single sign-on; a password-protected one asks for the
// shared password (offering SSO beside it when configured).
func (h *Handler) Gate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hc, _ := web.Tenant.Get(c)
		if hc.Visibility == models.VisibilityPublic {
			return next(c)
		}
		if _, ok := theVisitor.Get(c); ok {
			return next(c)
		}
		// Report-only rollout: a visitor whose sign-in failed reads on.
		if h.Codec.HasReportOnlyPass(hc, h.Cookies.Read(c, session.ReportOnlyCookie)) {
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
			if h.Codec.HasSitePass(hc, h.Cookies.Read(c, session.SitePassCookie)) {
				return next(c)
			}
			return h.passwordPage(c, http.StatusOK, returnTo, "")
		}
		// Logout must hold: the first visit to the root after signing out
		// shows "You are signed out" instead of bouncing straight back
		// through the login page.
		if c.Request().URL.Path == "/" {
			if ck, err := c.Cookie(session.SignedOutCookie); err == nil && ck.Value == "1" {
				h.Cookies.Clear(c, session.SignedOutCookie)
				return web.Render(c, http.StatusOK, site.SignedOut(site.SignedOutPage{Chrome: h.siteChrome(c, "Signed out")}))
			}
		}
		return h.startSignIn(c, returnTo)
	}
}

// Login starts single sign-on on request ("Try again", or the button
// beside a password form).
func (h *Handler) Login(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.startSignIn(c, sso.CleanReturnTo(c.QueryParam("return_to")))
}

// startSignIn hands out a pending key bound to this browser and this page
// and sends the visitor to the partner's Login URL (SPEC section 3, 1–3).
func (h *Handler) startSignIn(c echo.Context, returnTo string) error {
	client := ratelimit.ClientKey(c.RealIP())
	if over, retry := h.GateLimiter.Over(client); over {
		return h.rateLimited(c, retry, "sign-ins started and not finished")
	}
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	now := h.Now()
	center, err := h.Keys.GateCenter(c.Request().Context(), hc, now)
	if err != nil {
		return err
	}
	browserID := session.BrowserID(h.Cookies.Read(c, session.BrowserIDCookie))
	newBrowser := browserID == ""
	if newBrowser {
		if browserID, err = sso.NewBrowserID(); err != nil {
			return err
		}
	}
	out, err := sso.StartSignIn(c.Request().Context(), h.SignIns, center, web.Browser(c, browserID), returnTo, now)
	if err != nil {
		return err
	}
	// Counted until a verified sign-in redeems the key (SignIn gives it back).
	h.GateLimiter.Add(client)
	if out.LetIn() {
		return h.letIn(c, returnTo)
	}
	if out.Rejection != nil {
		return h.rejectionPage(c, out.Rejection, returnTo)
	}
	if newBrowser {
		h.Cookies.Set(c, session.BrowserIDCookie, browserID, int(session.BrowserIDTTL.Seconds()))
	}
	return c.Redirect(http.StatusFound, out.RedirectTo)
}

// letIn sends a visitor whose sign-in failed on to the page, in
// report-only rollout: the failure is logged, the visitor reads as a
// viewer without a session.
func (h *Handler) letIn(c echo.Context, returnTo string) error {
	hc, _ := web.Tenant.Get(c)
	value, err := h.Codec.ReportOnlyPass(hc)
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.ReportOnlyCookie, value, int(session.SitePassTTL.Seconds()))
	return web.Redirect(c, sso.CleanReturnTo(returnTo))
}

// rejectionPage renders SPEC section 3 step 6: the reason code, what it
// means in plain words, and "Try again". No session cookie is set.
func (h *Handler) rejectionPage(c echo.Context, rej *sso.Rejection, returnTo string) error {
	r, ok := sso.LookupReason(rej.Reason)
	if !ok {
		return echo.NewHTTPError(http.StatusInternalServerError, "unknown reason "+string(rej.Reason))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return web.Render(c, r.HTTPStatus, site.Rejection(site.RejectionPage{
		Chrome: h.siteChrome(c, "Sign-in failed"), Status: r.HTTPStatus, Code: string(r.Code),
		Title: r.Title, Explanation: r.Explanation, Extension: r.Extension, Visitor: sso.VisitorMessage(r.Code),
		TryAgainURL: "/sso/login?return_to=" + url.QueryEscape(sso.CleanReturnTo(returnTo)),
	}))
}

// rateLimited refuses a request from an address past a limit: 429 with
// Retry-After and a page, and a rate_limited row naming what was counted.
func (h *Handler) rateLimited(c echo.Context, retry time.Duration, counted string) error {
	secs := web.SetRetryAfter(c, retry)
	c.Response().Header().Set("Cache-Control", "no-store")
	hc, _ := web.Tenant.Get(c)
	detail := fmt.Sprintf("too many %s from this address; refused for %d s", counted, secs)
	if err := h.Store.LogFolded(c.Request().Context(),
		sso.RefusalEvent(false, hc.ID, web.Browser(c, ""), h.Now(), sso.ReasonRateLimited, detail)); err != nil {
		return err
	}
	return web.Render(c, http.StatusTooManyRequests, site.RateLimited(site.RateLimitedPage{Chrome: h.siteChrome(c, "Too many attempts"), RetryAfter: secs}))
}

// passwordPage shows the shared-password form.
func (h *Handler) passwordPage(c echo.Context, status int, returnTo, errMsg string) error {
	hc, _ := web.Tenant.Get(c)
	p := site.PasswordPage{Chrome: h.siteChrome(c, "Password required"), CSRF: web.CSRFToken(c), ReturnTo: returnTo, Error: errMsg}
	ready, err := h.Keys.Ready(c.Request().Context(), hc, h.Now())
	if err != nil {
		return err
	}
	if ready {
		p.SSOURL = "/sso/login?return_to=" + url.QueryEscape(returnTo)
	}
	return web.Render(c, status, site.Password(p))
}

// PasswordSubmit checks the shared site password.
func (h *Handler) PasswordSubmit(c echo.Context) error {
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	returnTo := sso.CleanReturnTo(c.FormValue("return_to"))
	if hc.Visibility != models.VisibilityPassword {
		return web.Redirect(c, returnTo)
	}
	client := ratelimit.ClientKey(c.RealIP())
	if over, retry := h.PasswordLimiter.Over(client); over {
		return h.rateLimited(c, retry, "wrong site passwords")
	}
	ok, err := accounts.CheckPassword(hc.SitePasswordHash, c.FormValue("password"))
	if err != nil || !ok {
		h.PasswordLimiter.Add(client)
		return h.passwordPage(c, http.StatusUnauthorized, returnTo, "That password is not right. Check it with whoever gave it to you.")
	}
	value, err := h.Codec.SitePass(hc)
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.SitePassCookie, value, int(session.SitePassTTL.Seconds()))
	return web.Redirect(c, returnTo)
}
