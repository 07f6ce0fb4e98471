package handlers

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/config"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/store"
)

// routeTable lists a router's routes as "METHOD path", sorted.
func routeTable(e *echo.Echo) []string {
	var out []string
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Method, "echo_") {
			continue // Echo's own not-found routes of groups
		}
		out = append(out, r.Method+" "+r.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestRouteTable pins every route of every host: a route added, removed or
// moved to another host must show up here as a deliberate change.
func TestRouteTable(t *testing.T) {
	h := routeTestHandler(t)

	console := []string{
		"GET /", "GET /api/widget/v1/articles", "GET /api/widget/v1/articles/:slug", "GET /api/widget/v1/origin.js", "GET /api/widget/v1/search",
		"GET /articles", "GET /articles/:id", "GET /articles/new", "GET /articles/preview-as", "GET /categories", "GET /categories/:id",
		"GET /demo/partner/login", "GET /favicon.ico", "GET /healthz", "GET /js/init.js", "GET /login",
		"GET /robots.txt", "GET /settings/account", "GET /settings/general", "GET /settings/logs",
		"GET /settings/logs.csv", "GET /settings/security/sso", "GET /settings/security/sso/jwt", "GET /settings/security/sso/jwt/example/:lang",
		"GET /settings/security/sso/keys", "GET /settings/security/sso/tester", "GET /settings/widget", "GET /signup", "GET /static/*",
		"OPTIONS /api/widget/v1/articles", "OPTIONS /api/widget/v1/articles/:slug", "OPTIONS /api/widget/v1/search",
		"POST /articles", "POST /articles/:id", "POST /articles/:id/delete", "POST /articles/:id/publish",
		"POST /articles/:id/unpublish", "POST /articles/preview", "POST /categories", "POST /categories/:id",
		"POST /categories/:id/delete", "POST /demo/partner/login", "POST /login", "POST /logout",
		"POST /settings/account/password", "POST /settings/general", "POST /settings/general/verify-domain", "POST /settings/security/sso/enabled",
		"POST /settings/security/sso/jwt", "POST /settings/security/sso/jwt/generate",
		"POST /settings/security/sso/jwt/regenerate", "POST /settings/security/sso/notify",
		"POST /settings/security/sso/keys/:id/revoke", "POST /settings/security/sso/keys/generate", "POST /settings/security/sso/keys/jwks",
		"POST /settings/security/sso/keys/public", "POST /settings/security/sso/keys/secret",
		"POST /settings/security/sso/tester", "POST /settings/security/sso/jwt/test-sign-in", "POST /settings/widget", "POST /settings/widget/preview-token",
		"POST /signup",
		"GET /password/forgot", "POST /password/forgot", "GET /password/reset/:token", "POST /password/reset/:token",
		"GET /invitations/:token", "POST /invitations/:token",
		"GET /settings/team", "POST /settings/team/invite", "POST /settings/team/invitations/:id/resend",
		"POST /settings/team/invitations/:id/revoke", "POST /settings/team/:id/role", "POST /settings/team/:id/remove",
		"GET /settings/users", "POST /settings/users", "GET /settings/users/:id", "POST /settings/users/:id/sign-out",
		"POST /settings/users/:id/ban", "POST /settings/users/:id/unban",
		"GET /settings/alerts", "POST /settings/alerts", "GET /settings/audit", "GET /settings/audit.csv",
		"GET /login/two-factor", "POST /login/two-factor", "GET /settings/account/two-factor", "POST /settings/account/two-factor",
		"POST /settings/account/two-factor/disable", "POST /settings/team/two-factor", "POST /settings/account/sessions/others",
		"GET /login/sso", "POST /login/sso", "GET /login/sso/callback", "POST /settings/team/identity-provider",
		"GET /settings/webhooks", "POST /settings/webhooks", "POST /settings/webhooks/:id/delete", "POST /settings/webhooks/deliveries/:id/resend",
		"GET /settings/api-keys", "POST /settings/api-keys", "POST /settings/api-keys/:id/revoke",
		"GET /api/v1/openapi.json", "GET /api/v1/users/:external_id", "PUT /api/v1/users/:external_id",
		"DELETE /api/v1/users/:external_id", "POST /api/v1/users/revoke-sessions", "GET /api/v1/events",
	}
	site := []string{
		"GET /", "GET /articles/:slug", "GET /categories/:slug", "GET /favicon.ico", "GET /logout",
		"GET /robots.txt", "GET /search", "GET /sso/jwt", "GET /sso/login", "GET /static/*",
		"HEAD /sso/jwt", "POST /logout", "POST /password", "POST /sso/jwt",
	}
	for _, host := range []struct {
		name string
		e    *echo.Echo
		want []string
	}{{"console", h.consoleHost, console}, {"help center", h.siteHost, site}} {
		got := routeTable(host.e)
		if len(got) == 0 {
			t.Fatalf("%s host: no routes", host.name)
		}
		for _, r := range got {
			if !slices.Contains(host.want, r) {
				t.Errorf("%s host: unexpected route %q", host.name, r)
			}
		}
		for _, r := range host.want {
			if !slices.Contains(got, r) {
				t.Errorf("%s host: route %q is missing", host.name, r)
			}
		}
	}
}

// routeTestHandler is the handler tree on a fresh database, demo on.
func routeTestHandler(t *testing.T) *Handler {
	t.Helper()
	env := map[string]string{
		"HELPCENTER_BASE_URL":   "http://localhost:8080",
		"HELPCENTER_DATABASE":   "sqlite:" + filepath.Join(t.TempDir(), "hc.db"),
		"HELPCENTER_SECRET_KEY": "test-master-key-0123456789abcdefghijklmnop",
		"HELPCENTER_DEMO":       "1",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.Derive(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), cfg.Database, store.Options{Sealer: box, PlainText: markdown.Text, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Deps{Config: cfg, Store: st, Keys: keys, Now: time.Now})
}
