// Package alerts evaluates the alert rules of SPEC section 12 on a ticker
// (the composition root runs Check) and mails a help center's owners and
// admins through the mail queue: "more than N rejected sign-ins in 10
// minutes" and "a single reason jumped after a settings change", each at
// most once an hour (store.FireAlert decides, so several instances
// checking at once send one alert).
package alerts

import (
	"context"
	"log/slog"
	"net/url"
	"sort"
	"time"

	"helpcenter/internal/mail"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// Store is what the rules read and write.
type Store interface {
	AlertedHelpCenters(ctx context.Context) ([]store.AlertedHelpCenter, error)
	RejectionsByReason(ctx context.Context, helpCenterID int64, from, to time.Time) (map[string]int64, error)
	LastSettingsChange(ctx context.Context, helpCenterID int64) (*models.AuditEntry, error)
	AlertRecipients(ctx context.Context, workspaceID int64) ([]string, error)
	FireAlert(ctx context.Context, helpCenterID int64, rule string, now time.Time, mails []models.Mail) (bool, error)
}

// Thresholds of the reason-jump rule: at least JumpMinimum rejections of
// one reason since the change, at a rate JumpFactor times the hour
// before's; the change must be at least JumpSettle old (a rate over a few
// seconds means nothing) and at most models.AlertEvery.
const (
	JumpMinimum = 5
	JumpFactor  = 5.0
	JumpSettle  = time.Minute
)

// Runner checks every help center's rules.
type Runner struct {
	Store Store
	Now   func() time.Time
	// ConsoleURL is where the mails' links to the Logs view point.
	ConsoleURL string
	Log        *slog.Logger
}

// Check evaluates every rule once; a help center whose check fails is
// logged and skipped, so one cannot stop the others' alerts.
func (r *Runner) Check(ctx context.Context) error {
	hcs, err := r.Store.AlertedHelpCenters(ctx)
	if err != nil {
		return err
	}
	now := r.Now()
	for _, hc := range hcs {
		if err := r.check(ctx, hc, now); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Log.Error("check alert rules", "help_center", hc.HelpCenterID, "err", err)
		}
	}
	return nil
}

func (r *Runner) check(ctx context.Context, hc store.AlertedHelpCenter, now time.Time) error {
	if hc.RejectionsThreshold > 0 && due(hc.LastRejectionsAt, now) {
		counts, err := r.Store.RejectionsByReason(ctx, hc.HelpCenterID, now.Add(-models.AlertWindow), now)
		if err != nil {
			return err
		}
		if total := sum(counts); total > int64(hc.RejectionsThreshold) {
			lines := breakdown(counts)
			link := r.logsLink(lines[0].Code)
			if err := r.fire(ctx, hc, models.AlertRejections, now, func(to string) models.Mail {
				return mail.RejectionsAlert(to, hc.Name, total, hc.RejectionsThreshold, lines, link)
			}); err != nil {
				return err
			}
		}
	}
	if hc.ReasonJump && due(hc.LastJumpAt, now) {
		change, err := r.Store.LastSettingsChange(ctx, hc.HelpCenterID)
		if err != nil || change == nil {
			return err
		}
		since := now.Sub(change.CreatedAt)
		if since < JumpSettle || since > models.AlertEvery {
			return nil
		}
		after, err := r.Store.RejectionsByReason(ctx, hc.HelpCenterID, change.CreatedAt, now)
		if err != nil {
			return err
		}
		before, err := r.Store.RejectionsByReason(ctx, hc.HelpCenterID, change.CreatedAt.Add(-time.Hour), change.CreatedAt)
		if err != nil {
			return err
		}
		reason, ok := Jumped(after, before, since)
		if !ok {
			return nil
		}
		title := reasonTitle(reason)
		what := `"` + change.Action + `" by ` + change.Actor
		when := change.CreatedAt.UTC().Format("15:04 UTC")
		link := r.logsLink(reason)
		return r.fire(ctx, hc, models.AlertReasonJump, now, func(to string) models.Mail {
			return mail.ReasonJumpAlert(to, hc.Name, reason, title, after[reason], before[reason], what, when, link)
		})
	}
	return nil
}

// Jumped finds the reason that jumped since a change made since ago:
// the one with most rejections since, among those with at least
// JumpMinimum and a per-minute rate JumpFactor times the hour before's.
func Jumped(after, before map[string]int64, since time.Duration) (string, bool) {
	best, most := "", int64(0)
	for reason, n := range after {
		rateAfter := float64(n) / since.Minutes()
		rateBefore := float64(before[reason]) / 60
		if n >= JumpMinimum && rateAfter >= JumpFactor*rateBefore && n > most {
			best, most = reason, n
		}
	}
	return best, best != ""
}

func (r *Runner) fire(ctx context.Context, hc store.AlertedHelpCenter, rule string, now time.Time, write func(to string) models.Mail) error {
	to, err := r.Store.AlertRecipients(ctx, hc.WorkspaceID)
	if err != nil || len(to) == 0 {
		return err
	}
	mails := make([]models.Mail, len(to))
	for i, addr := range to {
		mails[i] = write(addr)
	}
	fired, err := r.Store.FireAlert(ctx, hc.HelpCenterID, rule, now, mails)
	if fired {
		r.Log.Info("alert fired", "help_center", hc.Subdomain, "rule", rule, "admins", len(to))
	}
	return err
}

// due reports whether a rule that last fired at last may fire at now.
func due(last *time.Time, now time.Time) bool {
	return last == nil || !now.Before(last.Add(models.AlertEvery))
}

func sum(counts map[string]int64) int64 {
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}

// breakdown lists the reasons most common first.
func breakdown(counts map[string]int64) []mail.ReasonLine {
	lines := make([]mail.ReasonLine, 0, len(counts))
	for code, n := range counts {
		lines = append(lines, mail.ReasonLine{Code: code, Title: reasonTitle(code), Count: n})
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].Count != lines[j].Count {
			return lines[i].Count > lines[j].Count
		}
		return lines[i].Code < lines[j].Code
	})
	return lines
}

func reasonTitle(code string) string {
	if r, ok := sso.LookupReason(sso.ReasonCode(code)); ok {
		return r.Title
	}
	switch sso.ReasonCode(code) {
	case sso.ReasonRateLimited:
		return sso.RateLimited.Title
	case sso.ReasonOriginNotAllowed:
		return sso.OriginNotAllowed.Title
	}
	return code
}

// logsLink is the Logs view filtered to the spike's main reason.
func (r *Runner) logsLink(reason string) string {
	return r.ConsoleURL + "/settings/logs?" + url.Values{"reason": {reason}}.Encode()
}
