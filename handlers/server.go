// Package handlers is helpcenter's HTTP layer: it binds requests, calls
// the services and the store, and renders views. The rules of who may sign
// in live in sso/, not here.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/internal/ratelimit"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// Deps is everything the handlers need, built by main.
type Deps struct {
	Config   *config.Config
	Store    *store.Store
	SignIns  sso.Store
	Accounts *accounts.Service
	Keys     secrets.Keys
	Log      *slog.Logger
	Now      func() time.Time
}

// Handler serves the console on the base host and each help center on its
// subdomain or custom domain. The two are separate Echo routers, so a
// console route can never answer on a help center's host or the reverse.
type Handler struct {
	cfg      *config.Config
	store    *store.Store
	signIns  sso.Store
	accounts *accounts.Service
	log      *slog.Logger
	now      func() time.Time
	cookies  *securecookie.SecureCookie

	// Per-IP abuse limits of the help-center hosts (per process; see
	// internal/ratelimit).
	ssoLimiter, gateLimiter, passwordLimiter *ratelimit.Limiter
	// Per-IP limit of the widget API on the console host.
	widgetLimiter *ratelimit.Limiter

	tenants     *ttlCache[string, *models.HelpCenter]
	homes       *ttlCache[homeKey, homeListing]
	revocations *revocations

	console, site *echo.Echo
}

// New builds the handler tree.
func New(d Deps) *Handler {
	h := &Handler{
		cfg:      d.Config,
		store:    d.Store,
		signIns:  d.SignIns,
		accounts: d.Accounts,
		log:      d.Log,
		now:      d.Now,
		cookies:  securecookie.New(d.Keys.CookieHash, d.Keys.CookieBlock),
		// Generous for people (a sign-in is one request), tight for scripts.
		ssoLimiter:      ratelimit.New(30, time.Minute, d.Now),
		gateLimiter:     ratelimit.New(60, time.Minute, d.Now),
		passwordLimiter: ratelimit.New(10, time.Minute, d.Now),
		tenants:         newTTLCache[string, *models.HelpCenter](d.Now),
		homes:           newTTLCache[homeKey, homeListing](d.Now),
		revocations:     newRevocations(),
		// A widget calls on every list, search pause and article.
		widgetLimiter: ratelimit.New(120, time.Minute, d.Now),
	}
	// Cookie values are raw random ids; skip gob so decoding stays cheap.
	h.cookies.SetSerializer(securecookie.NopEncoder{})
	h.cookies.MaxAge(0)
	h.console = h.newEcho()
	h.site = h.newEcho()
	h.consoleRoutes(h.console)
	h.siteRoutes(h.site)
	return h
}

// ServeHTTP resolves the tenant from the host and dispatches.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" && h.fromTrustedProxy(r) {
		r.Host = strings.TrimSpace(strings.Split(fwd, ",")[0])
	}
	host := hostname(r.Host)
	base := h.cfg.BaseHost()
	switch {
	case host == base:
		h.console.ServeHTTP(w, r)
		return
	case host == "":
	default:
		sub, isSub := strings.CutSuffix(host, "."+base)
		// Exactly one label: "x.acme.<base>" is not acme's host.
		if isSub && strings.Contains(sub, ".") {
			break
		}
		hc, err := h.lookupTenant(r.Context(), host, sub, isSub)
		if hc != nil {
			h.site.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, hc)))
			return
		}
		if err != nil {
			h.log.Error("resolve tenant", "host", host, "err", err)
			http.Error(w, "Database error.", http.StatusServiceUnavailable)
			return
		}
	}
	h.unknownHost(w, r)
}

// hostname lower-cases the host, drops the port and one trailing dot, and
// returns "" for anything that is not a DNS name, so capitals or a trailing
// dot reach the same site as the plain name and nothing else does.
func hostname(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return models.NormalizeHost(host)
}

// fromTrustedProxy reports whether the direct peer is a configured proxy.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	if len(h.cfg.TrustedProxies) == 0 {
		return false
	}
	ipStr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ipStr = r.RemoteAddr
	}
	ip := net.ParseIP(ipStr)
	for _, n := range h.cfg.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// tenantKey carries the resolved help center in the request context.
type tenantKey struct{}

// tenantFrom returns the help center this request is for (site routes only).
func tenantFrom(c echo.Context) (*models.HelpCenter, bool) {
	hc, ok := c.Request().Context().Value(tenantKey{}).(*models.HelpCenter)
	return hc, ok
}

// unknownHost answers a host that is neither the console nor a help center.
func (h *Handler) unknownHost(w http.ResponseWriter, _ *http.Request) {
	setSecurityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 Not Found: no help center lives at this address.\n"))
}
