package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/views/console"
)

// maxDescriptionLength bounds a category's description.
const maxDescriptionLength = 300

// categoriesPage is the list with an empty new-category form.
func (h *Handler) categoriesPage(c echo.Context) (console.CategoriesPage, error) {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	p := console.CategoriesPage{Chrome: h.chrome(c, "Categories", "articles")}
	cats, err := h.Store.Categories(ctx, a.HelpCenter.ID)
	if err != nil {
		return p, err
	}
	counts, err := h.Store.CategoryArticleCounts(ctx, a.HelpCenter.ID)
	if err != nil {
		return p, err
	}
	for _, cat := range cats {
		p.Categories = append(p.Categories, console.CategoryRow{
			ID: cat.ID, Name: cat.Name, Slug: cat.Slug, Description: cat.Description, Articles: counts[cat.ID],
			Audience: models.AudienceLabel(cat.MinRole, models.GroupsOf(cat.AudienceGroups)),
		})
	}
	return p, nil
}

func (h *Handler) CategoriesList(c echo.Context) error {
	p, err := h.categoriesPage(c)
	if err != nil {
		return err
	}
	switch {
	case c.QueryParam("saved") == "1":
		p.Notice = "Category saved."
	case c.QueryParam("deleted") == "1":
		p.Notice = "Category deleted. Its articles are now uncategorized."
	}
	return web.Render(c, http.StatusOK, console.Categories(p))
}

// categoryInput reads and checks the fields both category forms share.
func categoryInput(c echo.Context) (name, description string, errs models.FieldErrors) {
	name = strings.TrimSpace(c.FormValue("name"))
	description = strings.TrimSpace(c.FormValue("description"))
	errs = models.FieldErrors{}
	if err := models.ValidateName(name); err != nil {
		errs["name"] = err.Error()
	}
	if utf8.RuneCountInString(description) > maxDescriptionLength {
		errs["description"] = "Use at most 300 characters."
	}
	return name, description, errs
}

func (h *Handler) CategoryCreate(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	name, description, errs := categoryInput(c)
	if errs.Any() {
		p, err := h.categoriesPage(c)
		if err != nil {
			return err
		}
		p.Name, p.Description, p.Errors = name, description, errs
		return web.Render(c, http.StatusUnprocessableEntity, console.Categories(p))
	}
	cat := &models.Category{Name: name, Description: description}
	if err := h.Store.CreateCategory(c.Request().Context(), a.HelpCenter.ID, cat); err != nil {
		return err
	}
	return web.Redirect(c, "/categories?saved=1")
}

// adminCategory loads the :id category of the admin's own help center;
// any other id is a 404.
func (h *Handler) adminCategory(c echo.Context) (*models.Category, error) {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return h.Store.Category(c.Request().Context(), a.HelpCenter.ID, id)
}

func (h *Handler) CategoryEdit(c echo.Context) error {
	cat, err := h.adminCategory(c)
	if err != nil {
		return err
	}
	seen, err := h.Store.RecentGroups(c.Request().Context(), cat.HelpCenterID, seenGroups)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.CategoryEdit(console.CategoryEditPage{
		Chrome: h.chrome(c, cat.Name, "articles"),
		ID:     cat.ID, Name: cat.Name, Slug: cat.Slug, Description: cat.Description,
		Position: strconv.Itoa(cat.Position), Audience: string(cat.MinRole),
		Groups: strings.Join(models.GroupsOf(cat.AudienceGroups), "\n"), SeenGroups: seen,
	}))
}

func (h *Handler) CategoryUpdate(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	cat, err := h.adminCategory(c)
	if err != nil {
		return err
	}
	name, description, errs := categoryInput(c)
	positionIn := strings.TrimSpace(c.FormValue("position"))
	position, err := strconv.Atoi(positionIn)
	if err != nil || position < 0 || position > 10000 {
		errs["position"] = "Enter a whole number from 0 to 10000."
	}
	// A form without the audience fields (an older page, a script) keeps
	// the category's audience as it is.
	form, _ := c.FormParams()
	audience, groupsIn := c.FormValue("audience"), c.FormValue("groups")
	if _, ok := form["audience"]; !ok {
		audience = string(cat.MinRole)
	}
	if _, ok := form["groups"]; !ok {
		groupsIn = strings.Join(models.GroupsOf(cat.AudienceGroups), "\n")
	}
	minRole := models.Role(audience)
	if !minRole.Valid() {
		errs["audience"] = "Choose Everyone, Editors and admins, or Admins only."
	}
	groups, gerr := models.ParseGroups(groupsIn)
	if gerr != nil {
		errs["groups"] = gerr.Error()
	}
	if errs.Any() {
		seen, err := h.Store.RecentGroups(c.Request().Context(), a.HelpCenter.ID, seenGroups)
		if err != nil {
			return err
		}
		return web.Render(c, http.StatusUnprocessableEntity, console.CategoryEdit(console.CategoryEditPage{
			Chrome: h.chrome(c, cat.Name, "articles"),
			ID:     cat.ID, Name: name, Slug: cat.Slug, Description: description, Position: positionIn,
			Audience: audience, Groups: groupsIn, SeenGroups: seen, Errors: errs,
		}))
	}
	cat.Name, cat.Description, cat.Position = name, description, position
	cat.MinRole, cat.AudienceGroups = minRole, models.GroupsJSON(groups)
	if err := h.Store.UpdateCategory(c.Request().Context(), a.HelpCenter.ID, cat); err != nil {
		return err
	}
	return web.Redirect(c, "/categories?saved=1")
}

func (h *Handler) CategoryDelete(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteCategory(c.Request().Context(), a.HelpCenter.ID, id); err != nil {
		return err
	}
	return web.Redirect(c, "/categories?deleted=1")
}
