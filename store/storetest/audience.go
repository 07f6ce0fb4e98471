package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"helpcenter/models"
)

// The visibility rule (SPEC sections 7 and 11), role × groups × category
// × draft, through every way the help center reads articles: the lists,
// one by slug, search, the categories, and the console's "who will see
// this draft".
func testAudiences(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := helpCenter(t, st, "alpha")
	cat := func(name string, minRole models.Role, groups ...string) *int64 {
		c := &models.Category{Name: name}
		if err := st.CreateCategory(ctx, hc, c); err != nil {
			t.Fatal(err)
		}
		c.MinRole, c.AudienceGroups = minRole, models.GroupsJSON(groups)
		if err := st.UpdateCategory(ctx, hc, c); err != nil {
			t.Fatal(err)
		}
		return &c.ID
	}
	open := cat("Open", models.RoleViewer)
	beta := cat("Beta programme", models.RoleViewer, "beta")
	staff := cat("Staff", models.RoleEditor)
	add := func(title string, category *int64, minRole models.Role, status models.ArticleStatus, groups ...string) *models.Article {
		return article(t, st, hc, models.Article{Title: title, Body: "zebra " + title, CategoryID: category, MinRole: minRole, Status: status,
			AudienceGroups: models.GroupsJSON(groups)})
	}
	add("Everyone", nil, models.RoleViewer, models.StatusPublished)
	add("Beta or enterprise", open, models.RoleViewer, models.StatusPublished, "beta", "enterprise")
	add("Enterprise editors", nil, models.RoleEditor, models.StatusPublished, "enterprise")
	add("In the beta category", beta, models.RoleViewer, models.StatusPublished)
	add("Beta category, enterprise only", beta, models.RoleViewer, models.StatusPublished, "enterprise")
	add("Staff notes", staff, models.RoleViewer, models.StatusPublished)
	draft := add("Beta draft", nil, models.RoleViewer, models.StatusDraft, "beta")
	// Another help center's article with the same groups is never seen.
	other := helpCenter(t, st, "beta")
	article(t, st, other, models.Article{Title: "Elsewhere", Body: "zebra", AudienceGroups: models.GroupsJSON([]string{"beta"})})

	for _, tc := range []struct {
		name       string
		v          models.Viewer
		articles   string
		categories string
	}{
		{"anonymous", models.Anonymous, "Everyone", "Open"},
		{"viewer in beta", models.Viewer{Role: models.RoleViewer, Groups: []string{"beta"}},
			"Beta or enterprise,Everyone,In the beta category", "Beta programme,Open"},
		{"viewer in enterprise", models.Viewer{Role: models.RoleViewer, Groups: []string{"enterprise"}},
			"Beta or enterprise,Everyone", "Open"},
		{"viewer in beta and enterprise", models.Viewer{Role: models.RoleViewer, Groups: []string{"enterprise", "beta"}},
			"Beta category, enterprise only,Beta or enterprise,Everyone,In the beta category", "Beta programme,Open"},
		{"editor in no group", models.Viewer{Role: models.RoleEditor},
			"Everyone,Staff notes", "Open,Staff"},
		{"editor in enterprise", models.Viewer{Role: models.RoleEditor, Groups: []string{"enterprise"}},
			"Beta or enterprise,Enterprise editors,Everyone,Staff notes", "Open,Staff"},
		{"group names are exact", models.Viewer{Role: models.RoleAdmin, Groups: []string{"Beta", "ENTERPRISE"}},
			"Everyone,Staff notes", "Open,Staff"},
		{"a hundred groups", models.Viewer{Role: models.RoleViewer, Groups: manyGroups(100, "beta")},
			"Beta or enterprise,Everyone,In the beta category", "Beta programme,Open"},
	} {
		list, err := st.PublishedArticles(ctx, hc, tc.v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(list); got != tc.articles {
			t.Errorf("%s lists %q, want %q", tc.name, got, tc.articles)
		}
		found, err := st.SearchArticles(ctx, hc, tc.v, "zebra", 50)
		if err != nil {
			t.Fatal(err)
		}
		var hits []models.Article
		for _, r := range found {
			hits = append(hits, r.Article)
		}
		slices.SortFunc(hits, func(a, b models.Article) int { return strings.Compare(a.Title, b.Title) })
		if got := titles(hits); got != tc.articles {
			t.Errorf("%s finds %q, want %q", tc.name, got, tc.articles)
		}
		cats, err := st.VisibleCategories(ctx, hc, tc.v)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cats {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		if got := strings.Join(names, ","); got != tc.categories {
			t.Errorf("%s sees categories %q, want %q", tc.name, got, tc.categories)
		}
		for _, a := range []string{"beta-or-enterprise", "in-the-beta-category", "staff-notes", "beta-draft"} {
			_, err := st.PublishedArticleBySlug(ctx, hc, tc.v, a)
			if want := strings.Contains(tc.articles, titleOf(a)) && a != "beta-draft"; (err == nil) != want || err != nil && !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s opens %s: %v, want found=%v", tc.name, a, err, want)
			}
		}
		if _, err := st.VisibleCategoryBySlug(ctx, hc, tc.v, "beta-programme"); (err == nil) != strings.Contains(tc.categories, "Beta programme") {
			t.Errorf("%s opens the beta category: %v", tc.name, err)
		}
	}
	// A draft is seen by no one; its audience answers who will see it.
	if ok, err := st.InAudience(ctx, hc, draft.ID, models.Viewer{Role: models.RoleViewer, Groups: []string{"beta"}}); err != nil || !ok {
		t.Errorf("a beta viewer is not in the draft's audience: %v %v", ok, err)
	}
	if ok, _ := st.InAudience(ctx, hc, draft.ID, models.Anonymous); ok {
		t.Error("an anonymous visitor is in a beta draft's audience")
	}
	// Clearing the groups opens the article to everyone its role allows.
	a, _ := st.PublishedArticleBySlug(ctx, hc, models.Viewer{Role: models.RoleViewer, Groups: []string{"beta"}}, "beta-or-enterprise")
	a.AudienceGroups = ""
	if err := st.UpdateArticle(ctx, hc, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishedArticleBySlug(ctx, hc, models.Anonymous, "beta-or-enterprise"); err != nil {
		t.Errorf("after clearing its groups: %v", err)
	}
}

func titles(as []models.Article) string {
	var ts []string
	for _, a := range as {
		ts = append(ts, a.Title)
	}
	return strings.Join(ts, ",")
}

var slugTitles = map[string]string{"beta-or-enterprise": "Beta or enterprise", "in-the-beta-category": "In the beta category",
	"staff-notes": "Staff notes", "beta-draft": "Beta draft"}

func titleOf(slug string) string { return slugTitles[slug] }

// manyGroups is n groups, the last of them last.
func manyGroups(n int, last string) []string {
	gs := make([]string, 0, n)
	for i := range n - 1 {
		gs = append(gs, "group-"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	return append(gs, last)
}
