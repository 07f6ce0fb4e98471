// Package site is a help center's own host (its subdomain or custom
// domain): the gate that keeps a private help center private, the
// redirect flow's endpoints (/sso/login, /sso/jwt, /logout), the shared
// site password, and the pages visitors read. The tenant is resolved from
// the host before any of it runs (web.Tenant).
package site

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/config"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/layout"
	"helpcenter/views/site"
)

// Store is what a help center's host reads and writes.
type Store interface {
	HelpCenterByID(ctx context.Context, id int64) (*models.HelpCenter, error)
	VisitorSession(ctx context.Context, helpCenterID int64, idHash []byte, now time.Time) (*models.VisitorSession, *models.User, error)
	EndVisitorSession(ctx context.Context, helpCenterID int64, idHash []byte) error
	RevokeSessionsOf(ctx context.Context, helpCenterID int64, externalID, email, actor string) (int, error)
	LogFolded(ctx context.Context, e *models.Event) error
	SaveTesterReport(ctx context.Context, helpCenterID int64, key, report string) (bool, error)
	PublishedArticles(ctx context.Context, helpCenterID int64, v models.Viewer, categoryID *int64) ([]models.Article, error)
	PublishedArticleBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Article, error)
	SearchArticles(ctx context.Context, helpCenterID int64, v models.Viewer, query string, limit int) ([]models.SearchResult, error)
	VisibleCategories(ctx context.Context, helpCenterID int64, v models.Viewer) ([]models.Category, error)
	Category(ctx context.Context, helpCenterID, id int64) (*models.Category, error)
	VisibleCategoryBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Category, error)
	User(ctx context.Context, helpCenterID, id int64) (*models.User, error)
}

// Deps is what the help-center host is built from.
type Deps struct {
	Limits config.Limits
	// ConsoleURL is where a Test sign-in's report is shown.
	ConsoleURL  string
	Store       Store
	SignIns     sso.Store
	Keys        web.Keyring
	Codec       *session.Codec
	Revocations *session.Revocations
	Cookies     web.Cookies
	Now         func() time.Time
	Log         *slog.Logger
}

// Handler serves every help center's host.
type Handler struct {
	Deps
	// Per-client-IP limits of HELPCENTER_LIMITS (per process; see
	// internal/ratelimit). They count failures only (SPEC section 3).
	SSOLimiter, GateLimiter, PasswordLimiter *ratelimit.Limiter

	homes     *web.Cache[homeKey, []site.Section]
	homeLoads singleflight.Group
	// profiles holds signed-in visitors' user rows (groups, email, custom
	// fields) for PageCacheTTL: the cookie carries only role and name.
	profiles *web.Cache[int64, *profile]
}

// New builds the help-center host.
func New(d Deps) *Handler {
	return &Handler{
		Deps:            d,
		SSOLimiter:      ratelimit.New(d.Limits.SSO.N, d.Limits.SSO.Per, d.Now),
		GateLimiter:     ratelimit.New(d.Limits.Gate.N, d.Limits.Gate.Per, d.Now),
		PasswordLimiter: ratelimit.New(d.Limits.Password.N, d.Limits.Password.Per, d.Now),
		homes:           web.NewCache[homeKey, []site.Section](d.Now),
		profiles:        web.NewCache[int64, *profile](d.Now),
	}
}

// Forget drops what this process cached of the help center's pages, after
// a console change, so the next page view here reads it fresh.
func (h *Handler) Forget(helpCenterID int64) {
	h.homes.ForgetWhere(func(k homeKey) bool { return k.helpCenterID == helpCenterID })
}

// freshTenant re-reads this request's help center from the database. The
// sign-in endpoints use it: a secret, Login URL or Logout URL changed a
// moment ago must apply now, whatever the page cache holds.
func (h *Handler) freshTenant(c echo.Context) (*models.HelpCenter, error) {
	cached, _ := web.Tenant.Get(c)
	hc, err := h.Store.HelpCenterByID(c.Request().Context(), cached.ID)
	if err != nil {
		return nil, err
	}
	web.Tenant.Set(c, hc)
	return hc, nil
}

// ErrorPage renders an error in the help center's frame.
func (h *Handler) ErrorPage(c echo.Context, status int, title, message string) error {
	return web.Render(c, status, site.Error(site.ErrorPage{Chrome: h.siteChrome(c, title), Status: status, Title: title, Message: message}))
}

// siteChrome is the help-center frame for this request's visitor.
func (h *Handler) siteChrome(c echo.Context, title string) layout.SiteChrome {
	hc, _ := web.Tenant.Get(c)
	chrome := layout.SiteChrome{Title: title, HelpCenterName: hc.Name}
	if u, ok := theVisitor.Get(c); ok {
		chrome.VisitorName = u.Name
	}
	return chrome
}

// Robots is /robots.txt: a public help center may be indexed, no other.
func Robots(c echo.Context) error {
	body := "User-agent: *\nDisallow: /\n"
	if hc, ok := web.Tenant.Get(c); ok && hc.Visibility == models.VisibilityPublic {
		body = "User-agent: *\nAllow: /\n"
	}
	return c.String(http.StatusOK, body)
}
