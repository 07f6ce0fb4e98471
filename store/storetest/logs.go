package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// The Logs view's filters on every path Events takes — a set of events
// (one index walk per event, merged), one event, a reason, an email with a
// set of events — page without overlap or gap, newest first; InsertEvents
// stores what it is given; EachEvent stops at its function's first error.
func testEventFilters(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	kinds := []string{models.EventRedirectRejected, models.EventRedirectSucceeded, models.EventWidgetRejected}
	var evs []models.Event
	for i := range 30 {
		e := models.Event{
			HelpCenterID: other.ID, // InsertEvents files them under hc whatever they say
			CreatedAt:    t0.Add(time.Duration(i/4) * time.Second), Event: kinds[i%3], Detail: fmt.Sprint(i),
			Email: []string{"Jane@Example.com", "bob@example.com"}[i%2], IP: "203.0.113.7", UserAgent: "ua", JTI: fmt.Sprint("j", i), Key: "k1",
		}
		if e.Event != models.EventRedirectSucceeded {
			e.Reason = []string{"jwt_expired", "jwt_replayed"}[i%2]
		}
		if i == 0 {
			e.Count = 7
		}
		evs = append(evs, e)
	}
	if n, err := st.InsertEvents(ctx, hc.ID, slices.Values(evs)); err != nil || n != len(evs) {
		t.Fatalf("InsertEvents wrote %d (%v)", n, err)
	}
	if n, err := st.InsertEvents(ctx, hc.ID, slices.Values([]models.Event(nil))); err != nil || n != 0 {
		t.Fatalf("InsertEvents of nothing: %d (%v)", n, err)
	}
	if got := Events(t, dsn, other.ID); len(got) != 0 {
		t.Fatalf("InsertEvents filed %d events under the help center they named", len(got))
	}
	stored := Events(t, dsn, hc.ID)
	if len(stored) != len(evs) {
		t.Fatalf("%d events stored", len(stored))
	}
	for i, e := range stored {
		want := evs[i]
		want.ID, want.HelpCenterID = e.ID, hc.ID
		if want.Count == 0 {
			want.Count = 1
		}
		if !e.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("event %d at %v, want %v", i, e.CreatedAt, want.CreatedAt)
		}
		e.CreatedAt = want.CreatedAt
		if e != want {
			t.Fatalf("event %d stored as %+v, want %+v", i, e, want)
		}
	}

	// The rows a filter must return, newest first.
	expect := func(keep func(models.Event) bool) []int64 {
		var ids []int64
		for _, e := range slices.Backward(stored) {
			if keep(e) {
				ids = append(ids, e.ID)
			}
		}
		return ids
	}
	lower := func(s string) string { return models.EmailKey(s) }
	for name, c := range map[string]struct {
		f    store.EventFilter
		keep func(models.Event) bool
	}{
		"every event": {store.EventFilter{}, func(models.Event) bool { return true }},
		"one event": {store.EventFilter{Events: []string{models.EventRedirectSucceeded}},
			func(e models.Event) bool { return e.Event == models.EventRedirectSucceeded }},
		"a set of events": {store.EventFilter{Events: []string{models.EventRedirectRejected, models.EventWidgetRejected}},
			func(e models.Event) bool { return e.Event != models.EventRedirectSucceeded }},
		"a reason": {store.EventFilter{Reason: "jwt_replayed"}, func(e models.Event) bool { return e.Reason == "jwt_replayed" }},
		"a reason and an event": {store.EventFilter{Reason: "jwt_expired", Events: []string{models.EventWidgetRejected}},
			func(e models.Event) bool { return e.Reason == "jwt_expired" && e.Event == models.EventWidgetRejected }},
		"an email, any case, and a set of events": {store.EventFilter{Email: "JANE@example.COM", Events: []string{models.EventRedirectSucceeded, models.EventWidgetRejected}},
			func(e models.Event) bool {
				return lower(e.Email) == "jane@example.com" && e.Event != models.EventRedirectRejected
			}},
		"nothing matches": {store.EventFilter{Email: "nobody@example.com"}, func(models.Event) bool { return false }},
	} {
		for _, size := range []int{1, 4, 50} {
			var got []int64
			var after *store.EventCursor
			for page := 0; ; page++ {
				if page > len(stored) {
					t.Fatalf("%s, pages of %d: paging does not end", name, size)
				}
				rows, err := st.Events(ctx, hc.ID, c.f, after, size)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(rows) > size {
					t.Fatalf("%s: a page of %d rows, limit %d", name, len(rows), size)
				}
				for _, e := range rows {
					got = append(got, e.ID)
				}
				if len(rows) < size {
					break
				}
				cur := store.Cursor(rows[len(rows)-1])
				after = &cur
			}
			if want := expect(c.keep); !slices.Equal(got, want) {
				t.Errorf("%s, pages of %d: ids %v, want %v", name, size, got, want)
			}
		}
	}

	// EachEvent reads batch by batch, and stops at fn's first error.
	var all []int64
	if err := st.EachEvent(ctx, hc.ID, store.EventFilter{}, 7, func(e models.Event) error { all = append(all, e.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := expect(func(models.Event) bool { return true }); !slices.Equal(all, want) {
		t.Fatalf("EachEvent %v, want %v", all, want)
	}
	stop := errors.New("stop")
	calls := 0
	err := st.EachEvent(ctx, hc.ID, store.EventFilter{}, 7, func(models.Event) error {
		if calls++; calls == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 10 {
		t.Fatalf("EachEvent went on after an error: %d calls, %v", calls, err)
	}
}

// The chart's counts: per reason, within the day and the week windows,
// a summary row counting for what it stands for; HasSignIn sees only a
// redirect success.
func testReasonCountsAndHasSignIn(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	dayStart, weekStart := t0.Add(-24*time.Hour), t0.Add(-7*24*time.Hour)
	ev := func(at time.Time, event, reason string, count int) models.Event {
		return models.Event{CreatedAt: at, Event: event, Reason: reason, Count: count}
	}
	rows := []models.Event{
		ev(t0, models.EventRedirectRejected, "jwt_expired", 0),
		ev(dayStart, models.EventWidgetRejected, "jwt_expired", 0), // the window's first instant is in it
		ev(dayStart.Add(-time.Second), models.EventRedirectRejected, "jwt_expired", 0),
		ev(weekStart, models.EventRedirectRejected, "jwt_expired", 0),
		ev(weekStart.Add(-time.Second), models.EventRedirectRejected, "jwt_expired", 0), // too old
		ev(t0, models.EventRedirectRejected, "jwt_replayed", 0),
		ev(t0, models.EventRedirectRejected, store.SummaryReason, 25),
		ev(t0, models.EventRedirectRejected, "user_banned", 0), // not asked for
		ev(t0, models.EventWidgetRejected, "", 0),
	}
	if _, err := st.InsertEvents(ctx, hc.ID, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
	counts, err := st.ReasonCounts(ctx, hc.ID, []string{"jwt_expired", "jwt_replayed", store.SummaryReason, "jwt_malformed"}, dayStart, weekStart)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.ReasonCount{}
	for _, c := range counts {
		got[c.Reason] = c
	}
	want := map[string]store.ReasonCount{
		"jwt_expired":       {Reason: "jwt_expired", LastDay: 2, LastWeek: 4},
		"jwt_replayed":      {Reason: "jwt_replayed", LastDay: 1, LastWeek: 1},
		store.SummaryReason: {Reason: store.SummaryReason, LastDay: 25, LastWeek: 25},
	}
	if len(got) != len(want) {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
	for r, w := range want {
		if got[r] != w {
			t.Errorf("%s: %+v, want %+v", r, got[r], w)
		}
	}
	if counts, err := st.ReasonCounts(ctx, hc.ID, nil, dayStart, weekStart); err != nil || len(counts) != 0 {
		t.Fatalf("no reasons asked: %+v %v", counts, err)
	}

	if ok, err := st.HasSignIn(ctx, hc.ID); err != nil || ok {
		t.Fatalf("HasSignIn with only rejections: %v %v", ok, err)
	}
	if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded}); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.HasSignIn(ctx, hc.ID); err != nil || !ok {
		t.Fatalf("HasSignIn after a success: %v %v", ok, err)
	}
}

// A flood past the ceiling in one minute adds to that minute's one summary
// row; the next minute starts afresh; successes are never summarised.
func testRejectionCeilingPerMinute(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	// The ceiling's worth of rows, bulk-loaded, then a live flood on top.
	var bulk []models.Event
	for i := range store.RejectedCeiling {
		bulk = append(bulk, models.Event{CreatedAt: t0.Add(time.Duration(i) * 50 * time.Millisecond), Event: models.EventRedirectRejected, Reason: "jwt_malformed"})
	}
	if _, err := st.InsertEvents(ctx, hc.ID, slices.Values(bulk)); err != nil {
		t.Fatal(err)
	}
	log := func(hcID int64, at time.Time, event, reason string) {
		t.Helper()
		if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hcID, CreatedAt: at, Event: event, Reason: reason, Detail: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		log(hc.ID, t0.Add(40*time.Second), models.EventRedirectRejected, []string{"jwt_expired", "jwt_replayed"}[i%2])
	}
	log(hc.ID, t0.Add(41*time.Second), models.EventRedirectSucceeded, "")
	log(other.ID, t0.Add(42*time.Second), models.EventRedirectRejected, "jwt_expired") // another help center's ceiling
	log(hc.ID, t0.Add(time.Minute), models.EventRedirectRejected, "jwt_expired")       // the next minute

	evs := Events(t, dsn, hc.ID)
	if len(evs) != store.RejectedCeiling+3 {
		t.Fatalf("%d rows, want the ceiling's %d, one summary, one success, one of the next minute", len(evs), store.RejectedCeiling)
	}
	var summaries []models.Event
	for _, e := range evs {
		if e.Summary {
			summaries = append(summaries, e)
		}
	}
	if len(summaries) != 1 {
		t.Fatalf("%d summary rows", len(summaries))
	}
	s := summaries[0]
	if s.Reason != store.SummaryReason || s.Count != 5 || !s.CreatedAt.Equal(t0) || s.Event != models.EventRedirectRejected {
		t.Fatalf("summary row %+v", s)
	}
	last := evs[len(evs)-1]
	if last.Summary || last.Reason != "jwt_expired" || !last.CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("the next minute's rejection: %+v", last)
	}
	if got := Events(t, dsn, other.ID); len(got) != 1 || got[0].Summary {
		t.Fatalf("another help center's rejection: %+v", got)
	}
	counts, _ := st.ReasonCounts(ctx, hc.ID, []string{store.SummaryReason}, t0, t0)
	if len(counts) != 1 || counts[0].LastDay != 5 {
		t.Fatalf("the chart counts the summarised rejections as %+v", counts)
	}
}

// Folded refusals: one row per help center, event, reason, address and
// minute, which further refusals add to.
func testFoldedRowsPerReason(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	fold := func(hcID int64, at time.Time, event, reason, ip string) {
		t.Helper()
		if err := st.LogFolded(ctx, &models.Event{HelpCenterID: hcID, CreatedAt: at, Event: event, Reason: reason, Detail: "at " + at.Format("15:04:05"), IP: ip,
			Email: "x@example.com", JTI: "j", Key: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	fold(hc.ID, t0.Add(1*time.Second), models.EventWidgetRejected, "origin_not_allowed", "203.0.113.7")
	fold(hc.ID, t0.Add(2*time.Second), models.EventWidgetRejected, "rate_limited", "203.0.113.7")
	fold(hc.ID, t0.Add(3*time.Second), models.EventWidgetRejected, "origin_not_allowed", "203.0.113.7")
	fold(hc.ID, t0.Add(4*time.Second), models.EventRedirectRejected, "rate_limited", "203.0.113.7")
	fold(other.ID, t0.Add(5*time.Second), models.EventWidgetRejected, "origin_not_allowed", "203.0.113.7")
	evs, err := st.Events(ctx, hc.ID, store.EventFilter{}, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]models.Event{}
	for _, e := range evs {
		rows[e.Event+" "+e.Reason] = e
		if !e.CreatedAt.Equal(t0) || e.Email != "" || e.JTI != "" || e.Key != "" {
			t.Errorf("folded row %+v: the minute, and no email, jti or key", e)
		}
	}
	if len(evs) != 3 || rows[models.EventWidgetRejected+" origin_not_allowed"].Count != 2 ||
		rows[models.EventWidgetRejected+" rate_limited"].Count != 1 || rows[models.EventRedirectRejected+" rate_limited"].Count != 1 {
		t.Fatalf("rows %+v", evs)
	}
	if d := rows[models.EventWidgetRejected+" origin_not_allowed"].Detail; d != "at 09:30:03" {
		t.Errorf("a folded row keeps the latest detail, got %q", d)
	}
	if evs, _ := st.Events(ctx, other.ID, store.EventFilter{}, nil, 10); len(evs) != 1 || evs[0].Count != 1 {
		t.Fatalf("another help center's refusal folded into this one's: %+v", evs)
	}
}
