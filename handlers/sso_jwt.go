package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/views/site"
)

// ssoJWT is GET and POST /sso/jwt: checks 0–14 of SPEC section 4 in
// order, then provisioning, session rotation and the redirect (section 3).
// Every outcome is exactly one event row, written in the transaction that
// carries the outcome.
func (h *Handler) ssoJWT(c echo.Context) error {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	if ok, retry := h.ssoLimiter.Allow(c.RealIP()); !ok {
		return h.rateLimited(c, retry)
	}
	req := c.Request()
	token := c.QueryParam("jwt")
	returnTo := c.QueryParam("return_to")
	browserID := h.browserID(c)
	if req.Method == http.MethodPost {
		token, returnTo = req.PostFormValue("jwt"), req.PostFormValue("return_to")
		// A cross-site POST arrives without our SameSite=Lax browser-id
		// cookie. Re-submit it once from our own origin so the cookie comes
		// along; the marked re-submission is then judged as it is.
		if browserID == "" && req.PostFormValue("resubmitted") != "1" {
			return render(c, http.StatusOK, site.Resubmit(site.ResubmitPage{Chrome: h.siteChrome(c, "Signing in"), JWT: token}))
		}
	}

	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.now()
	settings, err := h.ssoSettings(hc)
	if err != nil {
		return err
	}
	claims, rej := sso.Verify(token, settings, now)
	if rej != nil {
		if err := h.store.LogEvent(ctx, h.event(c, now, rej.Reason, rej.Detail, rej.Email, rej.JTI)); err != nil {
			return err
		}
		return h.rejectionPage(c, rej, "/")
	}

	var origin *sso.SessionOrigin
	current, signedIn := visitorSessionFrom(c)
	if signedIn {
		origin = &sso.SessionOrigin{JTI: current.JTI, OpenedAt: current.CreatedAt}
	}
	var (
		outcome    *sso.Rejection
		repeat     string
		to         string
		newCookie  string
		newSession *models.VisitorSession
	)
	err = h.store.InSignIn(ctx, func(tx *store.SignIn) error {
		var err error
		// Step 11 commits even when a later step rejects: a jti is taken
		// once, whatever happens after.
		if repeat, outcome, err = sso.CheckReplay(ctx, tx, hc.ID, claims, origin, now); err != nil {
			return err
		}
		switch {
		case outcome != nil:
		case repeat != "":
			to = current.ReturnTo
		default:
			var red sso.KeyRedemption
			if red, outcome, err = sso.RedeemPendingKey(ctx, tx, hc.ID, claims, browserID, hc.AllowUnsolicited, now); err != nil || outcome != nil {
				break
			}
			to = red.ReturnTo
			if red.Unsolicited {
				to = sso.CleanReturnTo(returnTo)
			}
			var user sso.ProvisionedUser
			if user, outcome, err = sso.Provision(ctx, tx, hc.ID, claims, now); err != nil || outcome != nil {
				break
			}
			var idHash []byte
			if newCookie, idHash, err = h.newSessionID(visitorCookie); err != nil {
				break
			}
			var old []byte
			if signedIn {
				old = current.IDHash
			}
			newSession = &models.VisitorSession{IDHash: idHash, HelpCenterID: hc.ID, UserID: user.ID, JTI: claims.JTI,
				ReturnTo: to, CreatedAt: now.UTC(), ExpiresAt: now.Add(visitorTTL).UTC()}
			err = tx.OpenSession(ctx, old, newSession)
		}
		if err != nil {
			return err
		}
		if outcome != nil {
			return tx.LogEvent(ctx, h.event(c, now, outcome.Reason, outcome.Detail, claims.Email, claims.JTI))
		}
		detail := "signed in and sent to " + to
		if repeat != "" {
			detail = repeat + "; sent on to " + to + " again"
		}
		return tx.LogEvent(ctx, h.event(c, now, "", detail, claims.Email, claims.JTI))
	})
	if err != nil {
		// Fail closed: no session, and the visitor sees a server error.
		return errors.Join(errors.New("sso/jwt: the sign-in transaction failed"), err)
	}
	if outcome != nil {
		return h.rejectionPage(c, outcome, "/")
	}
	if newSession != nil {
		h.setCookie(c, visitorCookie, newCookie, int(visitorTTL.Seconds()))
		h.clearCookie(c, signedOutCookie)
	}
	if !strings.HasPrefix(to, "/") {
		to = "/"
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// ssoJWTHead refuses HEAD: a link checker's HEAD must consume nothing.
func (h *Handler) ssoJWTHead(c echo.Context) error {
	c.Response().Header().Set("Allow", "GET, POST")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.NoContent(http.StatusMethodNotAllowed)
}

// siteLogout ends the visitor's session on the server (the old cookie
// never signs in again) and goes to the Logout URL, or to the root, which
// then shows "You are signed out" once.
func (h *Handler) siteLogout(c echo.Context) error {
	hc, err := h.freshTenant(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if idHash, ok := h.sessionIDHash(c, visitorCookie); ok {
		if err := h.store.DeleteVisitorSession(c.Request().Context(), hc.ID, idHash); err != nil {
			return err
		}
	}
	h.clearCookie(c, visitorCookie)
	h.clearCookie(c, sitePassCookie)
	if hc.LogoutURL != "" {
		return c.Redirect(http.StatusSeeOther, hc.LogoutURL)
	}
	h.setCookie(c, signedOutCookie, "1", int(signedOutTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, "/")
}
