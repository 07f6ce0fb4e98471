package console

import (
	"crypto/rand"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/views/console"
)

const apiKeysPath = "/settings/api-keys"

// apiKeyPrefix starts every partner API key, so a leaked one is
// recognisable (secret scanners, logs) for what it is.
const apiKeyPrefix = "hcapi_"

// scopeHints say what each scope lets a key do.
var scopeHints = map[models.APIScope]string{
	models.ScopeUsersRead:      "read a user by external_id",
	models.ScopeUsersWrite:     "create, update and delete users",
	models.ScopeSessionsRevoke: "end a user's sessions",
	models.ScopeLogsRead:       "page the sign-in log",
}

func (h *Handler) apiKeysPage(c echo.Context, checked []string) (console.APIKeysPage, error) {
	a, _ := theAdmin.Get(c)
	keys, err := h.Store.APIKeys(c.Request().Context(), a.HelpCenter.ID)
	if err != nil {
		return console.APIKeysPage{}, err
	}
	now := h.Now()
	p := console.APIKeysPage{Chrome: h.chrome(c, "API keys", "api")}
	for _, s := range models.APIScopes {
		p.Scopes = append(p.Scopes, console.ScopeChoice{Value: string(s), Hint: scopeHints[s], Checked: slices.Contains(checked, string(s))})
	}
	for _, k := range keys {
		row := console.APIKeyRow{ID: k.ID, Label: k.Label, Prefix: k.Prefix, Scopes: strings.ReplaceAll(k.Scopes, " ", ", "),
			CreatedBy: k.CreatedBy, Created: relativeTime(k.CreatedAt, now), LastUsed: "Never", Revoked: k.RevokedAt != nil}
		if k.LastUsedAt != nil {
			row.LastUsed = relativeTime(*k.LastUsedAt, now)
		}
		p.Keys = append(p.Keys, row)
	}
	return p, nil
}

// APIKeysShow lists the keys and shows a just-made one once.
func (h *Handler) APIKeysShow(c echo.Context) error {
	p, err := h.apiKeysPage(c, nil)
	if err != nil {
		return err
	}
	var r console.RevealedAPIKey
	if h.takeReveal(c, &r) && strings.HasPrefix(r.Value, apiKeyPrefix) {
		p.Revealed = &r
	}
	if c.QueryParam("revoked") == "1" {
		p.Notice = "API key revoked: calls with it are refused from now on."
	}
	noStore(c)
	return web.Render(c, http.StatusOK, console.APIKeys(p))
}

// APIKeyCreate makes a key and shows it once (post/redirect/get through
// the one-time reveal cookie, as for a new shared secret).
func (h *Handler) APIKeyCreate(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	form, _ := c.FormParams()
	label := strings.TrimSpace(c.FormValue("label"))
	chosen := form["scopes"]
	errs := models.FieldErrors{}
	switch n := utf8.RuneCountInString(label); {
	case n == 0:
		errs["label"] = "Enter a label, so you know later which backend uses the key."
	case n > 100:
		errs["label"] = "Use at most 100 characters."
	}
	var scopes []models.APIScope
	for _, s := range models.APIScopes {
		if slices.Contains(chosen, string(s)) {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		errs["scopes"] = "Choose at least one scope."
	} else if len(scopes) != len(chosen) {
		errs["scopes"] = "Choose scopes from the list."
	}
	if !errs.Any() {
		secret := apiKeyPrefix + rand.Text() + rand.Text()
		_, err := h.Store.CreateAPIKey(c.Request().Context(), a.HelpCenter.ID, label, secret, secret[:len(apiKeyPrefix)+8], scopes, a.Admin.Email)
		var problem models.Problem
		switch {
		case errors.As(err, &problem):
			errs["label"] = problem.Error()
		case err != nil:
			return err
		default:
			if err := h.revealOnce(c, console.RevealedAPIKey{Label: label, Value: secret}); err != nil {
				return err
			}
			return web.Redirect(c, apiKeysPath)
		}
	}
	p, err := h.apiKeysPage(c, chosen)
	if err != nil {
		return err
	}
	p.Label, p.Errors = c.FormValue("label"), errs
	return web.Render(c, http.StatusUnprocessableEntity, console.APIKeys(p))
}

func (h *Handler) APIKeyRevoke(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	if err := h.Store.RevokeAPIKey(c.Request().Context(), a.HelpCenter.ID, id, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, apiKeysPath+"?revoked=1")
}
