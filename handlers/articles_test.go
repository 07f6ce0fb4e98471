package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// fieldError checks that the field with id is marked invalid, points at its
// error, and that the error (holding msg) comes right after it, before the
// next field.
func fieldError(t *testing.T, body, id, msg string) {
	t.Helper()
	tag := regexp.MustCompile(`<(input|select|textarea) id="` + id + `"[^>]*>`).FindString(body)
	if tag == "" {
		t.Fatalf("no field %q in the page", id)
	}
	if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, `aria-describedby="`) || !strings.Contains(tag, id+`-error`) {
		t.Errorf("field %q is not tied to its error: %s", id, tag)
	}
	start := strings.Index(body, tag)
	errAt := strings.Index(body, `id="`+id+`-error"`)
	if errAt < start {
		t.Fatalf("no error after field %q", id)
	}
	between := body[start:errAt]
	if strings.Contains(between, `class="field"`) {
		t.Errorf("the error of %q is not right after it", id)
	}
	end := strings.Index(body[errAt:], "</p>")
	if !strings.Contains(body[errAt:errAt+end], msg) {
		t.Errorf("error of %q is %q, want it to say %q", id, body[errAt:errAt+end], msg)
	}
}

// created returns the path a successful save redirected to.
func created(t *testing.T, res *testapp.Response) string {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", res.StatusCode, res.Body)
	}
	loc := res.Header.Get("Location")
	return strings.TrimSuffix(loc, "?saved=1")
}

func TestArticleConsole(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@example.com", pw, "Example Help", "example")
	base := app.BaseURL

	// Categories: a blank name is refused beside the field, then saved.
	res := c.Submit(base+"/categories", base+"/categories", url.Values{"name": {"  "}, "description": {"Kept text"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("blank category name: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "name", "Enter a name.")
	if !strings.Contains(res.Body, ">Kept text</textarea>") {
		t.Error("the description was not kept")
	}
	res = c.Submit(base+"/categories", base+"/categories", url.Values{"name": {"Getting started"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("category: %d %s", res.StatusCode, res.Body)
	}
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "example")
	cats, _ := app.Store.Categories(ctx, hc.ID)
	if len(cats) != 1 || cats[0].Slug != "getting-started" {
		t.Fatalf("categories: %+v", cats)
	}
	catID := cats[0].ID

	// The form has the labels of SPEC section 7.
	res = c.Get(base + "/articles/new")
	for _, label := range []string{">Title</label>", ">Slug</label>", ">Category</label>", ">Body (Markdown)</label>", ">Audience</label>",
		">Everyone</option>", ">Editors and admins</option>", ">Admins only</option>", ">Status</label>", ">Draft</option>", ">Published</option>", "Save article"} {
		if !strings.Contains(res.Body, label) {
			t.Errorf("new-article form lacks %q", label)
		}
	}

	// Every invalid field is answered beside it, with the input kept.
	res = c.Submit(base+"/articles/new", base+"/articles", url.Values{
		"title": {""}, "slug": {"!!!"}, "category": {"999999"}, "body": {"Kept **body**"}, "audience": {"owner"}, "status": {"live"},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid article: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "title", "Enter a title.")
	fieldError(t, res.Body, "slug", "lowercase letters")
	fieldError(t, res.Body, "category", "Choose one of your categories")
	fieldError(t, res.Body, "audience", "Choose Everyone")
	fieldError(t, res.Body, "status", "Choose Draft or Published")
	if !strings.Contains(res.Body, `value="!!!"`) || !strings.Contains(res.Body, "Kept **body**</textarea>") {
		t.Error("the input was not kept")
	}
	if !strings.Contains(res.Body, "<strong>body</strong>") {
		t.Error("the preview does not show the body")
	}

	// A valid article: the slug is made from the title.
	path := created(t, c.Submit(base+"/articles/new", base+"/articles", url.Values{
		"title": {"Reset your password"}, "slug": {""}, "category": {itoa(catID)},
		"body": {"Open **Settings**.\n\n<script>alert(1)</script>"}, "audience": {"viewer"}, "status": {"draft"},
	}))
	res = c.Get(base + path)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `value="reset-your-password"`) || !strings.Contains(res.Body, "Publish") {
		t.Fatalf("edit page: %d", res.StatusCode)
	}
	preview := res.Body[strings.Index(res.Body, `id="article-preview"`):]
	preview = preview[:strings.Index(preview, "</section>")]
	if !strings.Contains(preview, "<strong>Settings</strong>") || strings.Contains(preview, "alert(1)") {
		t.Errorf("preview: %s", preview)
	}
	list := c.Get(base + "/articles")
	for _, want := range []string{"New article", "Reset your password", "Getting started", "Everyone", "Draft"} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	// A second article may not take a chosen slug already in use.
	res = c.Submit(base+"/articles/new", base+"/articles", url.Values{
		"title": {"Another"}, "slug": {"Reset your password"}, "audience": {"viewer"}, "status": {"draft"},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("taken slug: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "slug", "Another article already uses this slug")

	// The live preview answers htmx with the CSRF header, and only with it.
	token := c.CSRF(base + path)
	req, _ := http.NewRequest(http.MethodPost, base+"/articles/preview", strings.NewReader(url.Values{"body": {"# Hi\n\n<img src=x onerror=alert(1)>"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", token)
	res = c.Do(req)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, ">Hi</h1>") || strings.Contains(res.Body, "onerror") || strings.Contains(res.Body, "<html") {
		t.Fatalf("preview: %d %s", res.StatusCode, res.Body)
	}
	res = c.PostForm(base+"/articles/preview", url.Values{"body": {"x"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("preview without CSRF: %d", res.StatusCode)
	}

	// Draft: not on the help center. Published: there, sanitised.
	visitor := app.Client(t)
	site := app.HelpCenterURL("example")
	if res := visitor.Get(site + "/articles/reset-your-password"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("draft on the site: %d", res.StatusCode)
	}
	if res := c.Submit(base+path, base+path+"/publish", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	res = visitor.Get(site + "/articles/reset-your-password")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "<strong>Settings</strong>") || strings.Contains(res.Body, "alert(1)") {
		t.Fatalf("published article: %d", res.StatusCode)
	}
	if res := visitor.Get(site + "/"); !strings.Contains(res.Body, "Reset your password") || !strings.Contains(res.Body, "Getting started") {
		t.Error("home page lacks the article or its category")
	}
	if res := c.Submit(base+path, base+path+"/unpublish", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.StatusCode)
	}
	if res := visitor.Get(site + "/articles/reset-your-password"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unpublished article: %d", res.StatusCode)
	}

	// Edit: title and status change, the slug is kept when sent back.
	path2 := created(t, c.Submit(base+path, base+path, url.Values{
		"title": {"Reset a forgotten password"}, "slug": {"reset-your-password"}, "category": {""},
		"body": {"Updated"}, "audience": {"editor"}, "status": {"published"},
	}))
	if path2 != path {
		t.Fatalf("update redirected to %s", path2)
	}
	art, err := app.Store.Article(ctx, hc.ID, idOf(t, path))
	if err != nil || art.Title != "Reset a forgotten password" || art.Slug != "reset-your-password" ||
		art.CategoryID != nil || art.MinRole != models.RoleEditor || art.Status != models.StatusPublished {
		t.Fatalf("after update: %+v %v", art, err)
	}

	// Category edit and delete; the article stays, uncategorized.
	catPath := "/categories/" + itoa(catID)
	res = c.Submit(base+catPath, base+catPath, url.Values{"name": {"First steps"}, "description": {""}, "position": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad position: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "position", "whole number")
	if res := c.Submit(base+catPath, base+catPath, url.Values{"name": {"First steps"}, "position": {"3"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("category update: %d", res.StatusCode)
	}
	if cat, _ := app.Store.Category(ctx, hc.ID, catID); cat.Slug != "first-steps" || cat.Position != 3 {
		t.Errorf("category after update: %+v", cat)
	}
	if res := c.Submit(base+catPath, base+catPath+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("category delete: %d", res.StatusCode)
	}
	if res := c.Get(base + catPath); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted category: %d", res.StatusCode)
	}

	// Delete the article.
	if res := c.Submit(base+path, base+path+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res := c.Get(base + path); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted article: %d", res.StatusCode)
	}

	// Signed out, the console sends to the sign-in page.
	if res := app.Client(t).Get(base + "/articles"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("signed-out /articles: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// An admin of A reaches none of B's articles or categories by id, on any
// endpoint; every such request is a 404 and changes nothing.
func TestArticleTenantIsolation(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	alice := app.Signup(t, "alice@example.com", pw, "Alpha", "alpha")
	bob := app.Signup(t, "bob@example.com", pw, "Beta", "beta")
	base := app.BaseURL
	bob.Submit(base+"/categories", base+"/categories", url.Values{"name": {"Beta internal"}})
	ctx := context.Background()
	beta, _ := app.Store.HelpCenterBySubdomain(ctx, "beta")
	cats, _ := app.Store.Categories(ctx, beta.ID)
	catID := cats[0].ID
	artPath := created(t, bob.Submit(base+"/articles/new", base+"/articles", url.Values{
		"title": {"Beta secret"}, "category": {itoa(catID)}, "body": {"classified"}, "audience": {"viewer"}, "status": {"published"},
	}))
	catPath := "/categories/" + itoa(catID)
	token := alice.CSRF(base + "/articles/new")
	form := url.Values{"_csrf": {token}, "title": {"Hijacked"}, "name": {"Hijacked"}, "audience": {"viewer"}, "status": {"draft"}, "position": {"1"}}

	for _, tt := range []struct{ method, path string }{
		{"GET", artPath}, {"POST", artPath}, {"POST", artPath + "/publish"}, {"POST", artPath + "/unpublish"}, {"POST", artPath + "/delete"},
		{"GET", catPath}, {"POST", catPath}, {"POST", catPath + "/delete"},
		{"GET", "/articles/not-a-number"}, {"GET", "/categories/-1"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var res *testapp.Response
			if tt.method == "GET" {
				res = alice.Get(base + tt.path)
			} else {
				res = alice.PostForm(base+tt.path, form)
			}
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.StatusCode)
			}
			if strings.Contains(res.Body, "Beta secret") || strings.Contains(res.Body, "Beta internal") {
				t.Error("the 404 shows B's content")
			}
		})
	}
	// B's category cannot be chosen for A's article.
	res := alice.Submit(base+"/articles/new", base+"/articles", url.Values{
		"title": {"Mine"}, "category": {itoa(catID)}, "audience": {"viewer"}, "status": {"draft"},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("B's category for A's article: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "category", "Choose one of your categories")
	if list := alice.Get(base + "/articles"); strings.Contains(list.Body, "Beta secret") {
		t.Error("A's list shows B's article")
	}
	if list := alice.Get(base + "/categories"); strings.Contains(list.Body, "Beta internal") {
		t.Error("A's categories show B's")
	}
	art, err := app.Store.Article(ctx, beta.ID, idOf(t, artPath))
	if err != nil || art.Title != "Beta secret" || art.Status != models.StatusPublished {
		t.Fatalf("B's article changed: %+v %v", art, err)
	}
	// Nor does A's help center serve B's article by slug.
	if res := app.Client(t).Get(app.HelpCenterURL("alpha") + "/articles/beta-secret"); res.StatusCode != http.StatusNotFound {
		t.Errorf("B's article on A's site: %d", res.StatusCode)
	}
}

// A visitor who has not signed in is a viewer: editors' and admins'
// articles and drafts are absent from every list and search and a 404 by
// URL.
func TestSiteHonoursRoles(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "owner@example.com", pw, "Example Help", "example")
	base := app.BaseURL
	admin.Submit(base+"/categories", base+"/categories", url.Values{"name": {"Guides"}})
	admin.Submit(base+"/categories", base+"/categories", url.Values{"name": {"Staff only"}})
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "example")
	cats, _ := app.Store.Categories(ctx, hc.ID)
	for _, a := range []struct{ title, category, audience, status string }{
		{"Public launch guide", itoa(cats[0].ID), "viewer", "published"},
		{"Editors launch checklist", itoa(cats[1].ID), "editor", "published"},
		{"Admins launch runbook", itoa(cats[1].ID), "admin", "published"},
		{"Unreleased launch notes", itoa(cats[0].ID), "viewer", "draft"},
	} {
		created(t, admin.Submit(base+"/articles/new", base+"/articles", url.Values{
			"title": {a.title}, "category": {a.category}, "body": {"All about the launch."}, "audience": {a.audience}, "status": {a.status},
		}))
	}
	visitor := app.Client(t)
	site := app.HelpCenterURL("example")
	hidden := []string{"Editors launch checklist", "Admins launch runbook", "Unreleased launch notes"}
	for _, page := range []string{"/", "/search?q=launch", "/categories/guides", "/categories/staff-only", "/articles/public-launch-guide"} {
		res := visitor.Get(site + page)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", page, res.StatusCode)
		}
		for _, h := range hidden {
			if strings.Contains(res.Body, h) {
				t.Errorf("%s shows %q to a viewer", page, h)
			}
		}
	}
	if res := visitor.Get(site + "/search?q=launch"); !strings.Contains(res.Body, "Public launch guide") || !strings.Contains(res.Body, "<mark>launch</mark>") {
		t.Error("search does not find the public article with a highlighted snippet")
	}
	if res := visitor.Get(site + "/"); strings.Contains(res.Body, "Staff only") {
		t.Error("the home page shows a category with nothing a viewer may read")
	}
	for _, slug := range []string{"editors-launch-checklist", "admins-launch-runbook", "unreleased-launch-notes", "no-such-article"} {
		if res := visitor.Get(site + "/articles/" + slug); res.StatusCode != http.StatusNotFound {
			t.Errorf("/articles/%s: %d, want 404", slug, res.StatusCode)
		}
	}
	if res := visitor.Get(site + "/categories/no-such-category"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown category: %d", res.StatusCode)
	}
	// An empty query shows the form; punctuation is harmless; input is escaped.
	for q, want := range map[string]string{"": `name="q"`, `"`: "No results", "AND OR": "No results", "*": "No results",
		"<script>alert(1)</script>": "&lt;script&gt;"} {
		res := visitor.Get(site + "/search?q=" + url.QueryEscape(q))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, want) {
			t.Errorf("search %q: %d, want %q", q, res.StatusCode, want)
		}
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// idOf is the id at the end of a console path like /articles/12.
func idOf(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", path)
	}
	return id
}
