package console

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/mail"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/views/components"
	"helpcenter/views/console"
)

// editorPaths are the console paths an Editor reaches: articles and
// categories, their own account, and signing out. Everything else is
// refused, so a page added later is closed to Editors until it is named
// here.
var editorPaths = []string{"/articles", "/categories", "/settings/account"}

// RequireRole refuses an Editor every console path but editorPaths.
func RequireRole(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, _ := theAdmin.Get(c)
		if a.Admin.Role.ManagesSettings() {
			return next(c)
		}
		p := c.Request().URL.Path
		for _, allowed := range editorPaths {
			if p == allowed || strings.HasPrefix(p, allowed+"/") {
				return next(c)
			}
		}
		if p == "/" {
			return web.Redirect(c, "/articles")
		}
		return echo.NewHTTPError(http.StatusForbidden,
			"Your role is Editor: you can write articles and categories, not change settings. Ask an owner or admin of your team if you need more.")
	}
}

// newLinkToken is the secret of a one-time link (invitation, reset):
// 128 random bits, of which the store keeps only a hash.
func newLinkToken() string { return rand.Text() }

func (h *Handler) link(path string) string { return h.Config.ConsoleURL() + path }

// rolesFor lists the roles admin may give, as the pickers show them.
func rolesFor(role models.AdminRole) []components.Option {
	var opts []components.Option
	for _, r := range models.AdminRoles {
		if role.CanManage(r) {
			opts = append(opts, components.Option{Value: string(r), Label: r.Label()})
		}
	}
	return opts
}

func (h *Handler) teamPage(c echo.Context) (console.TeamPage, error) {
	a, _ := theAdmin.Get(c)
	admins, invs, err := h.Store.Team(c.Request().Context(), a.Admin.WorkspaceID)
	if err != nil {
		return console.TeamPage{}, err
	}
	now := h.Now()
	p := console.TeamPage{Chrome: h.chrome(c, "Team", "team"), Roles: rolesFor(a.Admin.Role), Role: string(models.TeamEditor),
		Owner: a.Admin.Role == models.TeamOwner, RequireTwoFactor: a.Workspace.RequireTwoFactor}
	for _, m := range admins {
		p.Members = append(p.Members, console.TeamMember{ID: m.ID, Email: m.Email, Role: string(m.Role), Label: m.Role.Label(),
			Joined: m.CreatedAt.UTC().Format("2 Jan 2006"), You: m.ID == a.Admin.ID, Manageable: a.Admin.Role.CanManage(m.Role)})
	}
	for _, i := range invs {
		p.Invites = append(p.Invites, console.TeamInvite{ID: i.ID, Email: i.Email, Role: i.Role.Label(), InvitedBy: i.InvitedBy,
			Expires: i.ExpiresAt.UTC().Format("2 Jan 2006, 15:04 UTC"), Expired: !now.Before(i.ExpiresAt), Manageable: a.Admin.Role.CanManage(i.Role)})
	}
	switch c.QueryParam("done") {
	case "invited":
		p.Notice = "Invitation sent to " + c.QueryParam("email") + "."
	case "resent":
		p.Notice = "Invitation sent again, with a new link; the old one no longer works."
	case "revoked":
		p.Notice = "Invitation revoked: its link no longer works."
	case "role":
		p.Notice = "Role changed."
	case "removed":
		p.Notice = "Removed from the team and signed out."
	case "two-factor":
		p.Notice = "Two-factor setting saved."
	case "idp":
		p.Notice = "Identity provider saved."
	}
	if p.Owner {
		idp, err := h.idpSettings(c)
		if err != nil {
			return p, err
		}
		p.IdP = idp
	}
	return p, nil
}

func (h *Handler) TeamShow(c echo.Context) error {
	p, err := h.teamPage(c)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.Team(p))
}

// teamRefuse shows the team page again with a page-level error.
func (h *Handler) teamRefuse(c echo.Context, status int, message string) error {
	p, err := h.teamPage(c)
	if err != nil {
		return err
	}
	p.Error = message
	return web.Render(c, status, console.Team(p))
}

// TeamInvite invites a colleague: the invitation and its mail are saved
// together, and the mail goes out from the queue.
func (h *Handler) TeamInvite(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	errs := models.FieldErrors{}
	email, err := models.ParseEmail(c.FormValue("email"))
	if err != nil {
		errs["email"] = err.Error()
	}
	role, err := models.ParseAdminRole(c.FormValue("role"))
	if err != nil {
		errs["role"] = err.Error()
	} else if !a.Admin.Role.CanManage(role) {
		errs["role"] = "Only an owner can invite an owner."
	}
	if !errs.Any() {
		token := newLinkToken()
		_, err = h.Store.Invite(c.Request().Context(), store.NewInvitation{
			WorkspaceID: a.Admin.WorkspaceID, HelpCenterID: a.HelpCenter.ID, Email: email, Role: role, Token: token, Actor: a.Admin.Email,
			Mail: mail.Invitation(email, a.HelpCenter.Name, a.Admin.Email, role, h.link("/invitations/"+token)),
		})
		var conflict *models.ConflictError
		switch {
		case errors.As(err, &conflict):
			errs["email"] = "This email already belongs to an admin (of this or another workspace)."
		case err != nil:
			return err
		default:
			return web.Redirect(c, "/settings/team?done=invited&email="+email)
		}
	}
	p, err := h.teamPage(c)
	if err != nil {
		return err
	}
	p.Email, p.Role, p.Errors = c.FormValue("email"), c.FormValue("role"), errs
	return web.Render(c, http.StatusUnprocessableEntity, console.Team(p))
}

// invitation finds an invitation of the admin's workspace by the :id in
// the path, refusing one the admin may not manage.
func (h *Handler) invitation(c echo.Context) (*models.Invitation, error) {
	a, _ := theAdmin.Get(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, models.ErrNotFound
	}
	inv, err := h.Store.Invitation(c.Request().Context(), a.Admin.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !a.Admin.Role.CanManage(inv.Role) {
		return nil, echo.NewHTTPError(http.StatusForbidden, "Only an owner can manage the invitation of an owner.")
	}
	return inv, nil
}

func (h *Handler) TeamResend(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	inv, err := h.invitation(c)
	if err != nil {
		return err
	}
	token := newLinkToken()
	m := mail.Invitation(inv.Email, a.HelpCenter.Name, a.Admin.Email, inv.Role, h.link("/invitations/"+token))
	if err := h.Store.ResendInvitation(c.Request().Context(), a.Admin.WorkspaceID, a.HelpCenter.ID, inv.ID, token, a.Admin.Email, m); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/team?done=resent")
}

func (h *Handler) TeamRevoke(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	inv, err := h.invitation(c)
	if err != nil {
		return err
	}
	if err := h.Store.RevokeInvitation(c.Request().Context(), a.Admin.WorkspaceID, a.HelpCenter.ID, inv.ID, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/team?done=revoked")
}

// member finds an admin of the workspace by the :id in the path,
// refusing one the signed-in admin may not manage.
func (h *Handler) member(c echo.Context) (*models.Admin, error) {
	a, _ := theAdmin.Get(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, models.ErrNotFound
	}
	m, err := h.Store.Admin(c.Request().Context(), a.Admin.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !a.Admin.Role.CanManage(m.Role) {
		return nil, echo.NewHTTPError(http.StatusForbidden, "Only an owner can change or remove an owner.")
	}
	return m, nil
}

func (h *Handler) TeamRole(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	m, err := h.member(c)
	if err != nil {
		return err
	}
	role, err := models.ParseAdminRole(c.FormValue("role"))
	if err != nil {
		return h.teamRefuse(c, http.StatusUnprocessableEntity, err.Error())
	}
	if !a.Admin.Role.CanManage(role) {
		return h.teamRefuse(c, http.StatusForbidden, "Only an owner can make someone an owner.")
	}
	err = h.Store.SetAdminRole(c.Request().Context(), a.Admin.WorkspaceID, a.HelpCenter.ID, m.ID, role, a.Admin.Email)
	if errors.Is(err, store.ErrLastOwner) {
		return h.teamRefuse(c, http.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/team?done=role")
}

func (h *Handler) TeamRemove(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	m, err := h.member(c)
	if err != nil {
		return err
	}
	if m.ID == a.Admin.ID {
		return h.teamRefuse(c, http.StatusConflict, "You cannot remove yourself: ask another owner or admin.")
	}
	err = h.Store.RemoveAdmin(c.Request().Context(), a.Admin.WorkspaceID, a.HelpCenter.ID, m.ID, a.Admin.Email)
	if errors.Is(err, store.ErrLastOwner) {
		return h.teamRefuse(c, http.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	return web.Redirect(c, "/settings/team?done=removed")
}

const linkGone = "This link is no longer valid"

// InvitationShow is where an invitation link lands.
func (h *Handler) InvitationShow(c echo.Context) error {
	web.NoStore(c)
	inv, workspace, err := h.Store.PendingInvitation(c.Request().Context(), c.Param("token"), h.Now())
	if errors.Is(err, models.ErrNotFound) {
		return h.invitationGone(c)
	}
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.AcceptInvite(console.AcceptInvitePage{
		CSRF: web.CSRFToken(c), Token: c.Param("token"), Workspace: workspace, Email: inv.Email, Role: inv.Role.Label(),
	}))
}

func (h *Handler) invitationGone(c echo.Context) error {
	return web.Render(c, http.StatusGone, console.LinkGone(web.CSRFToken(c), linkGone,
		"This invitation was already used, revoked or is more than 7 days old. Ask whoever invited you to send it again."))
}

// InvitationAccept creates the invited admin with the chosen password and
// signs them in.
func (h *Handler) InvitationAccept(c echo.Context) error {
	web.NoStore(c)
	ctx := c.Request().Context()
	token := c.Param("token")
	inv, workspace, err := h.Store.PendingInvitation(ctx, token, h.Now())
	if errors.Is(err, models.ErrNotFound) {
		return h.invitationGone(c)
	}
	if err != nil {
		return err
	}
	password := c.FormValue("password")
	if err := models.ValidatePassword(password); err != nil {
		return web.Render(c, http.StatusUnprocessableEntity, console.AcceptInvite(console.AcceptInvitePage{
			CSRF: web.CSRFToken(c), Token: token, Workspace: workspace, Email: inv.Email, Role: inv.Role.Label(),
			Errors: map[string]string{"password": err.Error()},
		}))
	}
	hash, err := h.Accounts.HashPassword(password)
	if err != nil {
		return err
	}
	cookie, next, err := h.newAdminSession(c, &models.Admin{})
	if err != nil {
		return err
	}
	_, err = h.Store.AcceptInvitation(ctx, token, hash, next)
	var conflict *models.ConflictError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return h.invitationGone(c)
	case errors.As(err, &conflict):
		return web.Render(c, http.StatusConflict, console.LinkGone(web.CSRFToken(c), "You already have an account",
			inv.Email+" already belongs to an admin. Sign in with it, or reset its password from the sign-in page."))
	case err != nil:
		return err
	}
	return h.replaceAdminCookie(c, cookie)
}

func (h *Handler) ForgotShow(c echo.Context) error {
	return web.Render(c, http.StatusOK, console.ForgotPassword(console.ForgotPasswordPage{CSRF: web.CSRFToken(c)}))
}

// ForgotSend mails a reset link when an admin has the email; the answer
// is the same either way, so the page never tells whether it exists.
// The per-IP password limit (HELPCENTER_LIMITS) applies, as to sign-in.
func (h *Handler) ForgotSend(c echo.Context) error {
	client := ratelimit.ClientKey(c.RealIP())
	if over, retry := h.ResetLimiter.Over(client); over {
		web.SetRetryAfter(c, retry)
		return web.Render(c, http.StatusTooManyRequests, console.ForgotPassword(console.ForgotPasswordPage{
			CSRF: web.CSRFToken(c), Email: c.FormValue("email"),
			Errors: map[string]string{"email": "Too many reset requests from your network. Wait a few minutes, then try again."},
		}))
	}
	h.ResetLimiter.Add(client)
	email, err := models.ParseEmail(c.FormValue("email"))
	if err != nil {
		return web.Render(c, http.StatusUnprocessableEntity, console.ForgotPassword(console.ForgotPasswordPage{
			CSRF: web.CSRFToken(c), Email: c.FormValue("email"), Errors: map[string]string{"email": err.Error()},
		}))
	}
	token := newLinkToken()
	if _, err := h.Store.StartPasswordReset(c.Request().Context(), email, token,
		mail.PasswordReset(email, h.link("/password/reset/"+token))); err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, console.ForgotPassword(console.ForgotPasswordPage{CSRF: web.CSRFToken(c), Email: email, Sent: true}))
}

func (h *Handler) resetGone(c echo.Context) error {
	return web.Render(c, http.StatusGone, console.LinkGone(web.CSRFToken(c), linkGone,
		"This password-reset link was already used or is more than an hour old. Ask for a new one from the sign-in page."))
}

func (h *Handler) ResetShow(c echo.Context) error {
	web.NoStore(c)
	ok, err := h.Store.PasswordResetValid(c.Request().Context(), c.Param("token"), h.Now())
	if err != nil {
		return err
	}
	if !ok {
		return h.resetGone(c)
	}
	return web.Render(c, http.StatusOK, console.ResetPassword(console.ResetPasswordPage{CSRF: web.CSRFToken(c), Token: c.Param("token")}))
}

// ResetSave sets the new password, ends every session of the account and
// signs this browser in.
func (h *Handler) ResetSave(c echo.Context) error {
	web.NoStore(c)
	ctx := c.Request().Context()
	token := c.Param("token")
	ok, err := h.Store.PasswordResetValid(ctx, token, h.Now())
	if err != nil {
		return err
	}
	if !ok {
		return h.resetGone(c)
	}
	password := c.FormValue("password")
	if err := models.ValidatePassword(password); err != nil {
		return web.Render(c, http.StatusUnprocessableEntity, console.ResetPassword(console.ResetPasswordPage{
			CSRF: web.CSRFToken(c), Token: token, Errors: map[string]string{"password": err.Error()},
		}))
	}
	hash, err := h.Accounts.HashPassword(password)
	if err != nil {
		return err
	}
	cookie, next, err := h.newAdminSession(c, &models.Admin{})
	if err != nil {
		return err
	}
	if _, err := h.Store.ResetPassword(ctx, token, hash, next); errors.Is(err, models.ErrNotFound) {
		return h.resetGone(c)
	} else if err != nil {
		return err
	}
	return h.replaceAdminCookie(c, cookie)
}

// replaceAdminCookie gives the browser the cookie of a session opened by
// a one-time link, ending the session it had (another account's, say).
func (h *Handler) replaceAdminCookie(c echo.Context, cookie string) error {
	if old, ok := h.Codec.IDHash(session.AdminCookie, h.Cookies.Read(c, session.AdminCookie)); ok {
		if err := h.Store.DeleteAdminSession(c.Request().Context(), old); err != nil {
			return err
		}
	}
	h.Cookies.Set(c, session.AdminCookie, cookie, int(session.AdminTTL.Seconds()))
	return web.Redirect(c, "/")
}
