package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/models"
	"helpcenter/views/console"
)

func (h *Handler) AccountShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	return web.Render(c, http.StatusOK, console.Account(console.AccountPage{
		Chrome: h.chrome(c, "Account", "account"), Changed: c.QueryParam("changed") == "1", Role: a.Admin.Role.Label(), TwoFactor: a.Admin.TwoFactor(),
	}))
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
		return web.Render(c, http.StatusUnprocessableEntity, console.Account(console.AccountPage{Chrome: h.chrome(c, "Account", "account"), Errors: errs, Role: a.Admin.Role.Label(), TwoFactor: a.Admin.TwoFactor()}))
	}
	hash, err := h.Accounts.HashPassword(newPassword)
	if err != nil {
		return err
	}
	cookie, next, err := h.newAdminSession(a.Admin)
	if err != nil {
		return err
	}
	if err := h.Store.ChangeAdminPassword(c.Request().Context(), a.Admin.WorkspaceID, a.Admin.ID, hash, next); err != nil {
		return err
	}
	h.Cookies.Set(c, session.AdminCookie, cookie, int(session.AdminTTL.Seconds()))
	return web.Redirect(c, "/settings/account?changed=1")
}
