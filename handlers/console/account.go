package console

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/models"
	"helpcenter/views/console"
)

func (h *Handler) AccountShow(c echo.Context) error {
	p, err := h.accountPage(c)
	if err != nil {
		return err
	}
	p.Changed = c.QueryParam("changed") == "1"
	if n, err := strconv.ParseInt(c.QueryParam("ended"), 10, 64); err == nil {
		p.Notice = "Signed out " + count(n, "other session") + "."
	}
	return web.Render(c, http.StatusOK, console.Account(p))
}

func (h *Handler) accountPage(c echo.Context) (console.AccountPage, error) {
	a, _ := theAdmin.Get(c)
	p := console.AccountPage{Chrome: h.chrome(c, "Account", "account"), Role: a.Admin.Role.Label(), TwoFactor: a.Admin.TwoFactor()}
	now := h.Now()
	sessions, err := h.Store.AdminSessions(c.Request().Context(), a.Admin.ID, now)
	for _, s := range sessions {
		p.Sessions = append(p.Sessions, console.AdminSessionRow{Opened: relativeTime(s.CreatedAt, now), IP: s.IP, Browser: s.UserAgent,
			Current: bytes.Equal(s.IDHash, a.Session.IDHash)})
	}
	return p, err
}

// AccountEndOthers signs the admin out everywhere but this browser.
func (h *Handler) AccountEndOthers(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	n, err := h.Store.EndOtherAdminSessions(c.Request().Context(), a.Admin.WorkspaceID, a.Admin.ID, a.Session.IDHash, a.Admin.Email)
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/account?ended="+strconv.FormatInt(n, 10))
}

// AccountPassword changes the admin's password and revokes every session
// of the account on the server — a stolen cookie dies with the old
// password — then signs this browser in afresh.
func (h *Handler) AccountPassword(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	errs := models.FieldErrors{}
	ok, err := accounts.CheckPassword(a.Admin.PasswordHash, c.FormValue("current_password"))
	if err != nil {
		return err
	}
	if !ok {
		errs["current_password"] = "This is not your current password."
	}
	newPassword := c.FormValue("new_password")
	if err := models.ValidatePassword(newPassword); err != nil {
		errs["new_password"] = err.Error()
	}
	if errs.Any() {
		p, err := h.accountPage(c)
		if err != nil {
			return err
		}
		p.Errors = errs
		return web.Render(c, http.StatusUnprocessableEntity, console.Account(p))
	}
	hash, err := h.Accounts.HashPassword(newPassword)
	if err != nil {
		return err
	}
	cookie, next, err := h.newAdminSession(c, a.Admin)
	if err != nil {
		return err
	}
	if err := h.Store.ChangeAdminPassword(c.Request().Context(), a.Admin.WorkspaceID, a.Admin.ID, hash, next); err != nil {
		return err
	}
	h.Cookies.Set(c, session.AdminCookie, cookie, int(session.AdminTTL.Seconds()))
	return web.Redirect(c, "/settings/account?changed=1")
}
