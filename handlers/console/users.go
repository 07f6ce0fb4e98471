package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/views/console"
)

// usersPageSize is how many users the directory shows a page.
const usersPageSize = 50

// userHistorySize is how many sign-in attempts a user's page shows; the
// rest are in Logs.
const userHistorySize = 20

func signInTime(t *time.Time, now time.Time) string {
	if t == nil {
		return "Never"
	}
	return relativeTime(*t, now)
}

func groupsText(raw string) string {
	var gs []string
	if json.Unmarshal([]byte(raw), &gs) != nil {
		return ""
	}
	return strings.Join(gs, ", ")
}

func userRow(u models.User, now time.Time) console.UserRow {
	return console.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, ExternalID: u.ExternalID, Role: string(u.Role),
		Groups: groupsText(u.Groups), FirstSignIn: signInTime(u.FirstSignInAt, now), LastSignIn: signInTime(u.LastSignInAt, now), Banned: u.Banned}
}

func (h *Handler) usersPage(c echo.Context) (console.UsersPage, error) {
	a, _ := theAdmin.Get(c)
	now := h.Now()
	q := strings.TrimSpace(c.QueryParam("q"))
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	users, err := h.Store.Users(c.Request().Context(), a.HelpCenter.ID, store.UserFilter{Query: q}, before, usersPageSize+1)
	if err != nil {
		return console.UsersPage{}, err
	}
	p := console.UsersPage{Chrome: h.chrome(c, "Users", "users"), Query: q, InviteOnly: a.HelpCenter.InviteOnly}
	link := func(before int64) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		if len(v) == 0 {
			return "/settings/users"
		}
		return "/settings/users?" + v.Encode()
	}
	if len(users) > usersPageSize {
		users = users[:usersPageSize]
		if q == "" {
			p.NextURL = link(users[len(users)-1].ID)
		} else {
			p.Notice = "Showing the first 50 matches: type more of the name or email to narrow them."
		}
	}
	if before > 0 {
		p.FirstURL = link(0)
	}
	for _, u := range users {
		p.Users = append(p.Users, userRow(u, now))
	}
	if c.QueryParam("added") != "" {
		p.Notice = "Added " + c.QueryParam("added") + "."
	}
	return p, nil
}

func (h *Handler) UsersShow(c echo.Context) error {
	p, err := h.usersPage(c)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.Users(p))
}

// UserAdd creates a user beforehand: who may sign in to an Invite only
// help center.
func (h *Handler) UserAdd(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	form := console.UserForm{Email: c.FormValue("email"), Name: strings.TrimSpace(c.FormValue("name")), ExternalID: strings.TrimSpace(c.FormValue("external_id"))}
	errs := models.FieldErrors{}
	email, err := models.ParseEmail(form.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	if len(form.Name) > 200 {
		errs["name"] = "Use at most 200 characters."
	}
	if len(form.ExternalID) > 255 {
		errs["external_id"] = "Use at most 255 characters."
	}
	if !errs.Any() {
		ctx := c.Request().Context()
		if _, err := h.Store.TokenUser(ctx, a.HelpCenter.ID, form.ExternalID, email); err == nil {
			errs["email"] = "This user already exists."
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	if !errs.Any() {
		_, _, err := h.Store.PutUser(c.Request().Context(), a.HelpCenter.ID, store.UserInput{ExternalID: form.ExternalID, Email: email, Name: form.Name, Role: models.RoleViewer}, a.Admin.Email)
		var conflict *models.ConflictError
		switch {
		case errors.As(err, &conflict):
			errs["external_id"] = "Another user has this external ID."
		case err != nil:
			return err
		default:
			return web.Redirect(c, "/settings/users?added="+url.QueryEscape(email))
		}
	}
	p, err := h.usersPage(c)
	if err != nil {
		return err
	}
	p.Add, p.Errors = form, errs
	return web.Render(c, http.StatusUnprocessableEntity, console.Users(p))
}

// theUser is the user the :id of the path names, in the admin's help center.
func (h *Handler) theUser(c echo.Context) (*models.User, error) {
	a, _ := theAdmin.Get(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, models.ErrNotFound
	}
	return h.Store.User(c.Request().Context(), a.HelpCenter.ID, id)
}

func (h *Handler) UserShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	u, err := h.theUser(c)
	if err != nil {
		return err
	}
	now := h.Now()
	sessions, err := h.Store.UserSessions(ctx, a.HelpCenter.ID, u.ID, now)
	if err != nil {
		return err
	}
	events, err := h.Store.Events(ctx, a.HelpCenter.ID, store.EventFilter{Email: u.Email}, nil, userHistorySize)
	if err != nil {
		return err
	}
	p := console.UserPage{Chrome: h.chrome(c, u.Email, "users"), User: userRow(*u, now), Lang: u.Lang, SessionsText: count(sessions, "session"),
		LogsURL: "/settings/logs?" + url.Values{"event": {"all"}, "email": {u.Email}}.Encode()}
	if u.CustomFields != "" && u.CustomFields != "{}" {
		p.CustomFields = u.CustomFields
	}
	for _, e := range events {
		p.History = append(p.History, console.UserEvent{At: relativeTime(e.CreatedAt, now), AtISO: e.CreatedAt.UTC().Format(time.RFC3339),
			Event: e.Event, Reason: e.Reason, Detail: e.Detail})
	}
	switch c.QueryParam("done") {
	case "signed-out":
		p.Notice = "Signed out everywhere: every session of this user has ended, on every instance within a second."
	case "banned":
		p.Notice = "Banned: their sessions ended and every later sign-in is refused with user_banned."
	case "unbanned":
		p.Notice = "Unbanned: they can sign in again."
	}
	return web.Render(c, http.StatusOK, console.User(p))
}

func (h *Handler) UserSignOut(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	u, err := h.theUser(c)
	if err != nil {
		return err
	}
	if _, err := h.Store.SignOutUser(c.Request().Context(), a.HelpCenter.ID, u.ID, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/users/"+strconv.FormatInt(u.ID, 10)+"?done=signed-out")
}

// UserBan bans or unbans (every user of) the user's email, as the CLI's
// `user ban` does.
func (h *Handler) UserBan(banned bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, _ := theAdmin.Get(c)
		u, err := h.theUser(c)
		if err != nil {
			return err
		}
		if _, _, err := h.Store.SetUserBanned(c.Request().Context(), a.HelpCenter.ID, u.Email, banned); err != nil {
			return err
		}
		done := "unbanned"
		if banned {
			done = "banned"
		}
		return web.Redirect(c, "/settings/users/"+strconv.FormatInt(u.ID, 10)+"?done="+done)
	}
}
