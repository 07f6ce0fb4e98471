package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
	"helpcenter/internal/testsmtp"
	"helpcenter/models"
	"helpcenter/store"
)

// An owner invites a colleague as Editor; the colleague follows the link
// read from the mail, chooses a password, lands on the articles and is
// refused the settings.
func TestInviteAnEditor(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	app := testapp.New(t, testapp.Options{SMTP: smtp})
	b := newBrowser(t)
	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")

	b.click("Team")
	b.see("Invite a colleague")
	b.fill("Email", "not an email")
	b.click("Send invitation")
	b.see("Enter an email address like")
	b.fill("Email", "editor@acme.test")
	b.choose("Role", "Editor")
	b.click("Send invitation")
	b.see("Invitation sent to editor@acme.test.")
	b.see("Invitations")
	b.screenshot("invited")

	link := smtp.Await("editor@acme.test", 10*time.Second).Link("/invitations/")
	if link == "" {
		t.Fatal("no invitation link in the mail")
	}
	b.click("Sign out")
	b.open(link)
	b.see("Join Acme Help")
	b.see("editor@acme.test")
	b.fill("Password", "short")
	b.click("Join the team")
	b.see("Use at least 10 characters.")
	b.fill("Password", "the editor's own password")
	b.click("Join the team")
	b.see("New article")
	if !strings.HasSuffix(b.url(), "/articles") {
		t.Fatalf("after joining at %s", b.url())
	}
	b.see("editor@acme.test")
	b.notSee("Security → SSO")
	b.open(app.BaseURL + "/settings/security/sso")
	b.see("Your role is Editor")
	b.screenshot("editor-refused")
	b.click("Go to the home page")
	b.see("New article")

	// The owner sees the colleague on the team, as Editor.
	b.click("Sign out")
	b.fill("Email", "owner@acme.test")
	b.fill("Password", "a long enough password")
	b.click("Sign in")
	b.open(app.BaseURL + "/settings/team")
	b.see("editor@acme.test")
	b.notSee("Invitations")
}

// An admin finds a visitor on the Users page, signs them out everywhere
// and bans them.
func TestUsersPage(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")

	// A visitor signs in with a token their app links straight to.
	ctx := context.Background()
	hc, err := app.Store.HelpCenterBySubdomain(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	secret := "acme-shared-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{
		LoginURL: "https://app.acme.test/login", TokenTTL: 300, AllowUnsolicited: true, SessionLength: models.DefaultSessionLength,
	}, Enable: true, NewSecret: secret}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"Zed Other <zed@example.com>", "Anna Smith <anna@example.com>"} {
		if _, _, err := app.Store.PutUser(ctx, hc.ID, store.UserInput{Email: u[strings.Index(u, "<")+1 : len(u)-1], Name: u[:strings.Index(u, " <")], Role: models.RoleViewer}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	now := app.Clock.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"jti": "unsolicited-1", "iss": "acme-app", "iat": now.Unix(), "exp": now.Unix() + 60,
		"email": "jane@example.com", "name": "Jane Doe", "role": "editor", "groups": []string{"staff"},
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	visitor := app.Client(t)
	if res := visitor.Get(app.HelpCenterURL("acme") + "/sso/jwt?jwt=" + url.QueryEscape(tok)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("visitor sign-in: %d", res.StatusCode)
	}

	b.click("Users")
	b.see("Jane Doe")
	b.see("Anna Smith")
	b.fill("Search", "jan")
	b.click("Search")
	b.see("Jane Doe")
	b.notSee("Anna Smith")
	b.click("Jane Doe")
	b.see("1 session")
	b.see("staff")
	b.see("Signed in")
	b.click("Sign out everywhere")
	b.see("Signed out everywhere")
	b.see("0 sessions")
	// The Ban button asks first; the admin agrees.
	_ = eval[bool](b, `(window.confirm = () => true, true)`)
	b.click("Ban")
	b.see("Banned: their sessions ended")
	b.see("Unban")
	b.screenshot("banned")
	b.click("Every sign-in of this email in Logs")
	b.see("jane@example.com")
}
