package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

const (
	adminCookie     = "hc_admin"
	adminSessionTTL = 12 * time.Hour
)

// adminContext is the signed-in admin, their session and their workspace's
// help center: the tenant every console query is scoped to.
type adminContext struct {
	Admin      *models.Admin
	Session    *models.AdminSession
	HelpCenter *models.HelpCenter
}

// adminFrom returns the signed-in admin of a console request.
func adminFrom(c echo.Context) (*adminContext, bool) {
	a, ok := c.Get("admin").(*adminContext)
	return a, ok
}

// setCookie writes a cookie with every option explicit: host-only (no
// Domain, so a help center on a subdomain never sees it), HttpOnly,
// SameSite=Lax, Secure on https.
func (h *Handler) setCookie(c echo.Context, name, value string, maxAge int) {
	http.SetCookie(c.Response(), &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.cfg.Secure(),
		SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearCookie(c echo.Context, name string) { h.setCookie(c, name, "", -1) }

// newSessionID returns a random session id, its signed cookie value and
// the hash the database keeps (a database leak yields no usable cookie).
func (h *Handler) newSessionID(cookieName string) (cookie string, idHash []byte, err error) {
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return "", nil, err
	}
	// Hash before encoding: securecookie encrypts its input in place.
	sum := sha256.Sum256(id)
	cookie, err = h.cookies.Encode(cookieName, id)
	if err != nil {
		return "", nil, err
	}
	return cookie, sum[:], nil
}

// sessionIDHash verifies a signed session cookie and returns the hash of
// the id it carries.
func (h *Handler) sessionIDHash(c echo.Context, cookieName string) ([]byte, bool) {
	ck, err := c.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil, false
	}
	var id []byte
	if err := h.cookies.Decode(cookieName, ck.Value, &id); err != nil || len(id) != 32 {
		return nil, false
	}
	sum := sha256.Sum256(id)
	return sum[:], true
}

// startAdminSession opens a new session for admin. A fresh id every
// sign-in means a session id planted before sign-in is worthless after it.
func (h *Handler) startAdminSession(c echo.Context, admin *models.Admin) error {
	if old, ok := h.sessionIDHash(c, adminCookie); ok {
		if err := h.store.DeleteAdminSession(c.Request().Context(), old); err != nil {
			return err
		}
	}
	cookie, idHash, err := h.newSessionID(adminCookie)
	if err != nil {
		return err
	}
	now := h.now().UTC()
	if err := h.store.CreateAdminSession(c.Request().Context(), &models.AdminSession{
		IDHash: idHash, AdminID: admin.ID, WorkspaceID: admin.WorkspaceID,
		CreatedAt: now, ExpiresAt: now.Add(adminSessionTTL),
	}); err != nil {
		return err
	}
	h.setCookie(c, adminCookie, cookie, int(adminSessionTTL.Seconds()))
	return nil
}

// loadAdmin attaches the signed-in admin, if any, to the context.
func (h *Handler) loadAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		idHash, ok := h.sessionIDHash(c, adminCookie)
		if !ok {
			return next(c)
		}
		ctx := c.Request().Context()
		sess, admin, err := h.store.AdminSession(ctx, idHash, h.now())
		if errors.Is(err, models.ErrNotFound) {
			h.clearCookie(c, adminCookie)
			return next(c)
		}
		if err != nil {
			return err
		}
		hc, err := h.store.HelpCenterOfWorkspace(ctx, admin.WorkspaceID)
		if err != nil {
			return err
		}
		c.Set("admin", &adminContext{Admin: admin, Session: sess, HelpCenter: hc})
		return next(c)
	}
}

// requireAdmin sends a signed-out request to the sign-in page.
func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := adminFrom(c); !ok {
			return redirect(c, "/login")
		}
		return next(c)
	}
}
