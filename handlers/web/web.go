// Package web is the small kit every HTTP surface shares: typed
// per-request values, rendering, the one error handler, security headers,
// cookies, CSRF, Retry-After and the router every host starts from. It
// knows nothing of any one surface.
package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

// Key is a typed per-request value: every surface stores what it resolved
// (the tenant, the signed-in admin, the visitor) through one of these, so
// there is one mechanism and no untyped lookups.
type Key[T any] struct{ name string }

// NewKey names a per-request value.
func NewKey[T any](name string) Key[T] { return Key[T]{name: name} }

// Set stores v for this request.
func (k Key[T]) Set(c echo.Context, v T) { c.Set(k.name, v) }

// Get returns this request's value, if set.
func (k Key[T]) Get(c echo.Context) (T, bool) {
	v, ok := c.Get(k.name).(T)
	return v, ok
}

// Tenant is the help center a request of a help-center host is for,
// resolved from the host before any route runs.
var Tenant = NewKey[*models.HelpCenter]("tenant")

// APIError is the JSON body of every error of a JSON endpoint (the widget
// API, the console's preview token). Error is a reason code of SPEC
// section 4 for a rejected token, or a code of the API (missing_token,
// unknown_app_id, not_found, rate_limited…).
type APIError struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

// DateFormat is how the console and the help centers show dates.
const DateFormat = "January 2, 2006"

// Render buffers a component and writes it with status, so a template
// error becomes a clean 500 instead of half a page.
func Render(c echo.Context, status int, component templ.Component) error {
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// Redirect answers a form post with 303 See Other, so a reload does not
// re-submit.
func Redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}

// SetRetryAfter sets Retry-After to wait, rounded up to whole seconds and
// at least 1, and returns the seconds for the message that goes with it.
func SetRetryAfter(c echo.Context, wait time.Duration) int {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// NoStore marks the answer as never to be cached.
func NoStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }

// contentSecurityPolicy allows only our own scripts and styles; htmx runs
// under it because it is served from /static and evaluates nothing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// SetSecurityHeaders sets the headers every answer of every host carries.
func SetSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// Cookies writes cookies with every option explicit: host-only (no
// Domain, so a help center on a subdomain never sees the console's),
// HttpOnly, SameSite=Lax, Secure on https — and, on https, with the
// __Host- prefix, which browsers accept only from the host itself, so a
// sibling subdomain cannot plant one.
type Cookies struct{ Secure bool }

// Name is the name the browser sees for the cookie name.
func (k Cookies) Name(name string) string {
	if k.Secure {
		return "__Host-" + name
	}
	return name
}

// Set writes the cookie name for maxAge seconds.
func (k Cookies) Set(c echo.Context, name, value string, maxAge int) {
	http.SetCookie(c.Response(), &http.Cookie{
		Name:     k.Name(name),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   k.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// Clear deletes the cookie name.
func (k Cookies) Clear(c echo.Context, name string) { k.Set(c, name, "", -1) }

// Read returns the cookie's value, "" when absent.
func (k Cookies) Read(c echo.Context, name string) string {
	ck, err := c.Cookie(k.Name(name))
	if err != nil {
		return ""
	}
	return ck.Value
}
