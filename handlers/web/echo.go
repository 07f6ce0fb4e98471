package web

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"helpcenter/models"
	"helpcenter/views/components"
)

// Router configures the router a host starts from.
type Router struct {
	Log *slog.Logger
	Now func() time.Time
	// TrustedProxies are the only peers whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// Page renders an error for this host (after ErrorHandler chose the
	// status and the message a person may see).
	Page func(c echo.Context, status int, title, message string) error
	// API, when set, answers errors of requests that want JSON (the widget
	// API) and reports whether c was one; Page is not called for those.
	API func(c echo.Context, status int, message string) bool
	// Observe, when set, hears of every finished request with its route
	// template (the metrics of /metrics).
	Observe func(route, method string, status int, d time.Duration)
}

// New builds a router with the middleware every host shares.
func (r Router) New() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = r.errorHandler
	e.IPExtractor = r.ipExtractor()
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(middleware.RequestID())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ua := req.UserAgent()
			if len(ua) > 300 {
				ua = ua[:300]
			}
			c.SetRequest(req.WithContext(models.WithRequest(req.Context(), models.Request{
				ID: c.Response().Header().Get(echo.HeaderXRequestID), IP: c.RealIP(), UserAgent: ua,
			})))
			return next(c)
		}
	})
	e.Use(r.requestLog)
	e.Use(middleware.BodyLimit("2M"))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			SetSecurityHeaders(c.Response().Header())
			return next(c)
		}
	})
	return e
}

// ipExtractor believes X-Forwarded-For only from the configured proxies.
// Echo's default would take the header from anyone, letting a client pick
// its own IP and step around every per-IP limit.
func (r Router) ipExtractor() echo.IPExtractor {
	if len(r.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range r.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// requestLog writes one structured line per request. It logs the path
// only: a query string may hold a token (/sso/jwt?jwt=…), and tokens are
// never logged.
func (r Router) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := r.Now()
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
			slog.Duration("duration", r.Now().Sub(start)),
			slog.String("ip", c.RealIP()),
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
		}
		if hc, ok := Tenant.Get(c); ok {
			attrs = append(attrs, slog.Int64("help_center", hc.ID))
		}
		r.Log.LogAttrs(req.Context(), level, "request", attrs...)
		if r.Observe != nil {
			r.Observe(c.Path(), req.Method, res.Status, r.Now().Sub(start))
		}
		return nil
	}
}

// NotFoundMessage is what a person sees for any address with nothing at it.
const NotFoundMessage = "There is nothing at this address. Check the link, or start from the home page."

// errorHandler turns every error into a status and a message a person may
// see, and logs what went wrong behind a 5xx with the request id and
// tenant. Visitors see a safe message; the log keeps the detail.
func (r Router) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, message := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok && status < 500 {
			message = m
		} else if status < 500 {
			message = http.StatusText(status)
		}
		if status == http.StatusNotFound {
			message = NotFoundMessage
		}
	case errors.Is(err, models.ErrNotFound):
		status, message = http.StatusNotFound, NotFoundMessage
	}
	if status >= 500 {
		attrs := []any{"err", err, "path", c.Request().URL.Path, "request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
		if hc, ok := Tenant.Get(c); ok {
			attrs = append(attrs, "help_center", hc.ID)
		}
		r.Log.Error("request failed", attrs...)
	}
	if r.API != nil && r.API(c, status, message) {
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := http.StatusText(status)
	if c.Request().Header.Get("HX-Request") == "true" {
		_ = Render(c, status, components.ErrorPage(status, title, message))
		return
	}
	_ = r.Page(c, status, title, message)
}
