package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
)

const pw = "correct horse battery"

func TestSignupCreatesWorkspaceAndSignsIn(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "Owner@Example.com", pw, "Example Help", "example")

	res := c.Get(app.BaseURL + "/settings/general")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("settings after signup: %d", res.StatusCode)
	}
	for _, want := range []string{"owner@example.com", `value="Example Help"`, "http://example.localhost:" + app.Port} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	ck := c.Cookie(app.BaseURL, "hc_admin")
	if ck == nil {
		t.Fatal("no admin session cookie")
	}
	// The help center answers on its own host.
	site := app.Client(t).Get(app.HelpCenterURL("example") + "/")
	if site.StatusCode != http.StatusOK || !strings.Contains(site.Body, "Example Help") {
		t.Fatalf("help center: %d", site.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Client(t)
	res := c.Submit(app.BaseURL+"/signup", app.BaseURL+"/signup", url.Values{
		"email": {"a@example.com"}, "password": {pw}, "name": {"A"}, "subdomain": {"aaa"},
	})
	var found bool
	for _, line := range res.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "hc_admin=") {
			continue
		}
		found = true
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(line, want) {
				t.Errorf("admin cookie %q lacks %s", line, want)
			}
		}
		if strings.Contains(strings.ToLower(line), "domain=") {
			t.Errorf("admin cookie must be host-only: %q", line)
		}
		if strings.Contains(line, "Secure") {
			t.Errorf("Secure on an http base URL: %q", line)
		}
	}
	if !found {
		t.Fatal("signup set no admin cookie")
	}
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	t.Parallel()
	app := testapp.New(t, testapp.Options{Env: map[string]string{}})
	_ = app
	// The base URL decides: with https every cookie is Secure.
	https := testapp.New(t, testapp.Options{Env: map[string]string{"HELPCENTER_BASE_URL": "https://hc.example.test"}})
	c := https.Client(t)
	res := c.Get("http://hc.example.test/login")
	lines := res.Header.Values("Set-Cookie")
	if len(lines) == 0 {
		t.Fatal("the login page set no cookie")
	}
	for _, line := range lines {
		if !strings.Contains(line, "Secure") || !strings.HasPrefix(line, "__Host-") {
			t.Errorf("cookie without Secure or the __Host- prefix on https: %q", line)
		}
	}
}

// The console's CSRF token is bound to the admin's session: a token and
// cookie a sibling subdomain planted (any pre-session pair) do not let it
// post as the admin.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	attacker := app.Client(t)
	planted := attacker.CSRF(app.BaseURL + "/login")
	preID := attacker.Cookie(app.BaseURL, "hc_csrf").Value
	admin.HTTP.Jar.SetCookies(mustURL(app.BaseURL), []*http.Cookie{{Name: "hc_csrf", Value: preID, Path: "/"}})
	res := admin.PostForm(app.BaseURL+"/settings/general", url.Values{
		"_csrf": {planted}, "name": {"Pwned"}, "visibility": {"public"},
	})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a planted pre-session token was accepted: %d", res.StatusCode)
	}
	// The admin's own token works, and is not the one from before sign-in.
	own := admin.CSRF(app.BaseURL + "/settings/general")
	if own == planted {
		t.Fatal("the signed-in token equals a pre-session token")
	}
	res = admin.PostForm(app.BaseURL+"/settings/general", url.Values{"_csrf": {own}, "name": {"Acme Help"}, "visibility": {"public"}})
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the admin's own token: %d", res.StatusCode)
	}
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "taken@example.com", pw, "Taken", "taken")
	tests := []struct {
		name, field, want string
		form              url.Values
	}{
		{"short password", "password", "at least 10", url.Values{"email": {"x@example.com"}, "password": {"short"}, "name": {"X"}, "subdomain": {"xxx"}}},
		{"bad email", "email", "email address", url.Values{"email": {"nope"}, "password": {pw}, "name": {"X"}, "subdomain": {"xxx"}}},
		{"reserved subdomain", "subdomain", "reserved", url.Values{"email": {"x@example.com"}, "password": {pw}, "name": {"X"}, "subdomain": {"www"}}},
		{"uppercase subdomain", "subdomain", "lowercase", url.Values{"email": {"x@example.com"}, "password": {pw}, "name": {"X"}, "subdomain": {"Acme"}}},
		{"short subdomain", "subdomain", "3 to 63", url.Values{"email": {"x@example.com"}, "password": {pw}, "name": {"X"}, "subdomain": {"ab"}}},
		{"taken subdomain", "subdomain", "taken", url.Values{"email": {"x@example.com"}, "password": {pw}, "name": {"X"}, "subdomain": {"taken"}}},
		{"taken email", "email", "already exists", url.Values{"email": {"TAKEN@example.com"}, "password": {pw}, "name": {"X"}, "subdomain": {"other"}}},
		{"missing name", "name", "Enter a name", url.Values{"email": {"x@example.com"}, "password": {pw}, "name": {" "}, "subdomain": {"xxx"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := app.Client(t)
			res := c.Submit(app.BaseURL+"/signup", app.BaseURL+"/signup", tt.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.Body, tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
			if !strings.Contains(res.Body, `id="`+tt.field+`-error"`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
				t.Errorf("error not tied to field %s", tt.field)
			}
			// Input is kept (never the password).
			if v := tt.form.Get("email"); v != "" && !strings.Contains(res.Body, `value="`+v+`"`) {
				t.Errorf("email input not kept")
			}
			if strings.Contains(res.Body, `value="`+pw+`"`) {
				t.Errorf("password echoed back")
			}
		})
	}
}

func TestLoginLogoutAndRevocation(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "owner@example.com", pw, "Ex", "example")

	c := app.Client(t)
	res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {"wrong password!"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "The email or password is incorrect.") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	unknown := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password!"}})
	if !strings.Contains(unknown.Body, "The email or password is incorrect.") {
		t.Fatal("unknown email must get the same message as a wrong password")
	}

	// A session id planted before sign-in does not survive it.
	res = c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"OWNER@example.com"}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d %s", res.StatusCode, res.Body)
	}
	first := c.Cookie(app.BaseURL, "hc_admin").Value
	c.Submit(app.BaseURL+"/settings/general", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	if c.Cookie(app.BaseURL, "hc_admin") == nil {
		t.Fatal("second login lost the session")
	}
	second := c.Cookie(app.BaseURL, "hc_admin").Value
	if first == second {
		t.Fatal("session id not rotated at login")
	}
	// The pre-login cookie no longer works.
	stale := app.Client(t)
	stale.HTTP.Jar.SetCookies(mustURL(app.BaseURL), []*http.Cookie{{Name: "hc_admin", Value: first}})
	if res := stale.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("old session still valid: %d", res.StatusCode)
	}

	// Logout revokes server-side: a copy of the cookie is worthless.
	copyClient := app.Client(t)
	copyClient.HTTP.Jar.SetCookies(mustURL(app.BaseURL), []*http.Cookie{{Name: "hc_admin", Value: second}})
	if res := copyClient.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Fatalf("copied cookie before logout: %d", res.StatusCode)
	}
	res = c.Submit(app.BaseURL+"/settings/general", app.BaseURL+"/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?signed_out=1" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := copyClient.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("copied cookie after logout: %d", res.StatusCode)
	}

	// Sessions expire.
	c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	app.Clock.Advance(13 * time.Hour)
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("expired session: %d", res.StatusCode)
	}
}

func TestLogoutNeedsCSRF(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@example.com", pw, "Ex", "example")
	res := c.PostForm(app.BaseURL+"/logout", nil)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d", res.StatusCode)
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Fatal("a forged logout must not sign out")
	}
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "owner@example.com", pw, "Ex", "example")
	c := app.Client(t)
	bad := url.Values{"email": {"owner@example.com"}, "password": {"not the password"}}
	for i := 1; i <= 9; i++ {
		if res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", bad); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("try %d: %d", i, res.StatusCode)
		}
	}
	// The tenth try is refused, even with the right password.
	res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("tenth try: %d", res.StatusCode)
	}
	if !strings.Contains(res.Body, "Try again in 15 minutes") || res.Header.Get("Retry-After") != "900" {
		t.Fatalf("throttle message: %q retry-after %q", res.Body, res.Header.Get("Retry-After"))
	}
	// Another IP is limited too, by the email.
	app.Clock.Advance(15*time.Minute + time.Second)
	res = c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", res.StatusCode)
	}
}

func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "owner@example.com", pw, "Ex", "example")
	bad := url.Values{"email": {"someone@example.com"}, "password": {"not the password"}}
	for i := 0; i < 9; i++ {
		c := app.Client(t)
		c.Header.Set("X-Forwarded-For", "203.0.113."+string(rune('1'+i)))
		bad.Set("email", "user"+string(rune('a'+i))+"@example.com")
		c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", bad)
	}
	c := app.Client(t)
	c.Header.Set("X-Forwarded-For", "198.51.100.7")
	res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("per-IP limit walked around with X-Forwarded-For: %d", res.StatusCode)
	}
}

func TestConsoleRequiresAdmin(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Client(t)
	for _, path := range []string{"/settings/general", "/"} {
		res := c.Get(app.BaseURL + path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s: %d → %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/settings/general", url.Values{"name": {"x"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous POST settings: %d", res.StatusCode)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// A password change revokes every session of the account on the server,
// keeps the browser that made it signed in, and the new password works.
func TestPasswordChangeRevokesSessions(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@example.com", pw, "Ex", "example")
	other := app.Client(t)
	other.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}})
	if res := other.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Fatalf("second session: %d", res.StatusCode)
	}
	page := app.BaseURL + "/settings/account"
	res := c.Submit(page, page+"/password", url.Values{"current_password": {"wrong one!!"}, "new_password": {"short"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "This is not your current password.") ||
		!strings.Contains(res.Body, `id="new_password-error"`) {
		t.Fatalf("invalid change: %d", res.StatusCode)
	}
	res = c.Submit(page, page+"/password", url.Values{"current_password": {pw}, "new_password": {"a brand new password"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", res.StatusCode, res.Body)
	}
	if res := c.Get(page + "?changed=1"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Password changed.") {
		t.Fatalf("the changing browser was signed out: %d", res.StatusCode)
	}
	if res := other.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session survived the change: %d", res.StatusCode)
	}
	fresh := app.Client(t)
	if res := fresh.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {pw}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password: %d", res.StatusCode)
	}
	if res := fresh.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@example.com"}, "password": {"a brand new password"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new password: %d", res.StatusCode)
	}
}
