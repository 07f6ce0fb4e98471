package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/markdown"
	"helpcenter/models"
	"helpcenter/views/components"
	"helpcenter/views/console"
)

// idParam reads the :id of a console URL. A malformed id is a 404 like an
// unknown one.
func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (h *Handler) ArticlesList(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	articles, err := h.Store.Articles(ctx, a.HelpCenter.ID)
	if err != nil {
		return err
	}
	names, err := h.categoryNames(c)
	if err != nil {
		return err
	}
	p := console.ArticlesPage{Chrome: h.chrome(c, "Articles", "articles")}
	if c.QueryParam("deleted") == "1" {
		p.Notice = "Article deleted."
	}
	for _, art := range articles {
		p.Articles = append(p.Articles, console.ArticleRow{
			ID: art.ID, Title: art.Title, Category: categoryName(names, art.CategoryID),
			Audience: models.AudienceLabel(art.MinRole, models.GroupsOf(art.AudienceGroups)), Published: art.Status == models.StatusPublished,
			Updated: art.UpdatedAt.Format(web.DateFormat),
		})
	}
	return web.Render(c, http.StatusOK, console.Articles(p))
}

// categoryNames maps the admin's category ids to names.
func (h *Handler) categoryNames(c echo.Context) (map[int64]string, error) {
	a, _ := theAdmin.Get(c)
	cats, err := h.Store.Categories(c.Request().Context(), a.HelpCenter.ID)
	names := make(map[int64]string, len(cats))
	for _, cat := range cats {
		names[cat.ID] = cat.Name
	}
	return names, err
}

func categoryName(names map[int64]string, id *int64) string {
	if id == nil {
		return "Uncategorized"
	}
	return names[*id]
}

// articleForm is the form page for art (empty for a new article).
func (h *Handler) articleForm(c echo.Context, art *models.Article) (console.ArticleFormPage, error) {
	a, _ := theAdmin.Get(c)
	title := "New article"
	if art.ID != 0 {
		title = art.Title
	}
	p := console.ArticleFormPage{
		Chrome: h.chrome(c, title, "articles"),
		ID:     art.ID, Title: art.Title, Slug: art.Slug, Body: art.Body,
		Audience: string(art.MinRole), Status: string(art.Status),
		Groups:     strings.Join(models.GroupsOf(art.AudienceGroups), "\n"),
		Preview:    markdown.HTML(art.Body),
		Categories: []components.Option{{Value: "", Label: "Uncategorized"}},
	}
	if art.CategoryID != nil {
		p.CategoryID = strconv.FormatInt(*art.CategoryID, 10)
	}
	if art.ID != 0 {
		p.Published = art.Status == models.StatusPublished
		p.Updated = art.UpdatedAt.Format(web.DateFormat)
		if p.Published {
			p.PublicURL = h.Config.SiteURL(a.HelpCenter) + "/articles/" + art.Slug
		}
	}
	ctx := c.Request().Context()
	cats, err := h.Store.Categories(ctx, a.HelpCenter.ID)
	if err != nil {
		return p, err
	}
	for _, cat := range cats {
		p.Categories = append(p.Categories, components.Option{Value: strconv.FormatInt(cat.ID, 10), Label: cat.Name})
	}
	p.SeenGroups, err = h.Store.RecentGroups(ctx, a.HelpCenter.ID, seenGroups)
	return p, err
}

// seenGroups is how many groups of recent sign-ins a form suggests.
const seenGroups = 20

func (h *Handler) ArticleNew(c echo.Context) error {
	p, err := h.articleForm(c, &models.Article{MinRole: models.RoleViewer, Status: models.StatusDraft})
	if err != nil {
		return err
	}
	if id := c.QueryParam("category"); id != "" {
		p.CategoryID = id
	}
	return web.Render(c, http.StatusOK, console.ArticleForm(p))
}

func (h *Handler) ArticleEdit(c echo.Context) error {
	art, err := h.adminArticle(c)
	if err != nil {
		return err
	}
	p, err := h.articleForm(c, art)
	if err != nil {
		return err
	}
	p.Saved = c.QueryParam("saved") == "1"
	return web.Render(c, http.StatusOK, console.ArticleForm(p))
}

// adminArticle loads the :id article of the admin's own help center; any
// other id, another workspace's included, is a 404.
func (h *Handler) adminArticle(c echo.Context) (*models.Article, error) {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return h.Store.Article(c.Request().Context(), a.HelpCenter.ID, id)
}

func (h *Handler) ArticleCreate(c echo.Context) error {
	return h.articleSave(c, &models.Article{})
}

func (h *Handler) ArticleUpdate(c echo.Context) error {
	art, err := h.adminArticle(c)
	if err != nil {
		return err
	}
	return h.articleSave(c, art)
}

// articleSave validates the form into art and saves it, or shows the form
// again with the input kept and each error beside its field.
func (h *Handler) articleSave(c echo.Context, art *models.Article) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	p, err := h.articleForm(c, art)
	if err != nil {
		return err
	}
	p.Title = strings.TrimSpace(c.FormValue("title"))
	p.Slug = strings.TrimSpace(c.FormValue("slug"))
	p.CategoryID = c.FormValue("category")
	p.Body = c.FormValue("body")
	p.Audience = c.FormValue("audience")
	p.Groups = c.FormValue("groups")
	p.Status = c.FormValue("status")
	p.Preview = markdown.HTML(p.Body)
	fields, errs := models.ParseArticle(models.ArticleFields{Title: p.Title, Slug: p.Slug, Body: p.Body, Audience: p.Audience, Groups: p.Groups, Status: p.Status})
	var categoryID *int64
	if p.CategoryID != "" {
		id, err := strconv.ParseInt(p.CategoryID, 10, 64)
		if err == nil {
			_, err = h.Store.Category(ctx, a.HelpCenter.ID, id)
		}
		switch {
		case err == nil:
			categoryID = &id
		case errors.Is(err, models.ErrNotFound) || errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange):
			errs["category"] = "Choose one of your categories, or Uncategorized."
		default:
			return err
		}
	}
	if errs.Any() {
		p.Errors = errs
		return web.Render(c, http.StatusUnprocessableEntity, console.ArticleForm(p))
	}

	art.Title, art.Slug, art.CategoryID, art.Body, art.MinRole, art.Status = fields.Title, fields.Slug, categoryID, fields.Body, fields.MinRole, fields.Status
	art.AudienceGroups = fields.AudienceGroups
	if art.ID == 0 {
		err = h.Store.CreateArticle(ctx, a.HelpCenter.ID, art)
	} else {
		err = h.Store.UpdateArticle(ctx, a.HelpCenter.ID, art)
	}
	var conflict *models.ConflictError
	switch {
	case errors.As(err, &conflict):
		p.Errors = models.FieldErrors{"slug": "Another article already uses this slug. Choose another, or leave it blank."}
		return web.Render(c, http.StatusUnprocessableEntity, console.ArticleForm(p))
	case errors.Is(err, models.ErrNotFound) && categoryID != nil:
		// The category was deleted between the check above and the save.
		p.Errors = models.FieldErrors{"category": "This category no longer exists. Choose another."}
		return web.Render(c, http.StatusUnprocessableEntity, console.ArticleForm(p))
	case err != nil:
		return err
	}
	return web.Redirect(c, "/articles/"+strconv.FormatInt(art.ID, 10)+"?saved=1")
}

func (h *Handler) ArticlePublish(c echo.Context) error {
	return h.articleSetStatus(c, models.StatusPublished)
}

func (h *Handler) ArticleUnpublish(c echo.Context) error {
	return h.articleSetStatus(c, models.StatusDraft)
}

func (h *Handler) articleSetStatus(c echo.Context, status models.ArticleStatus) error {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.SetArticleStatus(c.Request().Context(), a.HelpCenter.ID, id, status); err != nil {
		return err
	}
	return web.Redirect(c, "/articles/"+strconv.FormatInt(id, 10)+"?saved=1")
}

func (h *Handler) ArticleDelete(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteArticle(c.Request().Context(), a.HelpCenter.ID, id); err != nil {
		return err
	}
	return web.Redirect(c, "/articles?deleted=1")
}

// ArticlePreview renders the editor's Markdown for the live preview (an
// htmx POST carrying the form, CSRF header included).
func (h *Handler) ArticlePreview(c echo.Context) error {
	body := c.FormValue("body")
	if len(body) > models.MaxArticleBody {
		body = body[:models.MaxArticleBody]
	}
	return web.Render(c, http.StatusOK, console.ArticlePreview(markdown.HTML(body)))
}
