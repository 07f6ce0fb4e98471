package store_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"testing"
	"time"

	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/store"
)

// benchEvents is the size of the Logs benchmark's table.
const benchEvents = 1_000_000

var benchNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

var benchReasons = []string{"jwt_expired", "jwt_invalid_signature", "jwt_too_old", "jwt_unknown_key", "jwt_replayed",
	"jwt_malformed", "jwt_missing_required_claim", "jwt_issuer_mismatch", "jwt_key_mismatch", "user_banned"}

// openBenchStore opens the benchmark database: 1,000,000 events of one help
// center over 30 days (70 % redirect rejections, 20 % successes, 10 %
// widget rejections; 5,000 distinct emails) plus 1,000 of another. It is
// generated once into the temporary directory and reused by later runs;
// delete helpcenter-bench-events-v2.db* there to rebuild it.
func openBenchStore(b *testing.B) (*store.Store, int64) {
	b.Helper()
	path := filepath.Join(os.TempDir(), "helpcenter-bench-events-v2.db")
	keys, err := secrets.Derive("bench-master-key-0123456789abcdefghijklmnop")
	if err != nil {
		b.Fatal(err)
	}
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	complete := path + ".complete"
	if _, err := os.Stat(complete); err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{Box: box, Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	hc, err := st.HelpCenterBySubdomain(ctx, "bench")
	if err == nil {
		return st, hc.ID
	}
	start := time.Now()
	_, hc, _, err = st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Bench", Subdomain: "bench", AdminEmail: "bench@bench.test", PasswordHash: "x"})
	if err != nil {
		b.Fatal(err)
	}
	_, other, _, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Other", Subdomain: "other", AdminEmail: "other@bench.test", PasswordHash: "x"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.InsertEvents(ctx, other.ID, benchRows(1000)); err != nil {
		b.Fatal(err)
	}
	if _, err := st.InsertEvents(ctx, hc.ID, benchRows(benchEvents)); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(complete, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events in %s into %s", benchEvents, time.Since(start).Round(time.Millisecond), path)
	return st, hc.ID
}

// benchRows yields n events spread evenly over the 30 days before benchNow,
// oldest first, as they would have arrived.
func benchRows(n int) iter.Seq[models.Event] {
	span := 30 * 24 * time.Hour
	return func(yield func(models.Event) bool) {
		for i := range n {
			e := models.Event{
				CreatedAt: benchNow.Add(-span + time.Duration(int64(span)/int64(n)*int64(i))),
				IP:        "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
				Email: fmt.Sprintf("User%d@Example.com", i%5000), JTI: fmt.Sprintf("jti-%d", i),
			}
			switch i % 10 {
			case 0, 1:
				e.Event = models.EventRedirectSucceeded
			case 2:
				e.Event, e.Reason, e.Detail = models.EventWidgetRejected, "jwt_expired", "exp is 45 s in the past"
			default:
				e.Event, e.Reason, e.Detail = models.EventRedirectRejected, benchReasons[(i/10)%len(benchReasons)], "detail sentence"
			}
			if !yield(e) {
				return
			}
		}
	}
}

// BenchmarkLogsPage measures one page (50 rows) of the Logs view over
// 1,000,000 events: the default view (rejections of both surfaces), each
// filter, a page deep in the history, and the chart's counts.
func BenchmarkLogsPage(b *testing.B) {
	st, hcID := openBenchStore(b)
	ctx := context.Background()
	rejected := []string{models.EventRedirectRejected, models.EventWidgetRejected}
	deep := &store.EventCursor{CreatedAt: benchNow.Add(-20 * 24 * time.Hour), ID: 1 << 62}
	for _, bc := range []struct {
		name   string
		filter store.EventFilter
		after  *store.EventCursor
	}{
		{"default_first_page", store.EventFilter{Events: rejected}, nil},
		{"default_page_20_days_back", store.EventFilter{Events: rejected}, deep},
		{"all_events", store.EventFilter{}, nil},
		{"event_widget", store.EventFilter{Events: []string{models.EventWidgetRejected}}, nil},
		{"reason_jwt_too_old", store.EventFilter{Events: rejected, Reason: "jwt_too_old"}, nil},
		{"email_any_case", store.EventFilter{Events: rejected, Email: "USER42@example.COM"}, nil},
		{"email_and_reason_no_match", store.EventFilter{Events: rejected, Email: "user43@example.com", Reason: "user_banned"}, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := st.Events(ctx, hcID, bc.filter, bc.after, 51)
				if err != nil {
					b.Fatal(err)
				}
				if len(rows) == 0 && bc.filter.Reason != "user_banned" {
					b.Fatal("no rows")
				}
			}
		})
	}
	b.Run("chart_counts_24h_7d", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.ReasonCounts(ctx, hcID, benchReasons, benchNow.Add(-24*time.Hour), benchNow.Add(-7*24*time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
