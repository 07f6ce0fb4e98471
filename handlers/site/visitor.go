package site

import (
	"encoding/json"
	"errors"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/markdown"
	"helpcenter/models"
)

// The signed-in visitor of a help-center request and their session,
// attached by LoadVisitor.
var (
	theVisitor = web.NewKey[*models.User]("visitor")
	theSession = web.NewKey[*models.VisitorSession]("visitor_session")
)

// visitorRole is the role that decides what this visitor may read: the
// signed-in user's role claim, or viewer for someone not signed in.
func visitorRole(c echo.Context) models.Role {
	if u, ok := theVisitor.Get(c); ok && u.Role.Valid() {
		return u.Role
	}
	return models.RoleViewer
}

// profile is a signed-in visitor's user row with its groups parsed and
// keyed once, as the profiles cache keeps it.
type profile struct {
	user   *models.User
	groups []string
	key    string // models.Viewer.GroupsKey of groups
}

// profile is the signed-in visitor's profile, read through a cache of
// web.PageCacheTTL (a new sign-in on this process forgets it); nil when
// signed out, or when the user was deleted.
func (h *Handler) profile(c echo.Context) (*profile, error) {
	u, ok := theVisitor.Get(c)
	if !ok {
		return nil, nil
	}
	if p, ok := h.profiles.Get(u.ID); ok {
		return p, nil
	}
	row, err := h.Store.User(c.Request().Context(), u.HelpCenterID, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		h.profiles.Put(u.ID, nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	groups := models.GroupsOf(row.Groups)
	p := &profile{user: row, groups: groups, key: models.Viewer{Groups: groups}.GroupsKey()}
	h.profiles.Put(u.ID, p)
	return p, nil
}

// viewer is who this visitor is to audiences — their role and the groups
// their latest token asserted, or models.Anonymous — and the key of those
// groups for caches.
func (h *Handler) viewer(c echo.Context) (models.Viewer, string, error) {
	p, err := h.profile(c)
	if err != nil || p == nil {
		return models.Anonymous, "", err
	}
	return models.Viewer{Role: visitorRole(c), Groups: p.groups}, p.key, nil
}

// reader is who personalised text is for: the visitor's profile, or the
// anonymous reader.
func (h *Handler) reader(c echo.Context) (markdown.Reader, error) {
	p, err := h.profile(c)
	if err != nil || p == nil {
		return markdown.Reader{}, err
	}
	return markdown.Reader{Name: p.user.Name, Email: p.user.Email, Custom: json.RawMessage(p.user.CustomFields), Groups: p.groups}, nil
}

// LoadVisitor attaches the signed-in visitor, if any, to the context. It
// reads the session from its cookie — no query — and refuses it when it
// belongs to another help center, has expired, or was revoked.
func (h *Handler) LoadVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if v, ok := h.visitorCookie(c); ok {
			theVisitor.Set(c, &models.User{ID: v.UserID, HelpCenterID: v.HelpCenterID, Name: v.Name, Role: v.Role})
			theSession.Set(c, &models.VisitorSession{IDHash: v.IDHash(), HelpCenterID: v.HelpCenterID,
				UserID: v.UserID, CreatedAt: v.OpenedAt, ExpiresAt: v.ExpiresAt})
		}
		return next(c)
	}
}

// visitorCookie decodes and checks this request's session cookie: it
// must belong to this help center, be unexpired and not revoked.
func (h *Handler) visitorCookie(c echo.Context) (session.Visitor, bool) {
	v, ok := h.Codec.DecodeVisitor(h.Cookies.Read(c, session.VisitorCookie))
	if !ok {
		return session.Visitor{}, false
	}
	hc, _ := web.Tenant.Get(c)
	if v.HelpCenterID != hc.ID || !h.Now().Before(v.ExpiresAt) {
		return session.Visitor{}, false
	}
	if h.Revocations.Revoked(c.Request().Context(), v.IDHash()) {
		return session.Visitor{}, false
	}
	return v, true
}

// setVisitorCookie writes the session cookie for v.
func (h *Handler) setVisitorCookie(c echo.Context, v session.Visitor) error {
	value, err := h.Codec.Visitor(v)
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.VisitorCookie, value, int(v.ExpiresAt.Sub(h.Now()).Seconds()))
	return nil
}

// SessionIDHash is the id hash of the signed-in visitor's session, nil
// when there is none: what the help center's CSRF tokens are bound to.
func (h *Handler) SessionIDHash(c echo.Context) []byte {
	if s, ok := theSession.Get(c); ok {
		return s.IDHash
	}
	return nil
}
