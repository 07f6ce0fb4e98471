package console

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/views/console"
)

const auditPageSize = 50

// auditActorsFrom is how many recent entries the Actor filter's choices
// are read from.
const auditActorsFrom = 1000

func (h *Handler) AuditShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	actor := c.QueryParam("actor")
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	entries, err := h.Store.AuditPage(ctx, a.HelpCenter.ID, actor, before, auditPageSize+1)
	if err != nil {
		return err
	}
	recent, err := h.Store.AuditPage(ctx, a.HelpCenter.ID, "", 0, auditActorsFrom)
	if err != nil {
		return err
	}
	now := h.Now()
	q := url.Values{}
	if actor != "" {
		q.Set("actor", actor)
	}
	p := console.AuditPage{Chrome: h.chrome(c, "Audit", "logs"), Actor: actor, CSVURL: "/settings/audit.csv?" + q.Encode()}
	seen := map[string]bool{}
	for _, e := range recent {
		if !seen[e.Actor] {
			seen[e.Actor] = true
			p.Actors = append(p.Actors, console.Option{Value: e.Actor, Label: e.Actor})
		}
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		next := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if actor != "" {
			next.Set("actor", actor)
		}
		p.NextURL = "/settings/audit?" + next.Encode()
	}
	for _, e := range entries {
		p.Entries = append(p.Entries, console.ChangeRow{When: relativeTime(e.CreatedAt, now), WhenISO: e.CreatedAt.Format(time.RFC3339),
			Actor: e.Actor, Action: e.Action, IP: e.IP, UserAgent: e.UserAgent})
	}
	return web.Render(c, http.StatusOK, console.Audit(p))
}

// AuditCSV streams the whole trail (or one actor's), newest first, a page
// at a time; values that a spreadsheet would run as a formula are quoted
// as the Logs export quotes them.
func (h *Handler) AuditCSV(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	ctx := c.Request().Context()
	actor := c.QueryParam("actor")
	res := c.Response()
	res.Header().Set("Content-Type", "text/csv; charset=utf-8")
	res.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if err := w.Write([]string{"time", "actor", "action", "ip", "user_agent"}); err != nil {
		return err
	}
	var before int64
	for {
		entries, err := h.Store.AuditPage(ctx, a.HelpCenter.ID, actor, before, csvBatch)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := w.Write([]string{e.CreatedAt.Format(time.RFC3339), defuseFormula(e.Actor), defuseFormula(e.Action), defuseFormula(e.IP), defuseFormula(e.UserAgent)}); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil || len(entries) < csvBatch {
			return err
		}
		before = entries[len(entries)-1].ID
	}
}
