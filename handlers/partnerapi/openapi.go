package partnerapi

import (
	_ "embed"
	"net/http"

	"helpcenter/models"

	"github.com/labstack/echo/v4"
)

// openAPI describes the API; a test holds it to the routes.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI serves the description (no key needed: it holds no data).
func OpenAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", openAPI)
}

// Routes adds the API to g (the /api/v1 group): the one list the
// OpenAPI test compares with the description.
func (h *Handler) Routes(g *echo.Group) {
	g.GET("/openapi.json", OpenAPI)
	k := g.Group("", h.Auth)
	k.GET("/users/:external_id", h.GetUser, Need(models.ScopeUsersRead))
	k.PUT("/users/:external_id", h.PutUser, Need(models.ScopeUsersWrite))
	k.DELETE("/users/:external_id", h.DeleteUser, Need(models.ScopeUsersWrite))
	k.POST("/users/revoke-sessions", h.RevokeSessions, Need(models.ScopeSessionsRevoke))
	k.GET("/events", h.Events, Need(models.ScopeLogsRead))
}
