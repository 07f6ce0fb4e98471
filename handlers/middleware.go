package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// newEcho builds a router with the middleware both hosts share.
func (h *Handler) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.errorHandler
	e.IPExtractor = h.ipExtractor()
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(middleware.RequestID())
	e.Use(h.requestLog)
	e.Use(middleware.BodyLimit("2M"))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			setSecurityHeaders(c.Response().Header())
			return next(c)
		}
	})
	return e
}

// ipExtractor believes X-Forwarded-For only from the configured proxies.
// Echo's default would take the header from anyone, letting a client pick
// its own IP and step around every per-IP limit.
func (h *Handler) ipExtractor() echo.IPExtractor {
	if len(h.cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range h.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// contentSecurityPolicy allows only our own scripts and styles; htmx runs
// under it because it is served from /static and evaluates nothing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

func setSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// requestLog writes one structured line per request. It logs the path
// only: a query string may hold a token (/sso/jwt?jwt=…), and tokens are
// never logged.
func (h *Handler) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := h.now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		level := slog.LevelInfo
		if res.Status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("host", req.Host),
			slog.String("path", req.URL.Path),
			slog.Int("status", res.Status),
			slog.Duration("duration", time.Duration(h.now().Sub(start))),
			slog.String("ip", c.RealIP()),
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
		}
		if hc, ok := tenantFrom(c); ok {
			attrs = append(attrs, slog.Int64("help_center", hc.ID))
		}
		h.log.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

// csrfMiddleware checks a token on every state-changing request: from the
// form field _csrf, or the X-CSRF-Token header that htmx sends.
func (h *Handler) csrfMiddleware(skip func(echo.Context) bool) echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        func(c echo.Context) bool { return skip != nil && skip(c) },
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		ContextKey:     "csrf",
		CookieName:     "hc_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   h.cfg.Secure(),
		CookieSameSite: http.SameSiteLaxMode,
		CookieMaxAge:   12 * 3600,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden,
				"This form has expired or was sent from another site. Go back, reload the page and try again.").SetInternal(err)
		},
	})
}

// csrfToken is the token to embed in this request's forms.
func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}
