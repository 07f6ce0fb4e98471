package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// startIdP runs a real OpenID Connect provider in-process on loopback.
func startIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("start the OIDC provider: %v", err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// idpSignIn runs the flow in a fresh browser: the email form, the
// provider's redirect (edit may change its URL), our callback.
func idpSignIn(t *testing.T, app *testapp.App, email string, edit func(*url.URL)) (*testapp.Client, *testapp.Response) {
	t.Helper()
	c := app.Client(t)
	res := c.Submit(app.BaseURL+"/login/sso", app.BaseURL+"/login/sso", url.Values{"email": {email}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %s", res.StatusCode, textOf(res.Body))
	}
	authorize, _ := url.Parse(res.Header.Get("Location"))
	q := authorize.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("the authorization request lacks PKCE, nonce or state: %s", authorize)
	}
	if edit != nil {
		edit(authorize)
	}
	// The provider is another server: a plain client reaches it (the
	// app's test client sends every host to the app).
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	pres, err := browser.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	pres.Body.Close()
	if pres.StatusCode != http.StatusFound {
		t.Fatalf("provider: %d", pres.StatusCode)
	}
	return c, c.Get(pres.Header.Get("Location"))
}

func TestAdminsSignInThroughTheirIdentityProvider(t *testing.T) {
	t.Parallel()
	idp := startIdP(t)
	app := testapp.New(t)
	owner := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	team := app.BaseURL + "/settings/team"
	form := url.Values{"issuer": {idp.Issuer()}, "client_id": {idp.ClientID}, "client_secret": {idp.ClientSecret}, "domain": {"other.test"}}
	if res := owner.Submit(team, team+"/identity-provider", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="idp-domain-error"`) {
		t.Fatalf("someone else's domain: %d", res.StatusCode)
	}
	form.Set("domain", "acme.test")
	form.Set("create_admins", "1")
	if res := owner.Submit(team, team+"/identity-provider", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, textOf(res.Body))
	}

	// The owner signs in through the provider.
	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "Owner@acme.test", EmailVerified: true})
	c, res := idpSignIn(t, app, "owner@acme.test", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("callback: %d %s", res.StatusCode, textOf(res.Body))
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Errorf("signed in through the provider: %d", res.StatusCode)
	}
	// A colleague at the domain becomes an Editor on first sign-in.
	idp.QueueUser(&mockoidc.MockUser{Subject: "2", Email: "new@acme.test", EmailVerified: true})
	c, res = idpSignIn(t, app, "new@acme.test", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d %s", res.StatusCode, textOf(res.Body))
	}
	if a, err := app.Store.AdminByEmail(context.Background(), "new@acme.test"); err != nil || a.Role != models.TeamEditor {
		t.Errorf("the new admin: %+v %v", a, err)
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the new Editor on settings: %d", res.StatusCode)
	}

	// Refused: a nonce that is not the flow's, an unverified email, an
	// email of another domain, a state that is not the browser's.
	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "owner@acme.test", EmailVerified: true})
	_, res = idpSignIn(t, app, "owner@acme.test", func(u *url.URL) { q := u.Query(); q.Set("nonce", "forged-nonce"); u.RawQuery = q.Encode() })
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "nonce") {
		t.Errorf("a wrong nonce: %d %s", res.StatusCode, textOf(res.Body))
	}
	idp.QueueUser(unverifiedUser{&mockoidc.MockUser{Subject: "3", Email: "eve@acme.test"}})
	if _, res = idpSignIn(t, app, "eve@acme.test", nil); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "has not verified") {
		t.Errorf("an unverified email: %d %s", res.StatusCode, textOf(res.Body))
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "4", Email: "mallory@evil.test", EmailVerified: true})
	if _, res = idpSignIn(t, app, "owner@acme.test", nil); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "is not at @acme.test") {
		t.Errorf("another domain's email: %d %s", res.StatusCode, textOf(res.Body))
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "owner@acme.test", EmailVerified: true})
	if _, res = idpSignIn(t, app, "owner@acme.test", func(u *url.URL) { q := u.Query(); q.Set("state", "not-the-state"); u.RawQuery = q.Encode() }); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a foreign state: %d", res.StatusCode)
	}

	// A code issued to another client (the provider's own, its tokens'
	// audience) is not exchanged for ours; go-oidc's verifier would refuse
	// such a token's audience as well.
	form.Set("client_id", "someone-elses-client")
	form.Set("client_secret", "")
	owner.Submit(team, team+"/identity-provider", form)
	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "owner@acme.test", EmailVerified: true})
	if _, res = idpSignIn(t, app, "owner@acme.test", func(u *url.URL) {
		q := u.Query()
		q.Set("client_id", idp.ClientID)
		u.RawQuery = q.Encode()
	}); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "refused the sign-in code") {
		t.Errorf("a code issued to another client: %d %s", res.StatusCode, textOf(res.Body))
	}

	// Require it: the password no longer signs in at the domain.
	form.Set("client_id", idp.ClientID)
	form.Set("required", "1")
	if res := owner.Submit(team, team+"/identity-provider", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("require: %d %s", res.StatusCode, textOf(res.Body))
	}
	res = app.Client(t).Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "through its identity provider") {
		t.Errorf("a password at a required domain: %d", res.StatusCode)
	}
}

// unverifiedUser is a provider's user whose ID token says
// "email_verified": false outright (mockoidc's own leaves the claim out).
type unverifiedUser struct{ *mockoidc.MockUser }

func (u unverifiedUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return struct {
		*mockoidc.IDTokenClaims
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}{base, u.Email, false}, nil
}
