// Package widgetapi is the widget surface (SPEC section 8): /js/init.js and
// the JSON API the embedded widget calls from partners' pages,
// cross-origin, authenticated by the partner's JWT on every call and never
// by a cookie.
package widgetapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/markdown"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/sso"
)

// Store is what the widget API reads.
type Store interface {
	HelpCenterByPublicID(ctx context.Context, publicID string) (*models.HelpCenter, error)
	WidgetOriginAllowed(ctx context.Context, helpCenterID int64, origin string) (bool, error)
	LogFolded(ctx context.Context, e *models.Event) error
	PublishedArticles(ctx context.Context, helpCenterID int64, v models.Viewer, categoryID *int64) ([]models.Article, error)
	PublishedArticleBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Article, error)
	SearchArticles(ctx context.Context, helpCenterID int64, v models.Viewer, query string, limit int) ([]models.SearchResult, error)
	VisibleCategories(ctx context.Context, helpCenterID int64, v models.Viewer) ([]models.Category, error)
	VisibleCategoryBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Category, error)
	Category(ctx context.Context, helpCenterID, id int64) (*models.Category, error)
}

// Handler serves the widget surface.
type Handler struct {
	Store   Store
	SignIns sso.Store
	Keys    web.Keyring
	Now     func() time.Time
	// Limiter is the per-client-IP limit of rejected calls.
	Limiter *ratelimit.Limiter
	// SiteURL is the address of a help center on its canonical host.
	SiteURL func(*models.HelpCenter) string
}

// The widget API (SPEC section 8) answers the embedded widget on the
// partner's pages: cross-origin, authenticated by the partner's JWT on
// every call, never by a cookie. Its middleware runs in this order:
// CORS (resolve app_id, CORS headers, preflights), RateLimit,
// Auth (checks 0–11 and 14).

const (
	// widgetInstanceHeader carries the widget's random id per page load.
	widgetInstanceHeader = "X-Widget-Instance"
	// widgetPreflightMaxAge is how long a browser may cache a preflight.
	widgetPreflightMaxAge = "600"
	// widgetSearchLimit is the most search results one call returns.
	widgetSearchLimit = 20
	// widgetMaxQuery is the longest search query read, in characters.
	widgetMaxQuery = 200
)

func widgetFail(c echo.Context, status int, code, detail string) error {
	return c.JSON(status, web.APIError{Error: code, Detail: detail})
}

// widgetCall is what the middleware established about a widget call.
type widgetCall struct {
	HelpCenter *models.HelpCenter
	// Viewer is the accepted token's role and groups: what the visitor
	// may read; Reader is who personalised text is for.
	Viewer models.Viewer
	Reader markdown.Reader
}

// theCall holds the call's help center and, after Auth, the visitor's role.
var theCall = web.NewKey[*widgetCall]("widget_call")

// CORS resolves app_id to its help center and applies that help
// center's CORS policy to every answer, errors included: an allowed
// origin (exact match) is echoed in Access-Control-Allow-Origin, any other
// origin gets no CORS header at all, so the browser keeps the answer from
// the page. No Access-Control-Allow-Credentials: the API never reads a
// cookie. A preflight is answered here and goes no further.
func (h *Handler) CORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, hdr := c.Request(), c.Response().Header()
		hdr.Set("Cache-Control", "no-store")
		hdr.Add("Vary", "Origin")
		ctx := req.Context()
		hc, err := h.Store.HelpCenterByPublicID(ctx, c.QueryParam("app_id"))
		if errors.Is(err, models.ErrNotFound) {
			return widgetFail(c, http.StatusNotFound, "unknown_app_id",
				"no help center has this app_id; copy the snippet from Settings → Widget in the console")
		}
		if err != nil {
			return err
		}
		allowed := false
		if origin := req.Header.Get("Origin"); origin != "" {
			if allowed, err = h.Store.WidgetOriginAllowed(ctx, hc.ID, origin); err != nil {
				return err
			}
			if allowed {
				hdr.Set("Access-Control-Allow-Origin", origin)
			} else if err := h.Store.LogFolded(ctx, sso.RefusalEvent(true, hc.ID, web.Browser(c, ""), h.Now(), sso.ReasonOriginNotAllowed,
				"a call from "+strconv.Quote(clipOrigin(origin))+", which is not an allowed widget origin")); err != nil {
				return err
			}
		}
		if req.Method == http.MethodOptions {
			if allowed {
				hdr.Set("Access-Control-Allow-Methods", "GET, POST")
				hdr.Set("Access-Control-Allow-Headers", "Authorization, "+widgetInstanceHeader)
				hdr.Set("Access-Control-Max-Age", widgetPreflightMaxAge)
			}
			return c.NoContent(http.StatusNoContent)
		}
		theCall.Set(c, &widgetCall{HelpCenter: hc})
		return next(c)
	}
}

// Auth checks the partner's token on every call (sso.WidgetCall).
// Every rejection is 401 with WWW-Authenticate: Bearer
// error="invalid_token" and the reason as JSON. The per-address limit
// counts rejections only and never refuses a token that verifies (SPEC
// section 3): past it, a call whose token fails is 429 with a
// rate_limited row.
func (h *Handler) Auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		call, _ := theCall.Get(c)
		hc := call.HelpCenter
		req := c.Request()
		token, ok := bearerToken(req.Header.Get("Authorization"))
		if !ok {
			// RFC 6750 section 3.1: a request without credentials gets the
			// challenge without an error code. Nothing was presented, so
			// there is nothing to log either.
			c.Response().Header().Set("WWW-Authenticate", "Bearer")
			return widgetFail(c, http.StatusUnauthorized, "missing_token",
				"send the partner's JWT in an Authorization: Bearer header")
		}
		now := h.Now()
		center, err := h.Keys.SignInCenter(req.Context(), hc, now)
		if err != nil {
			return err
		}
		client := ratelimit.ClientKey(c.RealIP())
		if over, retry := h.Limiter.Over(client); over {
			if _, rej := sso.Verify(token, center.Settings, now); rej != nil {
				secs := web.SetRetryAfter(c, retry)
				detail := "too many rejected calls from this address; try again in " + strconv.Itoa(secs) + " s"
				if err := h.Store.LogFolded(req.Context(), sso.RefusalEvent(true, hc.ID, web.Browser(c, ""), now, sso.ReasonRateLimited, detail)); err != nil {
					return err
				}
				return widgetFail(c, http.StatusTooManyRequests, string(sso.ReasonRateLimited), detail)
			}
		}
		out, err := sso.WidgetCall(req.Context(), h.SignIns, center, web.Browser(c, ""), token, req.Header.Get(widgetInstanceHeader), now)
		if err != nil {
			// Fail closed: no answer but a server error.
			return err
		}
		if out.Rejection != nil {
			h.Limiter.Add(client)
			return widgetReject(c, out.Rejection)
		}
		cl := out.Claims
		call.Viewer = models.Viewer{Role: cl.Role, Groups: cl.Groups}
		call.Reader = markdown.Reader{Name: cl.Name, Email: cl.Email, Custom: cl.CustomFields, Groups: cl.Groups}
		return next(c)
	}
}

// bearerToken reads an Authorization: Bearer header (the scheme is
// case-insensitive, RFC 7235). Any other scheme, or an empty token, counts
// as no token.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// widgetReject answers a rejected token. Every rejection on this surface is
// 401, user_banned included: the widget must treat them alike.
func widgetReject(c echo.Context, rej *sso.Rejection) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	return widgetFail(c, http.StatusUnauthorized, string(rej.Reason), rej.Detail)
}

// widgetCategory is a category as the widget shows it.
type widgetCategory struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// widgetArticleSummary is one entry of a list.
type widgetArticleSummary struct {
	Slug      string          `json:"slug"`
	Title     string          `json:"title"`
	Category  *widgetCategory `json:"category"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// widgetArticleList is the answer of GET /articles.
type widgetArticleList struct {
	HelpCenter struct {
		Name string `json:"name"`
	} `json:"help_center"`
	// Categories are those with at least one article the visitor may read.
	Categories []widgetCategory       `json:"categories"`
	Articles   []widgetArticleSummary `json:"articles"`
}

// Articles lists the articles the visitor may read, optionally of one
// category (?category=<slug>); an unknown category is a 404.
func (h *Handler) Articles(c echo.Context) error {
	call, _ := theCall.Get(c)
	ctx := c.Request().Context()
	hcID := call.HelpCenter.ID
	articles, err := h.Store.PublishedArticles(ctx, hcID, call.Viewer, nil)
	if err != nil {
		return err
	}
	cats, err := h.categoryIndex(c, hcID, call.Viewer)
	if err != nil {
		return err
	}
	var only *int64
	if slug := c.QueryParam("category"); slug != "" {
		cat, err := h.Store.VisibleCategoryBySlug(ctx, hcID, call.Viewer, slug)
		if errors.Is(err, models.ErrNotFound) {
			return widgetFail(c, http.StatusNotFound, "not_found", "this help center has no category with that slug")
		}
		if err != nil {
			return err
		}
		only = &cat.ID
	}
	out := widgetArticleList{Categories: []widgetCategory{}, Articles: []widgetArticleSummary{}}
	out.HelpCenter.Name = call.HelpCenter.Name
	withArticles := map[int64]bool{}
	for _, a := range articles {
		if a.CategoryID != nil {
			withArticles[*a.CategoryID] = true
		}
		if only != nil && (a.CategoryID == nil || *a.CategoryID != *only) {
			continue
		}
		out.Articles = append(out.Articles, widgetArticleSummary{
			Slug: a.Slug, Title: a.Title, Category: cats.of(a.CategoryID), UpdatedAt: a.UpdatedAt.UTC(),
		})
	}
	for _, cat := range cats.list {
		if withArticles[cat.ID] {
			out.Categories = append(out.Categories, widgetCategory{Slug: cat.Slug, Name: cat.Name})
		}
	}
	return c.JSON(http.StatusOK, out)
}

// categoryIndex holds a help center's categories, in their order.
type categoryIndex struct {
	list []models.Category
	byID map[int64]*models.Category
}

func (h *Handler) categoryIndex(c echo.Context, helpCenterID int64, v models.Viewer) (categoryIndex, error) {
	list, err := h.Store.VisibleCategories(c.Request().Context(), helpCenterID, v)
	idx := categoryIndex{list: list, byID: map[int64]*models.Category{}}
	for i := range list {
		idx.byID[list[i].ID] = &list[i]
	}
	return idx, err
}

func (ci categoryIndex) of(id *int64) *widgetCategory {
	if id == nil || ci.byID[*id] == nil {
		return nil
	}
	cat := ci.byID[*id]
	return &widgetCategory{Slug: cat.Slug, Name: cat.Name}
}

// widgetSearchHit is one search result; the snippet is plain text in
// pieces, Hit marking the matched words, so the widget never renders
// markup it did not build.
type widgetSearchHit struct {
	Slug     string           `json:"slug"`
	Title    string           `json:"title"`
	Category string           `json:"category"`
	Snippet  []widgetFragment `json:"snippet"`
}

type widgetFragment struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit"`
}

type widgetSearchResults struct {
	Query   string            `json:"query"`
	Results []widgetSearchHit `json:"results"`
}

// Search searches the articles the visitor may read (?q=).
func (h *Handler) Search(c echo.Context) error {
	call, _ := theCall.Get(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q) > widgetMaxQuery {
		q = string([]rune(q)[:widgetMaxQuery])
	}
	out := widgetSearchResults{Query: q, Results: []widgetSearchHit{}}
	if q != "" {
		results, err := h.Store.SearchArticles(c.Request().Context(), call.HelpCenter.ID, call.Viewer, q, widgetSearchLimit)
		if err != nil {
			return err
		}
		for _, r := range results {
			hit := widgetSearchHit{Slug: r.Article.Slug, Title: r.Article.Title, Category: r.CategoryName, Snippet: []widgetFragment{}}
			for _, f := range r.Snippet {
				hit.Snippet = append(hit.Snippet, widgetFragment{Text: f.Text, Hit: f.Hit})
			}
			out.Results = append(out.Results, hit)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// widgetArticleBody is the answer of GET /articles/<slug>. HTML is the
// sanitised rendering of the Markdown body, as on the help center.
type widgetArticleBody struct {
	Slug      string          `json:"slug"`
	Title     string          `json:"title"`
	Category  *widgetCategory `json:"category"`
	UpdatedAt time.Time       `json:"updated_at"`
	HTML      string          `json:"html"`
	// URL is the article's page on the help center; the widget resolves
	// the body's relative links against it.
	URL string `json:"url"`
}

// Article returns one article. A draft, or one beyond the visitor's
// role, is a 404 like a missing one, so its existence does not leak.
func (h *Handler) Article(c echo.Context) error {
	call, _ := theCall.Get(c)
	ctx := c.Request().Context()
	hcID := call.HelpCenter.ID
	a, err := h.Store.PublishedArticleBySlug(ctx, hcID, call.Viewer, c.Param("slug"))
	if errors.Is(err, models.ErrNotFound) {
		return widgetFail(c, http.StatusNotFound, "not_found", "no article with this slug that you may read")
	}
	if err != nil {
		return err
	}
	out := widgetArticleBody{Slug: a.Slug, Title: a.Title, UpdatedAt: a.UpdatedAt.UTC(), HTML: string(markdown.HTMLFor(a.Body, call.Reader)),
		URL: h.SiteURL(call.HelpCenter) + "/articles/" + url.PathEscape(a.Slug)}
	if a.CategoryID != nil {
		cat, err := h.Store.Category(ctx, hcID, *a.CategoryID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if cat != nil {
			out.Category = &widgetCategory{Slug: cat.Slug, Name: cat.Name}
		}
	}
	return c.JSON(http.StatusOK, out)
}

// clipOrigin keeps a client-sent Origin header to a sensible length for a
// detail.
func clipOrigin(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// OriginCheck is /api/widget/v1/origin.js?app_id=…&origin=…: a script that
// tells the widget whether its page's origin is allowed. A page that is
// not allowed cannot read any API answer (no CORS header), so without
// this the widget could only say "network error"; a script needs no
// CORS. It reveals what CORS reveals anyway: whether one origin is
// allowed for a public app_id.
func (h *Handler) OriginCheck(c echo.Context) error {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	allowed := false
	hc, err := h.Store.HelpCenterByPublicID(c.Request().Context(), c.QueryParam("app_id"))
	switch {
	case err == nil:
		if allowed, err = h.Store.WidgetOriginAllowed(c.Request().Context(), hc.ID, c.QueryParam("origin")); err != nil {
			return err
		}
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8",
		[]byte("window.__hcOriginAllowed&&window.__hcOriginAllowed("+strconv.FormatBool(allowed)+");\n"))
}

// Error answers an error of a widget API call in the API's JSON, for the
// integrators who read it, and reports whether c was one.
func Error(c echo.Context, status int, message string) bool {
	if !strings.HasPrefix(c.Request().URL.Path, "/api/widget/") {
		return false
	}
	code := "server_error"
	switch {
	case status == http.StatusNotFound:
		code, message = "not_found", "the widget API has no such endpoint"
	case status < 500:
		code = "bad_request"
	}
	web.NoStore(c)
	_ = widgetFail(c, status, code, message)
	return true
}
