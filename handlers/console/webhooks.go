package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/internal/safehttp"
	"helpcenter/internal/webhooks"
	"helpcenter/models"
	"helpcenter/views/console"
)

const webhooksPath = "/settings/webhooks"

// deliveriesShown is how many recent deliveries the page lists.
const deliveriesShown = 50

func (h *Handler) webhooksPage(c echo.Context, checked []string) (console.WebhooksPage, error) {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	hooks, err := h.Store.Webhooks(ctx, a.HelpCenter.ID)
	if err != nil {
		return console.WebhooksPage{}, err
	}
	ds, err := h.Store.Deliveries(ctx, a.HelpCenter.ID, deliveriesShown)
	if err != nil {
		return console.WebhooksPage{}, err
	}
	now := h.Now()
	p := console.WebhooksPage{Chrome: h.chrome(c, "Webhooks", "logs")}
	urls := map[int64]string{}
	for _, w := range hooks {
		urls[w.ID] = w.URL
		p.Webhooks = append(p.Webhooks, console.WebhookRow{ID: w.ID, URL: w.URL, Events: strings.ReplaceAll(w.Events, " ", ", "), Created: relativeTime(w.CreatedAt, now)})
	}
	for _, d := range ds {
		last := d.LastError
		if last == "" && d.LastStatus != 0 {
			last = "HTTP " + strconv.Itoa(d.LastStatus)
		}
		p.Deliveries = append(p.Deliveries, console.DeliveryRow{ID: d.ID, When: relativeTime(d.CreatedAt, now), Event: d.Event, URL: urls[d.WebhookID],
			Status: d.Status, Attempts: d.Attempts, Last: last})
	}
	for _, e := range models.EventNames {
		p.Events = append(p.Events, console.ScopeChoice{Value: e, Checked: slices.Contains(checked, e)})
	}
	return p, nil
}

func (h *Handler) WebhooksShow(c echo.Context) error {
	p, err := h.webhooksPage(c, models.DefaultLogEvents)
	if err != nil {
		return err
	}
	var r console.RevealedWebhook
	if h.takeReveal(c, &r) && strings.HasPrefix(r.Secret, webhooks.SecretPrefix) {
		p.Revealed = &r
	}
	switch c.QueryParam("done") {
	case "deleted":
		p.Notice = "Webhook deleted."
	case "resent":
		p.Notice = "Delivery queued again: it is posted within seconds."
	}
	noStore(c)
	return web.Render(c, http.StatusOK, console.Webhooks(p))
}

// WebhookAdd adds an endpoint after the SSRF rules of JWKS URLs (https,
// a public address) and shows its new signing secret once.
func (h *Handler) WebhookAdd(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	form, _ := c.FormParams()
	raw := strings.TrimSpace(c.FormValue("url"))
	chosen := form["events"]
	errs := models.FieldErrors{}
	if raw == "" {
		errs["url"] = "Enter the endpoint's URL."
	} else if err := safehttp.ValidateURL(raw, h.Config.Development()); err != nil {
		errs["url"] = models.Sentence("this URL cannot be used: " + err.Error())
	}
	var events []string
	for _, e := range models.EventNames {
		if slices.Contains(chosen, e) {
			events = append(events, e)
		}
	}
	if len(events) == 0 || len(events) != len(chosen) {
		errs["events"] = "Choose at least one event from the list."
	}
	if !errs.Any() {
		secret, err := webhooks.NewSecret()
		if err != nil {
			return err
		}
		_, err = h.Store.AddWebhook(c.Request().Context(), a.HelpCenter.ID, raw, events, secret, a.Admin.Email)
		var problem models.Problem
		switch {
		case errors.As(err, &problem):
			errs["url"] = problem.Error()
		case err != nil:
			return err
		default:
			if err := h.revealOnce(c, console.RevealedWebhook{URL: raw, Secret: secret}); err != nil {
				return err
			}
			return web.Redirect(c, webhooksPath)
		}
	}
	p, err := h.webhooksPage(c, chosen)
	if err != nil {
		return err
	}
	p.URL, p.Errors = raw, errs
	return web.Render(c, http.StatusUnprocessableEntity, console.Webhooks(p))
}

func (h *Handler) WebhookDelete(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteWebhook(c.Request().Context(), a.HelpCenter.ID, id, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, webhooksPath+"?done=deleted")
}

func (h *Handler) DeliveryResend(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.ResendDelivery(c.Request().Context(), a.HelpCenter.ID, id, a.Admin.Email); err != nil {
		return err
	}
	return web.Redirect(c, webhooksPath+"?done=resent")
}
