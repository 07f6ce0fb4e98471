// Package demopartner is the demo partner app of HELPCENTER_DEMO: the
// partner's sign-in page that signs a token for the demo help center, so a
// newcomer can walk the whole redirect flow without writing a line.
package demopartner

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/demo"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/console"
)

// Store is what the demo partner reads.
type Store interface {
	HelpCenterBySubdomain(ctx context.Context, subdomain string) (*models.HelpCenter, error)
	LiveKeys(ctx context.Context, helpCenterID int64, now time.Time) ([]models.VerificationKey, error)
}

// Handler is the demo partner app.
type Handler struct {
	Store Store
	Now   func() time.Time
	// SiteURL is the address of a help center on its canonical host.
	SiteURL func(*models.HelpCenter) string
}

// demoSamples are the demo partner app's sample users: one per role, and
// members of the beta group, whose articles only they read.
var demoSamples = []console.DemoUser{
	{Name: "Jane Viewer", Email: "jane@acme.test", Role: "viewer"},
	{Name: "Bea Beta", Email: "bea@acme.test", Role: "viewer", Groups: "beta"},
	{Name: "Eddie Editor", Email: "eddie@acme.test", Role: "editor"},
	{Name: "Ada Admin", Email: "ada@acme.test", Role: "admin"},
	{Name: "Erin Enterprise", Email: "erin@acme.test", Role: "viewer", Groups: "beta, enterprise"},
}

// Show is the demo partner app's sign-in page. It exists only
// with HELPCENTER_DEMO on (the route is not registered otherwise).
func (h *Handler) Show(c echo.Context) error {
	p := console.DemoPartnerPage{
		CSRF: web.CSRFToken(c), Subdomain: c.QueryParam("subdomain"), Key: c.QueryParam("key"),
		User: demoSamples[0], Samples: demoSamples,
	}
	for _, u := range demoSamples {
		if u.Email == c.QueryParam("sample") {
			p.User = u
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return web.Render(c, http.StatusOK, console.DemoPartner(p))
}

// Submit signs a token for the demo help center — and only for
// it: signing for any subdomain would make this page an oracle for every
// tenant's secret — and sends the visitor to its /sso/jwt.
func (h *Handler) Submit(c echo.Context) error {
	ctx := c.Request().Context()
	hc, err := h.Store.HelpCenterBySubdomain(ctx, demo.Subdomain)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	user := console.DemoUser{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role"),
		Groups: strings.TrimSpace(c.FormValue("groups"))}
	errs := models.FieldErrors{}
	groups, err := models.ParseGroups(user.Groups)
	if err != nil {
		errs["groups"] = err.Error()
	}
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
	privateKey, kid := strings.TrimSpace(c.FormValue("private_key")), strings.TrimSpace(c.FormValue("kid"))
	signer, err := h.signingKey(ctx, hc, privateKey, kid)
	if err != nil {
		errs["private_key"] = models.Sentence(err.Error())
	}
	if errs.Any() {
		return web.Render(c, http.StatusUnprocessableEntity, console.DemoPartner(console.DemoPartnerPage{
			CSRF: web.CSRFToken(c), Subdomain: demo.Subdomain, Key: key, User: user, Samples: demoSamples,
			PrivateKey: privateKey, KID: kid, Errors: errs,
		}))
	}
	jti := key
	if jti == "" {
		if jti, err = sso.NewBrowserID(); err != nil {
			return err
		}
	}
	now := h.Now().Unix()
	claims := map[string]any{
		"jti": jti, "iss": demo.Issuer, "iat": now, "exp": now + 120,
		"email": user.Email, "name": user.Name, "role": user.Role, "external_id": "demo-" + user.Email,
	}
	if len(groups) > 0 {
		claims["groups"] = groups
	}
	if hc.Issuer != "" {
		claims["iss"] = hc.Issuer
	}
	if hc.Audience != "" {
		claims["aud"] = hc.Audience
	}
	token, err := signer.Sign(claims)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, h.SiteURL(hc)+"/sso/jwt?"+url.Values{"jwt": {token}}.Encode())
}

// signingKey is what the demo partner signs with: the private key pasted
// into its form, or else the demo help center's newest shared secret.
func (h *Handler) signingKey(ctx context.Context, hc *models.HelpCenter, privateKey, kid string) (*sso.SigningKey, error) {
	if privateKey != "" {
		if !strings.Contains(privateKey, "PRIVATE KEY") {
			return nil, errors.New("paste a PEM private key (-----BEGIN PRIVATE KEY-----), or leave the field blank")
		}
		return sso.ParseSigningKey(privateKey, kid)
	}
	live, err := h.Store.LiveKeys(ctx, hc.ID, h.Now())
	if err != nil {
		return nil, err
	}
	if secret := models.NewestSecret(live); secret != nil {
		return sso.ParseSigningKey(secret.Secret, kid)
	}
	return nil, errors.New("the demo help center has no shared secret: paste the private key of one of its key pairs, or add a secret on the Keys page")
}
