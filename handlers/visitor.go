package handlers

import (
	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

// visitorFrom returns the signed-in end user of a help-center request.
func visitorFrom(c echo.Context) (*models.User, bool) {
	u, ok := c.Get("visitor").(*models.User)
	return u, ok
}

// visitorRole is the role that decides what this visitor may read: the
// signed-in user's role claim, or viewer for someone not signed in.
func visitorRole(c echo.Context) models.Role {
	if u, ok := visitorFrom(c); ok && u.Role.Valid() {
		return u.Role
	}
	return models.RoleViewer
}
