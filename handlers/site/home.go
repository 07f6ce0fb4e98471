package site

import (
	"context"
	"fmt"
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
	v, key, err := h.viewer(c)
	if err != nil {
		return err
	}
	sections, err := h.homeSections(c.Request().Context(), hc.ID, v, key)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, site.Home(site.HomePage{Chrome: h.siteChrome(c, "Help center"), Sections: sections}))
}

// homeKey keys the home page's sections, cached for a role and a set of
// groups for web.PageCacheTTL: the busiest page of a help center then
// costs no query, and its work does not grow with the number of
// articles (a category card lists homeArticlesPerCategory of them).
type homeKey struct {
	helpCenterID int64
	role         models.Role
	groups       string // models.Viewer.GroupsKey
}

// homeSections are the home page's sections for v. Concurrent misses of
// one key share one load, so an expiring entry under load costs one
// query, not one per waiting request.
func (h *Handler) homeSections(ctx context.Context, helpCenterID int64, v models.Viewer, groupsKey string) ([]site.Section, error) {
	k := homeKey{helpCenterID, v.Role, groupsKey}
	if l, ok := h.homes.Get(k); ok {
		return l, nil
	}
	flight := fmt.Sprintf("%d\x00%s\x00%s", k.helpCenterID, k.role, k.groups)
	l, err, _ := h.homeLoads.Do(flight, func() (any, error) {
		// Detached: one visitor going away must not fail the others waiting.
		sections, err := h.loadHomeSections(context.WithoutCancel(ctx), helpCenterID, v)
		if err == nil {
			h.homes.Put(k, sections)
		}
		return sections, err
	})
	if err != nil {
		return nil, err
	}
	return l.([]site.Section), nil
}

func (h *Handler) loadHomeSections(ctx context.Context, helpCenterID int64, v models.Viewer) ([]site.Section, error) {
	cats, err := h.Store.VisibleCategories(ctx, helpCenterID, v)
	if err != nil {
		return nil, err
	}
	articles, err := h.Store.PublishedArticles(ctx, helpCenterID, v, nil)
	if err != nil {
		return nil, err
	}
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
	var sections []site.Section
	for _, cat := range cats {
		if links := byCategory[cat.ID]; len(links) > 0 {
			sections = append(sections, section(cat.Name, cat.Description, "/categories/"+cat.Slug, links))
		}
	}
	if len(other) > 0 {
		sections = append(sections, section("Other articles", "", "", other))
	}
	return sections, nil
}

func section(name, description, url string, links []site.ArticleLink) site.Section {
	s := site.Section{Name: name, Description: description, URL: url, Articles: links}
	// Without a category page to send readers to, list them all.
	if url != "" && len(links) > homeArticlesPerCategory {
		s.Articles, s.More = links[:homeArticlesPerCategory], len(links)-homeArticlesPerCategory
	}
	return s
}
