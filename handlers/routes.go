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
}

// siteRoutes lists every route of a help center (its subdomain or custom
// domain); the tenant is already resolved from the host.
func (h *Handler) siteRoutes(e *echo.Echo) {
	h.staticRoutes(e)

	e.GET("/", h.siteHome)
}
