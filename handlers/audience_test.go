package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// groupArticles adds, to a widget site, a beta-only and an
// enterprise-only article (one personalised), and a category for the
// beta group.
func groupArticles(t *testing.T, w *widgetSite) {
	t.Helper()
	ctx := context.Background()
	st := w.app.Store
	betaCat := &models.Category{Name: "Beta programme"}
	if err := st.CreateCategory(ctx, w.hc.ID, betaCat); err != nil {
		t.Fatal(err)
	}
	betaCat.MinRole, betaCat.AudienceGroups = models.RoleViewer, models.GroupsJSON([]string{"beta"})
	if err := st.UpdateCategory(ctx, w.hc.ID, betaCat); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*models.Article{
		{Title: "Beta features", Body: "Hello {{user.name}}, these invoices features are new.\n\n{{#if group \"enterprise\"}}Your SSO add-on is on.{{else}}Ask about enterprise.{{/if}}",
			CategoryID: &betaCat.ID, Status: models.StatusPublished, MinRole: models.RoleViewer},
		{Title: "Enterprise invoices", Body: "Consolidated invoices for {{user.custom.company}}.", Status: models.StatusPublished, MinRole: models.RoleViewer,
			AudienceGroups: models.GroupsJSON([]string{"enterprise"})},
	} {
		if err := st.CreateArticle(ctx, w.hc.ID, a); err != nil {
			t.Fatal(err)
		}
	}
}

// A partner sends groups; those visitors — and only they — find the
// group's articles on the site (lists, category, page, search) and in the
// widget, personalised for them.
func TestGroupsDecideWhatVisitorsSee(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	groupArticles(t, w)
	s := w.ssoSite

	plain := s.signInVisitor(t, map[string]any{"email": "pat@example.com", "name": "Pat"})
	beta := s.signInVisitor(t, map[string]any{"email": "bea@example.com", "name": "<b>Bea</b><script>alert(1)</script>", "groups": []string{"beta"}})
	both := s.signInVisitor(t, map[string]any{"email": "eve@example.com", "name": "Eve", "groups": []string{"beta", "enterprise"},
		"custom_fields": map[string]any{"company": "Globex <Corp>"}})

	type visitor struct {
		name      string
		get       func(string) (int, string)
		beta, ent bool
	}
	get := func(c *testapp.Client) func(string) (int, string) {
		return func(path string) (int, string) { r := c.Get(s.base + path); return r.StatusCode, r.Body }
	}
	for _, v := range []visitor{
		{"no groups", get(plain), false, false},
		{"beta", get(beta), true, false},
		{"beta and enterprise", get(both), true, true},
	} {
		_, home := v.get("/")
		if strings.Contains(home, "Beta features") != v.beta || strings.Contains(home, "Beta programme") != v.beta || strings.Contains(home, "Enterprise invoices") != v.ent {
			t.Errorf("%s: home lists beta %v, enterprise %v", v.name, strings.Contains(home, "Beta features"), strings.Contains(home, "Enterprise invoices"))
		}
		if status, _ := v.get("/articles/beta-features"); (status == http.StatusOK) != v.beta || (!v.beta && status != http.StatusNotFound) {
			t.Errorf("%s: beta article %d", v.name, status)
		}
		if status, _ := v.get("/categories/beta-programme"); (status == http.StatusOK) != v.beta {
			t.Errorf("%s: beta category %d", v.name, status)
		}
		if status, _ := v.get("/articles/enterprise-invoices"); (status == http.StatusOK) != v.ent {
			t.Errorf("%s: enterprise article %d", v.name, status)
		}
		_, found := v.get("/search?q=invoices")
		if strings.Contains(found, "Beta features") != v.beta || strings.Contains(found, "Enterprise invoices") != v.ent {
			t.Errorf("%s: search finds beta %v, enterprise %v", v.name, strings.Contains(found, "Beta features"), strings.Contains(found, "Enterprise invoices"))
		}
	}

	// Personalised for each visitor, escaped, never shared by a cache.
	res := beta.Get(s.base + "/articles/beta-features")
	if !strings.Contains(res.Body, "Hello &lt;b&gt;Bea&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;,") || strings.Contains(res.Body, "<script>alert") {
		t.Errorf("the name is not escaped text:\n%s", textOf(res.Body))
	}
	if !strings.Contains(res.Body, "Ask about enterprise.") || strings.Contains(res.Body, "SSO add-on") {
		t.Error("a beta visitor sees the enterprise branch")
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("a personalised page is Cache-Control %q", cc)
	}
	res = both.Get(s.base + "/articles/enterprise-invoices")
	if !strings.Contains(res.Body, "Consolidated invoices for Globex &lt;Corp&gt;.") {
		t.Errorf("custom field: %s", textOf(res.Body))
	}
	if got := both.Get(s.base + "/articles/beta-features").Body; !strings.Contains(got, "Your SSO add-on is on.") || !strings.Contains(got, "Hello Eve,") {
		t.Errorf("an enterprise visitor: %s", textOf(got))
	}
	// Search never quotes a group's text to others: the index holds the
	// anonymous text.
	if _, found := get(plain)("/search?q=add-on"); strings.Contains(found, "Beta features") {
		t.Error("search finds group-only text")
	}

	// The widget applies the same rule from the token's claims, and
	// personalises the same way.
	tok := w.token(t, func(m map[string]any) { m["groups"], m["name"] = []string{"beta"}, "Wendy" })
	list := strings.Join(slugs(t, w.get(t, "articles", tok), "articles"), " ")
	if !strings.Contains(list, "beta-features") || strings.Contains(list, "enterprise-invoices") {
		t.Errorf("widget list for beta: %s", list)
	}
	art := jsonBody(t, w.get(t, "articles/beta-features", tok))
	if !strings.Contains(art["html"].(string), "Hello Wendy,") {
		t.Errorf("widget article: %v", art["html"])
	}
	plainTok := w.token(t, nil)
	if res := w.get(t, "articles/beta-features", plainTok); res.StatusCode != http.StatusNotFound {
		t.Errorf("widget, no groups, beta article: %d", res.StatusCode)
	}
	if got := slugs(t, w.get(t, "search?q=invoices", plainTok), "results"); strings.Contains(strings.Join(got, " "), "beta") {
		t.Errorf("widget search without groups: %v", got)
	}
}

// "Preview as…" reads as the chosen visitor would, and signs no one in:
// no session, no user, no event row.
func TestPreviewAsSignsNoOneIn(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	groupArticles(t, w)
	admin := consoleLogin(t, w.ssoSite)
	before := []int{countRows(t, w.app, "events"), countRows(t, w.app, "visitor_sessions"), countRows(t, w.app, "users")}
	res := admin.Get(w.app.BaseURL + "/articles/preview-as?role=viewer&groups=beta&q=invoices")
	text := textOf(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(text, "Beta features") || strings.Contains(text, "Enterprise invoices") {
		t.Fatalf("preview as beta: %d %s", res.StatusCode, text)
	}
	art := admin.Get(w.app.BaseURL + "/articles/preview-as?role=viewer&groups=beta&article=beta-features")
	if !strings.Contains(art.Body, "Hello Preview Visitor,") {
		t.Errorf("previewed article: %s", textOf(art.Body))
	}
	if res := admin.Get(w.app.BaseURL + "/articles/preview-as?role=viewer&article=beta-features"); res.StatusCode != http.StatusNotFound {
		t.Errorf("outside the group the article is a 404 in the preview too: %d", res.StatusCode)
	}
	if res := admin.Get(w.app.BaseURL + "/articles/preview-as?role=owner"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad role: %d", res.StatusCode)
	}
	after := []int{countRows(t, w.app, "events"), countRows(t, w.app, "visitor_sessions"), countRows(t, w.app, "users")}
	if !slices.Equal(before, after) {
		t.Errorf("rows of events, sessions, users before %v, after %v", before, after)
	}
}
