package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/markdown"
	"helpcenter/models"
	"helpcenter/sso"
)

// The widget API (SPEC section 8) answers the embedded widget on the
// partner's pages: cross-origin, authenticated by the partner's JWT on
// every call, never by a cookie. Its middleware runs in this order:
// widgetCORS (resolve app_id, CORS headers, preflights), widgetRateLimit,
// widgetAuth (checks 0–11 and 14).

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

// widgetError is the JSON body of every error of the widget API. Error is a
// reason code of SPEC section 4 for a rejected token, or a code of this
// API (missing_token, unknown_app_id, not_found, rate_limited…).
type widgetError struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

func widgetFail(c echo.Context, status int, code, detail string) error {
	return c.JSON(status, widgetError{Error: code, Detail: detail})
}

// widgetCall is what the middleware established about a widget call.
type widgetCall struct {
	HelpCenter *models.HelpCenter
	// Role is the role claim of the accepted token (viewer when absent).
	Role models.Role
}

const widgetCallKey = "widget_call"

// widgetCallFrom returns the call's help center and, after widgetAuth, the
// visitor's role.
func widgetCallFrom(c echo.Context) (*widgetCall, bool) {
	w, ok := c.Get(widgetCallKey).(*widgetCall)
	return w, ok
}

// widgetCORS resolves app_id to its help center and applies that help
// center's CORS policy to every answer, errors included: an allowed
// origin (exact match) is echoed in Access-Control-Allow-Origin, any other
// origin gets no CORS header at all, so the browser keeps the answer from
// the page. No Access-Control-Allow-Credentials: the API never reads a
// cookie. A preflight is answered here and goes no further.
func (h *Handler) widgetCORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, hdr := c.Request(), c.Response().Header()
		hdr.Set("Cache-Control", "no-store")
		hdr.Add("Vary", "Origin")
		ctx := req.Context()
		hc, err := h.store.HelpCenterByPublicID(ctx, c.QueryParam("app_id"))
		if errors.Is(err, models.ErrNotFound) {
			return widgetFail(c, http.StatusNotFound, "unknown_app_id",
				"no help center has this app_id; copy the snippet from Settings → Widget in the console")
		}
		if err != nil {
			return err
		}
		allowed := false
		if origin := req.Header.Get("Origin"); origin != "" {
			if allowed, err = h.store.WidgetOriginAllowed(ctx, hc.ID, origin); err != nil {
				return err
			}
			if allowed {
				hdr.Set("Access-Control-Allow-Origin", origin)
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
		c.Set(widgetCallKey, &widgetCall{HelpCenter: hc})
		return next(c)
	}
}

// widgetRateLimit allows each IP a generous number of calls: a widget makes
// one per list, search keystroke pause or article.
func (h *Handler) widgetRateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, retry := h.widgetLimiter.Allow(c.RealIP()); !ok {
			secs := setRetryAfter(c, retry)
			return widgetFail(c, http.StatusTooManyRequests, "rate_limited",
				"too many calls from this address; try again in "+strconv.Itoa(secs)+" s")
		}
		return next(c)
	}
}

// widgetAuth checks the partner's token on every call (sso.WidgetCall).
// Every rejection is 401 with WWW-Authenticate: Bearer
// error="invalid_token" and the reason as JSON.
func (h *Handler) widgetAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		call, _ := widgetCallFrom(c)
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
		center, err := h.ssoHelpCenter(hc)
		if err != nil {
			return err
		}
		out, err := sso.WidgetCall(req.Context(), h.signIns, center, h.browser(c, ""), token, req.Header.Get(widgetInstanceHeader), h.now())
		if err != nil {
			// Fail closed: no answer but a server error.
			return err
		}
		if out.Rejection != nil {
			return widgetReject(c, out.Rejection)
		}
		call.Role = out.Role
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

// widgetArticles lists the articles the visitor may read, optionally of one
// category (?category=<slug>); an unknown category is a 404.
func (h *Handler) widgetArticles(c echo.Context) error {
	call, _ := widgetCallFrom(c)
	ctx := c.Request().Context()
	hcID := call.HelpCenter.ID
	articles, err := h.store.PublishedArticles(ctx, hcID, call.Role, nil)
	if err != nil {
		return err
	}
	cats, err := h.categoryIndex(c, hcID)
	if err != nil {
		return err
	}
	var only *int64
	if slug := c.QueryParam("category"); slug != "" {
		cat, err := h.store.CategoryBySlug(ctx, hcID, slug)
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

func (h *Handler) categoryIndex(c echo.Context, helpCenterID int64) (categoryIndex, error) {
	list, err := h.store.Categories(c.Request().Context(), helpCenterID)
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

// widgetSearch searches the articles the visitor may read (?q=).
func (h *Handler) widgetSearch(c echo.Context) error {
	call, _ := widgetCallFrom(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q) > widgetMaxQuery {
		q = string([]rune(q)[:widgetMaxQuery])
	}
	out := widgetSearchResults{Query: q, Results: []widgetSearchHit{}}
	if q != "" {
		results, err := h.store.SearchArticles(c.Request().Context(), call.HelpCenter.ID, call.Role, q, widgetSearchLimit)
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

// widgetArticle returns one article. A draft, or one beyond the visitor's
// role, is a 404 like a missing one, so its existence does not leak.
func (h *Handler) widgetArticle(c echo.Context) error {
	call, _ := widgetCallFrom(c)
	ctx := c.Request().Context()
	hcID := call.HelpCenter.ID
	a, err := h.store.PublishedArticleBySlug(ctx, hcID, call.Role, c.Param("slug"))
	if errors.Is(err, models.ErrNotFound) {
		return widgetFail(c, http.StatusNotFound, "not_found", "no article with this slug that you may read")
	}
	if err != nil {
		return err
	}
	out := widgetArticleBody{Slug: a.Slug, Title: a.Title, UpdatedAt: a.UpdatedAt.UTC(), HTML: string(markdown.HTML(a.Body)),
		URL: h.cfg.HelpCenterURL(call.HelpCenter.Subdomain) + "/articles/" + url.PathEscape(a.Slug)}
	if a.CategoryID != nil {
		cat, err := h.store.Category(ctx, hcID, *a.CategoryID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if cat != nil {
			out.Category = &widgetCategory{Slug: cat.Slug, Name: cat.Name}
		}
	}
	return c.JSON(http.StatusOK, out)
}
