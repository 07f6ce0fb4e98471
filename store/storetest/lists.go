package storetest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"helpcenter/models"
)

// The console's and the help center's lists: categories in display order
// with their article counts, articles most recently updated first,
// published ones by title (optionally of one category, without bodies);
// publishing sets PublishedAt once; search honours its limit.
func testContentLists(t *testing.T, be Backend) {
	st, c := freshClock(t, be)
	ctx := context.Background()
	hc := helpCenter(t, st, "alpha")
	cats := map[string]*models.Category{}
	for _, name := range []string{"Billing", "Account", "Security"} {
		cat := &models.Category{Name: name, Description: name + " questions"}
		if err := st.CreateCategory(ctx, hc, cat); err != nil {
			t.Fatal(err)
		}
		cats[name] = cat
	}
	billing, account, security := cats["Billing"], cats["Account"], cats["Security"]
	account.Position = 10
	if err := st.UpdateCategory(ctx, hc, account); err != nil {
		t.Fatal(err)
	}
	list, err := st.Categories(ctx, hc)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cat := range list {
		names = append(names, cat.Name)
	}
	if got := strings.Join(names, ","); got != "Billing,Security,Account" {
		t.Fatalf("categories in the order %s", got)
	}
	if got, err := st.CategoryBySlug(ctx, hc, "security"); err != nil || got.ID != security.ID || got.Description != "Security questions" {
		t.Fatalf("CategoryBySlug: %+v %v", got, err)
	}
	if got, err := st.Category(ctx, hc, billing.ID); err != nil || got.Slug != "billing" {
		t.Fatalf("Category: %+v %v", got, err)
	}

	c.Advance(time.Minute)
	invoices := article(t, st, hc, models.Article{Title: "Invoices", Body: "Your **invoices** are in *Billing*.", CategoryID: &billing.ID})
	c.Advance(time.Minute)
	refunds := article(t, st, hc, models.Article{Title: "Refunds", Body: "Ask us.", CategoryID: &billing.ID, Status: models.StatusDraft})
	c.Advance(time.Minute)
	article(t, st, hc, models.Article{Title: "Two-factor sign-in", Body: "Use an app.", CategoryID: &security.ID})
	c.Advance(time.Minute)
	article(t, st, hc, models.Article{Title: "About us", Body: "We help."})
	if got, _ := st.Article(ctx, hc, invoices.ID); got.BodyText == "" || strings.ContainsAny(got.BodyText, "*") || !strings.Contains(got.BodyText, "invoices") {
		t.Fatalf("the body's plain text is %q", got.BodyText)
	}
	if invoices.PublishedAt == nil || !invoices.PublishedAt.Equal(t0.Add(time.Minute)) || refunds.PublishedAt != nil {
		t.Fatalf("published at %v and %v", invoices.PublishedAt, refunds.PublishedAt)
	}
	// Editing the oldest makes it the most recently updated.
	published := c.Advance(time.Minute)
	invoices.Body = "Invoices are under Billing."
	if err := st.UpdateArticle(ctx, hc, invoices); err != nil {
		t.Fatal(err)
	}
	all, err := st.Articles(ctx, hc)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range all {
		titles = append(titles, a.Title)
	}
	if got := strings.Join(titles, ","); got != "Invoices,About us,Two-factor sign-in,Refunds" {
		t.Fatalf("Articles in the order %s", got)
	}

	counts, err := st.CategoryArticleCounts(ctx, hc)
	if want := map[int64]int{billing.ID: 2, security.ID: 1}; err != nil || !maps.Equal(counts, want) {
		t.Fatalf("counts %v (%v), want %v", counts, err, want)
	}
	pub, err := st.PublishedArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, &billing.ID)
	if err != nil || len(pub) != 1 || pub[0].ID != invoices.ID || pub[0].Body != "" || pub[0].Slug != "invoices" {
		t.Fatalf("published in Billing: %+v %v", pub, err)
	}
	if pub, _ := st.PublishedArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, &account.ID); len(pub) != 0 {
		t.Fatalf("published in an empty category: %+v", pub)
	}
	pub, _ = st.PublishedArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, nil)
	titles = titles[:0]
	for _, a := range pub {
		titles = append(titles, a.Title)
	}
	if got := strings.Join(titles, ","); got != "About us,Invoices,Two-factor sign-in" {
		t.Fatalf("published, by title: %s", got)
	}

	// Publishing a draft stamps it; unpublishing hides it; publishing it
	// again keeps the first stamp.
	if err := st.SetArticleStatus(ctx, hc, refunds.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	got, _ := st.PublishedArticleBySlug(ctx, hc, models.Viewer{Role: models.RoleViewer}, "refunds")
	if got == nil || got.PublishedAt == nil || !got.PublishedAt.Equal(published) || got.Body != "Ask us." {
		t.Fatalf("published draft: %+v", got)
	}
	c.Advance(time.Minute)
	if err := st.SetArticleStatus(ctx, hc, refunds.ID, models.StatusDraft); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishedArticleBySlug(ctx, hc, models.Viewer{Role: models.RoleAdmin}, "refunds"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("an unpublished article is still served: %v", err)
	}
	if err := st.SetArticleStatus(ctx, hc, refunds.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Article(ctx, hc, refunds.ID); !got.PublishedAt.Equal(published) {
		t.Fatalf("republishing moved PublishedAt to %v", got.PublishedAt)
	}

	// Search honours its limit.
	for _, title := range []string{"Sign-in help", "Sign-in errors", "Sign-in on phones"} {
		article(t, st, hc, models.Article{Title: title, Body: "About signing in."})
	}
	if res, err := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "sign", 2); err != nil || len(res) != 2 {
		t.Fatalf("search with limit 2: %d results (%v)", len(res), err)
	}
	if res, _ := st.SearchArticles(ctx, hc, models.Viewer{Role: models.RoleViewer}, "sign", 10); len(res) != 4 {
		t.Fatalf("search: %d results, want 4", len(res))
	}

	// Deleting what is not there is ErrNotFound.
	for name, err := range map[string]error{
		"DeleteArticle":    st.DeleteArticle(ctx, hc, refunds.ID+1000),
		"DeleteCategory":   st.DeleteCategory(ctx, hc, billing.ID+1000),
		"SetArticleStatus": st.SetArticleStatus(ctx, hc, refunds.ID+1000, models.StatusDraft),
		"UpdateCategory":   st.UpdateCategory(ctx, hc, &models.Category{ID: billing.ID + 1000, Name: "X"}),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s of an unknown id: %v", name, err)
		}
	}
	if err := st.DeleteCategory(ctx, hc, billing.ID); err != nil {
		t.Fatal(err)
	}
	if counts, _ := st.CategoryArticleCounts(ctx, hc); !slices.Equal(slices.Collect(maps.Keys(counts)), []int64{security.ID}) {
		t.Fatalf("counts after deleting Billing: %v", counts)
	}
}
