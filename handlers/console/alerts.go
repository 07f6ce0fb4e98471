package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/views/console"
)

// defaultAlertThreshold is what the form offers before the rule is on.
const defaultAlertThreshold = 20

func (h *Handler) alertsPage(c echo.Context) (console.AlertsPage, error) {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	rules, err := h.Store.AlertRules(ctx, a.HelpCenter.ID)
	if err != nil {
		return console.AlertsPage{}, err
	}
	to, err := h.Store.AlertRecipients(ctx, a.Admin.WorkspaceID)
	if err != nil {
		return console.AlertsPage{}, err
	}
	p := console.AlertsPage{Chrome: h.chrome(c, "Alerts", "logs"), Rejections: rules.RejectionsThreshold > 0,
		Threshold: strconv.Itoa(defaultAlertThreshold), ReasonJump: rules.ReasonJump, Recipients: "the owners and admins (" + strings.Join(to, ", ") + ")"}
	if rules.RejectionsThreshold > 0 {
		p.Threshold = strconv.Itoa(rules.RejectionsThreshold)
	}
	now := h.Now()
	if t := rules.LastRejectionsAt; t != nil {
		p.LastFired = append(p.LastFired, "Rejected sign-ins over the threshold: "+relativeTime(*t, now))
	}
	if t := rules.LastJumpAt; t != nil {
		p.LastFired = append(p.LastFired, "A reason jumped after a settings change: "+relativeTime(*t, now))
	}
	return p, nil
}

func (h *Handler) AlertsShow(c echo.Context) error {
	p, err := h.alertsPage(c)
	if err != nil {
		return err
	}
	if c.QueryParam("saved") == "1" {
		p.Notice = "Alerts saved."
	}
	return web.Render(c, http.StatusOK, console.Alerts(p))
}

func (h *Handler) AlertsSave(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	on, jump := c.FormValue("rejections") == "1", c.FormValue("reason_jump") == "1"
	in := strings.TrimSpace(c.FormValue("threshold"))
	threshold, err := strconv.Atoi(in)
	errs := models.FieldErrors{}
	if on && (err != nil || threshold < 1 || threshold > 100000) {
		errs["threshold"] = "Enter a whole number from 1 to 100000."
	}
	if errs.Any() {
		p, err := h.alertsPage(c)
		if err != nil {
			return err
		}
		p.Rejections, p.ReasonJump, p.Threshold, p.Errors = on, jump, in, errs
		return web.Render(c, http.StatusUnprocessableEntity, console.Alerts(p))
	}
	if !on {
		threshold = 0
	}
	if err := h.Store.SaveAlertRules(c.Request().Context(), a.HelpCenter.ID, threshold, jump, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, "/settings/alerts?saved=1")
}
