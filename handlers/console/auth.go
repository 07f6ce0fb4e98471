package console

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/views/console"
)

func (h *Handler) SignupShow(c echo.Context) error {
	if _, ok := theAdmin.Get(c); ok {
		return web.Redirect(c, "/")
	}
	return web.Render(c, http.StatusOK, console.Signup(console.SignupPage{
		CSRF: web.CSRFToken(c), HostSuffix: "." + h.Config.BaseURL.Host,
	}))
}

func (h *Handler) SignupCreate(c echo.Context) error {
	in := accounts.SignupInput{
		Email:     c.FormValue("email"),
		Password:  c.FormValue("password"),
		Name:      c.FormValue("name"),
		Subdomain: c.FormValue("subdomain"),
	}
	admin, _, errs, err := h.Accounts.Signup(c.Request().Context(), in)
	if err != nil {
		return err
	}
	if errs.Any() {
		return web.Render(c, http.StatusUnprocessableEntity, console.Signup(console.SignupPage{
			CSRF: web.CSRFToken(c), HostSuffix: "." + h.Config.BaseURL.Host,
			Email: in.Email, Name: in.Name, Subdomain: in.Subdomain, Errors: errs,
		}))
	}
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/general")
}

func (h *Handler) LoginShow(c echo.Context) error {
	if _, ok := theAdmin.Get(c); ok {
		return web.Redirect(c, "/")
	}
	p := console.LoginPage{CSRF: web.CSRFToken(c)}
	if c.QueryParam("signed_out") == "1" {
		p.Notice = "You are signed out."
	}
	return web.Render(c, http.StatusOK, console.Login(p))
}

func (h *Handler) LoginCreate(c echo.Context) error {
	email := c.FormValue("email")
	if required, err := h.idpRequired(c, email); err != nil {
		return err
	} else if required {
		return web.Render(c, http.StatusForbidden, console.Login(console.LoginPage{CSRF: web.CSRFToken(c), Email: email,
			Error: "Your workspace signs you in through its identity provider, not a password: use \"Sign in with your identity provider\"."}))
	}
	admin, err := h.Accounts.Login(c.Request().Context(), email, c.FormValue("password"), c.RealIP())
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		web.SetRetryAfter(c, throttled.RetryAt.Sub(h.Now()))
		return web.Render(c, http.StatusTooManyRequests, console.Login(console.LoginPage{
			CSRF: web.CSRFToken(c), Email: email, Error: throttled.Message(h.Now()),
		}))
	case errors.Is(err, accounts.ErrBadCredentials):
		return web.Render(c, http.StatusUnauthorized, console.Login(console.LoginPage{
			CSRF: web.CSRFToken(c), Email: email, Error: err.Error(),
		}))
	case err != nil:
		return err
	}
	if admin.TwoFactor() {
		// The password was right; the session opens after the code.
		value, err := h.Codec.PendingSignIn(admin.ID, h.Now().Add(session.SecondFactorTTL))
		if err != nil {
			return err
		}
		h.Cookies.Set(c, session.SecondFactorCookie, value, int(session.SecondFactorTTL.Seconds()))
		return web.Redirect(c, "/login/two-factor")
	}
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return web.Redirect(c, "/")
}

// Logout revokes the session server-side, so the cookie is worthless even
// if it was copied before.
func (h *Handler) Logout(c echo.Context) error {
	if idHash, ok := h.Codec.IDHash(session.AdminCookie, h.Cookies.Read(c, session.AdminCookie)); ok {
		if err := h.Store.DeleteAdminSession(c.Request().Context(), idHash); err != nil {
			return err
		}
	}
	h.Cookies.Clear(c, session.AdminCookie)
	return web.Redirect(c, "/login?signed_out=1")
}

func (h *Handler) Home(c echo.Context) error {
	a, ok := theAdmin.Get(c)
	if !ok {
		return web.Redirect(c, "/login")
	}
	if !a.Admin.Role.ManagesSettings() {
		return web.Redirect(c, "/articles")
	}
	// Single sign-on is what admins come to configure and watch.
	return web.Redirect(c, "/settings/security/sso")
}
