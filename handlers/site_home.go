package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/views/layout"
	"helpcenter/views/site"
)

// siteChrome is the help-center frame for this request's visitor.
func (h *Handler) siteChrome(c echo.Context, title string) layout.SiteChrome {
	hc, _ := tenantFrom(c)
	chrome := layout.SiteChrome{Title: title, HelpCenterName: hc.Name}
	if u, ok := visitorFrom(c); ok {
		chrome.VisitorName = u.Name
	}
	return chrome
}

func (h *Handler) siteHome(c echo.Context) error {
	return render(c, http.StatusOK, site.Home(site.HomePage{Chrome: h.siteChrome(c, "Home")}))
}
