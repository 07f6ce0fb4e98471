// Package partnerapi is the partner API of SPEC section 10 (/api/v1 on
// the console host): a partner's backend creates, updates and deletes its
// users, ends their sessions and pages the sign-in log, authenticated by
// an API key with scopes. Answers are JSON; errors are
// {"error","detail"}. Every call is audited under the key that made it.
package partnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// Store is what the API reads and writes.
type Store interface {
	APIKeyBySecret(ctx context.Context, secret string, now time.Time) (*models.APIKey, error)
	AuditAPICall(ctx context.Context, helpCenterID int64, key *models.APIKey, action string) error
	TokenUser(ctx context.Context, helpCenterID int64, externalID, email string) (*models.User, error)
	PutUser(ctx context.Context, helpCenterID int64, in store.UserInput, actor string) (*models.User, bool, error)
	DeleteUser(ctx context.Context, helpCenterID int64, externalID, actor string) error
	RevokeSessionsOf(ctx context.Context, helpCenterID int64, externalID, email, actor string) (int, error)
	Events(ctx context.Context, helpCenterID int64, f store.EventFilter, after *store.EventCursor, limit int) ([]models.Event, error)
}

// Handler serves /api/v1.
type Handler struct {
	Store Store
	Now   func() time.Time
	// Limiter counts calls per API key.
	Limiter *ratelimit.Limiter
}

// RatePerKey is how many calls one key may make per RateWindow.
const (
	RatePerKey = 600
	RateWindow = time.Minute
)

// New builds the API with its per-key limit.
func New(st Store, now func() time.Time) *Handler {
	return &Handler{Store: st, Now: now, Limiter: ratelimit.New(RatePerKey, RateWindow, now)}
}

// Prefix is where the API lives.
const Prefix = "/api/v1"

// fail answers an error as the API's JSON.
func fail(c echo.Context, status int, code, detail string) error {
	return c.JSON(status, web.APIError{Error: code, Detail: detail})
}

// Error answers the router's errors (an unknown path, a wrong method) on
// /api/v1 as JSON, and reports whether c was such a request.
func Error(c echo.Context, status int, message string) bool {
	if !strings.HasPrefix(c.Request().URL.Path, Prefix+"/") {
		return false
	}
	code := "server_error"
	switch {
	case status == http.StatusNotFound:
		code, message = "not_found", "the partner API has no such endpoint; see "+Prefix+"/openapi.json"
	case status == http.StatusMethodNotAllowed:
		code = "method_not_allowed"
	case status < 500:
		code = "bad_request"
	}
	web.NoStore(c)
	_ = fail(c, status, code, message)
	return true
}

// theKey is the API key of the call, set by Auth.
var theKey = web.NewKey[*models.APIKey]("api_key")

// Auth takes the key from "Authorization: Bearer <key>", refusing a call
// without a live one, and counts the call against the key's limit.
func (h *Handler) Auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		web.NoStore(c)
		secret, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		secret = strings.TrimSpace(secret)
		if !ok || secret == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="helpcenter"`)
			return fail(c, http.StatusUnauthorized, "unauthorized", "send an API key: Authorization: Bearer <key> (create one in Settings → API keys)")
		}
		key, err := h.Store.APIKeyBySecret(c.Request().Context(), secret, h.Now())
		if errors.Is(err, models.ErrNotFound) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="helpcenter", error="invalid_token"`)
			return fail(c, http.StatusUnauthorized, "unauthorized", "this API key is unknown or revoked")
		}
		if err != nil {
			return err
		}
		id := strconv.FormatInt(key.ID, 10)
		if over, retry := h.Limiter.Over(id); over {
			web.SetRetryAfter(c, retry)
			return fail(c, http.StatusTooManyRequests, "rate_limited",
				fmt.Sprintf("this key made more than %d calls in %s; retry in %d s", RatePerKey, RateWindow, int(retry.Seconds()+0.999)))
		}
		h.Limiter.Add(id)
		theKey.Set(c, key)
		c.SetRequest(c.Request().WithContext(models.WithActor(c.Request().Context(), actor(key))))
		return next(c)
	}
}

// Need refuses a key without scope.
func Need(scope models.APIScope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key, _ := theKey.Get(c)
			if !key.Allows(scope) {
				return fail(c, http.StatusForbidden, "insufficient_scope", "this API key lacks the "+string(scope)+" scope")
			}
			return next(c)
		}
	}
}

func actor(key *models.APIKey) string { return "API key " + key.Prefix + " (" + key.Label + ")" }

// userJSON is a user as the API shows them.
type userJSON struct {
	ID            int64      `json:"id"`
	ExternalID    string     `json:"external_id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Role          string     `json:"role"`
	Groups        []string   `json:"groups"`
	Banned        bool       `json:"banned"`
	CreatedAt     time.Time  `json:"created_at"`
	FirstSignInAt *time.Time `json:"first_sign_in_at"`
	LastSignInAt  *time.Time `json:"last_sign_in_at"`
}

func toJSON(u *models.User) userJSON {
	groups := []string{}
	_ = json.Unmarshal([]byte(u.Groups), &groups)
	if groups == nil {
		groups = []string{}
	}
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.UTC()
		return &v
	}
	return userJSON{ID: u.ID, ExternalID: u.ExternalID, Email: u.Email, Name: u.Name, Role: string(u.Role), Groups: groups,
		Banned: u.Banned, CreatedAt: u.CreatedAt.UTC(), FirstSignInAt: utc(u.FirstSignInAt), LastSignInAt: utc(u.LastSignInAt)}
}

// decode reads a JSON body strictly: an unknown field is a mistake the
// partner should hear about, not a value silently dropped.
func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the body is empty; send a JSON object")
		}
		return fmt.Errorf("the body is not the JSON expected: %v", err)
	}
	return nil
}

// userBody is the body of PUT /api/v1/users/{external_id}.
type userBody struct {
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Groups []string `json:"groups"`
}

func (b userBody) input(externalID string) (store.UserInput, string) {
	email, err := models.ParseEmail(b.Email)
	if err != nil {
		return store.UserInput{}, "email: " + err.Error()
	}
	role := models.Role(b.Role)
	if b.Role == "" {
		role = models.RoleViewer
	}
	if !role.Valid() {
		return store.UserInput{}, `role: use "viewer", "editor" or "admin"`
	}
	if len(b.Name) > 200 {
		return store.UserInput{}, "name: at most 200 characters"
	}
	if len(b.Groups) > 100 || slices.ContainsFunc(b.Groups, func(g string) bool { return g == "" || len(g) > 100 }) {
		return store.UserInput{}, "groups: at most 100 groups, each 1 to 100 characters"
	}
	return store.UserInput{ExternalID: externalID, Email: email, Name: strings.TrimSpace(b.Name), Role: role, Groups: b.Groups}, ""
}

func externalID(c echo.Context) (string, bool) {
	id := strings.TrimSpace(c.Param("external_id"))
	return id, id != "" && len(id) <= 255
}

// GetUser is GET /api/v1/users/{external_id}.
func (h *Handler) GetUser(c echo.Context) error {
	key, _ := theKey.Get(c)
	id, ok := externalID(c)
	if !ok {
		return fail(c, http.StatusBadRequest, "invalid_request", "external_id: 1 to 255 characters")
	}
	u, err := h.Store.TokenUser(c.Request().Context(), key.HelpCenterID, id, "")
	if errors.Is(err, models.ErrNotFound) || (err == nil && u.ExternalID != id) {
		return fail(c, http.StatusNotFound, "not_found", "no user has this external_id")
	}
	if err != nil {
		return err
	}
	if err := h.Store.AuditAPICall(c.Request().Context(), key.HelpCenterID, key, "Read the user "+id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(u))
}

// PutUser is PUT /api/v1/users/{external_id}: 201 when it created the
// user, 200 when it updated them.
func (h *Handler) PutUser(c echo.Context) error {
	key, _ := theKey.Get(c)
	id, ok := externalID(c)
	if !ok {
		return fail(c, http.StatusBadRequest, "invalid_request", "external_id: 1 to 255 characters")
	}
	var body userBody
	if err := decode(c, &body); err != nil {
		return fail(c, http.StatusBadRequest, "invalid_request", err.Error())
	}
	in, problem := body.input(id)
	if problem != "" {
		return fail(c, http.StatusUnprocessableEntity, "invalid_request", problem)
	}
	u, created, err := h.Store.PutUser(c.Request().Context(), key.HelpCenterID, in, actor(key))
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		return fail(c, http.StatusConflict, "conflict", "another user already has this external_id")
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toJSON(u))
}

// DeleteUser is DELETE /api/v1/users/{external_id}: the user and their
// sessions go.
func (h *Handler) DeleteUser(c echo.Context) error {
	key, _ := theKey.Get(c)
	id, ok := externalID(c)
	if !ok {
		return fail(c, http.StatusBadRequest, "invalid_request", "external_id: 1 to 255 characters")
	}
	err := h.Store.DeleteUser(c.Request().Context(), key.HelpCenterID, id, actor(key))
	if errors.Is(err, models.ErrNotFound) {
		return fail(c, http.StatusNotFound, "not_found", "no user has this external_id")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// RevokeSessions is POST /api/v1/users/revoke-sessions with
// {"external_id"} or {"email"}.
func (h *Handler) RevokeSessions(c echo.Context) error {
	key, _ := theKey.Get(c)
	var body struct {
		ExternalID string `json:"external_id"`
		Email      string `json:"email"`
	}
	if err := decode(c, &body); err != nil {
		return fail(c, http.StatusBadRequest, "invalid_request", err.Error())
	}
	body.ExternalID, body.Email = strings.TrimSpace(body.ExternalID), strings.TrimSpace(body.Email)
	if (body.ExternalID == "") == (body.Email == "") {
		return fail(c, http.StatusUnprocessableEntity, "invalid_request", `send exactly one of "external_id" and "email"`)
	}
	n, err := h.Store.RevokeSessionsOf(c.Request().Context(), key.HelpCenterID, body.ExternalID, body.Email, actor(key))
	if errors.Is(err, models.ErrNotFound) {
		return fail(c, http.StatusNotFound, "not_found", "no user matches")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"revoked": n})
}

// eventJSON is an event row as the API shows it (the columns of the CSV
// export).
type eventJSON struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	Reason    string    `json:"reason"`
	Detail    string    `json:"detail"`
	Email     string    `json:"email"`
	JTI       string    `json:"jti"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Key       string    `json:"key"`
}

// Events is GET /api/v1/events?event=&reason=&email=&before=&limit=:
// newest first, the filters of the Logs view, keyset paging by "next".
func (h *Handler) Events(c echo.Context) error {
	key, _ := theKey.Get(c)
	var f store.EventFilter
	switch ev := c.QueryParam("event"); {
	case ev == "":
		f.Events = models.DefaultLogEvents
	case ev == "all":
	case slices.Contains(models.EventNames, ev):
		f.Events = []string{ev}
	default:
		return fail(c, http.StatusBadRequest, "invalid_request", "event: one of "+strings.Join(models.EventNames, ", ")+", or all")
	}
	if r := c.QueryParam("reason"); r != "" {
		if _, ok := sso.LookupReason(sso.ReasonCode(r)); !ok && r != string(sso.ReasonRateLimited) && r != string(sso.ReasonOriginNotAllowed) {
			return fail(c, http.StatusBadRequest, "invalid_request", "reason: not a reason code of SPEC section 4")
		}
		f.Reason = r
	}
	f.Email = strings.TrimSpace(c.QueryParam("email"))
	limit := 100
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return fail(c, http.StatusBadRequest, "invalid_request", "limit: a number from 1 to 1000")
		}
		limit = n
	}
	var after *store.EventCursor
	if b := c.QueryParam("before"); b != "" {
		cur, ok := store.ParseEventCursor(b)
		if !ok {
			return fail(c, http.StatusBadRequest, "invalid_request", `before: pass the "next" of the previous page as it is`)
		}
		after = &cur
	}
	ctx := c.Request().Context()
	events, err := h.Store.Events(ctx, key.HelpCenterID, f, after, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Events []eventJSON `json:"events"`
		Next   string      `json:"next,omitempty"`
	}{Events: []eventJSON{}}
	if len(events) > limit {
		events = events[:limit]
		out.Next = store.Cursor(events[len(events)-1]).String()
	}
	for _, e := range events {
		out.Events = append(out.Events, eventJSON{Time: e.CreatedAt.UTC(), Event: e.Event, Reason: e.Reason, Detail: e.Detail,
			Email: e.Email, JTI: e.JTI, IP: e.IP, UserAgent: e.UserAgent, Key: e.Key})
	}
	if err := h.Store.AuditAPICall(ctx, key.HelpCenterID, key, "Read the events"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
