package console

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/views/console"
)

// keysPath is the Keys page (SPEC section 9).
const keysPath = "/settings/security/sso/keys"

// revealed is what the one-time reveal cookie carries from the POST that
// made a secret or a key pair to the page view that shows it.
type revealed struct {
	Private     bool   `json:"p,omitempty"`
	Label       string `json:"l"`
	Alg         string `json:"a"`
	KID         string `json:"k,omitempty"`
	Fingerprint string `json:"f"`
	Value       string `json:"v"`
}

// KeysShow lists the help center's keys with the forms that add one, and
// shows a just-made secret or private key once.
func (h *Handler) KeysShow(c echo.Context) error {
	p, err := h.keysPage(c, console.KeyForms{PairAlg: models.AlgES256})
	if err != nil {
		return err
	}
	var r revealed
	if h.takeReveal(c, &r) {
		p.Revealed = &console.RevealedKey{Private: r.Private, Label: r.Label, Alg: r.Alg, KID: r.KID, Fingerprint: r.Fingerprint, Value: r.Value}
		if r.Private {
			p.Revealed.DownloadHref = "data:application/x-pem-file;base64," + base64.StdEncoding.EncodeToString([]byte(r.Value))
			p.Revealed.FileName = "helpcenter-" + r.Fingerprint + ".pem"
		}
	}
	if c.QueryParam("revoked") == "1" {
		p.Notice = "Key revoked: tokens it signed are refused from now on, on every instance."
	}
	if c.QueryParam("added") == "1" {
		p.Notice = "Key added: it verifies tokens from now on."
	}
	noStore(c)
	return web.Render(c, http.StatusOK, console.Keys(p))
}

func (h *Handler) keysPage(c echo.Context, form console.KeyForms) (console.KeysPage, error) {
	a, _ := theAdmin.Get(c)
	now := h.Now()
	keys, err := h.Store.Keys(c.Request().Context(), a.HelpCenter.ID, now)
	if err != nil {
		return console.KeysPage{}, err
	}
	p := console.KeysPage{Chrome: h.chrome(c, "Verification keys", "sso"), Form: form, MaxLive: store.MaxLiveKeys}
	live := 0
	for _, k := range keys {
		row := console.KeyRow{
			ID: k.ID, Label: k.Label, Type: keyType(k), Fingerprint: k.Fingerprint, KID: k.KID, JWKSURL: k.JWKSURL,
			Created: relativeTime(k.CreatedAt, now), CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339),
			Verified24h: k.Verified24h, Live: k.Live(now),
			LogsURL: "/settings/logs?event=all&key=" + url.QueryEscape(k.Fingerprint),
		}
		if k.LastUsedAt != nil {
			row.LastUsed, row.LastUsedAt = relativeTime(*k.LastUsedAt, now), k.LastUsedAt.UTC().Format(time.RFC3339)
		}
		switch k.State(now) {
		case models.KeyActive:
			row.State = "Active"
		case models.KeyRetiring:
			row.State = "Retiring until " + k.RetiresAt.UTC().Format("2 Jan 2006 15:04 UTC")
		default:
			row.State = "Revoked"
		}
		if row.Live {
			live++
		}
		p.Keys = append(p.Keys, row)
	}
	p.Full = live >= store.MaxLiveKeys
	return p, nil
}

func keyType(k models.VerificationKey) string {
	switch k.Kind {
	case models.KeySecret:
		return "Shared secret (HS256)"
	case models.KeyPublic:
		return k.Alg + " public key"
	}
	return "JWKS URL"
}

// keyAdded answers a saved key: to the page, with the secret or private
// key in the one-time reveal when there is one to show.
func (h *Handler) keyAdded(c echo.Context, r *revealed) error {
	if r == nil {
		return web.Redirect(c, keysPath+"?added=1")
	}
	if err := h.revealOnce(c, r); err != nil {
		return err
	}
	return web.Redirect(c, keysPath)
}

// keyFormFailed shows the page again with the input kept and errors by
// field.
func (h *Handler) keyFormFailed(c echo.Context, form console.KeyForms) error {
	p, err := h.keysPage(c, form)
	if err != nil {
		return err
	}
	noStore(c)
	return web.Render(c, http.StatusUnprocessableEntity, console.Keys(p))
}

// saveKey adds k and maps the store's conflicts to the form's fields.
func (h *Handler) saveKey(c echo.Context, k store.NewKey, form console.KeyForms, prefix string) (*models.VerificationKey, bool, error) {
	a, _ := theAdmin.Get(c)
	k.Actor = a.Admin.Email
	saved, err := h.Store.AddKey(c.Request().Context(), a.HelpCenter.WorkspaceID, a.HelpCenter.ID, k)
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		form.Errors = map[string]string{}
		switch conflict.Field {
		case "kid":
			form.Errors[prefix+"_kid"] = "A live key already has this Key ID; choose another, or revoke that key first."
		default:
			field := map[string]string{"secret": "secret_value", "public": "public_key", "pair": "pair_alg", "jwks": "jwks_url"}[prefix]
			form.Errors[field] = fmt.Sprintf("This key is already live, or the help center has its %d live keys: revoke one first.", store.MaxLiveKeys)
		}
		return nil, false, h.keyFormFailed(c, form)
	}
	return saved, err == nil, err
}

// KeyAddSecret adds a live shared secret beside the others: the admin's,
// or one generated and shown once.
func (h *Handler) KeyAddSecret(c echo.Context) error {
	form := console.KeyForms{SecretLabel: c.FormValue("secret_label"), SecretKID: c.FormValue("secret_kid"), Secret: c.FormValue("secret_value"), PairAlg: models.AlgES256}
	errs := map[string]string{}
	label := checkLabel(form.SecretLabel, "Shared secret", errs, "secret_label")
	kid := checkKID(form.SecretKID, errs, "secret_kid")
	secret, generated := form.Secret, false
	if secret == "" {
		var err error
		if secret, err = sso.GenerateSecret(); err != nil {
			return err
		}
		generated = true
	} else if err := sso.ValidateSecret(secret); err != nil {
		errs["secret_value"] = models.Sentence(err.Error())
	}
	if len(errs) > 0 {
		form.Errors, form.Secret = errs, ""
		return h.keyFormFailed(c, form)
	}
	saved, ok, err := h.saveKey(c, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, KID: kid, Label: label, Secret: secret}, form, "secret")
	if !ok || err != nil {
		return err
	}
	if !generated {
		return h.keyAdded(c, nil)
	}
	return h.keyAdded(c, &revealed{Label: saved.Label, Alg: saved.Alg, KID: saved.KID, Fingerprint: saved.Fingerprint, Value: secret})
}

// KeyAddPublic adds a pasted public key, validated (SPEC section 9).
func (h *Handler) KeyAddPublic(c echo.Context) error {
	form := console.KeyForms{PublicLabel: c.FormValue("public_label"), PublicKID: c.FormValue("public_kid"), Public: c.FormValue("public_key"), PairAlg: models.AlgES256}
	errs := map[string]string{}
	pub, err := sso.ParsePublicKey(form.Public)
	if err != nil {
		errs["public_key"] = err.Error()
	}
	kid := checkKID(form.PublicKID, errs, "public_kid")
	var label string
	if pub != nil {
		if kid == "" {
			kid = pub.KID
		}
		label = checkLabel(form.PublicLabel, pub.Alg+" key", errs, "public_label")
	}
	if len(errs) > 0 {
		form.Errors = errs
		return h.keyFormFailed(c, form)
	}
	_, ok, err := h.saveKey(c, store.NewKey{Kind: models.KeyPublic, Alg: pub.Alg, KID: kid, Label: label, PublicDER: pub.DER}, form, "public")
	if !ok || err != nil {
		return err
	}
	return h.keyAdded(c, nil)
}

// KeyGenerate makes a key pair, keeps the public half as a live key with
// its fingerprint as kid, and shows the private key once.
func (h *Handler) KeyGenerate(c echo.Context) error {
	form := console.KeyForms{PairLabel: c.FormValue("pair_label"), PairAlg: c.FormValue("pair_alg")}
	errs := map[string]string{}
	switch form.PairAlg {
	case models.AlgES256, models.AlgRS256, models.AlgEdDSA:
	default:
		errs["pair_alg"] = "Choose ES256, RS256 or EdDSA."
	}
	label := checkLabel(form.PairLabel, form.PairAlg+" key", errs, "pair_label")
	if len(errs) > 0 {
		form.Errors = errs
		return h.keyFormFailed(c, form)
	}
	g, err := sso.GenerateKeyPair(form.PairAlg)
	if err != nil {
		return err
	}
	// The fingerprint is a kid no other key has, and one the partner can
	// recompute from the key itself.
	kid := g.Public.Fingerprint
	saved, ok, err := h.saveKey(c, store.NewKey{Kind: models.KeyPublic, Alg: g.Public.Alg, KID: kid, Label: label, PublicDER: g.Public.DER}, form, "pair")
	if !ok || err != nil {
		return err
	}
	return h.keyAdded(c, &revealed{Private: true, Label: saved.Label, Alg: saved.Alg, KID: kid, Fingerprint: saved.Fingerprint, Value: g.PrivatePEM})
}

// KeyAddJWKS adds a JWKS URL once it answers with a usable key set now.
func (h *Handler) KeyAddJWKS(c echo.Context) error {
	form := console.KeyForms{JWKSLabel: c.FormValue("jwks_label"), JWKSURL: strings.TrimSpace(c.FormValue("jwks_url")), PairAlg: models.AlgES256}
	errs := map[string]string{}
	label := checkLabel(form.JWKSLabel, "JWKS", errs, "jwks_label")
	if form.JWKSURL == "" {
		errs["jwks_url"] = "Enter the JWKS URL, e.g. https://example.auth0.com/.well-known/jwks.json."
	} else if h.CheckJWKS == nil {
		errs["jwks_url"] = "JWKS URLs cannot be fetched by this server."
	} else if _, err := h.CheckJWKS(c.Request().Context(), form.JWKSURL); err != nil {
		errs["jwks_url"] = models.Sentence(err.Error())
	}
	if len(errs) > 0 {
		form.Errors = errs
		return h.keyFormFailed(c, form)
	}
	_, ok, err := h.saveKey(c, store.NewKey{Kind: models.KeyJWKS, Label: label, JWKSURL: form.JWKSURL}, form, "jwks")
	if !ok || err != nil {
		return err
	}
	return h.keyAdded(c, nil)
}

// KeyRevoke ends a key at once.
func (h *Handler) KeyRevoke(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such key.")
	}
	err = h.Store.RevokeKey(c.Request().Context(), a.HelpCenter.WorkspaceID, a.HelpCenter.ID, id, a.Admin.Email)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such live key: it may have been revoked already.")
	}
	if err != nil {
		return err
	}
	return web.Redirect(c, keysPath+"?revoked=1")
}

// checkLabel applies sso.KeyLabel, noting an error under field.
func checkLabel(label, fallback string, errs map[string]string, field string) string {
	out, err := sso.KeyLabel(label, fallback)
	if err != nil {
		errs[field] = err.Error()
	}
	return out
}

// checkKID applies sso.ValidateKID, noting an error under field.
func checkKID(kid string, errs map[string]string, field string) string {
	out, err := sso.ValidateKID(kid)
	if err != nil {
		errs[field] = err.Error()
	}
	return out
}

// liveKeys are the help center's keys live now.
func (h *Handler) liveKeys(c echo.Context, hc *models.HelpCenter) ([]models.VerificationKey, error) {
	return h.Store.LiveKeys(c.Request().Context(), hc.ID, h.Now())
}

// hasLiveKey reports whether any key verifies tokens now.
func (h *Handler) hasLiveKey(c echo.Context, hc *models.HelpCenter) (bool, error) {
	live, err := h.liveKeys(c, hc)
	return len(live) > 0, err
}

// JWKSChecker fetches a JWKS URL an admin typed, by the fetching rules,
// and says how many usable keys it serves, or why it cannot be used.
type JWKSChecker func(ctx context.Context, rawURL string) (int, error)

// snippetKey is how the partner snippets sign: with the newest live
// public key's algorithm and kid when that is newer than every live
// secret, else HS256 (a JWKS URL's issuer signs on its own).
func snippetKey(live []models.VerificationKey) console.SnippetKey {
	for i := len(live) - 1; i >= 0; i-- {
		switch live[i].Kind {
		case models.KeyPublic:
			return console.SnippetKey{Alg: live[i].Alg, KID: live[i].KID}
		case models.KeySecret:
			return console.SnippetKey{}
		}
	}
	return console.SnippetKey{}
}
