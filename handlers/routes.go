package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// consoleRoutes lists every route of the console (the base host).
func (h *Handler) consoleRoutes(e *echo.Echo) {
	h.staticRoutes(e)
	e.GET("/healthz", h.healthz)

	// The embedded widget and its API are called from partners' pages on
	// other origins and authenticated by the partner's JWT, never by a
	// cookie: outside the CSRF and admin-session group.
	e.GET("/js/init.js", h.widgetInit)
	api := e.Group("/api/widget/v1", h.widgetCORS, h.widgetRateLimit, h.widgetAuth)
	// OPTIONS beside each GET so that widgetCORS answers its preflight.
	for path, handler := range map[string]echo.HandlerFunc{
		"/articles": h.widgetArticles, "/articles/:slug": h.widgetArticle, "/search": h.widgetSearch,
	} {
		api.Match([]string{http.MethodGet, http.MethodOptions}, path, handler)
	}

	app := e.Group("", h.csrfMiddleware(nil), h.loadAdmin)
	app.GET("/", h.consoleHome)
	app.GET("/signup", h.signupShow)
	app.POST("/signup", h.signupCreate)
	app.GET("/login", h.loginShow)
	app.POST("/login", h.loginCreate)
	app.POST("/logout", h.logout)
	if h.cfg.Demo {
		app.GET("/demo/partner/login", h.demoPartnerShow)
		app.POST("/demo/partner/login", h.demoPartnerSubmit)
	}

	admin := app.Group("", requireAdmin, h.forgetAfterWrite)
	admin.GET("/settings/account", h.accountShow)
	admin.POST("/settings/account/password", h.accountPassword)
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
	admin.GET("/settings/security/sso", h.ssoSettingsShow)
	admin.POST("/settings/security/sso/enabled", h.ssoSwitchSave)
	admin.POST("/settings/security/sso/notify", h.ssoNotifyMe)
	admin.GET("/settings/security/sso/jwt", h.jwtSettingsShow)
	admin.POST("/settings/security/sso/jwt", h.jwtSettingsApply)
	admin.POST("/settings/security/sso/jwt/generate", h.jwtSecretGenerate)
	admin.POST("/settings/security/sso/jwt/regenerate", h.jwtSecretRegenerate)
	admin.GET("/settings/security/sso/tester", h.ssoTesterShow)
	admin.POST("/settings/security/sso/tester", h.ssoTesterRun)
	admin.GET("/settings/logs", h.logsShow)
	admin.GET("/settings/logs.csv", h.logsCSV)
	admin.GET("/settings/widget", h.settingsWidgetShow)
	admin.POST("/settings/widget", h.settingsWidgetSave)
	admin.POST("/settings/widget/preview-token", h.settingsWidgetPreviewToken)
}

// siteRoutes lists every route of a help center (its subdomain or custom
// domain); the tenant is already resolved from the host.
func (h *Handler) siteRoutes(e *echo.Echo) {
	h.staticRoutes(e)

	// /sso/jwt and /logout take no CSRF token: the partner's redirect and
	// a plain "Sign out" link must work (SPEC section 7).
	skipCSRF := func(c echo.Context) bool { p := c.Path(); return p == "/sso/jwt" || p == "/logout" }
	s := e.Group("", h.csrfMiddleware(skipCSRF), h.loadVisitor)
	s.GET("/sso/jwt", h.ssoJWT)
	s.POST("/sso/jwt", h.ssoJWT)
	s.HEAD("/sso/jwt", h.ssoJWTHead)
	s.GET("/sso/login", h.ssoLogin)
	s.GET("/logout", h.siteLogout)
	s.POST("/logout", h.siteLogout)
	s.POST("/password", h.passwordSubmit)

	pages := s.Group("", h.gate)
	pages.GET("/", h.siteHome)
	pages.GET("/categories/:slug", h.siteCategory)
	pages.GET("/articles/:slug", h.siteArticle)
	pages.GET("/search", h.siteSearch)
}
