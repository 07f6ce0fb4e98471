package handlers

import (
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

// Cookies of a help center's host. None has a Domain attribute, so each
// stays on the one host that set it: a help center never sees the
// console's cookies or another help center's.
const (
	visitorCookie     = "hc_session"
	browserIDCookie   = "hc_bid"
	signedOutCookie   = "hc_signed_out"
	sitePassCookie    = "hc_site_pass"
	visitorTTL        = 12 * time.Hour
	browserIDTTL      = 30 * 24 * time.Hour
	signedOutTTL      = 5 * time.Minute
	sitePasswordTTL   = 12 * time.Hour
	visitorCtxKey     = "visitor"
	visitorSessCtxKey = "visitor_session"
)

// visitorFrom returns the signed-in end user of a help-center request.
func visitorFrom(c echo.Context) (*models.User, bool) {
	u, ok := c.Get(visitorCtxKey).(*models.User)
	return u, ok
}

// visitorSessionFrom returns the signed-in visitor's session.
func visitorSessionFrom(c echo.Context) (*models.VisitorSession, bool) {
	s, ok := c.Get(visitorSessCtxKey).(*models.VisitorSession)
	return s, ok
}

// visitorRole is the role that decides what this visitor may read: the
// signed-in user's role claim, or viewer for someone not signed in.
func visitorRole(c echo.Context) models.Role {
	if u, ok := visitorFrom(c); ok && u.Role.Valid() {
		return u.Role
	}
	return models.RoleViewer
}

// loadVisitor attaches the signed-in visitor, if any, to the context.
func (h *Handler) loadVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hc, _ := tenantFrom(c)
		idHash, ok := h.sessionIDHash(c, visitorCookie)
		if !ok {
			return next(c)
		}
		sess, user, err := h.store.VisitorSession(c.Request().Context(), hc.ID, idHash, h.now())
		if errors.Is(err, models.ErrNotFound) {
			return next(c)
		}
		if err != nil {
			return err
		}
		c.Set(visitorCtxKey, user)
		c.Set(visitorSessCtxKey, sess)
		return next(c)
	}
}
