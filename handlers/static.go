package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/static"
)

// staticRoutes are served on every host and never gated (SPEC section 3).
func staticRoutes(e *echo.Echo) {
	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
	e.GET("/favicon.ico", func(c echo.Context) error {
		b, err := static.File("favicon.svg")
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		return c.Blob(http.StatusOK, "image/svg+xml", b)
	})
}
