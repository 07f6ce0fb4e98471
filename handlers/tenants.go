package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

// lookupTenant resolves a host (already normalised) to its help center.
func (h *Handler) lookupTenant(ctx context.Context, host, sub string, isSub bool) (*models.HelpCenter, error) {
	// The cache holds copies and hands out copies, so no request can
	// change what another one reads; nil records a host with no tenant.
	if hc, found := h.tenants.get(host); found {
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
		h.tenants.put(host, nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cp := *hc
	h.tenants.put(host, &cp)
	return hc, nil
}

// freshTenant re-reads this request's help center from the database. The
// sign-in endpoints use it: a secret, Login URL or Logout URL changed a
// moment ago must apply now, whatever the page cache holds.
func (h *Handler) freshTenant(c echo.Context) (*models.HelpCenter, error) {
	cached, _ := tenantFrom(c)
	hc, err := h.store.HelpCenterByID(c.Request().Context(), cached.ID)
	if err != nil {
		return nil, err
	}
	c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), tenantKey{}, hc)))
	return hc, nil
}

// forgetAfterWrite drops this process's cached view of the admin's help
// center after a console change (settings, visibility, articles,
// categories), so the next page view here reads it fresh. Other processes
// catch up within pageCacheTTL.
func (h *Handler) forgetAfterWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if c.Request().Method == http.MethodPost {
			if a, ok := adminFrom(c); ok {
				h.forgetHelpCenter(a.HelpCenter)
			}
		}
		return err
	}
}

func (h *Handler) forgetHelpCenter(hc *models.HelpCenter) {
	h.tenants.forget(hc.Subdomain + "." + h.cfg.BaseHost())
	if hc.CustomDomain != "" {
		h.tenants.forget(hc.CustomDomain)
	}
	for _, r := range []models.Role{models.RoleViewer, models.RoleEditor, models.RoleAdmin} {
		h.homes.forget(homeKey{hc.ID, r})
	}
}
