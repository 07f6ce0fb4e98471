package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/internal/testsmtp"
)

// teamApp is an app whose mail goes to an in-process SMTP server, with
// an owner signed in.
func teamApp(t *testing.T) (*testapp.App, *testsmtp.Server, *testapp.Client) {
	t.Helper()
	smtp := testsmtp.Start(t)
	app := testapp.New(t, testapp.Options{SMTP: smtp})
	owner := app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	return app, smtp, owner
}

// invite invites email as role and returns the link of the mail it got.
func invite(t *testing.T, app *testapp.App, smtp *testsmtp.Server, by *testapp.Client, email, role string) string {
	t.Helper()
	res := by.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/invite", url.Values{"email": {email}, "role": {role}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d\n%s", email, res.StatusCode, textOf(res.Body))
	}
	m := smtp.Await(email, 10*time.Second)
	link := m.Link("/invitations/")
	if link == "" || !strings.HasPrefix(link, app.BaseURL+"/invitations/") {
		t.Fatalf("invitation mail without a console link:\n%s", m.Text)
	}
	return link
}

// accept opens an invitation link in a fresh browser and joins.
func accept(t *testing.T, app *testapp.App, link string) *testapp.Client {
	t.Helper()
	c := app.Client(t)
	res := c.Submit(link, link, url.Values{"password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", res.StatusCode, textOf(res.Body))
	}
	return c
}

func TestInviteAcceptAndEditorIsRefusedSettings(t *testing.T) {
	t.Parallel()
	app, smtp, owner := teamApp(t)
	link := invite(t, app, smtp, owner, "Editor@Acme.test", "editor")
	m := smtp.Await("editor@acme.test", time.Second)
	if m.Subject != "owner@acme.test invited you to Acme on helpcenter" || !strings.Contains(m.Text, "as Editor") || m.HTML == "" {
		t.Errorf("invitation mail: %q\n%s", m.Subject, m.Text)
	}
	team := owner.Get(app.BaseURL + "/settings/team")
	if !strings.Contains(textOf(team.Body), "editor@acme.testEditorowner@acme.test9 Mar 2026, 09:30 UTC") {
		t.Errorf("team page does not list the invitation: %s", textOf(team.Body))
	}

	page := app.Client(t).Get(link)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "editor@acme.test") || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("invitation page: %d %q", page.StatusCode, page.Header.Get("Cache-Control"))
	}
	short := app.Client(t).Submit(link, link, url.Values{"password": {"short"}})
	if short.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(short.Body, `aria-invalid="true"`) {
		t.Fatalf("short password: %d", short.StatusCode)
	}
	editor := accept(t, app, link)
	if again := app.Client(t).Get(link); again.StatusCode != http.StatusGone || !strings.Contains(again.Body, "send it again") {
		t.Errorf("the link works twice: %d", again.StatusCode)
	}

	for _, path := range []string{"/settings/general", "/settings/security/sso", "/settings/logs", "/settings/team", "/settings/widget", "/settings/security/sso/keys"} {
		res := editor.Get(app.BaseURL + path)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Your role is Editor") {
			t.Errorf("editor GET %s: %d", path, res.StatusCode)
		}
	}
	res := editor.PostForm(app.BaseURL+"/settings/general", url.Values{"_csrf": {editor.CSRF(app.BaseURL + "/articles")}, "name": {"Hijacked"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("editor POST settings: %d", res.StatusCode)
	}
	if home := editor.Get(app.BaseURL + "/"); home.Header.Get("Location") != "/articles" {
		t.Errorf("editor home goes to %q", home.Header.Get("Location"))
	}
	arts := editor.Get(app.BaseURL + "/articles")
	if arts.StatusCode != http.StatusOK || strings.Contains(arts.Body, `href="/settings/general"`) {
		t.Errorf("editor articles: %d, nav shows settings: %v", arts.StatusCode, strings.Contains(arts.Body, `href="/settings/general"`))
	}
	if cats := editor.Get(app.BaseURL + "/categories"); cats.StatusCode != http.StatusOK {
		t.Errorf("editor categories: %d", cats.StatusCode)
	}

	// The audit trail names who did what.
	hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "acme")
	entries, _ := app.Store.AuditLog(context.Background(), hc.ID, 10)
	var saw []string
	for _, e := range entries {
		saw = append(saw, e.Actor+": "+e.Action)
	}
	all := strings.Join(saw, "\n")
	for _, want := range []string{"owner@acme.test: Invited editor@acme.test as Editor", "editor@acme.test: Joined the team as Editor (invited by owner@acme.test)"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
}

func TestRolesAndTheLastOwner(t *testing.T) {
	t.Parallel()
	app, smtp, owner := teamApp(t)
	admin := accept(t, app, invite(t, app, smtp, owner, "admin@acme.test", "admin"))
	editor := accept(t, app, invite(t, app, smtp, owner, "ed@acme.test", "editor"))
	ids := memberIDs(t, app, owner)

	// An Admin manages Editors and Admins, never an Owner.
	team := admin.Get(app.BaseURL + "/settings/team")
	if strings.Contains(team.Body, `value="owner"`) {
		t.Error("an admin is offered the Owner role")
	}
	if res := admin.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["owner@acme.test"]+"/remove", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("admin removes the owner: %d", res.StatusCode)
	}
	if res := admin.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["ed@acme.test"]+"/role", url.Values{"role": {"owner"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("admin makes an owner: %d", res.StatusCode)
	}
	if res := admin.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/invite", url.Values{"email": {"boss@acme.test"}, "role": {"owner"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Only an owner can invite an owner.") {
		t.Errorf("admin invites an owner: %d", res.StatusCode)
	}
	if res := admin.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["ed@acme.test"]+"/role", url.Values{"role": {"admin"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("admin promotes an editor: %d", res.StatusCode)
	}
	if res := editor.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Errorf("the promoted editor still refused settings: %d", res.StatusCode)
	}

	// The last owner can neither step down nor be removed.
	res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["owner@acme.test"]+"/role", url.Values{"role": {"admin"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "at least one owner") {
		t.Errorf("last owner steps down: %d", res.StatusCode)
	}
	// With a second owner, the first may step down.
	if res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["admin@acme.test"]+"/role", url.Values{"role": {"owner"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner promotes: %d", res.StatusCode)
	}
	if res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["owner@acme.test"]+"/role", url.Values{"role": {"admin"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner steps down with another owner: %d", res.StatusCode)
	}

	// Removal signs the removed admin out at once.
	if res := admin.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/"+ids["ed@acme.test"]+"/remove", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if res := editor.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("a removed admin's session still works: %d", res.StatusCode)
	}
}

func TestInvitationResendRevokeAndExpiry(t *testing.T) {
	t.Parallel()
	app, smtp, owner := teamApp(t)
	first := invite(t, app, smtp, owner, "new@acme.test", "editor")
	id := invitationID(t, owner.Get(app.BaseURL+"/settings/team").Body)
	if res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/invitations/"+id+"/resend", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	var second string
	deadline := time.Now().Add(10 * time.Second)
	for second == "" || second == first {
		if time.Now().After(deadline) {
			t.Fatal("no second invitation mail")
		}
		second = smtp.Await("new@acme.test", 10*time.Second).Link("/invitations/")
		time.Sleep(20 * time.Millisecond)
	}
	if res := app.Client(t).Get(first); res.StatusCode != http.StatusGone {
		t.Errorf("the old link after a resend: %d", res.StatusCode)
	}
	app.Clock.Advance(7*24*time.Hour + time.Second)
	if res := app.Client(t).Get(second); res.StatusCode != http.StatusGone {
		t.Errorf("a link 7 days old: %d", res.StatusCode)
	}
	owner = signIn(t, app, "owner@acme.test", pw)
	if !strings.Contains(owner.Get(app.BaseURL+"/settings/team").Body, "Expired") {
		t.Error("the team page does not say the invitation expired")
	}
	if res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/invitations/"+id+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if strings.Contains(owner.Get(app.BaseURL+"/settings/team").Body, "new@acme.test") {
		t.Error("a revoked invitation is still listed")
	}
	// An email that is already an admin's cannot be invited.
	res := owner.Submit(app.BaseURL+"/settings/team", app.BaseURL+"/settings/team/invite", url.Values{"email": {"OWNER@acme.test"}, "role": {"admin"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already belongs to an admin") || !strings.Contains(res.Body, `value="OWNER@acme.test"`) {
		t.Errorf("inviting an admin: %d", res.StatusCode)
	}
}

func TestForgotPassword(t *testing.T) {
	t.Parallel()
	app, smtp, _ := teamApp(t)
	login := app.Client(t).Get(app.BaseURL + "/login")
	if !strings.Contains(login.Body, `href="/password/forgot"`) || !strings.Contains(login.Body, "Forgot your password?") {
		t.Fatal("the sign-in page has no Forgot your password? link")
	}
	unknown := app.Client(t).Submit(app.BaseURL+"/password/forgot", app.BaseURL+"/password/forgot", url.Values{"email": {"nobody@acme.test"}})
	known := app.Client(t).Submit(app.BaseURL+"/password/forgot", app.BaseURL+"/password/forgot", url.Values{"email": {"Owner@acme.test"}})
	if unknown.StatusCode != http.StatusOK || known.StatusCode != http.StatusOK {
		t.Fatalf("forgot: %d %d", unknown.StatusCode, known.StatusCode)
	}
	strip := func(s, email string) string { return strings.ReplaceAll(textOf(s), email, "EMAIL") }
	if strip(unknown.Body, "nobody@acme.test") != strip(known.Body, "owner@acme.test") {
		t.Errorf("the answers differ, telling which email exists:\n%s\n%s", textOf(unknown.Body), textOf(known.Body))
	}
	link := smtp.Await("owner@acme.test", 10*time.Second).Link("/password/reset/")
	if link == "" {
		t.Fatal("no reset link in the mail")
	}
	for _, m := range smtp.Messages() {
		if m.To[0] == "nobody@acme.test" {
			t.Error("a reset mail went to an email with no account")
		}
	}
	c := app.Client(t)
	if res := c.Submit(link, link, url.Values{"password": {"new password 123"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d\n%s", res.StatusCode, textOf(res.Body))
	}
	if res := c.Get(app.BaseURL + "/settings/general"); res.StatusCode != http.StatusOK {
		t.Errorf("not signed in after the reset: %d", res.StatusCode)
	}
	if res := app.Client(t).Get(link); res.StatusCode != http.StatusGone {
		t.Errorf("the reset link works twice: %d", res.StatusCode)
	}
	old := app.Client(t).Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}})
	if old.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d", old.StatusCode)
	}
	// A link older than an hour is dead.
	app.Client(t).Submit(app.BaseURL+"/password/forgot", app.BaseURL+"/password/forgot", url.Values{"email": {"owner@acme.test"}})
	var late string
	for late == "" || late == link {
		late = smtp.Await("owner@acme.test", 10*time.Second).Link("/password/reset/")
		time.Sleep(20 * time.Millisecond)
	}
	app.Clock.Advance(time.Hour + time.Second)
	if res := app.Client(t).Get(late); res.StatusCode != http.StatusGone {
		t.Errorf("a reset link an hour old: %d", res.StatusCode)
	}
}

func memberIDs(t *testing.T, app *testapp.App, c *testapp.Client) map[string]string {
	t.Helper()
	body := c.Get(app.BaseURL + "/settings/team").Body
	ids := map[string]string{}
	for _, row := range strings.Split(body, `data-member="`)[1:] {
		email := row[:strings.Index(row, `"`)]
		i := strings.Index(row, `action="/settings/team/`)
		if i < 0 {
			continue
		}
		rest := row[i+len(`action="/settings/team/`):]
		ids[email] = rest[:strings.Index(rest, "/")]
	}
	if body == "" || len(ids) == 0 {
		t.Fatal("no members on the team page")
	}
	return ids
}

func invitationID(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `action="/settings/team/invitations/`)
	if i < 0 {
		t.Fatal("no invitation on the team page")
	}
	rest := body[i+len(`action="/settings/team/invitations/`):]
	return rest[:strings.Index(rest, "/")]
}

// signIn signs an admin in through the sign-in form.
func signIn(t *testing.T, app *testapp.App, email, password string) *testapp.Client {
	t.Helper()
	c := app.Client(t)
	if res := c.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {email}, "password": {password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
	return c
}
