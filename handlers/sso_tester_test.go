package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
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
