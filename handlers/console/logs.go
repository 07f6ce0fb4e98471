package console

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/views/console"
)

// logsPageSize is the number of events per page of the Logs view.
const logsPageSize = 50

// csvBatch is how many rows the CSV export reads and writes at a time.
const csvBatch = 1000

// logsQuery is the Logs filter as read from the URL.
type logsQuery struct {
	filter console.LogFilter
	store  store.EventFilter
	after  *store.EventCursor
	live   bool
	errs   models.FieldErrors
}

func parseLogsQuery(c echo.Context) logsQuery {
	q := logsQuery{errs: models.FieldErrors{}}
	q.filter = console.LogFilter{
		Event: c.QueryParam("event"), Reason: c.QueryParam("reason"), Email: strings.TrimSpace(c.QueryParam("email")),
		Key: strings.TrimSpace(c.QueryParam("key")),
	}
	switch ev := q.filter.Event; {
	case ev == "":
		q.store.Events = models.DefaultLogEvents
	case ev == "all":
	case slices.Contains(models.EventNames, ev):
		q.store.Events = []string{ev}
	default:
		q.errs["event"] = "Choose an event from the list."
	}
	if r := q.filter.Reason; r != "" {
		if _, ok := lookupReason(r); ok {
			q.store.Reason = r
		} else {
			q.errs["reason"] = "Choose a reason from the list."
		}
	}
	if len(q.filter.Email) > 320 {
		q.errs["email"] = "Enter at most 320 characters."
	} else {
		q.store.Email = q.filter.Email
	}
	q.live = c.QueryParam("live") == "1"
	// A live view always shows the newest page: that is what it is for.
	if b := c.QueryParam("before"); b != "" && !q.live {
		if cur, ok := store.ParseEventCursor(b); ok {
			q.after = &cur
		} else {
			q.errs["before"] = "This page link is damaged; start again from the newest events."
		}
	}
	return q
}

// url is the Logs address for this filter plus extra parameters.
func (q logsQuery) url(path string, extra ...string) string {
	v := url.Values{}
	v.Set("event", q.filter.Event)
	v.Set("reason", q.filter.Reason)
	v.Set("email", q.filter.Email)
	if q.filter.Key != "" {
		v.Set("key", q.filter.Key)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return path + "?" + v.Encode()
}

// keyFilter resolves the Key filter, a fingerprint in the URL, to the
// help center's stored key (revoked ones included: their rows stay).
func (h *Handler) keyFilter(c echo.Context, q *logsQuery) ([]models.VerificationKey, error) {
	a, _ := theAdmin.Get(c)
	keys, err := h.Store.Keys(c.Request().Context(), a.HelpCenter.ID, h.Now())
	if err != nil || q.filter.Key == "" {
		return keys, err
	}
	for _, k := range keys {
		if k.Fingerprint == q.filter.Key {
			q.store.KeyID = k.ID
			return keys, nil
		}
	}
	q.errs["key"] = "Choose a key from the list."
	return keys, nil
}

func (h *Handler) LogsShow(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	ctx := c.Request().Context()
	now := h.Now()
	q := parseLogsQuery(c)
	keys, err := h.keyFilter(c, &q)
	if err != nil {
		return err
	}

	status := http.StatusOK
	table := console.LogTable{Live: q.live, RefreshURL: q.url("/settings/logs", "live", "1")}
	if q.errs.Any() {
		status = http.StatusBadRequest
		table.Empty = "Fix the filter to see events."
	} else {
		events, err := h.Store.Events(ctx, hc.ID, q.store, q.after, logsPageSize+1)
		if err != nil {
			return err
		}
		if len(events) > logsPageSize {
			events = events[:logsPageSize]
			if !q.live {
				table.OlderURL = q.url("/settings/logs", "before", store.Cursor(events[len(events)-1]).String())
			}
		}
		if q.after != nil {
			table.NewestURL = q.url("/settings/logs")
		}
		for _, e := range events {
			table.Rows = append(table.Rows, logRow(e, now))
		}
		table.Empty = emptyLogsText(q)
	}
	if isHTMX(c) {
		return web.Render(c, status, console.LogTableView(table))
	}

	chart, err := h.reasonChart(c, hc.ID, now)
	if err != nil {
		return err
	}
	p := console.LogsPage{
		Chrome: h.chrome(c, "Logs", "logs"),
		Filter: q.filter,
		Table:  table,
		Chart:  chart,
		CSVURL: q.url("/settings/logs.csv"),
		Errors: q.errs,
	}
	p.Events = append(p.Events,
		console.Option{Value: "", Label: "Rejected (sign-in and widget)", Selected: q.filter.Event == ""},
		console.Option{Value: "all", Label: "All events", Selected: q.filter.Event == "all"})
	for _, name := range models.EventNames {
		p.Events = append(p.Events, console.Option{Value: name, Label: name, Selected: q.filter.Event == name})
	}
	p.Keys = append(p.Keys, console.Option{Value: "", Label: "Any key", Selected: q.filter.Key == ""})
	for _, k := range keys {
		label := k.Name()
		if !k.Live(now) {
			label += " (revoked)"
		}
		p.Keys = append(p.Keys, console.Option{Value: k.Fingerprint, Label: label, Selected: q.filter.Key == k.Fingerprint})
	}
	p.Reasons = append(p.Reasons, console.Option{Value: "", Label: "Any reason", Selected: q.filter.Reason == ""})
	for _, r := range logReasons() {
		p.Reasons = append(p.Reasons, console.Option{Value: string(r.Code), Label: string(r.Code) + " — " + r.Title, Selected: q.filter.Reason == string(r.Code)})
	}
	return web.Render(c, status, console.Logs(p))
}

func emptyLogsText(q logsQuery) string {
	if q.filter.Event == "" && q.filter.Reason == "" && q.filter.Email == "" && q.filter.Key == "" {
		return "No rejected sign-ins. Every token so far has been accepted — or none has arrived yet."
	}
	return "No events match this filter."
}

func logRow(e models.Event, now time.Time) console.LogRow {
	row := console.LogRow{
		Time: e.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"), TimeISO: e.CreatedAt.UTC().Format(time.RFC3339),
		Ago: relativeTime(e.CreatedAt, now), Event: e.Event, Rejected: strings.HasSuffix(e.Event, ".rejected"),
		Reason: e.Reason, Detail: e.Detail, Email: e.Email, JTI: e.JTI, IP: e.IP, UserAgent: e.UserAgent, Count: e.Count,
		Key: e.Key,
	}
	if r, ok := lookupReason(e.Reason); ok {
		row.ReasonTitle, row.Explanation, row.Extension = r.Title, r.Explanation, r.Extension
	}
	return row
}

// summaryReason explains the flood-summary rows the store writes; it is no
// token check, so it is not in the sso list.
var summaryReason = sso.Reason{
	Code: store.SummaryReason, Title: "Flood summary", Extension: true,
	Explanation: "More than " + strconv.Itoa(store.RejectedCeiling) + " sign-ins were rejected in one minute (" +
		strconv.Itoa(store.SustainedCeiling) + " in a minute that follows such a minute: the flood went on). Past " +
		"that ceiling the rest of the minute's rejections are counted in this one row instead of logged one by one, " +
		"so a flood cannot fill the log; the detail names the latest reason. Look at the rows just before it for the cause.",
}

// logReasons are the reasons the Logs view knows: the sso list, then
// rate_limited, origin_not_allowed and the flood summary.
func logReasons() []sso.Reason {
	return append(sso.Reasons(), sso.RateLimited, sso.OriginNotAllowed, summaryReason)
}

func lookupReason(code string) (sso.Reason, bool) {
	switch code {
	case store.SummaryReason:
		return summaryReason, true
	case string(sso.ReasonRateLimited):
		return sso.RateLimited, true
	case string(sso.ReasonOriginNotAllowed):
		return sso.OriginNotAllowed, true
	}
	return sso.LookupReason(sso.ReasonCode(code))
}

// Chart geometry, in SVG user units.
const (
	chartWidth      = 760
	chartLabelWidth = 230
	chartRowHeight  = 34
	chartValueRoom  = 60
)

// reasonChart lays out the rejections per reason of the last 24 hours and
// 7 days (both surfaces), longest week first.
func (h *Handler) reasonChart(c echo.Context, helpCenterID int64, now time.Time) (console.ReasonChart, error) {
	var codes []string
	for _, r := range logReasons() {
		codes = append(codes, string(r.Code))
	}
	counts, err := h.Store.ReasonCounts(c.Request().Context(), helpCenterID, codes, now.Add(-24*time.Hour), now.Add(-7*24*time.Hour))
	if err != nil {
		return console.ReasonChart{}, err
	}
	sort.SliceStable(counts, func(i, j int) bool {
		if counts[i].LastWeek != counts[j].LastWeek {
			return counts[i].LastWeek > counts[j].LastWeek
		}
		return counts[i].Reason < counts[j].Reason
	})
	ch := console.ReasonChart{Width: chartWidth, LabelWidth: chartLabelWidth}
	var top int64
	for _, rc := range counts {
		top = max(top, rc.LastWeek)
		ch.Total24h += rc.LastDay
		ch.Total7d += rc.LastWeek
	}
	scale := func(n int64) int {
		if n == 0 || top == 0 {
			return 0
		}
		// At least 2 units, so a reason with one rejection stays visible.
		return max(int(float64(n)/float64(top)*float64(chartWidth-chartLabelWidth-chartValueRoom)), 2)
	}
	for i, rc := range counts {
		row := console.ChartRow{Reason: rc.Reason, Y: i * chartRowHeight, Day: rc.LastDay, Week: rc.LastWeek,
			DayWidth: scale(rc.LastDay), WeekWidth: scale(rc.LastWeek)}
		if r, ok := lookupReason(rc.Reason); ok {
			row.Title = r.Title
		}
		ch.Rows = append(ch.Rows, row)
	}
	ch.Height = len(ch.Rows) * chartRowHeight
	return ch, nil
}

// csvHeader is the export's header row (SPEC section 6).
var csvHeader = []string{"time", "event", "reason", "detail", "email", "jti", "ip", "user_agent", "key"}

// LogsCSV streams every event matching the filter, newest first, in
// batches: memory stays flat however many rows match.
//
// Values are written as stored, so the export is the data itself, with one
// exception against spreadsheet formula injection: every column a client
// or a token can influence (detail, email, jti, user_agent) gets a leading
// apostrophe when it starts with = + - @ or a tab or carriage return (the
// README says how to read such a cell back).
func (h *Handler) LogsCSV(c echo.Context) error {
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	q := parseLogsQuery(c)
	q.after = nil
	if _, err := h.keyFilter(c, &q); err != nil {
		return err
	}
	for _, field := range []string{"event", "reason", "email", "key"} {
		if msg := q.errs[field]; msg != "" {
			return echo.NewHTTPError(http.StatusBadRequest, msg)
		}
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="sso-events-`+hc.Subdomain+"-"+h.Now().UTC().Format("20060102-150405")+`.csv"`)
	res.Header().Set("Cache-Control", "no-store")
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if err := w.Write(csvHeader); err != nil {
		return err
	}
	n := 0
	err := h.Store.EachEvent(c.Request().Context(), hc.ID, q.store, csvBatch, func(e models.Event) error {
		detail := e.Detail
		if e.Count > 1 {
			// A flood summary or a folded rate_limited row: the SPEC's
			// columns have no count, so the detail says it as the page does.
			detail += " (stands for " + count(int64(e.Count), "rejection") + ")"
		}
		if err := w.Write([]string{
			e.CreatedAt.UTC().Format(time.RFC3339), e.Event, e.Reason, defuseFormula(detail),
			defuseFormula(e.Email), defuseFormula(e.JTI), e.IP, defuseFormula(e.UserAgent), e.Key,
		}); err != nil {
			return err
		}
		if n++; n%csvBatch == 0 {
			w.Flush()
			res.Flush()
		}
		return w.Error()
	})
	w.Flush()
	if err != nil {
		// The status line is sent: all that is left is to log and end
		// the download early.
		h.Log.Error("CSV export", "err", err, "help_center", hc.ID)
		return nil
	}
	return w.Error()
}

// defuseFormula keeps a spreadsheet from running a cell as a formula.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
