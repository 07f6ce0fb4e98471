package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/models"
	"helpcenter/views/console"
)

const twoFactorPath = "/settings/account/two-factor"

// SecondFactorShow asks for the code of an admin whose password was right.
func (h *Handler) SecondFactorShow(c echo.Context) error {
	if _, ok := h.Codec.OpenPendingSignIn(h.Cookies.Read(c, session.SecondFactorCookie), h.Now()); !ok {
		return web.Redirect(c, "/login")
	}
	web.NoStore(c)
	return web.Render(c, http.StatusOK, console.SecondFactor(console.SecondFactorPage{CSRF: web.CSRFToken(c)}))
}

// SecondFactorCheck checks the code (TOTP or recovery) and opens the
// session; failures are throttled like passwords.
func (h *Handler) SecondFactorCheck(c echo.Context) error {
	web.NoStore(c)
	ctx := c.Request().Context()
	id, ok := h.Codec.OpenPendingSignIn(h.Cookies.Read(c, session.SecondFactorCookie), h.Now())
	if !ok {
		return web.Redirect(c, "/login")
	}
	admin, err := h.Store.AdminByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		h.Cookies.Clear(c, session.SecondFactorCookie)
		return web.Redirect(c, "/login")
	}
	if err != nil {
		return err
	}
	err = h.Accounts.SecondFactor(ctx, admin, c.FormValue("code"), c.RealIP())
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		web.SetRetryAfter(c, throttled.RetryAt.Sub(h.Now()))
		return web.Render(c, http.StatusTooManyRequests, console.SecondFactor(console.SecondFactorPage{CSRF: web.CSRFToken(c), Error: throttled.Message(h.Now())}))
	case errors.Is(err, accounts.ErrBadCode):
		return web.Render(c, http.StatusUnauthorized, console.SecondFactor(console.SecondFactorPage{CSRF: web.CSRFToken(c),
			Error: "That code is not right, or was already used. Enter the code your app shows now, or a recovery code."}))
	case err != nil:
		return err
	}
	h.Cookies.Clear(c, session.SecondFactorCookie)
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return web.Redirect(c, "/")
}

// enrolKey is the TOTP key being set up in this browser, made afresh when
// there is none (or it was for another session).
func (h *Handler) enrolKey(c echo.Context) (*otp.Key, error) {
	a, _ := theAdmin.Get(c)
	if raw, ok := h.Codec.OpenEnrolment(a.Session.IDHash, h.Cookies.Read(c, session.EnrolCookie)); ok {
		if key, err := otp.NewKeyFromURL(raw); err == nil {
			return key, nil
		}
	}
	key, err := accounts.NewTOTP(a.Admin.Email)
	if err != nil {
		return nil, err
	}
	value, err := h.Codec.Enrolment(a.Session.IDHash, key.String())
	if err != nil {
		return nil, err
	}
	h.Cookies.Set(c, session.EnrolCookie, value, int(session.EnrolTTL.Seconds()))
	return key, nil
}

func (h *Handler) twoFactorPage(c echo.Context) (console.TwoFactorPage, error) {
	a, _ := theAdmin.Get(c)
	p := console.TwoFactorPage{Chrome: h.chrome(c, "Two-factor authentication", "account"), Enabled: a.Admin.TwoFactor(),
		Required: a.Workspace.RequireTwoFactor && !a.Admin.TwoFactor(), Errors: map[string]string{}}
	if p.Enabled {
		left, err := h.Store.RecoveryCodesLeft(c.Request().Context(), a.Admin.ID)
		p.Left = left
		return p, err
	}
	key, err := h.enrolKey(c)
	if err != nil {
		return p, err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return p, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return p, err
	}
	p.QR = templ.SafeURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	p.Key = key.Secret()
	return p, nil
}

func (h *Handler) TwoFactorShow(c echo.Context) error {
	p, err := h.twoFactorPage(c)
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "off":
		p.Notice = "Two-factor is off: you sign in with your password alone."
	}
	web.NoStore(c)
	return web.Render(c, http.StatusOK, console.TwoFactor(p))
}

// TwoFactorEnable confirms the key being set up with its first code and
// shows the recovery codes, once.
func (h *Handler) TwoFactorEnable(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	web.NoStore(c)
	if a.Admin.TwoFactor() {
		return web.Redirect(c, twoFactorPath)
	}
	key, err := h.enrolKey(c)
	if err != nil {
		return err
	}
	step, ok := accounts.TOTPStep(key.Secret(), c.FormValue("code"), h.Now())
	if !ok {
		p, err := h.twoFactorPage(c)
		if err != nil {
			return err
		}
		p.Errors["code"] = "That code is not right: enter the 6 digits your app shows now (check its clock if it keeps failing)."
		return web.Render(c, http.StatusUnprocessableEntity, console.TwoFactor(p))
	}
	recovery := accounts.NewRecoveryCodes()
	if err := h.Store.EnableTwoFactor(c.Request().Context(), a.Admin.WorkspaceID, a.Admin.ID, key.Secret(), step, recovery); err != nil {
		return err
	}
	h.Cookies.Clear(c, session.EnrolCookie)
	now := h.Now()
	a.Admin.TOTPEnabledAt = &now
	p, err := h.twoFactorPage(c)
	if err != nil {
		return err
	}
	p.Recovery, p.Left, p.Required = recovery, int64(len(recovery)), false
	p.Notice = "Two-factor is on: from now on you sign in with a code from your app as well."
	return web.Render(c, http.StatusOK, console.TwoFactor(p))
}

// TwoFactorDisable turns the factor off, on a fresh code.
func (h *Handler) TwoFactorDisable(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	if !a.Admin.TwoFactor() {
		return web.Redirect(c, twoFactorPath)
	}
	err := h.Accounts.SecondFactor(ctx, a.Admin, c.FormValue("code"), c.RealIP())
	var throttled *accounts.ThrottledError
	if errors.As(err, &throttled) || errors.Is(err, accounts.ErrBadCode) {
		p, perr := h.twoFactorPage(c)
		if perr != nil {
			return perr
		}
		p.Errors["code"] = "That code is not right, or was already used."
		if throttled != nil {
			p.Errors["code"] = throttled.Message(h.Now())
		}
		return web.Render(c, http.StatusUnprocessableEntity, console.TwoFactor(p))
	}
	if err != nil {
		return err
	}
	if err := h.Store.DisableTwoFactor(ctx, a.Admin.WorkspaceID, a.Admin.ID, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, twoFactorPath+"?done=off")
}

// RequireTwoFactor sends an admin without two-factor to set it up when
// their workspace requires it; only that page, their account and signing
// out stay open to them.
func RequireTwoFactor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, _ := theAdmin.Get(c)
		if !a.Workspace.RequireTwoFactor || a.Admin.TwoFactor() {
			return next(c)
		}
		if p := c.Request().URL.Path; p == twoFactorPath || p == twoFactorPath+"/disable" {
			return next(c)
		}
		return web.Redirect(c, twoFactorPath)
	}
}

// TeamRequireTwoFactor is the Owners' switch "Require two-factor for
// every admin".
func (h *Handler) TeamRequireTwoFactor(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	if a.Admin.Role != models.TeamOwner {
		return echo.NewHTTPError(http.StatusForbidden, "Only an owner can require two-factor for the team.")
	}
	on := c.FormValue("require_two_factor") == "1"
	if on && !a.Admin.TwoFactor() {
		return h.teamRefuse(c, http.StatusConflict, "Set up two-factor for yourself first (Settings → Account), so requiring it does not lock you out.")
	}
	if err := h.Store.SetRequireTwoFactor(c.Request().Context(), a.Admin.WorkspaceID, on, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/team?done=two-factor")
}
