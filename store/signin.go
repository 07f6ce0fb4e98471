package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"helpcenter/models"
)

// SignIn is one /sso/jwt outcome's transaction: the jti it records, the
// key it consumes, the user it provisions, the session it opens and the
// event row that reports it all commit together or not at all, so a crash
// never leaves a session without its row. It implements the sso package's
// storage interfaces for steps 11–14.
type SignIn struct {
	q queries
}

// InSignIn runs fn in one write transaction. Returning an error rolls it
// back; a rejection is not an error — its jti and event row must commit.
// fn gets the transaction's context: passing it on makes a write started
// outside tx by mistake fail with ErrNestedWrite instead of waiting forever
// for the transaction it is inside.
func (s *Store) InSignIn(ctx context.Context, fn func(ctx context.Context, tx *SignIn) error) error {
	return s.update(ctx, func(q queries) error { return fn(q.ctx, &SignIn{q: q}) })
}

func hash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Surfaces a jti can be used on (SPEC section 8: a jti is taken once,
// across both).
const (
	SurfaceRedirect = "redirect"
	SurfaceWidget   = "widget"
)

// RecordJTI takes jti for this help center with an INSERT against the
// primary key, so exactly one of any number of concurrent callers wins on
// SQLite and PostgreSQL alike (read-then-write lets replays through).
func (t *SignIn) RecordJTI(ctx context.Context, helpCenterID int64, jti string, keepUntil time.Time) (bool, error) {
	return t.q.recordJTI(helpCenterID, jti, SurfaceRedirect, "", keepUntil)
}

func (q queries) recordJTI(helpCenterID int64, jti, surface, instance string, keepUntil time.Time) (bool, error) {
	res, err := q.exec(`INSERT INTO used_jtis (help_center_id, jti_hash, surface, instance, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		helpCenterID, hash(jti), surface, instance, keepUntil.UTC(), q.now().UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// savePendingKey stores a new pending key; only its hash is kept, so the
// table is no list of live sign-in keys.
func (q queries) savePendingKey(helpCenterID int64, k models.PendingKey) error {
	_, err := q.exec(`INSERT INTO pending_keys (help_center_id, key_hash, browser_hash, return_to, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		helpCenterID, hash(k.Key), k.BrowserHash, k.ReturnTo, q.now().UTC(), k.ExpiresAt.UTC())
	return err
}

// ConsumePendingKey marks the key used with one conditional UPDATE: of
// concurrent redemptions exactly one gets its row back.
func (t *SignIn) ConsumePendingKey(ctx context.Context, helpCenterID int64, key, browserHash string, now time.Time) (string, bool, error) {
	row, err := t.q.queryRow(`UPDATE pending_keys SET used_at = ?
		WHERE help_center_id = ? AND key_hash = ? AND browser_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING return_to`,
		now.UTC(), helpCenterID, hash(key), browserHash, now.UTC())
	if err != nil {
		return "", false, err
	}
	var returnTo string
	switch err := row.Scan(&returnTo); {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return returnTo, true, nil
}

// PendingKeyLive reports whether the key is unused and unexpired (for any
// browser), which tells a key of another browser from an unknown one.
func (t *SignIn) PendingKeyLive(ctx context.Context, helpCenterID int64, key string, now time.Time) (bool, error) {
	row, err := t.q.queryRow(`SELECT COUNT(*) FROM pending_keys
		WHERE help_center_id = ? AND key_hash = ? AND used_at IS NULL AND expires_at > ?`,
		helpCenterID, hash(key), now.UTC())
	if err != nil {
		return false, err
	}
	var n int64
	err = row.Scan(&n)
	return n > 0, err
}

// userRefresh is the SET clause every accepted token applies: the profile
// is refreshed from each token; banned is never touched.
const userRefresh = `email = ?, email_lower = ?, name = ?, avatar_url = ?, lang = ?, role = ?, custom_fields = ?,
	updated_at = ?, last_sign_in_at = ?`

// ProvisionUser finds the token's user — by external_id when given, else
// by email case-insensitively — refreshing its profile, or creates it on
// first sight. A returning user costs one UPDATE … RETURNING.
//
// A token whose external_id names nobody yet adopts the user with its
// email and no external_id (a user banned by email before their first
// sign-in, or one created by tokens without external_id), so a ban cannot
// be stepped around by adding an external_id. Banned stays banned.
func (t *SignIn) ProvisionUser(ctx context.Context, helpCenterID int64, p models.Profile, now time.Time) (models.ProvisionedUser, error) {
	now = now.UTC()
	custom := string(p.CustomFields)
	if custom == "" {
		custom = "{}"
	}
	lower := models.EmailKey(p.Email)
	profile := []any{p.Email, lower, p.Name, p.AvatarURL, p.Lang, string(p.Role), custom, now, now}
	args := func(extra ...any) []any { return append(append([]any{}, profile...), extra...) }

	var attempts []userUpdate
	if p.ExternalID != "" {
		attempts = []userUpdate{
			// "external_id <> ''" repeats the partial index's condition: with a
			// bound parameter the planner cannot infer it, and would scan.
			{`UPDATE users SET ` + userRefresh + ` WHERE help_center_id = ? AND external_id = ? AND external_id <> '' RETURNING id, banned`,
				args(helpCenterID, p.ExternalID)},
			{`UPDATE users SET ` + userRefresh + `, external_id = ? WHERE id = (SELECT id FROM users
				WHERE help_center_id = ? AND email_lower = ? AND external_id = '' ORDER BY banned DESC, id LIMIT 1) RETURNING id, banned`,
				args(p.ExternalID, helpCenterID, lower)},
		}
	} else {
		attempts = []userUpdate{{`UPDATE users SET ` + userRefresh + ` WHERE id = (SELECT id FROM users
			WHERE help_center_id = ? AND email_lower = ? ORDER BY banned DESC, id LIMIT 1) RETURNING id, banned`,
			args(helpCenterID, lower)}}
	}
	for _, a := range attempts {
		row, err := t.q.queryRow(a.query, a.args...)
		if err != nil {
			return models.ProvisionedUser{}, err
		}
		var u models.ProvisionedUser
		switch err := row.Scan(&u.ID, &u.Banned); {
		case err == nil:
			return u, nil
		case !errors.Is(err, sql.ErrNoRows):
			return models.ProvisionedUser{}, err
		}
	}
	// A new user whose email is banned on this help center starts banned:
	// a ban by email must hold against a token that brings a new
	// external_id for it, not only against the row it was placed on.
	row, err := t.q.queryRow(`INSERT INTO users (help_center_id, external_id, created_at, banned, `+
		`email, email_lower, name, avatar_url, lang, role, custom_fields, updated_at, last_sign_in_at)
		VALUES (?, ?, ?, EXISTS (SELECT 1 FROM users WHERE help_center_id = ? AND email_lower = ? AND banned),
		?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, banned`,
		append([]any{helpCenterID, p.ExternalID, now, helpCenterID, lower}, profile...)...)
	if err != nil {
		return models.ProvisionedUser{}, err
	}
	var u models.ProvisionedUser
	return u, row.Scan(&u.ID, &u.Banned)
}

// userUpdate is one way of finding and refreshing a token's user.
type userUpdate struct {
	query string
	args  []any
}

// OpenSession saves a visitor session, ending the browser's previous one
// (rotation: the old cookie never signs in again).
func (t *SignIn) OpenSession(ctx context.Context, old []byte, sess *models.VisitorSession) error {
	if len(old) > 0 {
		if err := t.q.endSession(sess.HelpCenterID, old); err != nil {
			return err
		}
	}
	_, err := t.q.exec(`INSERT INTO visitor_sessions (id_hash, help_center_id, user_id, jti, return_to, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sess.IDHash, sess.HelpCenterID, sess.UserID, sess.JTI, sess.ReturnTo, sess.CreatedAt.UTC(), sess.ExpiresAt.UTC())
	return err
}

// endSession deletes a session and records its revocation, so instances
// that trust its cookie learn to refuse it.
func (q queries) endSession(helpCenterID int64, idHash []byte) error {
	row, err := q.queryRow(`DELETE FROM visitor_sessions WHERE id_hash = ? AND help_center_id = ? RETURNING expires_at`,
		idHash, helpCenterID)
	if err != nil {
		return err
	}
	var expires time.Time
	switch err := row.Scan(&expires); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	_, err = q.exec(`INSERT INTO revoked_sessions (id_hash, help_center_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
		idHash, helpCenterID, expires.UTC(), q.now().UTC())
	return err
}

// RejectedCeiling is how many rejected rows a help center writes in one
// minute; past it, rejections only add to that minute's summary row, so a
// flood cannot grow the events table without bound.
const RejectedCeiling = 600

// LogEvent writes the event row of this outcome (see Store.LogEvent).
func (t *SignIn) LogEvent(ctx context.Context, e *models.Event) error { return t.q.logEvent(e) }

// LogEvent writes one event row outside a sign-in transaction (a rejection
// decided before any state was touched).
func (s *Store) LogEvent(ctx context.Context, e *models.Event) error {
	return s.update(ctx, func(q queries) error { return q.logEvent(e) })
}

var summaryDetail = fmt.Sprintf("further rejections in this minute past the ceiling of %d, counted here instead of logged one by one; the latest: ", RejectedCeiling)

func (q queries) logEvent(e *models.Event) error {
	e.CreatedAt = e.CreatedAt.UTC()
	if e.Count == 0 {
		e.Count = 1
	}
	e.Email, e.Detail, e.UserAgent, e.Key = clip(e.Email, 320), clip(e.Detail, 1000), clip(e.UserAgent, 500), clip(e.Key, 200)
	insert := func(e *models.Event) error {
		_, err := q.exec(`INSERT INTO events (help_center_id, created_at, event, reason, detail, email, jti, ip, user_agent, key_name, count, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.HelpCenterID, e.CreatedAt, e.Event, e.Reason, e.Detail, e.Email, e.JTI, e.IP, e.UserAgent, e.Key, e.Count, e.Summary)
		return err
	}
	if e.Reason == "" {
		return insert(e)
	}
	minute := e.CreatedAt.Truncate(time.Minute)
	// Count at most the ceiling's worth of rows: the subquery's LIMIT keeps
	// this cheap however large the flood.
	row, err := q.queryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM events
		WHERE help_center_id = ? AND created_at >= ? AND reason <> '' AND NOT summary LIMIT ?) AS recent`,
		e.HelpCenterID, minute, RejectedCeiling)
	if err != nil {
		return err
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return err
	}
	if n < RejectedCeiling {
		return insert(e)
	}
	res, err := q.exec(`UPDATE events SET count = count + 1, detail = ?
		WHERE help_center_id = ? AND summary AND created_at = ?`, summaryDetail+e.Reason, e.HelpCenterID, minute)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return insert(&models.Event{
		HelpCenterID: e.HelpCenterID, CreatedAt: minute, Event: e.Event, Reason: SummaryReason,
		Detail: summaryDetail + e.Reason, Count: 1, Summary: true,
	})
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
