package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/models"
)

// tenantCacheTTL is how long a page view may use a help center's settings
// read by an earlier request of this process. Settings changes (name,
// visibility, site password) reach page views within it; the sign-in
// endpoints always read the row fresh, so a regenerated secret or a new
// Login URL applies on the very next sign-in, in every process.
const tenantCacheTTL = time.Second

// tenantCacheMax bounds the cache: requests for random hosts (cached as
// absent) must not grow it without end.
const tenantCacheMax = 10000

// tenantCache maps a normalised host to its help center (nil: none).
type tenantCache struct {
	mu  sync.RWMutex
	m   map[string]tenantEntry
	now func() time.Time
}

type tenantEntry struct {
	hc    *models.HelpCenter
	until time.Time
}

func newTenantCache(now func() time.Time) *tenantCache {
	return &tenantCache{m: map[string]tenantEntry{}, now: now}
}

// get returns a copy of the cached help center, so no request can change
// what another one reads.
func (tc *tenantCache) get(host string) (hc *models.HelpCenter, found bool) {
	tc.mu.RLock()
	e, ok := tc.m[host]
	tc.mu.RUnlock()
	if !ok || tc.now().After(e.until) {
		return nil, false
	}
	if e.hc == nil {
		return nil, true
	}
	cp := *e.hc
	return &cp, true
}

func (tc *tenantCache) put(host string, hc *models.HelpCenter) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= tenantCacheMax {
		clear(tc.m)
	}
	var stored *models.HelpCenter
	if hc != nil {
		cp := *hc
		stored = &cp
	}
	tc.m[host] = tenantEntry{hc: stored, until: tc.now().Add(tenantCacheTTL)}
}

// lookupTenant resolves a host (already normalised) to its help center.
func (h *Handler) lookupTenant(ctx context.Context, host, sub string, isSub bool) (*models.HelpCenter, error) {
	if hc, found := h.tenants.get(host); found {
		return hc, nil
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
	h.tenants.put(host, hc)
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
