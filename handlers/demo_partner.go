package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/demo"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/console"
)

// demoSamples are the demo partner app's sample users, one per role.
var demoSamples = []console.DemoUser{
	{Name: "Jane Viewer", Email: "jane@acme.test", Role: "viewer"},
	{Name: "Eddie Editor", Email: "eddie@acme.test", Role: "editor"},
	{Name: "Ada Admin", Email: "ada@acme.test", Role: "admin"},
}

// demoPartnerShow is the demo partner app's sign-in page. It exists only
// with HELPCENTER_DEMO on (the route is not registered otherwise).
func (h *Handler) demoPartnerShow(c echo.Context) error {
	p := console.DemoPartnerPage{
		CSRF: csrfToken(c), Subdomain: c.QueryParam("subdomain"), Key: c.QueryParam("key"),
		User: demoSamples[0], Samples: demoSamples,
	}
	for _, u := range demoSamples {
		if u.Email == c.QueryParam("sample") {
			p.User = u
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, console.DemoPartner(p))
}

// demoPartnerSubmit signs a token for the demo help center — and only for
// it: signing for any subdomain would make this page an oracle for every
// tenant's secret — and sends the visitor to its /sso/jwt.
func (h *Handler) demoPartnerSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	hc, err := h.store.HelpCenterBySubdomain(ctx, demo.Subdomain)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	user := console.DemoUser{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role")}
	errs := models.FieldErrors{}
	if user.Name == "" {
		errs["name"] = "Enter a name."
	}
	if _, err := models.ParseEmail(user.Email); err != nil {
		errs["email"] = err.Error()
	}
	if _, ok := sso.ParseRole(user.Role); !ok {
		user.Role = "viewer"
	}
	key := c.FormValue("key")
	if errs.Any() {
		return render(c, http.StatusUnprocessableEntity, console.DemoPartner(console.DemoPartnerPage{
			CSRF: csrfToken(c), Subdomain: demo.Subdomain, Key: key, User: user, Samples: demoSamples, Errors: errs,
		}))
	}
	secret, err := h.store.JWTSecret(hc)
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "The demo help center has no shared secret yet: apply JWT settings in the console first.")
	}
	jti := key
	if jti == "" {
		if jti, err = sso.NewBrowserID(); err != nil {
			return err
		}
	}
	now := h.now().Unix()
	claims := map[string]any{
		"jti": jti, "iss": demo.Issuer, "iat": now, "exp": now + 120,
		"email": user.Email, "name": user.Name, "role": user.Role, "external_id": "demo-" + user.Email,
	}
	if hc.Issuer != "" {
		claims["iss"] = hc.Issuer
	}
	if hc.Audience != "" {
		claims["aud"] = hc.Audience
	}
	token, err := sso.Mint(secret, claims)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, h.cfg.HelpCenterURL(hc.Subdomain)+"/sso/jwt?"+url.Values{"jwt": {token}}.Encode())
}
