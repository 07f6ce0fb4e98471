package console

import (
	"errors"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/models"
)

// adminContext is the signed-in admin, their session and their workspace's
// help center: the tenant every console query is scoped to.
type adminContext struct {
	Admin      *models.Admin
	Session    *models.AdminSession
	HelpCenter *models.HelpCenter
	Workspace  *models.Workspace
}

// theAdmin is the signed-in admin of a console request, attached by
// LoadAdmin.
var theAdmin = web.NewKey[*adminContext]("admin")

// startAdminSession opens a new session for admin. A fresh id every
// sign-in means a session id planted before sign-in is worthless after it.
func (h *Handler) startAdminSession(c echo.Context, admin *models.Admin) error {
	if old, ok := h.Codec.IDHash(session.AdminCookie, h.Cookies.Read(c, session.AdminCookie)); ok {
		if err := h.Store.DeleteAdminSession(c.Request().Context(), old); err != nil {
			return err
		}
	}
	cookie, sess, err := h.newAdminSession(c, admin)
	if err != nil {
		return err
	}
	if err := h.Store.CreateAdminSession(c.Request().Context(), sess); err != nil {
		return err
	}
	h.Cookies.Set(c, session.AdminCookie, cookie, int(session.AdminTTL.Seconds()))
	return nil
}

// newAdminSession makes a session for admin, opened by this request's
// browser, and the cookie that names it.
func (h *Handler) newAdminSession(c echo.Context, admin *models.Admin) (string, *models.AdminSession, error) {
	cookie, idHash, err := h.Codec.NewID(session.AdminCookie)
	if err != nil {
		return "", nil, err
	}
	now := h.Now().UTC()
	ua := c.Request().UserAgent()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	return cookie, &models.AdminSession{IDHash: idHash, AdminID: admin.ID, WorkspaceID: admin.WorkspaceID,
		IP: c.RealIP(), UserAgent: ua, CreatedAt: now, ExpiresAt: now.Add(session.AdminTTL)}, nil
}

// LoadAdmin attaches the signed-in admin, if any, to the context.
func (h *Handler) LoadAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		idHash, ok := h.Codec.IDHash(session.AdminCookie, h.Cookies.Read(c, session.AdminCookie))
		if !ok {
			return next(c)
		}
		ctx := c.Request().Context()
		sess, admin, err := h.Store.AdminSession(ctx, idHash, h.Now())
		if errors.Is(err, models.ErrNotFound) {
			h.Cookies.Clear(c, session.AdminCookie)
			return next(c)
		}
		if err != nil {
			return err
		}
		hc, err := h.Store.HelpCenterOfWorkspace(ctx, admin.WorkspaceID)
		if err != nil {
			return err
		}
		ws, err := h.Store.Workspace(ctx, admin.WorkspaceID)
		if err != nil {
			return err
		}
		theAdmin.Set(c, &adminContext{Admin: admin, Session: sess, HelpCenter: hc, Workspace: ws})
		// What the admin changes, the audit trail records under their email.
		c.SetRequest(c.Request().WithContext(models.WithActor(c.Request().Context(), admin.Email)))
		return next(c)
	}
}

// RequireAdmin sends a signed-out request to the sign-in page.
func RequireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := theAdmin.Get(c); !ok {
			return web.Redirect(c, "/login")
		}
		return next(c)
	}
}

// SessionIDHash is the id hash of the signed-in admin's session, nil when
// signed out: what the console's CSRF tokens are bound to.
func (h *Handler) SessionIDHash(c echo.Context) []byte {
	if a, ok := theAdmin.Get(c); ok {
		return a.Session.IDHash
	}
	return nil
}
