package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/views/console"
)

// maxTesterInput bounds the pasted token; check 1 refuses anything over
// 8192 bytes anyway, this only keeps a stray paste from filling a page.
const maxTesterInput = 64 << 10

func (h *Handler) SSOTesterShow(c echo.Context) error {
	p := console.TesterPage{Chrome: h.chrome(c, "Token tester", "sso")}
	if run := c.QueryParam("run"); run != "" {
		a, _ := theAdmin.Get(c)
		report, found, err := h.Store.TesterReport(c.Request().Context(), a.HelpCenter.ID, run)
		if err != nil {
			return err
		}
		var rep sso.Report
		switch {
		case !found:
			p.Notes = []string{"This Test sign-in is over (they last 10 minutes). Start a new one from the JWT page."}
		case report == "":
			p.Notes = []string{"Waiting for your app: finish signing in in the other tab, then reload this page."}
		case json.Unmarshal([]byte(report), &rep) != nil:
			return errors.New("tester report does not decode")
		default:
			p.Notes = []string{"This is the token your app sent for Test sign-in, checked like a real one. Nothing was consumed and no one was signed in."}
			p.Report = testerReport(rep, a.HelpCenter.SSOEnabled)
		}
		noStore(c)
	}
	return web.Render(c, http.StatusOK, console.Tester(p))
}

// SSOTestSignIn starts a Test sign-in: it opens the Login URL, as the
// gate would, with a tester key in place of a pending key; the token that
// comes back is checked and reported, and nobody is signed in.
func (h *Handler) SSOTestSignIn(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	if hc.LoginURL == "" {
		return web.Redirect(c, "/settings/security/sso/jwt")
	}
	key, err := sso.NewTesterKey()
	if err != nil {
		return err
	}
	if err := h.Store.StartTesterRun(c.Request().Context(), hc.ID, key); err != nil {
		return err
	}
	login, err := sso.LoginURL(hc.LoginURL, hc.Subdomain, key)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, login)
}

// SSOTesterRun reports on a pasted token with sso.Inspect, the same checks
// as a real sign-in. It consumes nothing and records nothing: no jti, no
// pending key, no event row, and the token is never logged.
func (h *Handler) SSOTesterRun(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	token, notes := sso.ReadPastedToken(c.FormValue("token"))
	p := console.TesterPage{Chrome: h.chrome(c, "Token tester", "sso"), Token: token, Notes: notes}
	noStore(c)
	switch {
	case token == "":
		p.Error = "Paste a token to test."
	case len(token) > maxTesterInput:
		p.Token, p.Error = "", "That is far longer than any token; paste only the token."
	}
	if p.Error != "" {
		return web.Render(c, http.StatusUnprocessableEntity, console.Tester(p))
	}
	// Checked as if the switch were on, so an admin can test tokens before
	// switching single sign-on on; the report says when it is off.
	now := h.Now()
	center, err := h.Keys.SignInCenter(c.Request().Context(), hc, now)
	if err != nil {
		return err
	}
	settings := center.Settings
	settings.Enabled = true
	rep := sso.Inspect(token, settings, now)
	p.Report = testerReport(rep, hc.SSOEnabled)
	// Checks 12–13 need the sign-in's browser, which the tester is not;
	// what it can say is whether the jti is a key this help center issued.
	if rep.Claims != nil && rep.Claims.JTI != "" {
		issued, err := h.Store.PendingKeyIssued(c.Request().Context(), hc.ID, rep.Claims.JTI, now)
		if err != nil {
			return err
		}
		if !issued {
			note := "The jti is not a sign-in key this help center issued in the last 10 minutes, so /sso/jwt would answer " +
				"jwt_unknown_key: your app must put the key from the Login URL's key parameter in jti."
			if hc.AllowUnsolicited {
				note = "The jti is not a sign-in key this help center issued; that is fine here, because sign-ins started from your app are allowed."
			}
			p.Notes = append(p.Notes, note)
		}
	}
	// Checks 14–16 read the user the token names; the tester can say
	// what they would answer today.
	if cl := rep.Claims; rep.Verified && cl != nil {
		u, err := h.Store.TokenUser(c.Request().Context(), hc.ID, cl.ExternalID, cl.Email)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		switch rej := center.Provisioning.Judge(u != nil, u != nil && u.Banned, cl); {
		case rej != nil:
			p.Notes = append(p.Notes, "A real sign-in would answer "+string(rej.Reason)+": "+models.Sentence(rej.Detail))
		case u == nil:
			p.Notes = append(p.Notes, "This user is new to the help center; a real sign-in would create them.")
		}
	}
	return web.Render(c, http.StatusOK, console.Tester(p))
}

func testerReport(rep sso.Report, ssoEnabled bool) *console.TesterReport {
	out := &console.TesterReport{Accepted: rep.Verdict == nil, Verified: rep.Verified}
	if rep.Verdict != nil {
		out.VerdictReason, out.VerdictDetail = string(rep.Verdict.Reason), models.Sentence(rep.Verdict.Detail)
		if r, ok := sso.LookupReason(rep.Verdict.Reason); ok {
			out.VerdictTitle = r.Title
		}
	}
	if !ssoEnabled {
		out.Notes = append(out.Notes, "Single sign-on is switched off, so a real sign-in would be refused with sso_not_configured; the checks below use the saved settings as if it were on.")
	}
	if out.Accepted {
		out.Notes = append(out.Notes, "A real sign-in then checks that the jti was not used before (11), that it is a key we handed out to this browser (12, 13), that the user is not suspended (14), and, for a new user, the provisioning rules (15, 16).")
	}
	for _, ch := range rep.Checks {
		row := console.TesterCheck{Number: ch.Number, Reason: string(ch.Reason), Status: string(ch.Status), Detail: ch.Detail, Decisive: ch.Decisive}
		if r, ok := sso.LookupReason(ch.Reason); ok {
			row.Title = r.Title
		}
		out.Checks = append(out.Checks, row)
	}
	if rep.Header != nil {
		out.Header = indentJSON(rep.Header)
		out.Claims = indentJSON(rep.Payload)
	}
	if rep.HasClockOffset {
		out.ClockOffset = clockOffset(rep.ClockOffset)
	}
	return out
}

// indentJSON shows decoded members with sorted names, two-space indented.
func indentJSON(m map[string]json.RawMessage) string {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// clockOffset puts now − iat in words: how long ago the partner says it
// signed, or how far ahead its clock runs.
func clockOffset(sec float64) string {
	abs := math.Abs(sec)
	n := fmt.Sprintf("%.0f", abs)
	if abs != math.Trunc(abs) {
		n = fmt.Sprintf("%.1f", abs)
	}
	switch {
	case sec >= 0:
		return fmt.Sprintf("iat is %s s before the server's clock (signed %s s ago).", n, n)
	default:
		return fmt.Sprintf("iat is %s s after the server's clock: the partner's clock runs ahead.", n)
	}
}
