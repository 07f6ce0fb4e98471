package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// purgeBatch is how many rows one purge statement deletes. Each batch is
// its own short transaction, so on SQLite's single writer a sign-in waits
// for one batch at most, never for the whole purge.
const purgeBatch = 1000

// purgeTarget is one kind of row that stops mattering at some time.
type purgeTarget struct {
	table, key, column string
}

var purgeTargets = []purgeTarget{
	{"pending_keys", "id", "expires_at"},
	{"used_jtis", "help_center_id, jti_hash", "expires_at"},
	{"visitor_sessions", "id_hash", "expires_at"},
	{"admin_sessions", "id_hash", "expires_at"},
	{"revoked_sessions", "id", "expires_at"},
	{"login_failures", "id", "created_at"},
	{"tester_runs", "help_center_id, key_hash", "expires_at"},
	{"sso_key_usage", "key_id, hour", "hour"},
	{"password_resets", "token_hash", "expires_at"},
	// Sent mail is kept a month for an operator asking "did it go out?";
	// queued and failed mail has no sent_at and stays.
	{"mail_queue", "id", "sent_at"},
}

// Purge deletes what can no longer matter — expired pending keys, jtis
// whose tokens can no longer be accepted, expired sessions and their
// revocations, old failed sign-ins — and events and audit entries older
// than eventsBefore (HELPCENTER_EVENT_RETENTION),
// in batches. It returns how many rows went.
func (s *Store) Purge(ctx context.Context, now, eventsBefore time.Time) (int64, error) {
	var total int64
	// Key usage is shown for the last 24 hours; two days keep the hour
	// that straddles the window whatever the clock.
	cutoff := map[string]time.Time{"login_failures": now.Add(-time.Hour), "sso_key_usage": now.Add(-48 * time.Hour),
		"mail_queue": now.Add(-30 * 24 * time.Hour)}
	for _, t := range purgeTargets {
		before, ok := cutoff[t.table]
		if !ok {
			before = now
		}
		n, err := s.purgeTable(ctx, t, before)
		total += n
		if err != nil {
			return total, err
		}
	}
	for _, t := range []purgeTarget{{"events", "id", "created_at"}, {"settings_audit", "id", "created_at"}} {
		n, err := s.purgeTable(ctx, t, eventsBefore)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeTable deletes rows whose column is before the time, a batch at a
// time. The batch is picked by the primary key as a row value, which both
// SQLite and PostgreSQL index.
func (s *Store) purgeTable(ctx context.Context, t purgeTarget, before time.Time) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
			return db.Exec(`DELETE FROM `+t.table+` WHERE (`+t.key+`) IN
				(SELECT `+t.key+` FROM `+t.table+` WHERE `+t.column+` < ? LIMIT ?)`, before.UTC(), purgeBatch)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
