package e2e

import (
	"context"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// An author checks, before and after publishing, what a visitor with
// given groups would see: "Preview as…" in the console.
func TestPreviewAs(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")
	ctx := context.Background()
	hc, err := app.Store.HelpCenterBySubdomain(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*models.Article{
		{Title: "Welcome", Body: "Hello {{user.name}}.", Status: models.StatusPublished, MinRole: models.RoleViewer},
		{Title: "Beta features", Body: "Only for the beta.", Status: models.StatusPublished, MinRole: models.RoleViewer, AudienceGroups: models.GroupsJSON([]string{"beta"})},
	} {
		if err := app.Store.CreateArticle(ctx, hc.ID, a); err != nil {
			t.Fatal(err)
		}
	}

	b.open(app.BaseURL + "/articles")
	b.see("Everyone · only beta")
	b.click("Preview as…")
	b.see("Shown as a viewer in no group would see it.")
	b.see("Welcome")
	b.notSee("Beta features")
	b.fill("Groups", "beta")
	b.click("Preview")
	b.see("Shown as a viewer in beta would see it.")
	b.see("Beta features")
	b.click("Welcome")
	b.see("Hello Preview Visitor.")
	b.screenshot("preview")

	// A new draft limited to enterprise, checked from its editor.
	b.open(app.BaseURL + "/articles/new")
	b.fill("Title", "Enterprise roadmap")
	b.fill("Only these groups", "enterprise")
	b.fill("Body (Markdown)", "What ships next.")
	b.click("Save article")
	b.see("Article saved.")
	b.click("Preview as…")
	b.see("Even once published, a viewer in no group does not see this article (Everyone · only enterprise).")
	b.fill("Groups", "enterprise, beta")
	b.click("Preview")
	b.see("Once published, a viewer in enterprise, beta sees this article")
	b.see("What ships next.")
}
