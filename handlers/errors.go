package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
	"helpcenter/views/components"
	"helpcenter/views/layout"
	"helpcenter/views/site"
)

// errorHandler renders every error status as a page (or an htmx fragment)
// and logs what went wrong behind a 5xx with the request id and tenant.
// Visitors see a safe message; the log keeps the detail.
func (h *Handler) errorHandler(err error, c echo.Context) {
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
			message = "There is nothing at this address. Check the link, or start from the home page."
		}
	case errors.Is(err, models.ErrNotFound):
		status, message = http.StatusNotFound, "There is nothing at this address. Check the link, or start from the home page."
	}
	if status >= 500 {
		attrs := []any{"err", err, "path", c.Request().URL.Path, "request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
		if hc, ok := tenantFrom(c); ok {
			attrs = append(attrs, "help_center", hc.ID)
		}
		h.log.Error("request failed", attrs...)
	}
	if isWidgetAPI(c) {
		code := "server_error"
		switch {
		case status == http.StatusNotFound:
			code, message = "not_found", "the widget API has no such endpoint"
		case status < 500:
			code = "bad_request"
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		_ = widgetFail(c, status, code, message)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := http.StatusText(status)
	body := components.ErrorPage(status, title, message)
	if c.Request().Header.Get("HX-Request") == "true" {
		_ = render(c, status, body)
		return
	}
	if _, ok := tenantFrom(c); ok {
		_ = render(c, status, site.Error(site.ErrorPage{Chrome: h.siteChrome(c, title), Status: status, Title: title, Message: message}))
		return
	}
	_ = render(c, status, layout.ErrorDocument(status, title, message))
}

// isWidgetAPI reports whether c is a call of the widget API, which
// answers errors in JSON for the widget and integrators.
func isWidgetAPI(c echo.Context) bool {
	_, site := tenantFrom(c)
	return !site && strings.HasPrefix(c.Request().URL.Path, "/api/widget/")
}
