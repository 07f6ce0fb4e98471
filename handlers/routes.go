package handlers

import (
	"github.com/labstack/echo/v4"
)

// consoleRoutes lists every route of the console (the base host).
func (h *Handler) consoleRoutes(e *echo.Echo) {
	h.staticRoutes(e)
	e.GET("/healthz", h.healthz)

	app := e.Group("", h.csrfMiddleware(nil), h.loadAdmin)
	app.GET("/", h.consoleHome)
	app.GET("/signup", h.signupShow)
	app.POST("/signup", h.signupCreate)
	app.GET("/login", h.loginShow)
	app.POST("/login", h.loginCreate)
	app.POST("/logout", h.logout)

	admin := app.Group("", requireAdmin)
	admin.GET("/settings/general", h.settingsGeneralShow)
	admin.POST("/settings/general", h.settingsGeneralSave)
	admin.GET("/articles", h.articlesList)
	admin.GET("/articles/new", h.articleNew)
	admin.POST("/articles", h.articleCreate)
	admin.POST("/articles/preview", h.articlePreview)
	admin.GET("/articles/:id", h.articleEdit)
	admin.POST("/articles/:id", h.articleUpdate)
	admin.POST("/articles/:id/publish", h.articlePublish)
	admin.POST("/articles/:id/unpublish", h.articleUnpublish)
	admin.POST("/articles/:id/delete", h.articleDelete)
	admin.GET("/categories", h.categoriesList)
	admin.POST("/categories", h.categoryCreate)
	admin.GET("/categories/:id", h.categoryEdit)
	admin.POST("/categories/:id", h.categoryUpdate)
	admin.POST("/categories/:id/delete", h.categoryDelete)
}

// siteRoutes lists every route of a help center (its subdomain or custom
// domain); the tenant is already resolved from the host.
func (h *Handler) siteRoutes(e *echo.Echo) {
	h.staticRoutes(e)

	e.GET("/", h.siteHome)
	e.GET("/categories/:slug", h.siteCategory)
	e.GET("/articles/:slug", h.siteArticle)
	e.GET("/search", h.siteSearch)
}
