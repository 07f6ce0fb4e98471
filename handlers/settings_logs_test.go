package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

// seedEvents writes, for help center sub: 60 redirect-flow rejections (20
// of them at one instant, to exercise the id tie-break), 5 widget
// rejections (one of them jwt_unknown_key) and 10 successes, one second apart, newest at the clock.
func seedEvents(t *testing.T, app *testapp.App, sub string) {
	t.Helper()
	now := app.Clock.Now()
	var evs []models.Event
	for i := range 75 {
		e := models.Event{CreatedAt: now.Add(-time.Duration(i) * time.Second), IP: "203.0.113.7", UserAgent: "Mozilla/5.0"}
		switch {
		case i < 10:
			e.Event, e.Email, e.JTI = models.EventRedirectSucceeded, "jane@example.com", fmt.Sprintf("ok-%d", i)
		case i < 15:
			e.Event, e.Reason, e.Detail = models.EventWidgetRejected, "jwt_expired", "exp is 45 s in the past"
		default:
			e.Event, e.Reason, e.Detail = models.EventRedirectRejected, "jwt_invalid_signature", "the HMAC does not match"
			if i%3 == 0 {
				e.Reason, e.Detail, e.Email, e.JTI = "jwt_too_old", "iat is 12 s too old", "Mixed.Case@Example.com", fmt.Sprintf("k-%d", i)
			}
			if i >= 50 {
				e.CreatedAt = now.Add(-50 * time.Second)
			}
		}
		evs = append(evs, e)
	}
	evs[10].Reason = "jwt_unknown_key" // one of our extensions
	evs[20].UserAgent = "=HYPERLINK(\"http://evil.test\")"
	if _, err := app.Store.InsertEvents(context.Background(), helpCenter(t, app, sub).ID, slices.Values(evs)); err != nil {
		t.Fatal(err)
	}
}

var (
	rowTime  = regexp.MustCompile(`<time datetime="([^"]+)"`)
	olderRef = regexp.MustCompile(`href="([^"]*before=[^"]*)">Older`)
)

// logPages follows the Older links from path and returns every row's
// (time, event, reason, email) in page order.
func logPages(t *testing.T, app *testapp.App, c *testapp.Client, path string) (rows []string, pages int) {
	t.Helper()
	for path != "" {
		res := c.Get(app.BaseURL + path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		pages++
		body := res.Body
		tbody := body[strings.Index(body, "<tbody>")+1:]
		for _, tr := range strings.Split(tbody, "<tr>")[1:] {
			rows = append(rows, textOf(tr))
		}
		path = ""
		if m := olderRef.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return rows, pages
}

func TestLogsDefaultsToRejectionsAndPages(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	seedEvents(t, app, "acme")

	res := c.Get(app.BaseURL + logsURL)
	for _, want := range []string{`<label for="event">Event</label>`, `<label for="reason">Reason</label>`, `<label for="email">Email</label>`, ">Filter</button>",
		`href="/settings/logs.csv?email=&amp;event=&amp;reason="`, "Export CSV", "<svg", "jwt_invalid_signature", "our extension"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Reasons carry the one explanation from the sso list.
	if !strings.Contains(textOf(res.Body), "The token was not signed with HS256 using this help center's shared secret.") {
		t.Error("no plain-words explanation")
	}
	if n := len(rowTime.FindAllString(res.Body, -1)); n != 50 {
		t.Fatalf("first page has %d rows, want 50", n)
	}

	rows, pages := logPages(t, app, c, logsURL)
	if len(rows) != 65 || pages != 2 {
		t.Fatalf("%d rows over %d pages, want the 65 rejections over 2", len(rows), pages)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if strings.Contains(r, "succeeded") {
			t.Fatalf("default view shows a success: %s", r)
		}
		seen[r] = true
	}
	// All: every event, each once, newest first.
	all, _ := logPages(t, app, c, logsURL+"?event=all")
	if len(all) != 75 {
		t.Fatalf("event=all: %d rows, want 75", len(all))
	}
	widget, _ := logPages(t, app, c, logsURL+"?event=widget_jwt.rejected")
	if len(widget) != 5 {
		t.Fatalf("widget rejections: %d, want 5", len(widget))
	}
	ok, _ := logPages(t, app, c, logsURL+"?event=sso.redirect_flow.succeeded")
	if len(ok) != 10 {
		t.Fatalf("successes: %d, want 10", len(ok))
	}
}

func TestLogsPagingHasNoGapsOrRepeats(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	// 120 rows at one instant: only the id orders them.
	at := app.Clock.Now()
	var evs []models.Event
	for i := range 120 {
		evs = append(evs, models.Event{CreatedAt: at, Event: models.EventRedirectRejected, Reason: "jwt_expired", Detail: fmt.Sprintf("row %03d", i)})
	}
	if _, err := app.Store.InsertEvents(context.Background(), helpCenter(t, app, "acme").ID, slices.Values(evs)); err != nil {
		t.Fatal(err)
	}
	rows, pages := logPages(t, app, c, logsURL)
	if len(rows) != 120 || pages != 3 {
		t.Fatalf("%d rows on %d pages", len(rows), pages)
	}
	for i, r := range rows {
		if want := fmt.Sprintf("row %03d", 119-i); !strings.Contains(r, want) {
			t.Fatalf("row %d is %q, want %s", i, r, want)
		}
	}
}

func TestLogsFilters(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	seedEvents(t, app, "acme")
	count := func(query string) int {
		rows, _ := logPages(t, app, c, logsURL+"?"+query)
		return len(rows)
	}
	// 15..74 are redirect rejections; i%3==0 among them are jwt_too_old.
	tooOld := 0
	for i := 15; i < 75; i++ {
		if i%3 == 0 {
			tooOld++
		}
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"reason=jwt_too_old", tooOld},
		{"reason=jwt_expired", 4},
		{"reason=jwt_unknown_key&event=widget_jwt.rejected", 1},
		{"reason=jwt_expired&event=sso.redirect_flow.rejected", 0},
		{"email=mixed.case%40example.com", tooOld},
		{"email=MIXED.CASE%40EXAMPLE.COM&reason=jwt_too_old", tooOld},
		{"email=jane%40example.com", 0},
		{"email=JANE%40example.com&event=all", 10},
		{"event=&reason=&email=", 65},
	} {
		if got := count(tc.query); got != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.query, got, tc.want)
		}
	}
	// The filter is kept in the form and in the links.
	res := c.Get(app.BaseURL + logsURL + "?reason=jwt_too_old&email=Mixed.Case%40Example.com")
	if !strings.Contains(res.Body, `<option value="jwt_too_old" selected>`) || !strings.Contains(res.Body, `value="Mixed.Case@Example.com"`) ||
		!strings.Contains(res.Body, "logs.csv?email=Mixed.Case%40Example.com&amp;event=&amp;reason=jwt_too_old") {
		t.Error("filter not kept")
	}
	for _, q := range []string{"event=sso.everything", "reason=jwt_nope", "before=garbage"} {
		if res := c.Get(app.BaseURL + logsURL + "?" + q); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, res.StatusCode)
		}
	}
}

func TestLogsLive(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	seedEvents(t, app, "acme")
	if strings.Contains(c.Get(app.BaseURL+logsURL).Body, "every 5s") {
		t.Fatal("live without asking")
	}
	res := c.Get(app.BaseURL + logsURL + "?live=1&event=widget_jwt.rejected")
	if !strings.Contains(res.Body, `hx-trigger="every 5s"`) || !strings.Contains(res.Body, `aria-checked="true"`) {
		t.Fatal("live page does not refresh")
	}
	req, _ := http.NewRequest(http.MethodGet, app.BaseURL+logsURL+"?live=1&event=widget_jwt.rejected", nil)
	req.Header.Set("HX-Request", "true")
	frag := c.Do(req)
	if frag.StatusCode != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `id="log-table"`) ||
		len(rowTime.FindAllString(frag.Body, -1)) != 5 {
		t.Fatalf("refresh fragment: %d", frag.StatusCode)
	}
}

func TestLogsChartCounts(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	now := app.Clock.Now()
	evs := []models.Event{
		{CreatedAt: now.Add(-time.Hour), Event: models.EventRedirectRejected, Reason: "jwt_expired"},
		{CreatedAt: now.Add(-2 * 24 * time.Hour), Event: models.EventRedirectRejected, Reason: "jwt_expired", Count: 4},
		{CreatedAt: now.Add(-8 * 24 * time.Hour), Event: models.EventRedirectRejected, Reason: "jwt_expired"},
		{CreatedAt: now.Add(-time.Minute), Event: models.EventWidgetRejected, Reason: "jwt_malformed"},
		{CreatedAt: now.Add(-time.Minute), Event: models.EventRedirectSucceeded},
	}
	if _, err := app.Store.InsertEvents(context.Background(), helpCenter(t, app, "acme").ID, slices.Values(evs)); err != nil {
		t.Fatal(err)
	}
	text := textOf(c.Get(app.BaseURL + logsURL).Body)
	for _, want := range []string{"Last 24 hours: 2", "Last 7 days: 6", "jwt_expired: 1 in 24 hours, 5 in 7 days", "jwt_malformed: 1 in 24 hours, 1 in 7 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestLogsCSV(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	seedEvents(t, app, "acme")
	get := func(query string) [][]string {
		t.Helper()
		res := c.Get(app.BaseURL + "/settings/logs.csv?" + query)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv %s: %d %s", query, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(res.Body, "time,event,reason,detail,email,jti,ip,user_agent,key\n") {
			t.Fatalf("header: %q", strings.SplitN(res.Body, "\n", 2)[0])
		}
		recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:]
	}
	rows := get("")
	if len(rows) != 65 {
		t.Fatalf("default export has %d rows, want the 65 rejections", len(rows))
	}
	var prev time.Time
	for i, r := range rows {
		ts, err := time.Parse(time.RFC3339, r[0])
		if err != nil || !strings.HasSuffix(r[0], "Z") {
			t.Fatalf("time %q is not RFC 3339 UTC", r[0])
		}
		if i > 0 && ts.After(prev) {
			t.Fatal("not newest first")
		}
		prev = ts
		if r[1] == models.EventRedirectSucceeded {
			t.Fatal("default export has a success")
		}
	}
	if n := len(get("event=all")); n != 75 {
		t.Fatalf("event=all exports %d rows", n)
	}
	tooOld := get("reason=jwt_too_old&email=MIXED.case%40example.com")
	if len(tooOld) == 0 || tooOld[0][4] != "Mixed.Case@Example.com" || !strings.HasPrefix(tooOld[0][5], "k-") {
		t.Fatalf("filtered export: %v", tooOld)
	}
	// A user agent that would run as a spreadsheet formula is defused.
	var found bool
	for _, r := range get("") {
		if strings.Contains(r[7], "HYPERLINK") {
			found = true
			if !strings.HasPrefix(r[7], "'=") {
				t.Fatalf("formula not defused: %q", r[7])
			}
		}
	}
	if !found {
		t.Fatal("the formula row is missing")
	}
	// So are an email and a jti a token could make start a formula; the
	// key that verified the token is named.
	trap := models.Event{CreatedAt: app.Clock.Now(), Event: models.EventRedirectRejected, Reason: "jwt_expired",
		Detail: "exp is 45 s in the past", Email: "=1+1@trap.test", JTI: "@SUM(A1)", Key: "Shared secret 0123456789abcdef"}
	if _, err := app.Store.InsertEvents(context.Background(), helpCenter(t, app, "acme").ID, slices.Values([]models.Event{trap})); err != nil {
		t.Fatal(err)
	}
	trapped := get("email=%3D1%2B1%40trap.test")
	if len(trapped) != 1 || trapped[0][4] != "'=1+1@trap.test" || trapped[0][5] != "'@SUM(A1)" || trapped[0][8] != "Shared secret 0123456789abcdef" {
		t.Fatalf("trap row exported as %q", trapped)
	}
	if res := c.Get(app.BaseURL + "/settings/logs.csv?event=bogus"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad filter: %d", res.StatusCode)
	}
}

// Rows written by the sign-in flow's own LogEvent, flood summary included,
// show and count in the Logs view.
func TestLogsShowFloodSummary(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	hc := helpCenter(t, app, "acme")
	for range store.RejectedCeiling + 5 {
		if err := app.Store.LogEvent(context.Background(), &models.Event{HelpCenterID: hc.ID, CreatedAt: app.Clock.Now(),
			Event: models.EventRedirectRejected, Reason: "jwt_expired", Detail: "exp is 45 s in the past"}); err != nil {
			t.Fatal(err)
		}
	}
	text := textOf(c.Get(app.BaseURL + logsURL + "?reason=" + store.SummaryReason).Body)
	for _, want := range []string{"Flood summary", "stands for 5 rejections", "Last 24 hours: 605"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The export keeps the SPEC's columns, so the count is in the detail.
	rows, err := csv.NewReader(strings.NewReader(c.Get(app.BaseURL + "/settings/logs.csv?reason=" + store.SummaryReason).Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !strings.HasSuffix(rows[1][3], "the latest: jwt_expired (stands for 5 rejections)") {
		t.Fatalf("summary exported as %q", rows)
	}
}
