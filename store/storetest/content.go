package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"helpcenter/models"
	"helpcenter/store"
)

// helpCenter creates a workspace and returns its help center's id.
func helpCenter(t *testing.T, st *store.Store, sub string) int64 {
	t.Helper()
	_, hc, _, err := st.CreateWorkspace(context.Background(), store.NewWorkspace{
		Name: sub, Subdomain: sub, AdminEmail: sub + "@example.com", PasswordHash: "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	return hc.ID
}

func article(t *testing.T, st *store.Store, hcID int64, a models.Article) *models.Article {
	t.Helper()
	if a.Status == "" {
		a.Status = models.StatusPublished
	}
	if a.MinRole == "" {
		a.MinRole = models.RoleViewer
	}
	if err := st.CreateArticle(context.Background(), hcID, &a); err != nil {
		t.Fatalf("create %q: %v", a.Title, err)
	}
	return &a
}

func testArticleSlugs(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	a, b := helpCenter(t, st, "alpha"), helpCenter(t, st, "beta")

	first := article(t, st, a, models.Article{Title: "Reset your password"})
	second := article(t, st, a, models.Article{Title: "Reset your password!"})
	other := article(t, st, b, models.Article{Title: "Reset your password"})
	accented := article(t, st, a, models.Article{Title: "Crème brûlée & café"})
	unicodeOnly := article(t, st, a, models.Article{Title: "帮助"})
	for got, want := range map[string]string{
		first.Slug: "reset-your-password", second.Slug: "reset-your-password-2",
		other.Slug: "reset-your-password", accented.Slug: "creme-brulee-and-cafe", unicodeOnly.Slug: "article",
	} {
		if got != want {
			t.Errorf("slug %q, want %q", got, want)
		}
	}

	// A chosen slug that is taken in the same help center is a conflict on
	// the slug field; the same slug in another help center is fine.
	err := st.CreateArticle(ctx, a, &models.Article{Title: "X", Slug: "reset-your-password", Status: models.StatusDraft, MinRole: models.RoleViewer})
	var conflict *models.ConflictError
	if !errors.As(err, &conflict) || conflict.Field != "slug" {
		t.Fatalf("taken slug: %v", err)
	}
	// Saving an article under its own slug is not a conflict.
	first.Body = "Updated"
	if err := st.UpdateArticle(ctx, a, first); err != nil {
		t.Fatalf("update keeping slug: %v", err)
	}
	second.Slug = "reset-your-password"
	if err := st.UpdateArticle(ctx, a, second); !errors.As(err, &conflict) {
		t.Fatalf("update to taken slug: %v", err)
	}
	// A blank slug on update is made from the (new) title.
	second.Slug, second.Title = "", "Change your password"
	if err := st.UpdateArticle(ctx, a, second); err != nil || second.Slug != "change-your-password" {
		t.Fatalf("regenerated slug %q: %v", second.Slug, err)
	}
}

func testCategorySlugsAndDelete(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	a, b := helpCenter(t, st, "alpha"), helpCenter(t, st, "beta")
	c1 := &models.Category{Name: "Getting started"}
	c2 := &models.Category{Name: "Getting Started!"}
	c3 := &models.Category{Name: "Getting started"}
	for _, x := range []struct {
		hc int64
		c  *models.Category
	}{{a, c1}, {a, c2}, {b, c3}} {
		if err := st.CreateCategory(ctx, x.hc, x.c); err != nil {
			t.Fatal(err)
		}
	}
	if c1.Slug != "getting-started" || c2.Slug != "getting-started-2" || c3.Slug != "getting-started" {
		t.Fatalf("slugs %q %q %q", c1.Slug, c2.Slug, c3.Slug)
	}
	if c1.Position >= c2.Position {
		t.Errorf("a new category goes last: positions %d, %d", c1.Position, c2.Position)
	}
	c2.Name = "Billing"
	if err := st.UpdateCategory(ctx, a, c2); err != nil || c2.Slug != "billing" {
		t.Fatalf("renamed slug %q: %v", c2.Slug, err)
	}

	art := article(t, st, a, models.Article{Title: "Welcome", CategoryID: &c1.ID})
	if err := st.DeleteCategory(ctx, a, c1.ID); err != nil {
		t.Fatal(err)
	}
	got, err := st.Article(ctx, a, art.ID)
	if err != nil || got.CategoryID != nil {
		t.Fatalf("article after its category was deleted: %+v, %v", got, err)
	}
}

// A help center can never read, change or delete another's rows by id.
func testContentTenantScoping(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	a, b := helpCenter(t, st, "alpha"), helpCenter(t, st, "beta")
	cat := &models.Category{Name: "Beta only"}
	if err := st.CreateCategory(ctx, b, cat); err != nil {
		t.Fatal(err)
	}
	art := article(t, st, b, models.Article{Title: "Beta secret", Body: "classified", CategoryID: &cat.ID})

	checks := map[string]error{}
	_, checks["Article"] = st.Article(ctx, a, art.ID)
	_, checks["PublishedArticleBySlug"] = st.PublishedArticleBySlug(ctx, a, models.Viewer{Role: models.RoleAdmin}, art.Slug)
	checks["UpdateArticle"] = st.UpdateArticle(ctx, a, &models.Article{ID: art.ID, Title: "Hijacked", Status: models.StatusDraft, MinRole: models.RoleViewer})
	checks["SetArticleStatus"] = st.SetArticleStatus(ctx, a, art.ID, models.StatusDraft)
	checks["DeleteArticle"] = st.DeleteArticle(ctx, a, art.ID)
	_, checks["Category"] = st.Category(ctx, a, cat.ID)
	_, checks["CategoryBySlug"] = st.CategoryBySlug(ctx, a, cat.Slug)
	checks["UpdateCategory"] = st.UpdateCategory(ctx, a, &models.Category{ID: cat.ID, Name: "Hijacked"})
	checks["DeleteCategory"] = st.DeleteCategory(ctx, a, cat.ID)
	checks["CreateArticle in B's category"] = st.CreateArticle(ctx, a, &models.Article{Title: "Sneaky", CategoryID: &cat.ID, Status: models.StatusDraft, MinRole: models.RoleViewer})
	for name, err := range checks {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s across tenants: %v, want ErrNotFound", name, err)
		}
	}
	if list, _ := st.Articles(ctx, a); len(list) != 0 {
		t.Errorf("A lists B's articles: %v", list)
	}
	if list, _ := st.PublishedArticles(ctx, a, models.Viewer{Role: models.RoleAdmin}, nil); len(list) != 0 {
		t.Errorf("A's help center shows B's articles: %v", list)
	}
	if list, _ := st.PublishedArticles(ctx, a, models.Viewer{Role: models.RoleAdmin}, &cat.ID); len(list) != 0 {
		t.Errorf("A's help center shows B's category: %v", list)
	}
	if list, _ := st.Categories(ctx, a); len(list) != 0 {
		t.Errorf("A lists B's categories: %v", list)
	}
	if counts, _ := st.CategoryArticleCounts(ctx, a); len(counts) != 0 {
		t.Errorf("A counts B's articles: %v", counts)
	}
	if res, _ := st.SearchArticles(ctx, a, models.Viewer{Role: models.RoleAdmin}, "classified", 10); len(res) != 0 {
		t.Errorf("A finds B's article: %v", res)
	}
	got, err := st.Article(ctx, b, art.ID)
	if err != nil || got.Title != "Beta secret" || got.Status != models.StatusPublished {
		t.Fatalf("B's article changed: %+v %v", got, err)
	}
	if c, err := st.Category(ctx, b, cat.ID); err != nil || c.Name != "Beta only" {
		t.Fatalf("B's category changed: %+v %v", c, err)
	}
}

func testRoleFiltering(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := helpCenter(t, st, "alpha")
	article(t, st, hc, models.Article{Title: "For everyone"})
	article(t, st, hc, models.Article{Title: "For editors", MinRole: models.RoleEditor})
	article(t, st, hc, models.Article{Title: "For admins", MinRole: models.RoleAdmin})
	article(t, st, hc, models.Article{Title: "Unfinished", Status: models.StatusDraft})

	for role, want := range map[models.Role]string{
		models.RoleViewer: "For everyone",
		models.RoleEditor: "For editors,For everyone",
		models.RoleAdmin:  "For admins,For editors,For everyone",
	} {
		list, err := st.PublishedArticles(ctx, hc, models.Viewer{Role: role}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range list {
			titles = append(titles, a.Title)
		}
		if got := strings.Join(titles, ","); got != want {
			t.Errorf("%s sees %q, want %q", role, got, want)
		}
	}
	for _, tt := range []struct {
		slug string
		role models.Role
		ok   bool
	}{
		{"for-editors", models.RoleViewer, false}, {"for-editors", models.RoleEditor, true},
		{"for-admins", models.RoleEditor, false}, {"for-admins", models.RoleAdmin, true},
		{"unfinished", models.RoleAdmin, false},
	} {
		_, err := st.PublishedArticleBySlug(ctx, hc, models.Viewer{Role: tt.role}, tt.slug)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s as %s: %v", tt.slug, tt.role, err)
		}
	}
}

func testSearch(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := helpCenter(t, st, "alpha")
	cat := &models.Category{Name: "Account"}
	if err := st.CreateCategory(ctx, hc, cat); err != nil {
		t.Fatal(err)
	}
	article(t, st, hc, models.Article{Title: "Billing and invoices", Body: "Your invoice lists your **password** policy? No: it lists what you paid."})
	article(t, st, hc, models.Article{Title: "Reset your password", CategoryID: &cat.ID,
		Body: "Open *Settings*, choose **Security**, then reset your password. A password needs 12 characters."})
	article(t, st, hc, models.Article{Title: "Password rules for editors", Body: "Editors rotate their password monthly.", MinRole: models.RoleEditor})
	article(t, st, hc, models.Article{Title: "Draft about passwords", Body: "password password password", Status: models.StatusDraft})
	article(t, st, hc, models.Article{Title: "Café opening hours", Body: "The café opens at nine."})

	res, err := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "password", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Article.Title != "Reset your password" || res[1].Article.Title != "Billing and invoices" {
		t.Fatalf("ranking: %+v", res)
	}
	if res[0].CategoryName != "Account" || res[1].CategoryName != "" {
		t.Errorf("category names %q, %q", res[0].CategoryName, res[1].CategoryName)
	}
	var snippet strings.Builder
	hits := 0
	for _, f := range res[0].Snippet {
		snippet.WriteString(f.Text)
		if f.Hit {
			hits++
			if !strings.EqualFold(f.Text, "password") {
				t.Errorf("hit %q", f.Text)
			}
		}
	}
	if hits == 0 || !strings.Contains(snippet.String(), "reset your password") || strings.Contains(snippet.String(), "**") {
		t.Errorf("snippet %q with %d hits", snippet.String(), hits)
	}

	// Editors find their article too; drafts stay hidden from everyone.
	res, _ = st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleAdmin}, "password", 10)
	if len(res) != 3 {
		t.Errorf("admin finds %d articles, want 3", len(res))
	}
	// Prefixes, accents and several words.
	queries := map[string]int{"pass": 2, "CAFÉ opens": 1, "reset security": 1, "reset billing": 0}
	if st.Backend() == "sqlite" {
		// FTS4's unicode61 tokenizer folds accents; PostgreSQL's "simple"
		// configuration does not (that would need the unaccent extension).
		queries["cafe"] = 1
	}
	for q, want := range queries {
		res, err := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, q, 10)
		if err != nil || len(res) != want {
			t.Errorf("%q: %d results (%v), want %d", q, len(res), err, want)
		}
	}
	// Punctuation and query-language operators never error.
	for _, q := range []string{`"`, `AND OR`, `*`, `NOT`, `password"`, `(password`, `title:password`, `NEAR/2`, `-password`, `^`, `'; DROP TABLE articles; --`, "\x01\x02", ""} {
		if _, err := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, q, 10); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	// "AND" is a plain word here, found in one title.
	res, _ = st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, `"password" AND`, 10)
	if len(res) != 1 || res[0].Article.Title != "Billing and invoices" {
		t.Errorf(`"password" AND: %+v`, res)
	}

	// Deleting and editing keep the index in step.
	all, _ := st.Articles(ctx, hc)
	for _, a := range all {
		if a.Title == "Billing and invoices" {
			if err := st.DeleteArticle(ctx, hc, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if a.Title == "Café opening hours" {
			a.Body = "Closed on Mondays."
			if err := st.UpdateArticle(ctx, hc, &a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res, _ := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "invoice", 10); len(res) != 0 {
		t.Errorf("a deleted article is still found")
	}
	if res, _ := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "nine", 10); len(res) != 0 {
		t.Errorf("an old body is still found")
	}
	if res, _ := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "mondays", 10); len(res) != 1 {
		t.Errorf("a new body is not found")
	}
}
