// Package handlers is helpcenter's HTTP layer, one room per surface:
// console/ (the admin console), site/ (each help center's host),
// widgetapi/ (the embedded widget and its API), demopartner/ (the demo
// partner app), with the shared kit in web/ and every cookie scheme in
// session/. This package only builds them and routes each request to the
// host it is for; routes.go lists every route of every host. The rules of
// who may sign in live in sso/, not here.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/console"
	"helpcenter/handlers/demopartner"
	"helpcenter/handlers/partnerapi"
	"helpcenter/handlers/session"
	"helpcenter/handlers/site"
	"helpcenter/handlers/web"
	"helpcenter/handlers/widgetapi"
	"helpcenter/internal/accounts"
	"helpcenter/internal/adminsso"
	"helpcenter/internal/config"
	"helpcenter/internal/domains"
	"helpcenter/internal/ratelimit"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/views/layout"
)

// Deps is everything the handlers need, built by the composition root.
type Deps struct {
	Config   *config.Config
	Store    *store.Store
	SignIns  sso.Store
	Accounts *accounts.Service
	Keys     secrets.Keys
	Resolver domains.Resolver
	// JWKS serves the keys of JWKS URLs; CheckJWKS fetches one an admin
	// adds. Nil when none may be fetched.
	JWKS      web.JWKS
	CheckJWKS console.JWKSChecker
	Log       *slog.Logger
	Now       func() time.Time
	// Metrics serves GET /metrics on the console host; ObserveRequest
	// hears of every request by host kind ("console" or "site") and route
	// template. Both nil without metrics.
	Metrics        http.Handler
	ObserveRequest func(host, route, method string, status int, d time.Duration)
	// OutboundHTTP makes the console's calls to admins' identity providers
	// (the SSRF-checked client); nil uses http.DefaultClient.
	OutboundHTTP *http.Client
}

// Handler serves the console on the base host and each help center on its
// subdomain or custom domain. The two are separate Echo routers, so a
// console route can never answer on a help center's host or the reverse.
type Handler struct {
	cfg     *config.Config
	store   *store.Store
	log     *slog.Logger
	keys    secrets.Keys
	cookies web.Cookies

	tenants     *web.Cache[string, *models.HelpCenter]
	health      *health
	revocations *session.Revocations

	console *console.Handler
	site    *site.Handler
	widget  *widgetapi.Handler
	partner *partnerapi.Handler
	demo    *demopartner.Handler

	consoleHost, siteHost *echo.Echo
	metrics               http.Handler
}

// New builds the handler tree.
func New(d Deps) *Handler {
	codec := session.NewCodec(d.Keys.CookieHash, d.Keys.CookieBlock)
	cookies := web.Cookies{Secure: d.Config.Secure()}
	h := &Handler{
		cfg: d.Config, store: d.Store, log: d.Log, keys: d.Keys, cookies: cookies,
		tenants:     web.NewCache[string, *models.HelpCenter](d.Now),
		health:      &health{store: d.Store, now: d.Now, log: d.Log},
		revocations: session.NewRevocations(d.Store, d.Now, d.Log),
	}
	keyring := web.Keyring{Store: d.Store, JWKS: d.JWKS, Cache: web.NewKeyCache()}
	h.site = site.New(site.Deps{Limits: d.Config.Limits, ConsoleURL: d.Config.ConsoleURL(), Store: d.Store, SignIns: d.SignIns, Keys: keyring, Codec: codec, Revocations: h.revocations,
		Cookies: cookies, Now: d.Now, Log: d.Log})
	h.console = &console.Handler{Config: d.Config, Store: d.Store, Keys: keyring, Accounts: d.Accounts, Codec: codec, Resolver: d.Resolver, CheckJWKS: d.CheckJWKS,
		Cookies: cookies, Now: d.Now, Log: d.Log, Forget: h.forget,
		ResetLimiter: ratelimit.New(d.Config.Limits.Password.N, d.Config.Limits.Password.Per, d.Now),
		AdminSSO:     adminsso.Flow{HTTP: d.OutboundHTTP}}
	h.widget = &widgetapi.Handler{Store: d.Store, SignIns: d.SignIns, Keys: keyring, Now: d.Now,
		Limiter: ratelimit.New(d.Config.Limits.Widget.N, d.Config.Limits.Widget.Per, d.Now), SiteURL: d.Config.SiteURL}
	h.partner = partnerapi.New(d.Store, d.Now)
	h.demo = &demopartner.Handler{Store: d.Store, Now: d.Now, SiteURL: d.Config.SiteURL}

	router := web.Router{Log: d.Log, Now: d.Now, TrustedProxies: d.Config.TrustedProxies}
	observe := func(host string) func(route, method string, status int, d time.Duration) {
		if d.ObserveRequest == nil {
			return nil
		}
		return func(route, method string, status int, dur time.Duration) {
			d.ObserveRequest(host, route, method, status, dur)
		}
	}
	h.metrics = d.Metrics
	consoleRouter := router
	consoleRouter.Observe = observe("console")
	consoleRouter.Page = func(c echo.Context, status int, title, message string) error {
		return web.Render(c, status, layout.ErrorDocument(status, title, message))
	}
	consoleRouter.API = func(c echo.Context, status int, message string) bool {
		return widgetapi.Error(c, status, message) || partnerapi.Error(c, status, message)
	}
	siteRouter := router
	siteRouter.Observe = observe("site")
	siteRouter.Page = h.site.ErrorPage
	h.consoleHost, h.siteHost = consoleRouter.New(), siteRouter.New()
	h.siteHost.Use(h.resolveTenant)
	h.consoleRoutes(h.consoleHost)
	h.siteRoutes(h.siteHost)
	return h
}

// ConsoleWriteRoutes lists the console host's routes that may change
// something ("METHOD /path"): what the audit test walks.
func (h *Handler) ConsoleWriteRoutes() []string {
	var out []string
	for _, r := range h.consoleHost.Routes() {
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodDelete || r.Method == http.MethodPatch {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// SyncRevocations brings this process's set of revoked visitor sessions up
// to date; the composition root runs it on a ticker.
func (h *Handler) SyncRevocations(ctx context.Context) error { return h.revocations.Sync(ctx) }

// ServeHTTP sends the base host to the console and every other host to the
// help-center router, which resolves the tenant from it. /healthz answers
// on every host, a bare IP included: load balancers probe by address.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" && h.fromTrustedProxy(r) {
		r.Host = strings.TrimSpace(strings.Split(fwd, ",")[0])
	}
	if r.URL.Path == "/healthz" || hostname(r.Host) == h.cfg.BaseHost() {
		h.consoleHost.ServeHTTP(w, r)
		return
	}
	h.siteHost.ServeHTTP(w, r)
}
