package store

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"helpcenter/models"
)

// SummaryReason is the reason of the row that, once a help center passes
// RejectedCeiling rejections in a minute, counts the rest of that minute's
// rejections (its Count) instead of logging each.
const SummaryReason = "rejections_summarised"

// EventFilter narrows the Logs view. Zero values mean "any".
type EventFilter struct {
	// Events lists the event names to show; empty means every event.
	Events []string
	// Reason is one reason code.
	Reason string
	// Email matches the event's email case-insensitively.
	Email string
	// KeyID is the stored key that verified the event's token.
	KeyID int64
}

// EventCursor is the position after which the next page starts: the
// (created_at, id) of the last row shown. Paging by key instead of OFFSET
// keeps page 1,000 as fast as page 1, and rows arriving meanwhile never
// shift a page.
type EventCursor struct {
	CreatedAt time.Time
	ID        int64
}

// String is how a cursor travels in a page link or an API answer:
// "<unix nanoseconds>_<id>".
func (c EventCursor) String() string {
	return strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + "_" + strconv.FormatInt(c.ID, 10)
}

// ParseEventCursor reads a cursor written by String.
func ParseEventCursor(s string) (EventCursor, bool) {
	ns, id, ok := strings.Cut(s, "_")
	if !ok {
		return EventCursor{}, false
	}
	n, err1 := strconv.ParseInt(ns, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || i <= 0 {
		return EventCursor{}, false
	}
	return EventCursor{CreatedAt: time.Unix(0, n).UTC(), ID: i}, true
}

// Cursor is the position of e, for the page after it.
func Cursor(e models.Event) EventCursor { return EventCursor{CreatedAt: e.CreatedAt, ID: e.ID} }

const eventColumns = "id, help_center_id, created_at, event, reason, detail, email, jti, ip, user_agent, key_name, key_id, count"

// Events returns up to limit events of the help center matching f, newest
// first, starting after the cursor (nil: from the newest).
//
// Each filter walks the one index made for it, newest end first, and stops
// after limit rows; on SQLite the index is named (INDEXED BY) because the
// planner, without statistics, may pick a plan that sorts every match. A
// set of events becomes one such walk per event, merged, rather than an IN
// list, which no single index range can return in time order.
func (s *Store) Events(ctx context.Context, helpCenterID int64, f EventFilter, after *EventCursor, limit int) ([]models.Event, error) {
	query, args := s.eventsQuery(helpCenterID, f, after, limit)
	var out []models.Event
	if err := s.read(ctx).Raw(query, args...).Scan(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}

func (s *Store) eventsQuery(helpCenterID int64, f EventFilter, after *EventCursor, limit int) (string, []any) {
	// arm is one index walk: the SELECT for at most one event name.
	arm := func(index, event string) (string, []any) {
		var b strings.Builder
		args := []any{helpCenterID}
		b.WriteString("SELECT " + eventColumns + " FROM events")
		b.WriteString(s.d.indexedBy(index))
		b.WriteString(" WHERE help_center_id = ?")
		if f.Email != "" {
			b.WriteString(" AND lower(email) = lower(?)")
			args = append(args, f.Email)
		}
		if f.Reason != "" {
			b.WriteString(" AND reason = ?")
			args = append(args, f.Reason)
		}
		if f.KeyID != 0 {
			b.WriteString(" AND key_id = ?")
			args = append(args, f.KeyID)
		}
		switch {
		case event != "":
			b.WriteString(" AND event = ?")
			args = append(args, event)
		case len(f.Events) > 0:
			b.WriteString(" AND event IN (?" + strings.Repeat(", ?", len(f.Events)-1) + ")")
			for _, e := range f.Events {
				args = append(args, e)
			}
		}
		if after != nil {
			b.WriteString(" AND (created_at, id) < (?, ?)")
			args = append(args, after.CreatedAt.UTC(), after.ID)
		}
		b.WriteString(" ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(limit))
		return b.String(), args
	}
	switch {
	case f.Email != "":
		return arm("events_email", "")
	case f.KeyID != 0:
		return arm("events_key", "")
	case f.Reason != "":
		return arm("events_reason", "")
	case len(f.Events) == 0:
		return arm("events_time", "")
	case len(f.Events) == 1:
		return arm("events_event", f.Events[0])
	}
	var parts []string
	var args []any
	for i, e := range f.Events {
		q, a := arm("events_event", e)
		parts = append(parts, fmt.Sprintf("SELECT * FROM (%s) AS e%d", q, i))
		args = append(args, a...)
	}
	return strings.Join(parts, " UNION ALL ") + " ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(limit), args
}

// EachEvent calls fn for every event of the help center matching f, newest
// first, reading batch rows at a time so that an export of millions of
// rows holds one batch in memory. It stops at fn's first error.
func (s *Store) EachEvent(ctx context.Context, helpCenterID int64, f EventFilter, batch int, fn func(models.Event) error) error {
	var after *EventCursor
	for {
		page, err := s.Events(ctx, helpCenterID, f, after, batch)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < batch {
			return nil
		}
		c := Cursor(page[len(page)-1])
		after = &c
	}
}

// ReasonCount is how many rejections one reason had in the two windows of
// the Logs view's chart.
type ReasonCount struct {
	Reason   string
	LastDay  int64
	LastWeek int64
}

// ReasonCounts counts the help center's rejections per reason since
// weekStart, and within that since dayStart. reasons lists the codes to
// count: equality on each lets the reason index jump to each code's recent
// rows instead of reading the help center's whole history. A summary row
// counts for the rejections it stands for.
func (s *Store) ReasonCounts(ctx context.Context, helpCenterID int64, reasons []string, dayStart, weekStart time.Time) ([]ReasonCount, error) {
	if len(reasons) == 0 {
		return nil, nil
	}
	index := s.d.indexedBy("events_reason")
	args := []any{dayStart.UTC(), helpCenterID}
	for _, r := range reasons {
		args = append(args, r)
	}
	args = append(args, weekStart.UTC())
	var out []ReasonCount
	err := s.read(ctx).Raw(`SELECT reason,
			COALESCE(SUM(CASE WHEN created_at >= ? THEN count ELSE 0 END), 0) AS last_day,
			COALESCE(SUM(count), 0) AS last_week
		FROM events`+index+`
		WHERE help_center_id = ? AND reason IN (?`+strings.Repeat(", ?", len(reasons)-1)+`) AND created_at >= ?
		GROUP BY reason`, args...).Scan(&out).Error
	return out, err
}

// HasSignIn reports whether anyone has signed in to the help center
// through single sign-on (the setup checklist's last step).
func (s *Store) HasSignIn(ctx context.Context, helpCenterID int64) (bool, error) {
	var n int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE help_center_id = ? AND event = ? LIMIT 1) AS one`,
		helpCenterID, models.EventRedirectSucceeded).Scan(&n).Error
	return n > 0, err
}

// InsertEvents writes events for the help center in one transaction
// through one prepared statement: the fast path for bulk loads (tests and
// the Logs benchmark). Each event's HelpCenterID is set to helpCenterID;
// a zero Count is stored as 1. It returns how many rows it wrote.
func (s *Store) InsertEvents(ctx context.Context, helpCenterID int64, events iter.Seq[models.Event]) (int, error) {
	n := 0
	err := s.update(ctx, func(q queries) error {
		stmt, err := q.tx.PrepareContext(q.ctx, s.d.placeholders(`INSERT INTO events
			(help_center_id, created_at, event, reason, detail, email, jti, ip, user_agent, key_name, key_id, count)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for e := range events {
			if e.Count == 0 {
				e.Count = 1
			}
			if _, err := stmt.ExecContext(q.ctx, helpCenterID, e.CreatedAt.UTC(), e.Event, e.Reason, e.Detail,
				e.Email, e.JTI, e.IP, e.UserAgent, e.Key, e.KeyID, e.Count); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// driftSample bounds how many of the last hour's tokens ClockDrift reads:
// the newest ones, enough for a median and a worst case.
const driftSample = 5000

// ClockDrift is the skew (iat − now, seconds) of the help center's
// verified tokens since since: how many, the median, and the one furthest
// from zero (the worst).
type ClockDrift struct {
	Tokens        int
	Median, Worst float64
}

// ClockDriftSince reads the skews of up to driftSample of the newest
// verified tokens since since.
func (s *Store) ClockDriftSince(ctx context.Context, helpCenterID int64, since time.Time) (ClockDrift, error) {
	var skews []float64
	err := s.read(ctx).Raw(`SELECT iat_skew FROM events `+s.d.indexedBy("events_time")+`
		WHERE help_center_id = ? AND created_at >= ? AND iat_skew IS NOT NULL ORDER BY created_at DESC LIMIT ?`,
		helpCenterID, since.UTC(), driftSample).Scan(&skews).Error
	if err != nil || len(skews) == 0 {
		return ClockDrift{}, err
	}
	slices.Sort(skews)
	d := ClockDrift{Tokens: len(skews), Median: skews[len(skews)/2], Worst: skews[0]}
	if math.Abs(skews[len(skews)-1]) > math.Abs(d.Worst) {
		d.Worst = skews[len(skews)-1]
	}
	return d, nil
}
