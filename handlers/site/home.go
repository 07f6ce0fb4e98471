package site

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/views/site"
)

// homeArticlesPerCategory is how many articles a category card lists
// before "See all".
const homeArticlesPerCategory = 6

// Home lists the categories with the articles this visitor may read.
// A category with none of them is left out, so an admins-only category
// does not show up empty for everyone else.
func (h *Handler) Home(c echo.Context) error {
	hc, _ := web.Tenant.Get(c)
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	listing, err := h.homeListing(c.Request().Context(), hc.ID, v)
	if err != nil {
		return err
	}
	cats, articles := listing.categories, listing.articles
	byCategory := map[int64][]site.ArticleLink{}
	var other []site.ArticleLink
	for _, a := range articles {
		link := site.ArticleLink{Title: a.Title, URL: "/articles/" + a.Slug}
		if a.CategoryID == nil {
			other = append(other, link)
		} else {
			byCategory[*a.CategoryID] = append(byCategory[*a.CategoryID], link)
		}
	}
	p := site.HomePage{Chrome: h.siteChrome(c, "Help center")}
	for _, cat := range cats {
		if links := byCategory[cat.ID]; len(links) > 0 {
			p.Sections = append(p.Sections, section(cat.Name, cat.Description, "/categories/"+cat.Slug, links))
		}
	}
	if len(other) > 0 {
		p.Sections = append(p.Sections, section("Other articles", "", "", other))
	}
	return web.Render(c, http.StatusOK, site.Home(p))
}

// homeKey and homeListing cache what the home page lists for a role and
// a set of groups, for web.PageCacheTTL: the busiest page of a help
// center then costs no query.
type homeKey struct {
	helpCenterID int64
	role         models.Role
	groups       string // models.Viewer.GroupsKey
}

type homeListing struct {
	categories []models.Category
	articles   []models.Article
}

func (h *Handler) homeListing(ctx context.Context, helpCenterID int64, v models.Viewer) (homeListing, error) {
	k := homeKey{helpCenterID, v.Role, v.GroupsKey()}
	if l, ok := h.homes.Get(k); ok {
		return l, nil
	}
	cats, err := h.Store.VisibleCategories(ctx, helpCenterID, v)
	if err != nil {
		return homeListing{}, err
	}
	articles, err := h.Store.PublishedArticles(ctx, helpCenterID, v, nil)
	if err != nil {
		return homeListing{}, err
	}
	l := homeListing{categories: cats, articles: articles}
	h.homes.Put(k, l)
	return l, nil
}

func section(name, description, url string, links []site.ArticleLink) site.Section {
	s := site.Section{Name: name, Description: description, URL: url, Articles: links}
	// Without a category page to send readers to, list them all.
	if url != "" && len(links) > homeArticlesPerCategory {
		s.Articles, s.More = links[:homeArticlesPerCategory], len(links)-homeArticlesPerCategory
	}
	return s
}
