package handlers

import (
	"context"
	"crypto/rand"
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
			return render(c, http.StatusOK, site.Resubmit(site.ResubmitPage{Chrome: h.siteChrome(c, "Signing in"), JWT: token, ReturnTo: returnTo}))
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

	// The browser's current session, read from the database: the repeat
	// rule needs the jti that opened it and where it went.
	var origin *sso.SessionOrigin
	var current *models.VisitorSession
	if sess, ok := visitorSessionFrom(c); ok {
		current, _, err = h.store.VisitorSession(ctx, hc.ID, sess.IDHash, now)
		switch {
		case errors.Is(err, models.ErrNotFound):
			current = nil
		case err != nil:
			return err
		default:
			origin = &sso.SessionOrigin{JTI: current.JTI, OpenedAt: current.CreatedAt}
		}
	}
	var (
		outcome    *sso.Rejection
		repeat     string
		to         string
		newSession *visitorClaims
	)
	err = h.store.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
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
			var user models.ProvisionedUser
			if user, outcome, err = sso.Provision(ctx, tx, hc.ID, claims, now); err != nil || outcome != nil {
				break
			}
			v := visitorClaims{HelpCenterID: hc.ID, UserID: user.ID, OpenedAt: now.UTC(), ExpiresAt: now.Add(visitorTTL).UTC(),
				Role: claims.Role, Name: claims.Name}
			if _, err = rand.Read(v.ID[:]); err != nil {
				break
			}
			var old []byte
			if current != nil {
				old = current.IDHash
			}
			newSession = &v
			err = tx.OpenSession(ctx, old, &models.VisitorSession{IDHash: v.idHash(), HelpCenterID: hc.ID, UserID: user.ID,
				JTI: claims.JTI, ReturnTo: to, CreatedAt: v.OpenedAt, ExpiresAt: v.ExpiresAt})
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
		if current != nil {
			h.revocations.add(current.IDHash, current.ExpiresAt)
		}
		if err := h.setVisitorCookie(c, *newSession); err != nil {
			return err
		}
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
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
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
	if v, ok := h.visitorCookie(c); ok {
		if err := h.store.EndVisitorSession(c.Request().Context(), hc.ID, v.idHash()); err != nil {
			return err
		}
		h.revocations.add(v.idHash(), v.ExpiresAt)
	}
	h.clearCookie(c, visitorCookie)
	h.clearCookie(c, sitePassCookie)
	if hc.LogoutURL != "" {
		return c.Redirect(http.StatusSeeOther, hc.LogoutURL)
	}
	h.setCookie(c, signedOutCookie, "1", int(signedOutTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, "/")
}
