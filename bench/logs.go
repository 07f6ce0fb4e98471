package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"time"

	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/store"
)

// logsNow is the pinned "now" of the generated event tables.
var logsNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

var logsReasons = []string{"jwt_expired", "jwt_invalid_signature", "jwt_too_old", "jwt_unknown_key", "jwt_replayed",
	"jwt_malformed", "jwt_missing_required_claim", "jwt_issuer_mismatch", "jwt_key_mismatch", "user_banned"}

// measureLogs times the Logs view's default first page and a page
// filtered by reason over a table of n events, median of 300 runs each.
// The table is generated once into the temporary directory (10 M rows
// take a few minutes) and reused by later runs.
func measureLogs(ctx context.Context, box *secrets.Box, n int) (first, filtered time.Duration, err error) {
	st, hc, err := cachedTable(ctx, box, fmt.Sprintf("logs-%d", n), func(st *store.Store, hcID int64) error {
		fmt.Fprintf(os.Stderr, "generating %d events…\n", n)
		_, err := st.InsertEvents(ctx, hcID, logsRows(n))
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	rejected := store.EventFilter{Events: []string{models.EventRedirectRejected, models.EventWidgetRejected}}
	byReason := rejected
	byReason.Reason = "jwt_too_old"
	if first, err = median(300, func() error { _, err := st.Events(ctx, hc.ID, rejected, nil, 51); return err }); err != nil {
		return 0, 0, err
	}
	filtered, err = median(300, func() error { _, err := st.Events(ctx, hc.ID, byReason, nil, 51); return err })
	return first, filtered, err
}

// cachedTable opens the benchmark database named name in the temporary
// directory, made once by fill into a "bench" help center and reused by
// later runs (a marker file says it was finished); the caller closes it.
func cachedTable(ctx context.Context, box *secrets.Box, name string, fill func(st *store.Store, hcID int64) error) (*store.Store, *models.HelpCenter, error) {
	path := filepath.Join(os.TempDir(), "helpcenter-bench-"+name+".db")
	complete := path + ".complete"
	if _, err := os.Stat(complete); err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{Sealer: box, PlainText: markdown.Text, Now: func() time.Time { return logsNow }})
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	hc, err := st.HelpCenterBySubdomain(ctx, "bench")
	if err == nil {
		return st, hc, nil
	}
	if _, hc, _, err = st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Bench", Subdomain: "bench", AdminEmail: "bench@bench.test", PasswordHash: "x"}); err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := fill(st, hc.ID); err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := os.WriteFile(complete, nil, 0o644); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, hc, nil
}

// logsRows yields n events over the 30 days before logsNow, oldest first:
// 70 % redirect rejections, 20 % successes, 10 % widget rejections.
func logsRows(n int) iter.Seq[models.Event] {
	span := 30 * 24 * time.Hour
	return func(yield func(models.Event) bool) {
		for i := range n {
			e := models.Event{
				CreatedAt: logsNow.Add(-span + time.Duration(int64(span)/int64(n)*int64(i))),
				IP:        "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
				Email: fmt.Sprintf("User%d@Example.com", i%5000), JTI: fmt.Sprintf("jti-%d", i),
			}
			switch i % 10 {
			case 0, 1:
				e.Event = models.EventRedirectSucceeded
			case 2:
				e.Event, e.Reason, e.Detail = models.EventWidgetRejected, "jwt_expired", "exp is 45 s in the past"
			default:
				e.Event, e.Reason, e.Detail = models.EventRedirectRejected, logsReasons[(i/10)%len(logsReasons)], "detail sentence"
			}
			if !yield(e) {
				return
			}
		}
	}
}

func median(runs int, fn func() error) (time.Duration, error) {
	times := make([]time.Duration, runs)
	for i := range times {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		times[i] = time.Since(t0)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[runs/2], nil
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }

func humanCount(n int) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprintf("%d M", n/1_000_000)
	}
	return fmt.Sprintf("%d", n)
}

// logsTarget is issue 20's: no regression, p50 ≤ 1 ms at every size.
func logsTarget(int) string { return "p50 ≤ 1 ms" }
