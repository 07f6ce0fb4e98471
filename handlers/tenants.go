package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
)

// resolveTenant finds the help center a host belongs to — one label under
// the base host, or a custom domain — before any route of the help-center
// router runs. A host that is neither gets a plain 404.
func (h *Handler) resolveTenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		host := hostname(c.Request().Host)
		if host == "" {
			return unknownHost(c)
		}
		sub, isSub := strings.CutSuffix(host, "."+h.cfg.BaseHost())
		// Exactly one label: "x.acme.<base>" is not acme's host.
		if isSub && strings.Contains(sub, ".") {
			return unknownHost(c)
		}
		hc, err := h.lookupTenant(c.Request().Context(), host, sub, isSub)
		if err != nil {
			h.log.Error("resolve tenant", "host", host, "err", err)
			web.NoStore(c)
			return c.String(http.StatusServiceUnavailable, "Database error.")
		}
		if hc == nil {
			return unknownHost(c)
		}
		// A verified custom domain is the canonical host: the subdomain
		// sends everything there, POST bodies too (308), so a partner
		// still signing for the subdomain lands where the key was issued.
		if isSub && hc.CanonicalDomain() != "" {
			web.NoStore(c)
			return c.Redirect(http.StatusPermanentRedirect, h.cfg.SiteURL(hc)+c.Request().URL.RequestURI())
		}
		web.Tenant.Set(c, hc)
		return next(c)
	}
}

// lookupTenant resolves a host (already normalised) to its help center.
func (h *Handler) lookupTenant(ctx context.Context, host, sub string, isSub bool) (*models.HelpCenter, error) {
	// The cache holds copies and hands out copies, so no request can
	// change what another one reads; nil records a host with no tenant.
	if hc, found := h.tenants.Get(host); found {
		if hc == nil {
			return nil, nil
		}
		cp := *hc
		return &cp, nil
	}
	var hc *models.HelpCenter
	var err error
	if isSub {
		hc, err = h.store.HelpCenterBySubdomain(ctx, sub)
	} else {
		hc, err = h.store.HelpCenterByCustomDomain(ctx, host)
	}
	if errors.Is(err, models.ErrNotFound) {
		h.tenants.Put(host, nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cp := *hc
	h.tenants.Put(host, &cp)
	return hc, nil
}

// forget drops this process's cached view of a help center — its hosts
// and its pages — after a console change.
func (h *Handler) forget(hc *models.HelpCenter) {
	h.tenants.Forget(hc.Subdomain + "." + h.cfg.BaseHost())
	if hc.CustomDomain != "" {
		h.tenants.Forget(hc.CustomDomain)
	}
	h.site.Forget(hc.ID)
}

// unknownHost answers a host that is neither the console nor a help center.
func unknownHost(c echo.Context) error {
	web.NoStore(c)
	return c.String(http.StatusNotFound, "404 Not Found: no help center lives at this address.\n")
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
