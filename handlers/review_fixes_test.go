package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// A console change reaches this process's page views at once: the cached
// settings and home listing are dropped when the admin saves.
func TestConsoleChangesApplyAtOnce(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "alpha")
	art := &models.Article{Title: "Hello world", Body: "Hi.", Status: models.StatusPublished, MinRole: models.RoleViewer}
	if err := app.Store.CreateArticle(ctx, hc.ID, art); err != nil {
		t.Fatal(err)
	}
	visitor := app.Client(t)
	if res := visitor.Get(app.HelpCenterURL("alpha") + "/"); !strings.Contains(res.Body, "Hello world") {
		t.Fatal("the article is not on the home page")
	}
	res := admin.Submit(app.BaseURL+"/articles/"+strconvItoa(art.ID), app.BaseURL+"/articles/"+strconvItoa(art.ID)+"/unpublish", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.StatusCode)
	}
	if res := visitor.Get(app.HelpCenterURL("alpha") + "/"); strings.Contains(res.Body, "Hello world") {
		t.Fatal("an unpublished article is still on the home page")
	}
	page := app.BaseURL + "/settings/general"
	admin.Submit(page, page, url.Values{"name": {"Alpha Docs"}, "visibility": {"private"}, "confirm_private": {"1"}})
	if res := visitor.Get(app.HelpCenterURL("alpha") + "/"); res.StatusCode == http.StatusOK {
		t.Fatal("a help center made private is still served openly")
	}
}

func TestLogsFilterErrorsAreTiedToTheirField(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	res := admin.Get(app.BaseURL + "/settings/logs?event=bogus")
	for _, want := range []string{`aria-invalid="true"`, `aria-describedby="event-error"`, `id="event-error"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("logs page with a bad event lacks %s", want)
		}
	}
}

func TestJWTPageKeepsARejectedSecretAsTyped(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	page := app.BaseURL + "/settings/security/sso/jwt"
	res := admin.Submit(page, page, url.Values{"login_url": {"https://app.example.com/login"}, "secret": {"short"}, "token_ttl": {"300"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	if !strings.Contains(res.Body, ">Generate<") || strings.Contains(res.Body, "Not saved yet") || !strings.Contains(res.Body, `value="short"`) {
		t.Fatalf("a rejected typed secret is shown as a generated one")
	}
	if !strings.Contains(res.Body, app.HelpCenterURL("alpha")) || !strings.Contains(admin.Get(page).Body, ">Help center URL<") {
		t.Fatal("the JWT page does not show the help center URL")
	}
}
