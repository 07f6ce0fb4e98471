package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/markdown"
	"helpcenter/models"
	"helpcenter/views/console"
)

// previewSearchLimit is how many results "Preview as…" lists.
const previewSearchLimit = 20

// previewReader is whom a previewed article is personalised for.
func previewReader(v models.Viewer) markdown.Reader {
	return markdown.Reader{Name: "Preview Visitor", Email: "visitor@example.com", Groups: v.Groups}
}

// PreviewAs shows the help center as a visitor with the chosen role and
// groups would see it — the home page's lists, a search, one article, or
// whether a draft's audience includes them — through the same store
// queries the help center uses, without signing anyone in.
func (h *Handler) PreviewAs(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	hcID := a.HelpCenter.ID
	p := console.PreviewAsPage{Chrome: h.chrome(c, "Preview as…", "articles"), Role: c.QueryParam("role"),
		Groups: c.QueryParam("groups"), Query: strings.TrimSpace(c.QueryParam("q")), Errors: map[string]string{}}
	if p.Role == "" {
		p.Role = string(models.RoleViewer)
	}
	role := models.Role(p.Role)
	if !role.Valid() {
		p.Errors["role"] = "Choose Viewer, Editor or Admin."
	}
	groups, err := models.ParseGroups(p.Groups)
	if err != nil {
		p.Errors["groups"] = err.Error()
	}
	if len(p.Errors) > 0 {
		return web.Render(c, http.StatusUnprocessableEntity, console.PreviewAs(p))
	}
	v := models.Viewer{Role: role, Groups: groups}
	p.Who = "a" + map[models.Role]string{models.RoleViewer: " viewer", models.RoleEditor: "n editor", models.RoleAdmin: "n admin"}[role]
	if len(groups) > 0 {
		p.Who += " in " + strings.Join(groups, ", ")
	} else {
		p.Who += " in no group"
	}
	link := func(slug string) string {
		q := url.Values{"role": {p.Role}, "groups": {strings.Join(groups, ", ")}, "article": {slug}}
		return "/articles/preview-as?" + q.Encode()
	}

	if id, err := strconv.ParseInt(c.QueryParam("draft"), 10, 64); err == nil {
		p.DraftID = c.QueryParam("draft")
		art, err := h.Store.Article(ctx, hcID, id)
		if err != nil {
			return err
		}
		sees, err := h.Store.InAudience(ctx, hcID, id, v)
		if err != nil {
			return err
		}
		p.Draft = &console.PreviewDraft{Title: art.Title, EditURL: "/articles/" + strconv.FormatInt(id, 10), Sees: sees,
			Audience: models.AudienceLabel(art.MinRole, models.GroupsOf(art.AudienceGroups))}
		if sees {
			p.Article = &console.PreviewArticle{Title: art.Title, Body: markdown.HTMLFor(art.Body, previewReader(v))}
		}
	}
	if slug := c.QueryParam("article"); slug != "" {
		art, err := h.Store.PublishedArticleBySlug(ctx, hcID, v, slug)
		if err != nil {
			return err // a 404, as the help center answers this visitor
		}
		p.Article = &console.PreviewArticle{Title: art.Title, Body: markdown.HTMLFor(art.Body, previewReader(v))}
	}
	if p.Query != "" {
		p.Searched = true
		results, err := h.Store.SearchArticles(ctx, hcID, v, p.Query, previewSearchLimit)
		if err != nil {
			return err
		}
		for _, r := range results {
			p.Results = append(p.Results, console.PreviewLink{Title: r.Article.Title, URL: link(r.Article.Slug)})
		}
	}
	cats, err := h.Store.VisibleCategories(ctx, hcID, v)
	if err != nil {
		return err
	}
	articles, err := h.Store.PublishedArticles(ctx, hcID, v, nil)
	if err != nil {
		return err
	}
	byCategory := map[int64][]console.PreviewLink{}
	var other []console.PreviewLink
	for _, art := range articles {
		l := console.PreviewLink{Title: art.Title, URL: link(art.Slug)}
		if art.CategoryID == nil {
			other = append(other, l)
		} else {
			byCategory[*art.CategoryID] = append(byCategory[*art.CategoryID], l)
		}
	}
	for _, cat := range cats {
		if links := byCategory[cat.ID]; len(links) > 0 {
			p.Sections = append(p.Sections, console.PreviewSection{Name: cat.Name, Articles: links})
		}
	}
	if len(other) > 0 {
		p.Sections = append(p.Sections, console.PreviewSection{Name: "Other articles", Articles: other})
	}
	noStore(c)
	return web.Render(c, http.StatusOK, console.PreviewAs(p))
}
