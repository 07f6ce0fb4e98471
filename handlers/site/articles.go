package site

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/markdown"
	"helpcenter/models"
	"helpcenter/views/site"
)

// Search limits: the longest query read and the most results shown.
const (
	maxQueryLength = 200
	searchLimit    = 50
)

// relatedLimit is how many other articles of its category an article lists.
const relatedLimit = 5

func (h *Handler) Category(c echo.Context) error {
	hc, _ := web.Tenant.Get(c)
	ctx := c.Request().Context()
	v, _, err := h.viewer(c)
	if err != nil {
		return err
	}
	cat, err := h.Store.VisibleCategoryBySlug(ctx, hc.ID, v, c.Param("slug"))
	if err != nil {
		return err
	}
	articles, err := h.Store.PublishedArticles(ctx, hc.ID, v, &cat.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, site.Category(site.CategoryPage{
		Chrome: h.siteChrome(c, cat.Name), Name: cat.Name, Description: cat.Description,
		Articles: articleLinks(articles, 0, 0),
	}))
}

// Article shows an article the visitor may read. A draft, or one
// beyond the visitor's role or groups, is a 404 like a missing one (not
// a 403), so its existence does not leak. A personalised article is
// rendered for this visitor and never stored by a shared cache.
func (h *Handler) Article(c echo.Context) error {
	hc, _ := web.Tenant.Get(c)
	ctx := c.Request().Context()
	v, _, err := h.viewer(c)
	if err != nil {
		return err
	}
	art, err := h.Store.PublishedArticleBySlug(ctx, hc.ID, v, c.Param("slug"))
	if err != nil {
		return err
	}
	// Rendered once: for this reader when the article is personalised
	// (and then never stored by a shared cache), plainly otherwise.
	var r markdown.Reader
	if markdown.Personal(art.Body) {
		if r, err = h.reader(c); err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "private, no-store")
	}
	body := markdown.HTMLFor(art.Body, r)
	p := site.ArticlePage{
		Chrome: h.siteChrome(c, art.Title), Title: art.Title,
		Updated: art.UpdatedAt.Format(web.DateFormat), Body: body,
	}
	if art.CategoryID != nil {
		cat, err := h.Store.Category(ctx, hc.ID, *art.CategoryID)
		if err != nil {
			return err
		}
		p.CategoryName, p.CategoryURL = cat.Name, "/categories/"+cat.Slug
		siblings, err := h.Store.PublishedArticles(ctx, hc.ID, v, &cat.ID)
		if err != nil {
			return err
		}
		p.Related = articleLinks(siblings, art.ID, relatedLimit)
	}
	return web.Render(c, http.StatusOK, site.Article(p))
}

// articleLinks lists articles as links, leaving out skipID, at most limit
// of them (0: all).
func articleLinks(articles []models.Article, skipID int64, limit int) []site.ArticleLink {
	var links []site.ArticleLink
	for _, a := range articles {
		if a.ID == skipID {
			continue
		}
		if limit > 0 && len(links) == limit {
			break
		}
		links = append(links, site.ArticleLink{Title: a.Title, URL: "/articles/" + a.Slug})
	}
	return links
}

// Search searches the articles the visitor may read; without a query
// it shows the search form.
func (h *Handler) Search(c echo.Context) error {
	hc, _ := web.Tenant.Get(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q) > maxQueryLength {
		q = string([]rune(q)[:maxQueryLength])
	}
	p := site.SearchPage{Chrome: h.siteChrome(c, "Search"), Query: q}
	p.Chrome.Query = q
	if q != "" {
		p.Chrome.Title = "Search: " + q
		v, _, err := h.viewer(c)
		if err != nil {
			return err
		}
		results, err := h.Store.SearchArticles(c.Request().Context(), hc.ID, v, q, searchLimit)
		if err != nil {
			return err
		}
		for _, r := range results {
			p.Results = append(p.Results, site.SearchHit{
				Title: r.Article.Title, URL: "/articles/" + r.Article.Slug, Category: r.CategoryName, Snippet: r.Snippet,
			})
		}
	}
	return web.Render(c, http.StatusOK, site.Search(p))
}
