package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/domains"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/views/console"
	"helpcenter/views/layout"
)

// chrome is the console frame for the signed-in admin.
func (h *Handler) chrome(c echo.Context, title, active string) layout.ConsoleChrome {
	a, _ := theAdmin.Get(c)
	return layout.ConsoleChrome{
		Title: title, Active: active, CSRF: web.CSRFToken(c),
		AdminEmail: a.Admin.Email, Settings: a.Admin.Role.ManagesSettings(), HelpCenterName: a.HelpCenter.Name,
		HelpCenterURL: h.Config.SiteURL(a.HelpCenter),
	}
}

func (h *Handler) generalPage(c echo.Context) console.GeneralPage {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	return console.GeneralPage{
		Chrome: h.chrome(c, "General", "general"),
		Name:   hc.Name, CustomDomain: hc.CustomDomain, Visibility: string(hc.Visibility),
		HasSitePassword: hc.SitePasswordHash != "",
		Subdomain:       hc.Subdomain, HelpCenterURL: h.Config.SiteURL(hc),
		SavedDomain: hc.CustomDomain, DomainRecord: hc.DomainRecord(), DomainToken: hc.DomainToken,
		DomainVerified: hc.CanonicalDomain() != "",
	}
}

// SettingsGeneralVerifyDomain checks the custom domain's TXT record
// (domains.Verify) and shows what it found.
func (h *Handler) SettingsGeneralVerifyDomain(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	err := domains.Verify(c.Request().Context(), h.Resolver, h.Store, a.HelpCenter)
	var problem models.Problem
	var conflict *models.ConflictError
	switch {
	case err == nil:
		return web.Redirect(c, "/settings/general?verified=1")
	case errors.As(err, &problem):
	case errors.As(err, &conflict):
		problem = "Another help center verified this domain first."
	case errors.Is(err, models.ErrNotFound):
		problem = "The custom domain changed while it was being checked. Reload the page and try again."
	default:
		return err
	}
	p := h.generalPage(c)
	p.DomainProblem = string(problem)
	return web.Render(c, http.StatusUnprocessableEntity, console.General(p))
}

func (h *Handler) SettingsGeneralShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	p := h.generalPage(c)
	hasKey, err := h.hasLiveKey(c, a.HelpCenter)
	if err != nil {
		return err
	}
	if p.Checklist, err = h.checklist(c, a.HelpCenter, hasKey); err != nil {
		return err
	}
	p.Saved = c.QueryParam("saved") == "1"
	p.DomainJustVerified = c.QueryParam("verified") == "1" && p.DomainVerified
	return web.Render(c, http.StatusOK, console.General(p))
}

func (h *Handler) SettingsGeneralSave(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	p := h.generalPage(c)
	p.Name = strings.TrimSpace(c.FormValue("name"))
	p.CustomDomain = strings.TrimSpace(c.FormValue("custom_domain"))
	p.Visibility = c.FormValue("visibility")
	sitePassword := c.FormValue("site_password")
	errs := models.FieldErrors{}

	if err := models.ValidateName(p.Name); err != nil {
		errs["name"] = err.Error()
	}
	domain := ""
	if p.CustomDomain != "" {
		var err error
		if domain, err = models.ParseCustomDomain(p.CustomDomain, h.Config.BaseHost()); err != nil {
			errs["custom_domain"] = err.Error()
		}
	}
	vis := models.Visibility(p.Visibility)
	if !vis.Valid() {
		errs["visibility"] = "Choose Public, Private or Password."
	}
	if sitePassword != "" {
		if err := models.ValidateSitePassword(sitePassword); err != nil {
			errs["site_password"] = err.Error()
		}
	}
	if vis == models.VisibilityPassword && sitePassword == "" && !p.HasSitePassword {
		errs["site_password"] = "Set a site password to make the help center password-protected."
	}
	if errs.Any() {
		p.Errors = errs
		return web.Render(c, http.StatusUnprocessableEntity, console.General(p))
	}
	// Private while single sign-on cannot sign anyone in locks everyone
	// out: say so, and save only when the admin confirms.
	ready, err := h.Keys.Ready(c.Request().Context(), a.HelpCenter, h.Now())
	if err != nil {
		return err
	}
	if vis == models.VisibilityPrivate && a.HelpCenter.Visibility != models.VisibilityPrivate && !ready &&
		c.FormValue("confirm_private") != "1" {
		p.ConfirmPrivate = true
		return web.Render(c, http.StatusUnprocessableEntity, console.General(p))
	}

	upd := store.GeneralSettings{Name: p.Name, CustomDomain: domain, Visibility: vis}
	if sitePassword != "" {
		hash, err := h.Accounts.HashPassword(sitePassword)
		if err != nil {
			return err
		}
		upd.SitePasswordHash = hash
	}
	err = h.Store.UpdateGeneral(c.Request().Context(), a.HelpCenter.WorkspaceID, a.HelpCenter.ID, upd)
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		p.Errors = models.FieldErrors{"custom_domain": "Another help center has verified this domain."}
		return web.Render(c, http.StatusUnprocessableEntity, console.General(p))
	}
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/general?saved=1")
}
