package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

// An admin creates a category, writes and publishes an article, and keeps
// an editors-only one; a visitor of the public help center finds the
// first by search and reads it, and never finds the second.
//
// The visitor here is anonymous, hence a viewer; then the help center goes
// private and visitors signed in through SSO see what their role allows.
func TestAdminPublishesVisitorReads(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)

	b.signUp(app.BaseURL, "owner@globex.test", "Globex Support", "globex")
	b.see("owner@globex.test")

	b.open(app.BaseURL + "/categories")
	b.fill("Name", "Getting started")
	b.click("Save category")
	b.see("Category saved.")
	b.see("/categories/getting-started")

	b.click("Articles")
	b.click("New article")
	b.click("Save article")
	b.see("Enter a title.")

	b.fill("Title", "Connect your calendar")
	b.choose("Category", "Getting started")
	b.fill("Body (Markdown)", "Open **Settings → Integrations** and click *Connect*.\n\nYour meetings sync every five minutes.")
	b.see("Your meetings sync every five minutes.") // the live preview, drawn by htmx
	if html := eval[string](b, `document.getElementById("article-preview").innerHTML`); !strings.Contains(html, "<strong>Settings → Integrations</strong>") {
		t.Fatalf("preview shows %s", html)
	}
	b.choose("Audience", "Everyone")
	b.choose("Status", "Published")
	b.click("Save article")
	b.see("Article saved.")
	b.see("View on help center")

	b.click("Articles")
	b.click("New article")
	b.fill("Title", "Calendar sync internals")
	b.fill("Body (Markdown)", "How the calendar sync works behind the scenes.")
	b.choose("Audience", "Editors and admins")
	b.choose("Status", "Published")
	b.click("Save article")
	b.see("Article saved.")

	// A visitor, not signed in, on the public help center.
	b.open(app.HelpCenterURL("globex") + "/")
	b.see("How can we help?")
	b.see("Getting started")
	b.notSee("Calendar sync internals")
	b.fill("Search the help center", "calendar")
	b.click("Search")
	b.see("1 article for “calendar”")
	b.notSee("Calendar sync internals")
	b.click("Connect your calendar")
	b.see("Your meetings sync every five minutes.")
	b.see("Settings → Integrations")

	b.open(app.HelpCenterURL("globex") + "/articles/calendar-sync-internals")
	b.see("There is nothing at this address.")

	// The help center goes private behind the partner's sign-in. A viewer
	// signed in through SSO finds the article by search and reads it, and
	// never finds the editors-only one; an editor does.
	app.Clock.Set(time.Now())
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "globex")
	secret := "e2e-partner-secret-0123456789abcdefghijklmnop"
	partner := newPartnerApp(t, secret, app.HelpCenterURL("globex"))
	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: partner.URL + "/login", TokenTTL: 300}, Enable: true, NewSecret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		t.Fatal(err)
	}
	b.open(app.HelpCenterURL("globex") + "/search?q=calendar")
	b.fill("Your email", "vera@globex.test")
	b.fill("Your name", "Vera Viewer")
	b.choose("Your role", "viewer")
	b.click("Continue to help")
	b.see("Signed in as Vera Viewer")
	b.see("1 article for “calendar”")
	b.notSee("Calendar sync internals")
	b.click("Connect your calendar")
	b.see("Your meetings sync every five minutes.")
	b.open(app.HelpCenterURL("globex") + "/articles/calendar-sync-internals")
	b.see("There is nothing at this address.")

	b.click("Sign out")
	b.click("Sign in")
	b.fill("Your email", "eddie@globex.test")
	b.fill("Your name", "Eddie Editor")
	b.choose("Your role", "editor")
	b.click("Continue to help")
	b.see("Signed in as Eddie Editor")
	b.open(app.HelpCenterURL("globex") + "/search?q=calendar")
	b.see("Calendar sync internals")
	b.click("Calendar sync internals")
	b.see("How the calendar sync works behind the scenes.")
}
