package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/adminsso"
	"helpcenter/internal/safehttp"
	"helpcenter/models"
	"helpcenter/views/console"
)

// unusablePassword is the password hash of an admin made by the identity
// provider: it matches no password.
const unusablePassword = "!signs-in-through-the-identity-provider"

func emailDomain(email string) string {
	_, d, _ := strings.Cut(models.EmailKey(email), "@")
	return d
}

func (h *Handler) idpProvider(o *models.WorkspaceOIDC) (adminsso.Provider, error) {
	secret, err := h.Store.OIDCSecret(o)
	return adminsso.Provider{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: secret,
		RedirectURL: h.Config.ConsoleURL() + "/login/sso/callback"}, err
}

func (h *Handler) IdPShow(c echo.Context) error {
	return web.Render(c, http.StatusOK, console.IdPSignIn(console.IdPSignInPage{CSRF: web.CSRFToken(c)}))
}

// IdPStart finds the workspace that signs the email's domain in through
// a provider and sends the browser there.
func (h *Handler) IdPStart(c echo.Context) error {
	ctx := c.Request().Context()
	in := c.FormValue("email")
	email, err := models.ParseEmail(in)
	page := console.IdPSignInPage{CSRF: web.CSRFToken(c), Email: in, Errors: map[string]string{}}
	if err != nil {
		page.Errors["email"] = err.Error()
		return web.Render(c, http.StatusUnprocessableEntity, console.IdPSignIn(page))
	}
	o, err := h.Store.WorkspaceOIDCByDomain(ctx, emailDomain(email))
	if err != nil {
		return err
	}
	if o == nil {
		page.Errors["email"] = "No workspace signs @" + emailDomain(email) + " in through an identity provider: sign in with your password."
		return web.Render(c, http.StatusUnprocessableEntity, console.IdPSignIn(page))
	}
	p, err := h.idpProvider(o)
	if err != nil {
		return err
	}
	started, err := h.AdminSSO.Start(ctx, p)
	if err != nil {
		page.Refused = err.Error()
		return web.Render(c, http.StatusBadGateway, console.IdPSignIn(page))
	}
	value, err := h.Codec.SealOIDCFlow(session.OIDCFlow{WorkspaceID: o.WorkspaceID, State: started.State, Nonce: started.Nonce,
		Verifier: started.Verifier, Expires: h.Now().Add(session.OIDCTTL).Unix()})
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.OIDCCookie, value, int(session.OIDCTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, started.URL)
}

// IdPCallback finishes the flow: a verified email of the workspace's
// domain signs its admin in (or, with "Create admins on first sign-in",
// a new Editor); anything else is refused with the reason.
func (h *Handler) IdPCallback(c echo.Context) error {
	ctx := c.Request().Context()
	web.NoStore(c)
	refuse := func(status int, why string) error {
		return web.Render(c, status, console.IdPSignIn(console.IdPSignInPage{CSRF: web.CSRFToken(c), Refused: why}))
	}
	flow, ok := h.Codec.OpenOIDCFlow(h.Cookies.Read(c, session.OIDCCookie), h.Now())
	h.Cookies.Clear(c, session.OIDCCookie)
	if !ok {
		return refuse(http.StatusBadRequest, "This sign-in took too long or was not started here: start again.")
	}
	if e := c.QueryParam("error"); e != "" {
		return refuse(http.StatusUnauthorized, "The identity provider refused: "+e+" "+c.QueryParam("error_description"))
	}
	o, err := h.Store.WorkspaceOIDC(ctx, flow.WorkspaceID)
	if err != nil {
		return err
	}
	if o == nil {
		return refuse(http.StatusBadRequest, "This workspace no longer signs in through an identity provider.")
	}
	p, err := h.idpProvider(o)
	if err != nil {
		return err
	}
	email, err := h.AdminSSO.Finish(ctx, p, adminsso.Started{State: flow.State, Nonce: flow.Nonce, Verifier: flow.Verifier}, c.QueryParam("state"), c.QueryParam("code"))
	if adminsso.IsRefused(err) {
		return refuse(http.StatusUnauthorized, err.Error())
	}
	if err != nil {
		return refuse(http.StatusBadGateway, err.Error())
	}
	if emailDomain(email) != o.Domain {
		return refuse(http.StatusForbidden, email+" is not at @"+o.Domain+", the domain this workspace signs in through its provider.")
	}
	admin, err := h.Store.AdminByEmail(ctx, email)
	switch {
	case err == nil && admin.WorkspaceID != o.WorkspaceID:
		return refuse(http.StatusForbidden, email+" is an admin of another workspace.")
	case errors.Is(err, models.ErrNotFound) && o.CreateAdmins:
		if admin, err = h.Store.CreateAdminFromIdP(ctx, o.WorkspaceID, email, unusablePassword); err != nil {
			return err
		}
	case errors.Is(err, models.ErrNotFound):
		return refuse(http.StatusForbidden, email+" is not an admin of this workspace: ask an owner to invite you.")
	case err != nil:
		return err
	}
	if err := h.startAdminSession(c, admin); err != nil {
		return err
	}
	return web.Redirect(c, "/")
}

// idpRequired reports whether the email's workspace requires its identity
// provider, so a password must not sign it in.
func (h *Handler) idpRequired(c echo.Context, email string) (bool, error) {
	o, err := h.Store.WorkspaceOIDCByDomain(c.Request().Context(), emailDomain(email))
	return o != nil && o.Required, err
}

func (h *Handler) idpSettings(c echo.Context) (console.IdPSettings, error) {
	a, _ := theAdmin.Get(c)
	s := console.IdPSettings{Errors: map[string]string{}}
	for _, p := range adminsso.Presets {
		s.Presets = append(s.Presets, p.Name+" "+p.Issuer)
	}
	o, err := h.Store.WorkspaceOIDC(c.Request().Context(), a.Admin.WorkspaceID)
	if err != nil || o == nil {
		return s, err
	}
	s.Issuer, s.ClientID, s.HasSecret, s.Domain, s.CreateAdmins, s.Required = o.Issuer, o.ClientID, true, o.Domain, o.CreateAdmins, o.Required
	return s, nil
}

// TeamIdPSave saves the workspace's identity provider (Owners).
func (h *Handler) TeamIdPSave(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	if a.Admin.Role != models.TeamOwner {
		return echo.NewHTTPError(http.StatusForbidden, "Only an owner can set the team's identity provider.")
	}
	o := models.WorkspaceOIDC{WorkspaceID: a.Admin.WorkspaceID, Issuer: strings.TrimSpace(c.FormValue("issuer")),
		ClientID: strings.TrimSpace(c.FormValue("client_id")), Domain: strings.ToLower(strings.TrimSpace(c.FormValue("domain"))),
		CreateAdmins: c.FormValue("create_admins") == "1", Required: c.FormValue("required") == "1"}
	secret := c.FormValue("client_secret")
	errs := models.FieldErrors{}
	if o.Issuer == "" {
		errs["issuer"] = "Enter the provider's issuer URL."
	} else if err := safehttp.ValidateURL(o.Issuer, h.Config.Development()); err != nil {
		errs["issuer"] = models.Sentence("this URL cannot be used: " + err.Error())
	}
	if o.ClientID == "" {
		errs["client_id"] = "Enter the client ID of the app you registered at the provider."
	}
	if o.Domain != emailDomain(a.Admin.Email) {
		errs["domain"] = "Use your own email's domain (@" + emailDomain(a.Admin.Email) + "): a workspace signs in its own people only."
	}
	if !errs.Any() {
		err := h.Store.SaveWorkspaceOIDC(c.Request().Context(), o, secret)
		var conflict *models.ConflictError
		switch {
		case errors.As(err, &conflict) && conflict.Field == "client_secret":
			errs["client_secret"] = "Enter the client secret."
		case errors.As(err, &conflict):
			errs["domain"] = "Another workspace signs this domain in already."
		case err != nil:
			return err
		default:
			return web.Redirect(c, "/settings/team?done=idp")
		}
	}
	p, err := h.teamPage(c)
	if err != nil {
		return err
	}
	p.IdP.Issuer, p.IdP.ClientID, p.IdP.Domain, p.IdP.CreateAdmins, p.IdP.Required, p.IdP.Errors = o.Issuer, o.ClientID, o.Domain, o.CreateAdmins, o.Required, errs
	return web.Render(c, http.StatusUnprocessableEntity, console.Team(p))
}
