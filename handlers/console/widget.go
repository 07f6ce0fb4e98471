package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/console"
)

// widgetPage is Settings → Widget for the signed-in admin's help center.
func (h *Handler) widgetPage(c echo.Context) (console.WidgetPage, error) {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	p := console.WidgetPage{
		Chrome: h.chrome(c, "Widget", "widget"),
		AppID:  hc.PublicID, BaseURL: h.Config.ConsoleURL(),
		PreviewEmail: sso.PreviewEmail(hc.Subdomain),
	}
	origins, err := h.Store.WidgetOrigins(c.Request().Context(), hc.ID)
	if err != nil {
		return p, err
	}
	p.Origins = strings.Join(origins, "\n")
	settings, err := h.Keys.Settings(c.Request().Context(), hc, h.Now())
	if err != nil {
		return p, err
	}
	p.SSOReady = sso.CheckConfigured(settings) == nil && settings.HasSecret()
	return p, nil
}

func (h *Handler) SettingsWidgetShow(c echo.Context) error {
	p, err := h.widgetPage(c)
	if err != nil {
		return err
	}
	p.Saved = c.QueryParam("saved") == "1"
	return web.Render(c, http.StatusOK, console.Widget(p))
}

func (h *Handler) SettingsWidgetSave(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	p, err := h.widgetPage(c)
	if err != nil {
		return err
	}
	p.Origins = c.FormValue("origins")
	origins, msg := parseWidgetOrigins(p.Origins)
	if msg != "" {
		p.Errors = models.FieldErrors{"origins": msg}
		return web.Render(c, http.StatusUnprocessableEntity, console.Widget(p))
	}
	err = h.Store.SetWidgetOrigins(c.Request().Context(), a.HelpCenter.WorkspaceID, a.HelpCenter.ID, origins)
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/widget?saved=1")
}

// parseWidgetOrigins reads the "Allowed widget origins" textarea: one
// origin a line, blank lines ignored, each normalised (see
// sso.NormalizeOrigin) and duplicates dropped. The error message names
// every offending line by number and content.
func parseWidgetOrigins(text string) ([]string, string) {
	var origins, problems []string
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		o, err := sso.NormalizeOrigin(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Line %d (%s): %s", i+1, clipForMessage(line), err))
			continue
		}
		if !seen[o] {
			seen[o] = true
			origins = append(origins, o)
		}
	}
	if len(problems) > 0 {
		return nil, strings.Join(problems, " ")
	}
	if len(origins) > sso.MaxWidgetOrigins {
		return nil, fmt.Sprintf("List at most %d origins; there are %d.", sso.MaxWidgetOrigins, len(origins))
	}
	return origins, ""
}

// clipForMessage shortens a quoted input so an error message stays readable.
func clipForMessage(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// previewToken is the answer of POST /settings/widget/preview-token.
type previewToken struct {
	JWT string `json:"jwt"`
}

// SettingsWidgetPreviewToken signs a short-lived viewer token for the
// widget preview on Settings → Widget (see sso.PreviewToken for why this
// is safe). It is a POST with the CSRF header, so another site cannot make
// an admin's browser fetch one, and no-store, so no cache keeps it.
func (h *Handler) SettingsWidgetPreviewToken(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	settings, err := h.Keys.Settings(c.Request().Context(), a.HelpCenter, h.Now())
	if err != nil {
		return err
	}
	if rej := sso.CheckConfigured(settings); rej != nil {
		return c.JSON(http.StatusConflict, web.APIError{Error: string(rej.Reason), Detail: rej.Detail})
	}
	if !settings.HasSecret() {
		return c.JSON(http.StatusConflict, web.APIError{Error: string(sso.ReasonSSONotConfigured),
			Detail: "the preview signs with a shared secret, and this help center verifies public keys only; sign a token with your private key instead"})
	}
	tok, err := sso.PreviewToken(settings, a.HelpCenter.Subdomain, h.Now())
	if err != nil {
		return errors.Join(errors.New("sign a preview token"), err)
	}
	return c.JSON(http.StatusOK, previewToken{JWT: tok})
}
