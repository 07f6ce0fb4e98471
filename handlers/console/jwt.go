package console

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/views/console"
)

// auditShown is how many settings changes the JWT page lists.
const auditShown = 20

// jwtPage builds the JWT page around form, with the help center's history
// and integration snippets.
func (h *Handler) jwtPage(c echo.Context, form console.JWTForm) (console.JWTPage, error) {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	now := h.Now()
	live, err := h.liveKeys(c, hc)
	if err != nil {
		return console.JWTPage{}, err
	}
	if secret := models.NewestSecret(live); secret != nil {
		form.SecretSaved = true
		form.SecretSavedAgo = relativeTime(secret.CreatedAt, now)
		form.SecretFingerprint = secret.Fingerprint
	}
	form.LiveKeys = len(live)
	for _, k := range live {
		if k.Kind == models.KeySecret && k.State(now) == models.KeyRetiring {
			form.RetiringUntil = k.RetiresAt.UTC().Format("2 Jan 2006 15:04 UTC")
		}
	}
	entries, err := h.Store.AuditLog(c.Request().Context(), hc.ID, auditShown)
	if err != nil {
		return console.JWTPage{}, err
	}
	var audit []console.AuditRow
	for _, e := range entries {
		audit = append(audit, console.AuditRow{
			Action: e.Action, Actor: e.Actor, Ago: relativeTime(e.CreatedAt, now), At: e.CreatedAt.UTC().Format(time.RFC3339),
		})
	}
	return console.JWTPage{
		Chrome:        h.chrome(c, "JWT single sign-on", "sso"),
		Form:          form,
		Endpoint:      h.ssoEndpoint(hc),
		HelpCenterURL: h.Config.SiteURL(hc),
		SSOEnabled:    hc.SSOEnabled,
		Audit:         audit,
		// The snippets show what is saved, not what is being typed: they
		// must work with the settings the help center checks today.
		Snippets:   console.Snippets(h.ssoEndpoint(hc), hc.Issuer, hc.Audience, snippetKey(live)),
		SnippetKey: snippetKey(live),
	}, nil
}

// savedForm is the form filled with the saved settings.
func savedForm(hc *models.HelpCenter) console.JWTForm {
	return console.JWTForm{
		LoginURL: hc.LoginURL, LogoutURL: hc.LogoutURL, Issuer: hc.Issuer, Audience: hc.Audience,
		TokenTTL: strconv.Itoa(hc.TokenTTL), AllowUnsolicited: hc.AllowUnsolicited, ReportOnly: hc.ReportOnly,
		SessionLength: sso.FormatSessionLength(hc.SessionLength), InviteOnly: hc.InviteOnly, AllowedDomains: hc.AllowedDomains,
	}
}

// postedForm is the form as submitted, kept as typed so that a page shown
// again with errors holds exactly the admin's input.
func postedForm(c echo.Context) console.JWTForm {
	return console.JWTForm{
		LoginURL:         c.FormValue("login_url"),
		LogoutURL:        c.FormValue("logout_url"),
		Issuer:           c.FormValue("issuer"),
		Audience:         c.FormValue("audience"),
		TokenTTL:         c.FormValue("token_ttl"),
		AllowUnsolicited: c.FormValue("allow_unsolicited") != "",
		ReportOnly:       c.FormValue("report_only") != "",
		SessionLength:    c.FormValue("session_length"),
		InviteOnly:       c.FormValue("provisioning") == "invite_only",
		AllowedDomains:   c.FormValue("allowed_domains"),
		Secret:           c.FormValue("secret"),
	}
}

func (h *Handler) JWTSettingsShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	p, err := h.jwtPage(c, savedForm(a.HelpCenter))
	if err != nil {
		return err
	}
	p.ConfirmRegenerate = c.QueryParam("confirm") == "regenerate"
	if c.QueryParam("saved") == "1" {
		p.Notice = "JWT settings applied."
	}
	// The one view of a regenerated secret: the cookie the POST set is
	// read and cleared, so a reload shows the secret masked again.
	if value := h.Cookies.Read(c, session.RevealCookie); value != "" {
		h.Cookies.Clear(c, session.RevealCookie)
		if secret, ok := h.Codec.OpenReveal(a.Session.IDHash, value); ok {
			p.Form.Secret, p.Form.SecretShownOnce = secret, true
			p.Notice = "New secret saved. Tokens signed with the old secret no longer work."
			if until := p.Form.RetiringUntil; until != "" {
				p.Notice = "New secret saved. The old secret keeps working until " + until + "; revoke it on the Keys page once your app uses the new one."
			}
		}
	}
	noStore(c)
	return web.Render(c, http.StatusOK, console.JWT(p))
}

// JWTSettingsApply validates and saves the form. A blank Shared Secret
// keeps the saved one; so does the saved secret itself, sent back from the
// page that showed it once.
func (h *Handler) JWTSettingsApply(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	form := postedForm(c)
	settings := sso.NormalizeSettings(models.SSOSettings{
		LoginURL: form.LoginURL, LogoutURL: form.LogoutURL, Issuer: form.Issuer, Audience: form.Audience,
		AllowUnsolicited: form.AllowUnsolicited, ReportOnly: form.ReportOnly, InviteOnly: form.InviteOnly,
	})
	domains, domainsErr := sso.ParseDomainList(form.AllowedDomains)
	settings.AllowedDomains = domains
	length, lengthErr := sso.ParseSessionLength(form.SessionLength)
	settings.SessionLength = length
	newSecret := form.Secret
	live, err := h.liveKeys(c, hc)
	if err != nil {
		return err
	}
	if saved := models.NewestSecret(live); newSecret != "" && saved != nil &&
		subtle.ConstantTimeCompare([]byte(saved.Secret), []byte(newSecret)) == 1 {
		newSecret = ""
	}
	ttl, ttlErr := sso.ParseTokenTTL(form.TokenTTL)
	settings.TokenTTL = ttl
	// With any live key (a public key, say) no secret is required.
	errs := sso.ValidateSettings(settings, newSecret, len(live) > 0)
	if ttlErr != nil {
		errs[sso.FieldTokenTTL] = ttlErr.Error()
	}
	if lengthErr != nil {
		errs[sso.FieldSessionLength] = lengthErr.Error()
	}
	if domainsErr != nil {
		errs[sso.FieldAllowedDomains] = domainsErr.Error()
	}
	if errs.Any() {
		form.Errors = errs
		if newSecret == "" {
			// The saved secret itself came back: show it masked again.
			form.Secret = ""
		}
		p, err := h.jwtPage(c, form)
		if err != nil {
			return err
		}
		noStore(c)
		return web.Render(c, http.StatusUnprocessableEntity, console.JWT(p))
	}
	changes := sso.SettingsChanges(hc.SSOSettings(), settings, newSecret != "")
	err = h.Store.UpdateSSOSettings(c.Request().Context(), hc.WorkspaceID, hc.ID, store.SSOUpdate{
		Settings: settings, NewSecret: newSecret, Actor: a.Admin.Email, Action: strings.Join(changes, "; "),
	})
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/security/sso/jwt?saved=1")
}

// JWTSecretGenerate fills the Shared Secret with a fresh secret without
// saving anything: the form comes back with every field as typed, so the
// admin can copy the secret into the app and then apply.
func (h *Handler) JWTSecretGenerate(c echo.Context) error {
	form := postedForm(c)
	secret, err := sso.GenerateSecret()
	if err != nil {
		return err
	}
	form.Secret = secret
	p, err := h.jwtPage(c, form)
	if err != nil {
		return err
	}
	p.Notice = "A new secret is in the Shared Secret field. Copy it into your app, then Apply JWT Settings to save it."
	noStore(c)
	return web.Render(c, http.StatusOK, console.JWT(p))
}

// graceWindows are the Regenerate dialog's choices (SPEC section 9): how
// long the previous secrets keep verifying.
var graceWindows = map[string]time.Duration{"": 0, "0": 0, "1h": time.Hour, "24h": 24 * time.Hour, "168h": 7 * 24 * time.Hour}

// JWTSecretRegenerate saves a new secret and ends the live ones — at once,
// or after the grace window chosen in the dialog, which has said which —
// then redirects to the page that shows the new one once
// (post/redirect/get): reloading that page never regenerates again, and
// no later page holds the secret.
func (h *Handler) JWTSecretRegenerate(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	grace, ok := graceWindows[c.FormValue("grace")]
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a grace window: none, 1 hour, 24 hours or 7 days.")
	}
	secret, err := sso.GenerateSecret()
	if err != nil {
		return err
	}
	_, err = h.Store.AddKey(c.Request().Context(), hc.WorkspaceID, hc.ID, store.NewKey{
		Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Shared secret", Secret: secret,
		Retire: store.RetireSecrets, Grace: grace, Actor: a.Admin.Email, Audit: "Secret regenerated",
	})
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("The help center has its %d live keys: revoke one on the Keys page first.", store.MaxLiveKeys))
	}
	if err != nil {
		return err
	}
	reveal, err := h.Codec.Reveal(a.Session.IDHash, secret)
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.RevealCookie, reveal, int(session.RevealTTL.Seconds()))
	return web.Redirect(c, "/settings/security/sso/jwt")
}

// noStore keeps a page holding a secret or a token out of every cache.
func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}
