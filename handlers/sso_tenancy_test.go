package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// Admin A never sees or changes help center B through any SSO or Logs
// endpoint; ids, subdomains and hosts in the request are ignored.
func TestSSOConsoleTenantIsolation(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	a := app.Signup(t, "owner@alpha.test", pw, "Alpha Help", "alpha")
	b := app.Signup(t, "owner@beta.test", pw, "Beta Help", "beta")
	const betaSecret = "beta-secret-beta-secret-beta-secret-42"
	configureJWT(t, app, b, betaSecret)
	htmxPost(t, b, app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"1"}})
	beta := helpCenter(t, app, "beta")
	if _, err := app.Store.InsertEvents(context.Background(), beta.ID, slices.Values([]models.Event{{
		CreatedAt: app.Clock.Now(), Event: models.EventRedirectRejected, Reason: "jwt_expired",
		Email: "only-in-beta@beta.test", Detail: "beta detail",
	}})); err != nil {
		t.Fatal(err)
	}
	smuggled := url.Values{
		"help_center_id": {strconv.FormatInt(beta.ID, 10)}, "workspace_id": {strconv.FormatInt(beta.WorkspaceID, 10)},
		"id": {strconv.FormatInt(beta.ID, 10)}, "subdomain": {"beta"},
	}
	with := func(form url.Values) url.Values {
		out := url.Values{}
		for k, v := range smuggled {
			out[k] = v
		}
		for k, v := range form {
			out[k] = v
		}
		return out
	}

	// Reads: none shows B's help center, endpoint, history or events.
	for _, path := range []string{ssoURL, jwtURL, testerURL, logsURL, logsURL + "?event=all", "/settings/logs.csv?event=all"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		res := a.Get(app.BaseURL + path + sep + smuggled.Encode())
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		for _, leak := range []string{"beta.localhost", "only-in-beta", "beta detail", "owner@beta.test", "Beta Help"} {
			if strings.Contains(res.Body, leak) {
				t.Errorf("%s shows %q to A", path, leak)
			}
		}
	}

	// Writes land on A's help center only.
	a.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", with(url.Values{"enabled": {"0"}}))
	a.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/notify", with(url.Values{"provider": {"okta"}}))
	form := validJWTForm("alpha-secret-alpha-secret-alpha-secret")
	form.Set("login_url", "https://alpha.test/login")
	if res := a.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, with(form)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", res.StatusCode)
	}
	a.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL+"/regenerate", smuggled)
	if res := a.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL+"/generate", smuggled); strings.Contains(res.Body, "beta.localhost") {
		t.Error("generate shows B's endpoint")
	}
	after := helpCenter(t, app, "beta")
	if !after.SSOEnabled || after.LoginURL != "https://app.acme.test/help/login" || savedSecret(t, app, "beta") != betaSecret {
		t.Fatalf("A changed B: %+v", after.SSOSettings())
	}
	if alpha := helpCenter(t, app, "alpha"); alpha.LoginURL != "https://alpha.test/login" || savedSecret(t, app, "alpha") == "" {
		t.Fatal("A's own changes did not land")
	}
	if strings.Count(b.Get(app.BaseURL+ssoURL).Body, "Notify me when this ships") != 5 {
		t.Error("A's wish shows for B")
	}
	if body := textOf(b.Get(app.BaseURL + jwtURL).Body); strings.Contains(body, "owner@alpha.test") || strings.Contains(body, "Secret regenerated") {
		t.Error("A's changes are in B's history")
	}

	// The tester checks with A's settings: B's token is a forgery to A.
	token := mint(t, betaSecret, app.Clock.Now(), nil)
	res := a.Submit(app.BaseURL+testerURL, app.BaseURL+testerURL, with(url.Values{"token": {token}}))
	if !strings.Contains(textOf(res.Body), "Rejected: jwt_invalid_signature") {
		t.Fatal("A's tester accepted B's token")
	}

	// Console routes do not exist on B's host, whoever asks.
	for _, path := range []string{ssoURL, jwtURL, testerURL, logsURL, "/settings/logs.csv"} {
		if res := a.Get(app.HelpCenterURL("beta") + path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on B's host: %d", path, res.StatusCode)
		}
	}
	// Signed out, every endpoint sends to sign-in or refuses the post.
	anon := app.Client(t)
	for _, path := range []string{ssoURL, jwtURL, testerURL, logsURL, "/settings/logs.csv"} {
		if res := anon.Get(app.BaseURL + path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("signed out %s: %d", path, res.StatusCode)
		}
	}
	for _, path := range []string{ssoURL + "/enabled", ssoURL + "/notify", jwtURL, jwtURL + "/generate", jwtURL + "/regenerate", testerURL} {
		res := anon.Submit(app.BaseURL+"/login", app.BaseURL+path, url.Values{"enabled": {"1"}, "provider": {"okta"}, "token": {token}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("signed out POST %s: %d", path, res.StatusCode)
		}
	}
	if got := helpCenter(t, app, "beta"); savedSecret(t, app, "beta") != betaSecret || !got.SSOEnabled {
		t.Fatal("B changed by a signed-out request")
	}
}
