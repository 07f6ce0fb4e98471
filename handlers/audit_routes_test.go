package handlers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"helpcenter/handlers"
	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

// notAudited are the write routes that change no setting, key, admin,
// visitor or content, each with why; every other write route must add an
// audit row when it succeeds.
var notAudited = map[string]string{
	"POST /signup":                                 "creates the workspace the trail belongs to",
	"POST /login":                                  "signs in",
	"POST /logout":                                 "signs out",
	"POST /login/two-factor":                       "signs in",
	"POST /login/sso":                              "starts a sign-in",
	"POST /password/forgot":                        "mails a link, changes nothing",
	"POST /demo/partner/login":                     "the demo partner app signs a token",
	"POST /articles/preview":                       "renders Markdown, saves nothing",
	"POST /settings/security/sso/jwt/generate":     "fills the form with a secret, saves nothing",
	"POST /settings/security/sso/tester":           "checks a pasted token, saves nothing",
	"POST /settings/security/sso/jwt/test-sign-in": "starts a Test sign-in (a tester run, no setting)",
	"POST /settings/widget/preview-token":          "mints a preview token",
	"POST /settings/security/sso/notify":           "records a wish to be told, no setting",
	"POST /settings/general/verify-domain":         "needs a DNS answer; store.MarkDomainVerified audits it",
	"POST /settings/security/sso/keys/jwks":        "needs a JWKS server; store.AddKey audits it as for the other keys",
	"POST /api/v1/users/revoke-sessions":           "covered below with the API",
	"PUT /api/v1/users/:external_id":               "covered below with the API",
	"DELETE /api/v1/users/:external_id":            "covered below with the API",
}

// Every write route of the console adds an audit row (SPEC section 13):
// the test walks the router's table, so a route added without its audit
// (and without a reason above) fails here.
func TestEveryWriteRouteIsAudited(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	app, ctx, hcID := s.app, context.Background(), s.hc.ID
	owner := consoleLogin(t, s)
	base := app.BaseURL

	// Fixtures the routes act on.
	art := &models.Article{Title: "Fixture", Body: "x", Status: models.StatusDraft, MinRole: models.RoleViewer}
	must(t, app.Store.CreateArticle(ctx, hcID, art))
	doomed := &models.Article{Title: "Doomed", Body: "x", Status: models.StatusDraft, MinRole: models.RoleViewer}
	must(t, app.Store.CreateArticle(ctx, hcID, doomed))
	cat := &models.Category{Name: "Fixture"}
	must(t, app.Store.CreateCategory(ctx, hcID, cat))
	doomedCat := &models.Category{Name: "Doomed"}
	must(t, app.Store.CreateCategory(ctx, hcID, doomedCat))
	keys, _ := app.Store.Keys(ctx, hcID, app.Clock.Now())
	invite := func(email, token string) int64 {
		inv, err := app.Store.Invite(ctx, store.NewInvitation{WorkspaceID: s.hc.WorkspaceID, HelpCenterID: hcID, Email: email, Role: models.TeamEditor,
			Token: token, Actor: "x", Mail: models.Mail{To: email, Subject: "s", Text: "t"}})
		must(t, err)
		return inv.ID
	}
	invID := invite("pending@example.com", "tok-pending")
	invite("joiner@example.com", "tok-join")
	invite("member@example.com", "tok-member")
	m, err := app.Store.AcceptInvitation(ctx, "tok-member", "h", &models.AdminSession{IDHash: []byte("member-session-0123456789abcdefg"), CreatedAt: app.Clock.Now(), ExpiresAt: app.Clock.Now().Add(time.Hour)})
	must(t, err)
	removable, err := app.Store.AcceptInvitation(ctx, "tok-join", "h", &models.AdminSession{IDHash: []byte("joiner-session-0123456789abcdef"), CreatedAt: app.Clock.Now(), ExpiresAt: app.Clock.Now().Add(time.Hour)})
	must(t, err)
	invite("accepting@example.com", "tok-accept")
	_, err = app.Store.StartPasswordReset(ctx, "member@example.com", "tok-reset", models.Mail{To: "member@example.com", Subject: "s", Text: "t"})
	must(t, err)
	u, _, err := app.Store.PutUser(ctx, hcID, store.UserInput{Email: "visitor@example.com", Role: models.RoleViewer}, "x")
	must(t, err)
	apiKey, err := app.Store.CreateAPIKey(ctx, hcID, "Fixture", "hcapi_FIXTURE", "hcapi_FI", []models.APIScope{models.ScopeUsersWrite}, "x")
	must(t, err)
	hook, err := app.Store.AddWebhook(ctx, hcID, "https://hooks.example.com/x", []string{models.EventRedirectRejected}, "whsec_AAAA", "x")
	must(t, err)
	must(t, app.Store.LogEvent(ctx, &models.Event{HelpCenterID: hcID, CreatedAt: app.Clock.Now(), Event: models.EventRedirectRejected, Reason: "jwt_expired"}))
	_, err = app.Store.EnqueueWebhookEvents(ctx)
	must(t, err)
	ds, _ := app.Store.Deliveries(ctx, hcID, 1)
	pemKey := publicPEM(t)
	var totpKey string

	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	type step struct {
		route, page, path string
		form              url.Values
		client            func() *testapp.Client
		before            func()
	}
	steps := []step{
		{route: "POST /settings/general", page: "/settings/general", form: url.Values{"name": {"Acme"}, "custom_domain": {""}, "visibility": {"public"}}},
		{route: "POST /settings/widget", page: "/settings/widget", form: url.Values{"origins": {"https://app.example.com"}}},
		{route: "POST /articles", page: "/articles/new", form: url.Values{"title": {"New"}, "body": {"x"}, "audience": {"viewer"}, "status": {"draft"}}},
		{route: "POST /articles/:id", page: "/articles/" + id(art.ID), path: "/articles/" + id(art.ID), form: url.Values{"title": {"Renamed"}, "body": {"y"}, "audience": {"viewer"}, "status": {"draft"}}},
		{route: "POST /articles/:id/publish", page: "/articles", path: "/articles/" + id(art.ID) + "/publish"},
		{route: "POST /articles/:id/unpublish", page: "/articles", path: "/articles/" + id(art.ID) + "/unpublish"},
		{route: "POST /articles/:id/delete", page: "/articles", path: "/articles/" + id(doomed.ID) + "/delete"},
		{route: "POST /categories", page: "/categories", form: url.Values{"name": {"More"}}},
		{route: "POST /categories/:id", page: "/categories/" + id(cat.ID), path: "/categories/" + id(cat.ID), form: url.Values{"name": {"Renamed"}, "description": {""}, "position": {"3"}, "audience": {"viewer"}}},
		{route: "POST /categories/:id/delete", page: "/categories", path: "/categories/" + id(doomedCat.ID) + "/delete"},
		{route: "POST /settings/security/sso/enabled", page: ssoURL, form: url.Values{"enabled": {"0"}}},
		{route: "POST /settings/security/sso/jwt", page: jwtURL, form: url.Values{"login_url": {"https://app.acme.test/login2"}, "token_ttl": {"300"}, "session_length": {"12h"}, "provisioning": {"create"}}},
		{route: "POST /settings/security/sso/jwt/regenerate", page: jwtURL, form: url.Values{"grace": {"1h"}}},
		{route: "POST /settings/security/sso/keys/secret", page: "/settings/security/sso/keys", form: url.Values{"secret_label": {"Second"}}},
		{route: "POST /settings/security/sso/keys/public", page: "/settings/security/sso/keys", form: url.Values{"public_label": {"Public"}, "public_key": {pemKey}}},
		{route: "POST /settings/security/sso/keys/generate", page: "/settings/security/sso/keys", form: url.Values{"pair_label": {"Pair"}, "pair_alg": {"ES256"}}},
		{route: "POST /settings/security/sso/keys/:id/revoke", page: "/settings/security/sso/keys", path: "/settings/security/sso/keys/" + id(keys[0].ID) + "/revoke"},
		{route: "POST /settings/team/invite", page: "/settings/team", form: url.Values{"email": {"new@example.com"}, "role": {"editor"}}},
		{route: "POST /settings/team/invitations/:id/resend", page: "/settings/team", path: "/settings/team/invitations/" + id(invID) + "/resend"},
		{route: "POST /settings/team/invitations/:id/revoke", page: "/settings/team", path: "/settings/team/invitations/" + id(invID) + "/revoke"},
		{route: "POST /settings/team/:id/role", page: "/settings/team", path: "/settings/team/" + id(m.ID) + "/role", form: url.Values{"role": {"admin"}}},
		{route: "POST /settings/team/:id/remove", page: "/settings/team", path: "/settings/team/" + id(removable.ID) + "/remove"},
		{route: "POST /settings/team/identity-provider", page: "/settings/team", form: url.Values{"issuer": {"https://accounts.google.com"}, "client_id": {"c"}, "client_secret": {"s"}, "domain": {"example.com"}}},
		{route: "POST /settings/users", page: "/settings/users", form: url.Values{"email": {"added@example.com"}}},
		{route: "POST /settings/users/:id/sign-out", page: "/settings/users", path: "/settings/users/" + id(u.ID) + "/sign-out"},
		{route: "POST /settings/users/:id/ban", page: "/settings/users", path: "/settings/users/" + id(u.ID) + "/ban"},
		{route: "POST /settings/users/:id/unban", page: "/settings/users", path: "/settings/users/" + id(u.ID) + "/unban"},
		{route: "POST /settings/api-keys", page: "/settings/api-keys", form: url.Values{"label": {"New"}, "scopes": {"logs:read"}}},
		{route: "POST /settings/api-keys/:id/revoke", page: "/settings/api-keys", path: "/settings/api-keys/" + id(apiKey.ID) + "/revoke"},
		{route: "POST /settings/webhooks", page: "/settings/webhooks", form: url.Values{"url": {"https://hooks.example.com/new"}, "events": {"sso.redirect_flow.rejected"}}},
		{route: "POST /settings/webhooks/deliveries/:id/resend", page: "/settings/webhooks", path: "/settings/webhooks/deliveries/" + id(ds[0].ID) + "/resend"},
		{route: "POST /settings/webhooks/:id/delete", page: "/settings/webhooks", path: "/settings/webhooks/" + id(hook.ID) + "/delete"},
		{route: "POST /settings/alerts", page: "/settings/alerts", form: url.Values{"rejections": {"1"}, "threshold": {"20"}}},
		{route: "POST /settings/account/sessions/others", page: "/settings/account"},
		{route: "POST /settings/account/two-factor", page: "/settings/account/two-factor", before: func() {
			body := owner.Get(base + "/settings/account/two-factor").Body
			if mm := totpKey0.FindStringSubmatch(body); mm != nil {
				totpKey = mm[1]
			}
		}},
		{route: "POST /settings/team/two-factor", page: "/settings/team", form: url.Values{"require_two_factor": {"1"}}},
		{route: "POST /settings/team/two-factor", page: "/settings/account/two-factor"}, // off again, before turning the owner's off
		{route: "POST /settings/account/two-factor/disable", page: "/settings/account/two-factor"},
		{route: "POST /settings/account/password", page: "/settings/account", form: url.Values{"current_password": {pw}, "new_password": {"another long password"}}},
		{route: "POST /invitations/:token", page: "/invitations/tok-accept", path: "/invitations/tok-accept", form: url.Values{"password": {pw}}, client: func() *testapp.Client { return app.Client(t) }},
		{route: "POST /password/reset/:token", page: "/password/reset/tok-reset", path: "/password/reset/tok-reset", form: url.Values{"password": {"a new long password"}}, client: func() *testapp.Client { return app.Client(t) }},
	}
	done := map[string]bool{}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		form := st.form
		if form == nil {
			form = url.Values{}
		}
		switch st.route {
		case "POST /settings/account/two-factor":
			form = url.Values{"code": {totpCode(t, app, totpKey)}}
		case "POST /settings/account/two-factor/disable":
			app.Clock.Advance(30 * time.Second)
			form = url.Values{"code": {totpCode(t, app, totpKey)}}
		}
		c := owner
		if st.client != nil {
			c = st.client()
		}
		path := st.path
		if path == "" {
			path = strings.SplitN(st.route, " ", 2)[1]
		}
		before := countRows(t, app, "settings_audit")
		res := c.Submit(base+st.page, base+path, form)
		if res.StatusCode >= 400 {
			t.Errorf("%s: %d %s", st.route, res.StatusCode, textOf(res.Body))
			continue
		}
		if after := countRows(t, app, "settings_audit"); after <= before {
			t.Errorf("%s changed something without an audit row", st.route)
		}
		done[st.route] = true
	}

	// The API's writes, with a key of every scope.
	all := createAPIKey(t, app, owner, "Everything", "users:read", "users:write", "sessions:revoke", "logs:read")
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/users/ext-1", `{"email":"api@example.com"}`},
		{"POST", "/api/v1/users/revoke-sessions", `{"email":"api@example.com"}`},
		{"DELETE", "/api/v1/users/ext-1", ""},
	} {
		before := countRows(t, app, "settings_audit")
		if a := call(t, app, all, tc.method, tc.path, tc.body); a.status >= 400 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, a.status, a.raw)
		}
		if countRows(t, app, "settings_audit") <= before {
			t.Errorf("%s %s wrote no audit row", tc.method, tc.path)
		}
	}

	for _, r := range app.Handler.(*handlers.Handler).ConsoleWriteRoutes() {
		if _, ok := notAudited[r]; !ok && !done[r] {
			t.Errorf("%s writes, but neither the walk above nor notAudited covers it: add it to one", r)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var totpKey0 = regexp.MustCompile(`data-testid="totp-key">([A-Z2-7]+)<`)

func totpCode(t *testing.T, app *testapp.App, key string) string {
	t.Helper()
	c, err := totp.GenerateCode(key, app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publicPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
