package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// Provisioning modes and the Session length, set in the JWT form, decide
// who /sso/jwt signs in and for how long (SPEC sections 3, 4 and 10).
func TestProvisioningModesAndSessionLength(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := consoleLogin(t, s)
	form := url.Values{"login_url": {partnerLogin}, "issuer": {"partner-app"}, "token_ttl": {"300"},
		"session_length": {"2h"}, "provisioning": {"auto"}, "allowed_domains": {"Example.com\n@acme.test"}}
	if res := admin.Submit(s.app.BaseURL+jwtURL, s.app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", res.StatusCode, res.Body)
	}
	hc := helpCenter(t, s.app, "acme")
	if hc.SessionLength != 7200 || hc.InviteOnly || hc.AllowedDomains != "example.com\nacme.test" {
		t.Fatalf("saved %+v", hc.SSOSettings())
	}

	// A new user of an allowed domain signs in, for two hours.
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/")
	res := s.submit(c, s.mint(t, s.claims(key)))
	if res.StatusCode != http.StatusSeeOther || !hasSessionCookie(res) {
		t.Fatalf("allowed domain: %d\n%s", res.StatusCode, res.Body)
	}
	if !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), "\n"), "Max-Age=7200") {
		t.Errorf("session cookie does not last the Session length: %v", res.Header.Values("Set-Cookie"))
	}

	// Another domain is refused with email_domain_not_allowed, on the page
	// and in the row.
	c2 := s.app.Client(t)
	key = s.startFlow(t, c2, "/")
	claims := s.claims(key)
	claims["email"] = "eve@evil.test"
	res = s.submit(c2, s.mint(t, claims))
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "email_domain_not_allowed") || hasSessionCookie(res) {
		t.Fatalf("other domain: %d\n%s", res.StatusCode, res.Body)
	}
	if ev := s.lastEvent(t); ev.Reason != "email_domain_not_allowed" || ev.Email != "eve@evil.test" || !strings.Contains(ev.Detail, `"evil.test"`) {
		t.Fatalf("row %+v", ev)
	}

	// Invite only: Jane, known now, signs in; a new colleague does not.
	form.Set("provisioning", "invite_only")
	form.Set("allowed_domains", "")
	if res := admin.Submit(s.app.BaseURL+jwtURL, s.app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply invite only: %d", res.StatusCode)
	}
	c3 := s.app.Client(t)
	key = s.startFlow(t, c3, "/")
	if res := s.submit(c3, s.mint(t, s.claims(key))); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("known user under invite only: %d\n%s", res.StatusCode, res.Body)
	}
	c4 := s.app.Client(t)
	key = s.startFlow(t, c4, "/")
	claims = s.claims(key)
	claims["email"], claims["external_id"] = "new@example.com", "u-9"
	res = s.submit(c4, s.mint(t, claims))
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "user_not_invited") {
		t.Fatalf("new user under invite only: %d\n%s", res.StatusCode, res.Body)
	}
	if ev := s.lastEvent(t); ev.Reason != "user_not_invited" || !strings.Contains(ev.Detail, `external_id "u-9"`) {
		t.Fatalf("row %+v", ev)
	}
	if n := countRows(t, s.app, "users"); n != 1 {
		t.Fatalf("%d users: a refused token created one", n)
	}
	// The token tester says what checks 15 and 14 would answer.
	tester := func(claims map[string]any) string {
		return textOf(admin.Submit(s.app.BaseURL+testerURL, s.app.BaseURL+testerURL, url.Values{"token": {s.mint(t, claims)}}).Body)
	}
	newcomer := s.claims("tester-1")
	newcomer["email"] = "new@example.com"
	if body := tester(newcomer); !strings.Contains(body, "A real sign-in would answer user_not_invited") {
		t.Errorf("tester on an uninvited user:\n%s", body)
	}
	if body := tester(s.claims("tester-2")); strings.Contains(body, "A real sign-in would answer") {
		t.Errorf("tester on a known user:\n%s", body)
	}
	// The audit names the changes in the form's words.
	if body := textOf(admin.Get(s.app.BaseURL + jwtURL).Body); !strings.Contains(body, "Provisioning set to Invite only") ||
		!strings.Contains(body, "Session length set to 2h") || !strings.Contains(body, "Allowed email domains set to example.com, acme.test") {
		t.Errorf("audit does not say what changed:\n%s", body)
	}
}

// A bad Session length or domain is refused beside its field, input kept.
func TestProvisioningFieldErrors(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := consoleLogin(t, s)
	form := url.Values{"login_url": {partnerLogin}, "token_ttl": {"300"}, "session_length": {"45d"}, "allowed_domains": {"example.com\nnot a domain"}}
	res := admin.Submit(s.app.BaseURL+jwtURL, s.app.BaseURL+jwtURL, form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{`id="session_length" name="session_length" type="text" value="45d" aria-invalid="true"`,
		`id="session_length-error"`, `id="allowed_domains-error"`, "Line 2, &#34;not a domain&#34;", ">example.com\nnot a domain</textarea>"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// The widget applies the same rules (SPEC section 8: checks 0–10 and 14,
// and the provisioning checks with them).
func TestWidgetProvisioningRules(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true, Issuer: "partner-app"})
	ctx := context.Background()
	settings := s.hc.SSOSettings()
	settings.LoginURL, settings.Issuer, settings.TokenTTL, settings.SessionLength, settings.InviteOnly = partnerLogin, "partner-app", 300, models.DefaultSessionLength, true
	if err := s.app.Store.UpdateSSOSettings(ctx, s.hc.WorkspaceID, s.hc.ID, store.SSOUpdate{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Store.SetWidgetOrigins(ctx, s.hc.WorkspaceID, s.hc.ID, []string{"https://app.acme.test"}); err != nil {
		t.Fatal(err)
	}
	tok, err := sso.Mint(s.secret, s.claims("widget-new-user"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.app.BaseURL+"/api/widget/v1/articles?app_id="+url.QueryEscape(s.hc.PublicID), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Origin", "https://app.acme.test")
	req.Header.Set("X-Widget-Instance", "0123456789abcdef0123456789abcdef")
	res := s.app.Client(t).Do(req)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, `"error":"user_not_invited"`) {
		t.Fatalf("widget, invite only: %d %s", res.StatusCode, res.Body)
	}
	if ev := s.lastEvent(t); ev.Event != models.EventWidgetRejected || ev.Reason != "user_not_invited" {
		t.Fatalf("row %+v", ev)
	}
}

// consoleLogin signs the help center's owner in to the console.
func consoleLogin(t *testing.T, s *ssoSite) *testapp.Client {
	t.Helper()
	c := s.app.Client(t)
	res := c.Submit(s.app.BaseURL+"/login", s.app.BaseURL+"/login", url.Values{"email": {s.hc.Subdomain + "-owner@example.com"}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login: %d", res.StatusCode)
	}
	return c
}
