package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/accounts"
	"helpcenter/views/console"
)

func (h *Handler) signupShow(c echo.Context) error {
	if _, ok := adminFrom(c); ok {
		return redirect(c, "/")
	}
	return render(c, http.StatusOK, console.Signup(console.SignupPage{
		CSRF: csrfToken(c), HostSuffix: "." + h.cfg.BaseURL.Host,
	}))
}

func (h *Handler) signupCreate(c echo.Context) error {
	in := accounts.SignupInput{
		Email:     c.FormValue("email"),
		Password:  c.FormValue("password"),
		Name:      c.FormValue("name"),
		Subdomain: c.FormValue("subdomain"),
	}
	admin, _, errs, err := h.accounts.Signup(c.Request().Context(), in)
	if err != nil {
		return err
	}
	if errs.Any() {
		return render(c, http.StatusUnprocessableEntity, console.Signup(console.SignupPage{
			CSRF: csrfToken(c), HostSuffix: "." + h.cfg.BaseURL.Host,
			Email: in.Email, Name: in.Name, Subdomain: in.Subdomain, Errors: errs,
		}))
	}
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return redirect(c, "/settings/general")
}

func (h *Handler) loginShow(c echo.Context) error {
	if _, ok := adminFrom(c); ok {
		return redirect(c, "/")
	}
	p := console.LoginPage{CSRF: csrfToken(c)}
	if c.QueryParam("signed_out") == "1" {
		p.Notice = "You are signed out."
	}
	return render(c, http.StatusOK, console.Login(p))
}

func (h *Handler) loginCreate(c echo.Context) error {
	email := c.FormValue("email")
	admin, err := h.accounts.Login(c.Request().Context(), email, c.FormValue("password"), c.RealIP())
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		setRetryAfter(c, throttled.RetryAt.Sub(h.now()))
		return render(c, http.StatusTooManyRequests, console.Login(console.LoginPage{
			CSRF: csrfToken(c), Email: email, Error: throttled.Message(h.now()),
		}))
	case errors.Is(err, accounts.ErrBadCredentials):
		return render(c, http.StatusUnauthorized, console.Login(console.LoginPage{
			CSRF: csrfToken(c), Email: email, Error: err.Error(),
		}))
	case err != nil:
		return err
	}
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return redirect(c, "/")
}

// logout revokes the session server-side, so the cookie is worthless even
// if it was copied before.
func (h *Handler) logout(c echo.Context) error {
	if idHash, ok := h.sessionIDHash(c, adminCookie); ok {
		if err := h.store.DeleteAdminSession(c.Request().Context(), idHash); err != nil {
			return err
		}
	}
	h.clearCookie(c, adminCookie)
	return redirect(c, "/login?signed_out=1")
}

func (h *Handler) consoleHome(c echo.Context) error {
	if _, ok := adminFrom(c); !ok {
		return redirect(c, "/login")
	}
	// Single sign-on is what admins come to configure and watch.
	return redirect(c, "/settings/security/sso")
}
