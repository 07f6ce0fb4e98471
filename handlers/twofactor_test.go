package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"helpcenter/internal/testapp"
)

var (
	totpKey       = regexp.MustCompile(`data-testid="totp-key">([A-Z2-7]+)<`)
	recoveryCodes = regexp.MustCompile(`<li>([a-z2-7]{4}-[a-z2-7]{4})</li>`)
)

func code(t *testing.T, app *testapp.App, key string) string {
	t.Helper()
	c, err := totp.GenerateCode(key, app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns two-factor on for the signed-in admin and returns the key
// and the recovery codes.
func enrol(t *testing.T, app *testapp.App, c *testapp.Client) (string, []string) {
	t.Helper()
	page := app.BaseURL + "/settings/account/two-factor"
	body := c.Get(page).Body
	m := totpKey.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("no key or QR code on the set-up page")
	}
	if res := c.Submit(page, page, url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="enrol-code-error"`) {
		t.Fatalf("a wrong code: %d", res.StatusCode)
	}
	if again := totpKey.FindStringSubmatch(c.Get(page).Body); again == nil || again[1] != m[1] {
		t.Fatal("the key changed between views of the set-up")
	}
	res := c.Submit(page, page, url.Values{"code": {code(t, app, m[1])}})
	codes := recoveryCodes.FindAllStringSubmatch(res.Body, -1)
	if res.StatusCode != http.StatusOK || len(codes) != 10 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("turn on: %d, %d recovery codes", res.StatusCode, len(codes))
	}
	var rc []string
	for _, cm := range codes {
		rc = append(rc, cm[1])
	}
	if strings.Contains(c.Get(page).Body, rc[0]) {
		t.Fatal("the recovery codes are shown twice")
	}
	return m[1], rc
}

// signInWithCode signs in with the password, then the code; it returns
// the client and the status of the code's answer.
func signInWithCode(t *testing.T, app *testapp.App, email, code string) (*testapp.Client, int) {
	t.Helper()
	c := app.Client(t)
	res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {email}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("password step: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c.Cookie(app.BaseURL, "hc_admin") != nil {
		t.Fatal("a session opened before the second factor")
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("console before the code: %d", res.StatusCode)
	}
	res = c.Submit(app.BaseURL+"/login/two-factor", app.BaseURL+"/login/two-factor", url.Values{"code": {code}})
	return c, res.StatusCode
}

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	owner := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	key, recovery := enrol(t, app, owner)
	if !strings.Contains(owner.Get(app.BaseURL+"/settings/account").Body, "Two-factor authentication is on.") {
		t.Error("the account page does not say two-factor is on")
	}

	// The code that confirmed the set-up is spent; the next one works.
	if _, status := signInWithCode(t, app, "owner@acme.test", code(t, app, key)); status != http.StatusUnauthorized {
		t.Errorf("the set-up's code again: %d", status)
	}
	app.Clock.Advance(30 * time.Second)
	next := code(t, app, key)
	c, status := signInWithCode(t, app, "owner@acme.test", next)
	if status != http.StatusSeeOther {
		t.Fatalf("sign in with a code: %d", status)
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Errorf("signed in: %d", res.StatusCode)
	}
	if _, status := signInWithCode(t, app, "owner@acme.test", next); status != http.StatusUnauthorized {
		t.Errorf("a code used twice: %d", status)
	}
	// A recovery code works once, typed loosely.
	if _, status := signInWithCode(t, app, "owner@acme.test", " "+strings.ToUpper(recovery[3])+" "); status != http.StatusSeeOther {
		t.Errorf("a recovery code: %d", status)
	}
	if _, status := signInWithCode(t, app, "owner@acme.test", recovery[3]); status != http.StatusUnauthorized {
		t.Errorf("a recovery code used twice: %d", status)
	}
	if !strings.Contains(c.Get(app.BaseURL+"/settings/account/two-factor").Body, "Recovery codes left: 9.") {
		t.Error("recovery codes left is not 9")
	}
	// Wrong codes are throttled like passwords.
	guess := app.Client(t)
	guess.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}})
	throttled := 0
	for i := range 12 {
		res := guess.Submit(app.BaseURL+"/login/two-factor", app.BaseURL+"/login/two-factor", url.Values{"code": {"123456"}})
		if res.StatusCode == http.StatusTooManyRequests {
			throttled = i + 1
			break
		}
	}
	if throttled == 0 || throttled > 10 {
		t.Errorf("wrong codes throttled after %d tries", throttled)
	}
}

func TestTwoFactorRequiredAndTurnedOff(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	owner := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	team := app.BaseURL + "/settings/team"
	if res := owner.Submit(team, team+"/two-factor", url.Values{"require_two_factor": {"1"}}); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "Set up two-factor for yourself first") {
		t.Fatalf("require without having it: %d", res.StatusCode)
	}
	key, _ := enrol(t, app, owner)
	if res := owner.Submit(team, team+"/two-factor", url.Values{"require_two_factor": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("require: %d", res.StatusCode)
	}
	// An admin without two-factor is sent to set it up.
	res := owner.Submit(team, team+"/invite", url.Values{"email": {"ed@acme.test"}, "role": {"admin"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d", res.StatusCode)
	}
	link := invitationLinkFromLog(t, app, "ed@acme.test")
	ed := app.Client(t)
	ed.Submit(link, link, url.Values{"password": {pw}})
	for _, path := range []string{"/settings/general", "/articles"} {
		if res := ed.Get(app.BaseURL + path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/account/two-factor" {
			t.Errorf("%s without two-factor: %d %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if !strings.Contains(ed.Get(app.BaseURL+"/settings/account/two-factor").Body, "Your workspace requires two-factor") {
		t.Error("the set-up page does not say why")
	}

	// Turning it off takes a fresh code.
	page := app.BaseURL + "/settings/account/two-factor"
	if res := owner.Submit(page, page+"/disable", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("turn off with a wrong code: %d", res.StatusCode)
	}
	app.Clock.Advance(30 * time.Second)
	if res := owner.Submit(page, page+"/disable", url.Values{"code": {code(t, app, key)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("turn off: %d", res.StatusCode)
	}
	c := app.Client(t)
	if res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}}); res.Header.Get("Location") != "/" {
		t.Errorf("after turning it off the password alone signs in: %q", res.Header.Get("Location"))
	}
}

var logLink = regexp.MustCompile(`http://localhost:\d+/invitations/[A-Z2-7]+`)

// invitationLinkFromLog reads an invitation link from the mail the log
// sender wrote (no SMTP server set).
func invitationLinkFromLog(t *testing.T, app *testapp.App, to string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(app.Logs.String(), "\n") {
			if strings.Contains(line, "to="+to) {
				if m := logLink.FindString(line); m != "" {
					return m
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no invitation for %s in the log", to)
	return ""
}

// An admin sees their sessions and signs the others out.
func TestAdminSessions(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	laptop := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	phone := signIn(t, app, "owner@acme.test", pw)
	page := app.BaseURL + "/settings/account"
	body := laptop.Get(page).Body
	if strings.Count(body, "<tr>")-1 != 2 || strings.Count(body, "This browser") != 1 || !strings.Contains(body, "127.0.0.1") {
		t.Fatalf("sessions: %s", textOf(body))
	}
	res := laptop.Submit(page, page+"/sessions/others", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/account?ended=1" {
		t.Fatalf("sign out others: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := phone.Get(page); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", res.StatusCode)
	}
	if res := laptop.Get(page); res.StatusCode != http.StatusOK || strings.Count(res.Body, "<tr>")-1 != 1 {
		t.Errorf("this browser after: %d", res.StatusCode)
	}
}
