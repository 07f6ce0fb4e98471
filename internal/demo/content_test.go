package demo_test

import (
	"context"
	"strings"
	"testing"

	"helpcenter/internal/demo"
	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// The demo help center has articles for every audience and a draft, and
// its SSO troubleshooting guide explains every reason code.
func TestSeedContent(t *testing.T) {
	app := testapp.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, app.Store, app.Accounts, app.Config); err != nil {
		t.Fatal(err)
	}
	hc, err := app.Store.HelpCenterBySubdomain(ctx, demo.Subdomain)
	if err != nil {
		t.Fatal(err)
	}
	all, err := app.Store.Articles(ctx, hc.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range all {
		seen[string(a.MinRole)+"/"+string(a.Status)] = true
	}
	for _, kind := range []string{"viewer/published", "editor/published", "admin/published", "viewer/draft"} {
		if !seen[kind] {
			t.Errorf("no %s article", kind)
		}
	}
	guide, err := app.Store.PublishedArticleBySlug(ctx, hc.ID, models.Viewer{Role: models.RoleViewer}, "sso-troubleshooting-what-each-sign-in-error-means")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"sso_not_configured", "jwt_malformed", "jwt_invalid_signature", "jwt_missing_required_claim",
		"jwt_invalid_claim", "jwt_expired", "jwt_iat_in_future", "jwt_not_yet_valid", "jwt_too_old", "jwt_issuer_mismatch",
		"jwt_audience_mismatch", "jwt_replayed", "jwt_unknown_key", "jwt_key_mismatch", "user_banned"} {
		if !strings.Contains(guide.Body, "### "+code+"\n") {
			t.Errorf("the SSO guide does not explain %s", code)
		}
	}
	if res, _ := app.Store.SearchArticles(ctx, hc.ID, models.Viewer{Role: models.RoleViewer}, "jwt_expired", 5); len(res) != 1 {
		t.Errorf("searching a reason code finds %d articles", len(res))
	}
}
