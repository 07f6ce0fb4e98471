package handlers

import (
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

// loadVisitor attaches the signed-in visitor, if any, to the context. It
// reads the session from its cookie — no query — and refuses it when it
// belongs to another help center, has expired, or was revoked.
func (h *Handler) loadVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if v, ok := h.visitorCookie(c); ok {
			c.Set(visitorCtxKey, &models.User{ID: v.UserID, HelpCenterID: v.HelpCenterID, Name: v.Name, Role: v.Role})
			c.Set(visitorSessCtxKey, &models.VisitorSession{IDHash: v.idHash(), HelpCenterID: v.HelpCenterID,
				UserID: v.UserID, CreatedAt: v.OpenedAt, ExpiresAt: v.ExpiresAt})
		}
		return next(c)
	}
}

// visitorCookie decodes and checks this request's session cookie.
func (h *Handler) visitorCookie(c echo.Context) (visitorClaims, bool) {
	ck, err := c.Cookie(visitorCookie)
	if err != nil || ck.Value == "" {
		return visitorClaims{}, false
	}
	var raw []byte
	if err := h.cookies.Decode(visitorCookie, ck.Value, &raw); err != nil {
		return visitorClaims{}, false
	}
	v, err := unmarshalVisitor(raw)
	hc, _ := tenantFrom(c)
	if err != nil || v.HelpCenterID != hc.ID || !h.now().Before(v.ExpiresAt) {
		return visitorClaims{}, false
	}
	if h.revoked(c.Request().Context(), v.idHash()) {
		return visitorClaims{}, false
	}
	return v, true
}

// setVisitorCookie writes the session cookie for v.
func (h *Handler) setVisitorCookie(c echo.Context, v visitorClaims) error {
	value, err := h.cookies.Encode(visitorCookie, v.marshal())
	if err != nil {
		return err
	}
	h.setCookie(c, visitorCookie, value, int(v.ExpiresAt.Sub(h.now()).Seconds()))
	return nil
}
