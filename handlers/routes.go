package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/console"
	"helpcenter/handlers/partnerapi"
	"helpcenter/handlers/site"
	"helpcenter/handlers/web"
)

// consoleRoutes lists every route of the console (the base host).
func (h *Handler) consoleRoutes(e *echo.Echo) {
	staticRoutes(e)
	e.GET("/robots.txt", site.Robots)
	e.GET("/healthz", h.healthz)
	if h.metrics != nil {
		e.GET("/metrics", echo.WrapHandler(h.metrics))
	}

	// The embedded widget and its API are called from partners' pages on
	// other origins and authenticated by the partner's JWT, never by a
	// cookie: outside the CSRF and admin-session group.
	w := h.widget
	e.GET("/js/init.js", w.Script)
	e.GET("/api/widget/v1/origin.js", w.OriginCheck)
	api := e.Group("/api/widget/v1", w.CORS, w.Auth)
	// OPTIONS beside each GET so that CORS answers its preflight.
	for path, handler := range map[string]echo.HandlerFunc{
		"/articles": w.Articles, "/articles/:slug": w.Article, "/search": w.Search,
	} {
		api.Match([]string{http.MethodGet, http.MethodOptions}, path, handler)
	}

	// The partner API is called by partners' backends with an API key,
	// never a cookie: outside the CSRF and admin-session group too.
	h.partner.Routes(e.Group(partnerapi.Prefix))

	c := h.console
	// The CSRF token is bound to the admin's session: LoadAdmin runs first.
	csrf := web.CSRF{Key: h.keys.CSRF, Cookies: h.cookies, Session: c.SessionIDHash}
	app := e.Group("", c.LoadAdmin, csrf.Middleware)
	app.GET("/", c.Home)
	app.GET("/signup", c.SignupShow)
	app.POST("/signup", c.SignupCreate)
	app.GET("/login", c.LoginShow)
	app.POST("/login", c.LoginCreate)
	app.POST("/logout", c.Logout)
	app.GET("/login/sso", c.IdPShow)
	app.POST("/login/sso", c.IdPStart)
	app.GET("/login/sso/callback", c.IdPCallback)
	app.GET("/login/two-factor", c.SecondFactorShow)
	app.POST("/login/two-factor", c.SecondFactorCheck)
	app.GET("/password/forgot", c.ForgotShow)
	app.POST("/password/forgot", c.ForgotSend)
	app.GET("/password/reset/:token", c.ResetShow)
	app.POST("/password/reset/:token", c.ResetSave)
	app.GET("/invitations/:token", c.InvitationShow)
	app.POST("/invitations/:token", c.InvitationAccept)
	if h.cfg.Demo {
		app.GET("/demo/partner/login", h.demo.Show)
		app.POST("/demo/partner/login", h.demo.Submit)
	}

	admin := app.Group("", console.RequireAdmin, console.RequireTwoFactor, console.RequireRole, c.ForgetAfterWrite)
	admin.GET("/settings/account", c.AccountShow)
	admin.POST("/settings/account/password", c.AccountPassword)
	admin.POST("/settings/account/sessions/others", c.AccountEndOthers)
	admin.GET("/settings/account/two-factor", c.TwoFactorShow)
	admin.POST("/settings/account/two-factor", c.TwoFactorEnable)
	admin.POST("/settings/account/two-factor/disable", c.TwoFactorDisable)
	admin.POST("/settings/team/two-factor", c.TeamRequireTwoFactor)
	admin.POST("/settings/team/identity-provider", c.TeamIdPSave)
	admin.GET("/settings/team", c.TeamShow)
	admin.POST("/settings/team/invite", c.TeamInvite)
	admin.POST("/settings/team/invitations/:id/resend", c.TeamResend)
	admin.POST("/settings/team/invitations/:id/revoke", c.TeamRevoke)
	admin.POST("/settings/team/:id/role", c.TeamRole)
	admin.POST("/settings/team/:id/remove", c.TeamRemove)
	admin.GET("/settings/api-keys", c.APIKeysShow)
	admin.POST("/settings/api-keys", c.APIKeyCreate)
	admin.POST("/settings/api-keys/:id/revoke", c.APIKeyRevoke)
	admin.GET("/settings/users", c.UsersShow)
	admin.POST("/settings/users", c.UserAdd)
	admin.GET("/settings/users/:id", c.UserShow)
	admin.POST("/settings/users/:id/sign-out", c.UserSignOut)
	admin.POST("/settings/users/:id/ban", c.UserBan(true))
	admin.POST("/settings/users/:id/unban", c.UserBan(false))
	admin.GET("/settings/general", c.SettingsGeneralShow)
	admin.POST("/settings/general", c.SettingsGeneralSave)
	admin.POST("/settings/general/verify-domain", c.SettingsGeneralVerifyDomain)
	admin.GET("/articles", c.ArticlesList)
	admin.GET("/articles/new", c.ArticleNew)
	admin.GET("/articles/preview-as", c.PreviewAs)
	admin.POST("/articles", c.ArticleCreate)
	admin.POST("/articles/preview", c.ArticlePreview)
	admin.GET("/articles/:id", c.ArticleEdit)
	admin.POST("/articles/:id", c.ArticleUpdate)
	admin.POST("/articles/:id/publish", c.ArticlePublish)
	admin.POST("/articles/:id/unpublish", c.ArticleUnpublish)
	admin.POST("/articles/:id/delete", c.ArticleDelete)
	admin.GET("/categories", c.CategoriesList)
	admin.POST("/categories", c.CategoryCreate)
	admin.GET("/categories/:id", c.CategoryEdit)
	admin.POST("/categories/:id", c.CategoryUpdate)
	admin.POST("/categories/:id/delete", c.CategoryDelete)
	admin.GET("/settings/security/sso", c.SSOSettingsShow)
	admin.POST("/settings/security/sso/enabled", c.SSOSwitchSave)
	admin.POST("/settings/security/sso/notify", c.SSONotifyMe)
	admin.GET("/settings/security/sso/jwt", c.JWTSettingsShow)
	admin.POST("/settings/security/sso/jwt", c.JWTSettingsApply)
	admin.POST("/settings/security/sso/jwt/generate", c.JWTSecretGenerate)
	admin.POST("/settings/security/sso/jwt/regenerate", c.JWTSecretRegenerate)
	admin.GET("/settings/security/sso/jwt/example/:lang", c.ExampleApp)
	admin.GET("/settings/security/sso/keys", c.KeysShow)
	admin.POST("/settings/security/sso/keys/secret", c.KeyAddSecret)
	admin.POST("/settings/security/sso/keys/public", c.KeyAddPublic)
	admin.POST("/settings/security/sso/keys/generate", c.KeyGenerate)
	admin.POST("/settings/security/sso/keys/jwks", c.KeyAddJWKS)
	admin.POST("/settings/security/sso/keys/:id/revoke", c.KeyRevoke)
	admin.GET("/settings/security/sso/tester", c.SSOTesterShow)
	admin.POST("/settings/security/sso/tester", c.SSOTesterRun)
	admin.POST("/settings/security/sso/jwt/test-sign-in", c.SSOTestSignIn)
	admin.GET("/settings/logs", c.LogsShow)
	admin.GET("/settings/webhooks", c.WebhooksShow)
	admin.POST("/settings/webhooks", c.WebhookAdd)
	admin.POST("/settings/webhooks/:id/delete", c.WebhookDelete)
	admin.POST("/settings/webhooks/deliveries/:id/resend", c.DeliveryResend)
	admin.GET("/settings/audit", c.AuditShow)
	admin.GET("/settings/audit.csv", c.AuditCSV)
	admin.GET("/settings/alerts", c.AlertsShow)
	admin.POST("/settings/alerts", c.AlertsSave)
	admin.GET("/settings/logs.csv", c.LogsCSV)
	admin.GET("/settings/widget", c.SettingsWidgetShow)
	admin.POST("/settings/widget", c.SettingsWidgetSave)
	admin.POST("/settings/widget/preview-token", c.SettingsWidgetPreviewToken)
}

// siteRoutes lists every route of a help center (its subdomain or custom
// domain); the tenant is already resolved from the host.
func (h *Handler) siteRoutes(e *echo.Echo) {
	staticRoutes(e)
	e.GET("/robots.txt", site.Robots)

	s := h.site
	// /sso/jwt and /logout take no CSRF token: the partner's redirect and
	// a plain "Sign out" link must work (SPEC section 7).
	skipCSRF := func(c echo.Context) bool { p := c.Path(); return p == "/sso/jwt" || p == "/logout" }
	csrf := web.CSRF{Key: h.keys.CSRF, Cookies: h.cookies, Session: s.SessionIDHash, Skip: skipCSRF}
	g := e.Group("", s.LoadVisitor, csrf.Middleware)
	g.GET("/sso/jwt", s.SignIn)
	g.POST("/sso/jwt", s.SignIn)
	g.HEAD("/sso/jwt", s.SignInHead)
	g.GET("/sso/login", s.Login)
	g.GET("/logout", s.Logout)
	g.POST("/logout", s.Logout)
	g.POST("/password", s.PasswordSubmit)

	pages := g.Group("", s.Gate)
	pages.GET("/", s.Home)
	pages.GET("/categories/:slug", s.Category)
	pages.GET("/articles/:slug", s.Article)
	pages.GET("/search", s.Search)
}
