package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/views/console"
)

// upcomingProviders are the cards shown as "Coming soon", in page order.
var upcomingProviders = []struct{ key, name, description string }{
	{models.ProviderSAML, "SAML 2.0", "Sign in through any SAML identity provider, such as ADFS or Shibboleth."},
	{models.ProviderOIDC, "OpenID Connect", "Sign in through any OpenID Connect provider."},
	{models.ProviderGoogle, "Google Workspace", "Let your team sign in with their Google Workspace accounts."},
	{models.ProviderOkta, "Okta", "Assign the help center to people and groups in Okta."},
	{models.ProviderEntra, "Microsoft Entra ID", "Sign in with Microsoft Entra ID (formerly Azure AD) accounts."},
}

// ssoEndpoint is where partner apps send tokens for this help center.
func (h *Handler) ssoEndpoint(hc *models.HelpCenter) string {
	return h.Config.SiteURL(hc) + "/sso/jwt"
}

func (h *Handler) SSOSettingsShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	wishes, err := h.Store.ProviderWishes(c.Request().Context(), a.Admin.ID)
	if err != nil {
		return err
	}
	hasKey, err := h.hasLiveKey(c, hc)
	if err != nil {
		return err
	}
	p := console.SSOPage{
		Chrome:        h.chrome(c, "Single sign-on", "sso"),
		Switch:        console.SSOSwitch{CSRF: web.CSRFToken(c), Enabled: hc.SSOEnabled, HasSecret: hasKey},
		HelpCenterURL: h.Config.SiteURL(hc),
		Endpoint:      h.ssoEndpoint(hc),
		JWTStatus:     jwtStatus(hc, hasKey),
		ReportOnly:    hc.ReportOnly,
	}
	if p.Checklist, err = h.checklist(c, hc, hasKey); err != nil {
		return err
	}
	drift, err := h.Store.ClockDriftSince(c.Request().Context(), hc.ID, h.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	p.Drift = clockDrift(drift)
	for _, pr := range upcomingProviders {
		p.Providers = append(p.Providers, console.ProviderCard{
			CSRF: web.CSRFToken(c), Key: pr.key, Name: pr.name, Description: pr.description, Wished: wishes[pr.key],
		})
	}
	return web.Render(c, http.StatusOK, console.SSO(p))
}

// checklist is the setup checklist, ticked from the real state: the
// visibility, the saved JWT settings, the switch, and whether anyone has
// signed in yet.
func (h *Handler) checklist(c echo.Context, hc *models.HelpCenter, hasKey bool) (console.Checklist, error) {
	signedIn, err := h.Store.HasSignIn(c.Request().Context(), hc.ID)
	if err != nil {
		return console.Checklist{}, err
	}
	return console.Checklist{Steps: []console.ChecklistStep{
		{Title: "Make it private", Done: hc.Visibility == models.VisibilityPrivate, URL: "/settings/general", Action: "Choose Private",
			Hint: "Only your app's signed-in users read it. Do it once single sign-on works, or nobody gets in."},
		{Title: "Connect your app", Done: hc.LoginURL != "" && hasKey, URL: "/settings/security/sso/jwt", Action: "Enter the Login URL and a secret",
			Hint: "Your app's sign-in page (the Login URL) and the shared secret it signs tokens with."},
		{Title: "Turn on single sign-on", Done: hc.SSOEnabled, URL: "/settings/security/sso", Action: "Turn it on",
			Hint: "The switch on this page; tokens are refused while it is off."},
		{Title: "Test a sign-in", Done: signedIn, URL: h.Config.SiteURL(hc) + "/sso/login?return_to=%2F", Action: "Sign in to your help center",
			Hint: "Go through your app once as a visitor would; if it fails, the Logs say why."},
	}}, nil
}

func jwtStatus(hc *models.HelpCenter, hasKey bool) string {
	switch {
	case hasKey && hc.LoginURL != "":
		return "Configured: Login URL and a verification key saved."
	case hasKey:
		return "A verification key is saved; add the Login URL."
	default:
		return "Not configured yet."
	}
}

// SSOSwitchSave turns single sign-on on or off. The form says which
// ("enabled" is 1 or 0) rather than flipping the saved value, so a double
// submission cannot undo itself.
func (h *Handler) SSOSwitchSave(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	var on bool
	switch c.FormValue("enabled") {
	case "1":
		on = true
	case "0":
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Choose on or off for single sign-on.")
	}
	if err := h.Store.SetSSOEnabled(c.Request().Context(), hc.WorkspaceID, hc.ID, on, a.Admin.Email); err != nil {
		return err
	}
	if !isHTMX(c) {
		return web.Redirect(c, "/settings/security/sso")
	}
	hasKey, err := h.hasLiveKey(c, hc)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.SSOSwitchForm(console.SSOSwitch{CSRF: web.CSRFToken(c), Enabled: on, HasSecret: hasKey}))
}

// SSONotifyMe records that this admin wants to hear when a provider ships.
func (h *Handler) SSONotifyMe(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	key := c.FormValue("provider")
	for _, pr := range upcomingProviders {
		if pr.key != key {
			continue
		}
		if err := h.Store.RecordProviderWish(c.Request().Context(), a.Admin.ID, a.HelpCenter.ID, key); err != nil {
			return err
		}
		if !isHTMX(c) {
			return web.Redirect(c, "/settings/security/sso#provider-"+key)
		}
		return web.Render(c, http.StatusOK, console.ProviderCardView(console.ProviderCard{
			CSRF: web.CSRFToken(c), Key: key, Name: pr.name, Description: pr.description, Wished: true,
		}))
	}
	return echo.NewHTTPError(http.StatusBadRequest, "There is no upcoming provider by that name.")
}

// isHTMX reports whether htmx sent the request and swaps in a fragment.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// driftWarnAt is the drift (either way) at which the overview warns: a
// third of the way before the 30 s skew starts refusing tokens.
const driftWarnAt = 10.0

// clockDrift puts the figures in words, with the likely cause: a token
// issued "in the future" means the signer's clock is fast; one that
// arrives old means a slow clock — or a token minted long before the
// visitor is sent with it.
func clockDrift(d store.ClockDrift) console.ClockDrift {
	out := console.ClockDrift{Tokens: d.Tokens, TokensText: count(int64(d.Tokens), "token"), Median: signedSeconds(d.Median), Worst: signedSeconds(d.Worst)}
	switch {
	case d.Tokens == 0:
	case d.Worst >= driftWarnAt:
		out.Warning = fmt.Sprintf("Your app's server clock is about %.0f s fast: its tokens arrive issued in the future, and past 30 s they are refused with jwt_iat_in_future. Sync that server's clock (NTP, e.g. chrony or systemd-timesyncd).", d.Worst)
	case d.Worst <= -driftWarnAt:
		out.Warning = fmt.Sprintf("Tokens arrive up to %.0f s after they were issued: your app's server clock is slow, or it mints tokens long before sending the visitor. Past the token TTL they are refused with jwt_too_old or jwt_expired. Sync the clock (NTP) and mint each token right before the redirect.", -d.Worst)
	}
	return out
}

func signedSeconds(s float64) string {
	if s >= 0 {
		return fmt.Sprintf("+%.1f s", s)
	}
	return fmt.Sprintf("−%.1f s", -s)
}
