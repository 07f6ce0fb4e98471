package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
	"helpcenter/sso"
)

func TestTokenTester(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	configureJWT(t, app, c, secret40)
	now := app.Clock.Now()
	test := func(token string) *testapp.Response {
		t.Helper()
		res := c.Submit(app.BaseURL+testerURL, app.BaseURL+testerURL, url.Values{"token": {token}})
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatal("the tester's answer may be cached")
		}
		return res
	}

	t.Run("a valid token passes every check", func(t *testing.T) {
		token := mint(t, secret40, now.Add(-12*time.Second), jwt.MapClaims{"role": "editor"})
		res := test(token)
		text := textOf(res.Body)
		if res.StatusCode != http.StatusOK || !strings.Contains(text, "Checks 0–10 pass") {
			t.Fatalf("%d: %s", res.StatusCode, text)
		}
		if n := strings.Count(res.Body, `badge-live">pass<`); n != 9 {
			t.Errorf("%d checks pass, want 9 (7 and 10 do not apply)", n)
		}
		if strings.Contains(res.Body, ">fail<") || strings.Contains(res.Body, "unverified") {
			t.Error("a failure or an unverified mark on a valid token")
		}
		for _, want := range []string{"Clock offset: iat is 12 s before the server's clock", `"email": "jane@example.com"`, `"alg": "HS256"`} {
			if !strings.Contains(text, want) {
				t.Errorf("report lacks %q", want)
			}
		}
	})

	t.Run("a pasted URL is read, and a jti that is no issued key is named", func(t *testing.T) {
		token := mint(t, secret40, now, nil)
		res := test(app.HelpCenterURL("acme") + "/sso/jwt?jwt=" + token)
		text := textOf(res.Body)
		if !strings.Contains(text, "Checks 0–10 pass") || !strings.Contains(text, "You pasted a URL") {
			t.Fatalf("URL paste: %s", text)
		}
		if !strings.Contains(text, "not a sign-in key this help center issued") || !strings.Contains(text, "jwt_unknown_key") {
			t.Errorf("the jti note is missing: %s", text)
		}
	})

	t.Run("a forged signature shows claims as unverified", func(t *testing.T) {
		res := test(mint(t, strings.Repeat("x", 40), now, nil))
		text := textOf(res.Body)
		if !strings.Contains(text, "Rejected: jwt_invalid_signature") || !strings.Contains(res.Body, "unverified") ||
			!strings.Contains(res.Body, "jane@example.com") {
			t.Fatalf("report: %s", text)
		}
	})

	t.Run("an expired token names the failing check", func(t *testing.T) {
		res := test(mint(t, secret40, now.Add(-10*time.Minute), nil))
		text := textOf(res.Body)
		if !strings.Contains(text, "Rejected: jwt_expired") || !strings.Contains(text, "exp is") {
			t.Fatalf("report: %s", text)
		}
		if !strings.Contains(res.Body, "check-decisive") {
			t.Fatal("the decisive check is not marked")
		}
	})

	t.Run("garbage is malformed", func(t *testing.T) {
		res := test("not.a.token")
		if !strings.Contains(textOf(res.Body), "Rejected: jwt_malformed") {
			t.Fatal(textOf(res.Body))
		}
	})

	t.Run("an empty paste is a field error", func(t *testing.T) {
		res := test("  ")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Fatalf("status %d", res.StatusCode)
		}
	})

	// Testing consumes nothing and records nothing, and never logs a token.
	token := mint(t, secret40, now, nil)
	test(token)
	for _, table := range []string{"events", "used_jtis", "pending_keys", "users"} {
		if n := countRows(t, app, table); n != 0 {
			t.Errorf("%d rows in %s after testing tokens", n, table)
		}
	}
	if strings.Contains(app.Logs.String(), token) || strings.Contains(app.Logs.String(), "eyJ") {
		t.Error("a token reached the log")
	}
}

// Test sign-in: the console opens the Login URL with a tester key; the
// token the app sends back to /sso/jwt is reported step by step to the
// admin, and it records no jti, consumes no key and opens no session.
func TestTestSignIn(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := s.app.Client(t)
	admin.Submit(s.app.BaseURL+"/login", s.app.BaseURL+"/login", url.Values{"email": {"acme-owner@example.com"}, "password": {pw}})
	res := admin.Submit(s.app.BaseURL+jwtURL, s.app.BaseURL+jwtURL+"/test-sign-in", nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	key := loc.Query().Get("key")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), "https://partner.example/login?") || !sso.IsTesterKey(key) {
		t.Fatalf("test sign-in: %d → %s", res.StatusCode, loc)
	}
	if body := admin.Get(s.app.BaseURL + testerURL + "?run=" + url.QueryEscape(key)).Body; !strings.Contains(body, "Waiting for your app") {
		t.Fatal("the run does not say it waits for the app")
	}
	before := len(s.events(t))
	jtis := countRows(t, s.app, "used_jtis")
	// The partner's app signs its token as for any visitor, in another tab.
	visitor := s.app.Client(t)
	res = s.submit(visitor, s.mint(t, s.claims(key)))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != s.app.BaseURL+testerURL+"?run="+url.QueryEscape(key) {
		t.Fatalf("the token of a test sign-in: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if hasSessionCookie(res) || len(s.events(t)) != before || countRows(t, s.app, "used_jtis") != jtis {
		t.Fatal("a test sign-in opened a session, wrote an event row or recorded a jti")
	}
	text := textOf(admin.Get(s.app.BaseURL + testerURL + "?run=" + url.QueryEscape(key)).Body)
	if !strings.Contains(text, "Checks 0–10 pass") || !strings.Contains(text, "the token your app sent for Test sign-in") {
		t.Fatalf("report: %s", text)
	}
	// A tester key this help center never issued is refused.
	fake, _ := sso.NewTesterKey()
	if res := s.submit(visitor, s.mint(t, s.claims(fake))); res.StatusCode != http.StatusGone {
		t.Fatalf("an unknown tester key: %d", res.StatusCode)
	}
}
