package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
)

func TestSSOPageCards(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	res := c.Get(app.BaseURL + ssoURL)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		`<label for="sso-enabled" class="label">Single sign-on</label>`,
		"JWT (HS256)", ">Live<", `href="/settings/security/sso/jwt">Configure</a>`,
		"SAML 2.0", "OpenID Connect", "Google Workspace", "Okta", "Microsoft Entra ID",
		app.HelpCenterURL("acme"), app.HelpCenterURL("acme") + "/sso/jwt", `data-copy="#sso-endpoint"`, `data-copy="#help-center-url"`,
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(res.Body, "Coming soon"); n != 5 {
		t.Errorf("%d cards say Coming soon, want 5", n)
	}
	if n := strings.Count(res.Body, "Notify me when this ships"); n != 5 {
		t.Errorf("%d Notify me buttons, want 5", n)
	}
}

func TestSSOSwitch(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	if helpCenter(t, app, "acme").SSOEnabled {
		t.Fatal("SSO starts on")
	}

	// htmx: the switch posts itself and gets its new self back. It turns
	// on before any secret exists.
	res := htmxPost(t, c, app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"1"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `aria-checked="true"`) || strings.Contains(res.Body, "<html") {
		t.Fatalf("htmx switch: %d\n%s", res.StatusCode, res.Body)
	}
	hc := helpCenter(t, app, "acme")
	if !hc.SSOEnabled || savedSecret(t, app, hc.Subdomain) != "" {
		t.Fatalf("enabled=%v secret=%v", hc.SSOEnabled, savedSecret(t, app, hc.Subdomain) != "")
	}
	if !strings.Contains(c.Get(app.BaseURL+ssoURL).Body, `aria-checked="true"`) {
		t.Fatal("the page does not show the switch on")
	}

	// Without script: a plain form post, answered with a redirect.
	res = c.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"0"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ssoURL {
		t.Fatalf("form switch: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if helpCenter(t, app, "acme").SSOEnabled {
		t.Fatal("still on")
	}

	// The same state twice is not a toggle.
	c.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"0"}})
	if helpCenter(t, app, "acme").SSOEnabled {
		t.Fatal("a repeated off turned it on")
	}
	if res := c.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"yes"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("nonsense value: %d", res.StatusCode)
	}
	// CSRF is required.
	if res := c.PostForm(app.BaseURL+ssoURL+"/enabled", url.Values{"enabled": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.StatusCode)
	}
	// Every change is in the history.
	body := c.Get(app.BaseURL + jwtURL).Body
	for _, want := range []string{"Single sign-on turned on", "Single sign-on turned off", "by owner@acme.test"} {
		if !strings.Contains(body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if n := strings.Count(body, "Single sign-on turned off"); n != 1 {
		t.Errorf("%d entries for turning off, want 1", n)
	}
}

func TestNotifyMePersistsPerAdmin(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	other := app.Signup(t, "owner@globex.test", pw, "Globex Help", "globex")

	res := htmxPost(t, c, app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/notify", url.Values{"provider": {"saml"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "We'll email you when it ships") || strings.Contains(res.Body, "<html") {
		t.Fatalf("htmx notify: %d\n%s", res.StatusCode, res.Body)
	}
	// Without script, and twice: still one wish.
	for range 2 {
		res = c.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/notify", url.Values{"provider": {"okta"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("form notify: %d", res.StatusCode)
		}
	}
	body := c.Get(app.BaseURL + ssoURL).Body
	if n := strings.Count(body, "We'll email you when it ships"); n != 2 {
		t.Fatalf("%d cards show the wish, want 2", n)
	}
	if n := strings.Count(body, "Notify me when this ships"); n != 3 {
		t.Fatalf("%d Notify me buttons left, want 3", n)
	}
	// Another admin has made no wish.
	if n := strings.Count(other.Get(app.BaseURL+ssoURL).Body, "Notify me when this ships"); n != 5 {
		t.Fatalf("the other admin sees %d buttons, want 5", n)
	}
	if res := c.Submit(app.BaseURL+ssoURL, app.BaseURL+ssoURL+"/notify", url.Values{"provider": {"kerberos"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown provider: %d", res.StatusCode)
	}
}

func TestConsoleHomeGoesToSSO(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	res := c.Get(app.BaseURL + "/")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ssoURL {
		t.Fatalf("home: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// The setup checklist ticks itself from the real state and is gone once
// all four steps are done (SPEC section 7).
func TestSetupChecklistTicksItself(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{})
	c := s.app.Client(t)
	c.Submit(s.app.BaseURL+"/login", s.app.BaseURL+"/login", url.Values{"email": {"acme-owner@example.com"}, "password": {pw}})
	steps := func() string {
		t.Helper()
		body := c.Get(s.app.BaseURL + ssoURL).Body
		if !strings.Contains(body, `data-testid="setup-checklist"`) {
			return "gone"
		}
		return regexp.MustCompile(`(\d) of 4 done`).FindStringSubmatch(textOf(body))[1]
	}
	// newSSOSite made it private with a Login URL and a secret, SSO off.
	if got := steps(); got != "2" {
		t.Fatalf("after private + connected: %s of 4 done", got)
	}
	if body := c.Get(s.app.BaseURL + ssoURL).Body; !strings.Contains(body, `class="btn" href="/settings/security/sso"`) {
		t.Error("the next step (Turn on single sign-on) is not one click away")
	}
	hc := s.hc
	if err := s.app.Store.SetSSOEnabled(context.Background(), hc.WorkspaceID, hc.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	if got := steps(); got != "3" {
		t.Fatalf("after switching on: %s of 4 done", got)
	}
	visitor := s.app.Client(t)
	key := s.startFlow(t, visitor, "/")
	if res := s.submit(visitor, s.mint(t, s.claims(key))); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	if got := steps(); got != "gone" {
		t.Fatalf("after a real sign-in the checklist still shows %s of 4", got)
	}
}
