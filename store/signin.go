package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
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

// pendingKeyLive counts the help center's unused, unexpired keys of a hash.
const pendingKeyLive = `SELECT COUNT(*) FROM pending_keys
	WHERE help_center_id = ? AND key_hash = ? AND used_at IS NULL AND expires_at > ?`

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
	row, err := t.q.queryRow(pendingKeyLive, helpCenterID, hash(key), now.UTC())
	if err != nil {
		return false, err
	}
	var n int64
	err = row.Scan(&n)
	return n > 0, err
}

// userRefresh is the SET clause every accepted token applies: name and
// email from each token, role from each token (absent means viewer), the
// profile claims lang, avatar_url and custom_fields only when the token
// names them (a null clears them; left out, they are kept); groups from
// each token (absent means none). banned is
// never touched, and a banned user is never refreshed: nothing from a
// refused token changes a user.
const userRefresh = `email = ?, email_lower = ?, name = ?,
	avatar_url = CASE WHEN ? THEN avatar_url ELSE ? END,
	lang = CASE WHEN ? THEN lang ELSE ? END,
	role = ?, groups = ?,
	custom_fields = CASE WHEN ? THEN custom_fields ELSE ? END,
	updated_at = ?, last_sign_in_at = ?, first_sign_in_at = COALESCE(first_sign_in_at, ?)`

// ProvisionUser finds the token's user — by external_id when given, else
// by email case-insensitively — refreshing its profile, or creates it on
// first sight. A returning user costs one UPDATE … RETURNING.
//
// A token whose external_id names nobody yet adopts the user with its
// email and no external_id (one created by tokens without external_id).
// A banned user is returned as it is, unrefreshed; so is a ban placed on
// the email (before a first sign-in, or on another user of that email)
// for a token that would otherwise create or adopt a user: a ban cannot
// be stepped around by adding an external_id. Two first sign-ins of one
// new user at once make one user on every backend.
func (t *SignIn) ProvisionUser(ctx context.Context, helpCenterID int64, p models.Profile, create bool, now time.Time) (models.ProvisionedUser, error) {
	now = now.UTC()
	custom := string(p.CustomFields)
	if custom == "" {
		custom = "{}"
	}
	lower := models.EmailKey(p.Email)
	groups, err := json.Marshal(append([]string{}, p.Groups...))
	if err != nil {
		return models.ProvisionedUser{}, err
	}
	set := []any{p.Email, lower, p.Name, p.KeepAvatar, p.AvatarURL, p.KeepLang, p.Lang, string(p.Role), string(groups), p.KeepCustom, custom, now, now, now}
	u, found, err := t.findUser(helpCenterID, p.ExternalID, lower, set)
	if err != nil || found || !create {
		return u, err
	}
	// A new user. Where several writers run at once (PostgreSQL), take the
	// lock of this email (and external_id) and look again: a transaction
	// that created the user while this one waited has committed by now.
	if lock := t.q.s.d.userLock; lock != "" {
		for _, k := range []string{"email:" + lower, "external_id:" + p.ExternalID} {
			if k == "external_id:" {
				continue
			}
			if _, err := t.q.exec(lock, userLockKey(helpCenterID, k)); err != nil {
				return models.ProvisionedUser{}, err
			}
		}
		if u, found, err = t.findUser(helpCenterID, p.ExternalID, lower, set); err != nil || found {
			return u, err
		}
	}
	row, err := t.q.queryRow(`INSERT INTO users (help_center_id, external_id, created_at, banned, `+
		`email, email_lower, name, avatar_url, lang, role, groups, custom_fields, updated_at, last_sign_in_at, first_sign_in_at)
		VALUES (?, ?, ?, FALSE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		helpCenterID, p.ExternalID, now, p.Email, lower, p.Name, p.AvatarURL, p.Lang, string(p.Role), string(groups), custom, now, now, now)
	if err != nil {
		return models.ProvisionedUser{}, err
	}
	var u2 models.ProvisionedUser
	return u2, row.Scan(&u2.ID)
}

// findUser is ProvisionUser's lookup: it refreshes the token's user and
// returns it, or returns a banned user (or the ban on the email) without
// touching it; found is false when the token's user is new.
func (t *SignIn) findUser(helpCenterID int64, externalID, lower string, set []any) (u models.ProvisionedUser, found bool, err error) {
	// refresh runs one UPDATE … RETURNING on the user the condition picks,
	// unless that user is banned.
	refresh := func(extra, where string, args ...any) (bool, error) {
		row, err := t.q.queryRow(`UPDATE users SET `+userRefresh+extra+` WHERE `+where+` AND NOT banned RETURNING id`,
			append(append([]any{}, set...), args...)...)
		if err != nil {
			return false, err
		}
		switch err := row.Scan(&u.ID); {
		case err == nil:
			return true, nil
		case errors.Is(err, sql.ErrNoRows):
			return false, nil
		default:
			return false, err
		}
	}
	// banned finds a banned user by the condition.
	banned := func(where string, args ...any) (bool, error) {
		row, err := t.q.queryRow(`SELECT id FROM users WHERE `+where+` AND banned ORDER BY id LIMIT 1`, args...)
		if err != nil {
			return false, err
		}
		switch err := row.Scan(&u.ID); {
		case err == nil:
			u.Banned = true
			return true, nil
		case errors.Is(err, sql.ErrNoRows):
			return false, nil
		default:
			return false, err
		}
	}
	if externalID != "" {
		// "external_id <> ''" repeats the partial index's condition: with a
		// bound parameter the planner cannot infer it, and would scan.
		byID := `help_center_id = ? AND external_id = ? AND external_id <> ''`
		if ok, err := refresh("", byID, helpCenterID, externalID); err != nil || ok {
			return u, ok, err
		}
		if ok, err := banned(byID, helpCenterID, externalID); err != nil || ok {
			return u, ok, err
		}
		ok, err := refresh(`, external_id = ?`, `id = (SELECT id FROM users
			WHERE help_center_id = ? AND email_lower = ? AND external_id = '' ORDER BY banned DESC, id LIMIT 1)`,
			externalID, helpCenterID, lower)
		if err != nil || ok {
			return u, ok, err
		}
	} else {
		ok, err := refresh("", `id = (SELECT id FROM users
			WHERE help_center_id = ? AND email_lower = ? ORDER BY banned DESC, id LIMIT 1)`, helpCenterID, lower)
		if err != nil || ok {
			return u, ok, err
		}
	}
	ok, err := banned(`help_center_id = ? AND email_lower = ?`, helpCenterID, lower)
	return u, ok, err
}

// userLockKey is the advisory-lock number of one user key of a help
// center.
func userLockKey(helpCenterID int64, key string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "user:%d:%s", helpCenterID, key)
	return int64(h.Sum64())
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

// SustainedCeiling replaces RejectedCeiling in a minute that follows one
// which passed its ceiling: a flood that goes on is sampled at a tenth of
// the rate, so a day of it writes some 88 000 rows (about 45 MB with the
// Logs indexes) instead of 865 000 (about 430 MB). A quiet minute ends it.
const SustainedCeiling = 60

// LogEvent writes the event row of this outcome (see Store.LogEvent).
// The count is taken when the row is written, before the transaction
// commits: a sign-in that then fails with a server error still counts.
func (t *SignIn) LogEvent(ctx context.Context, e *models.Event) error {
	err := t.q.logEvent(e)
	t.q.s.heard(e, err)
	return err
}

// LogEvent writes one event row outside a sign-in transaction (a rejection
// decided before any state was touched).
func (s *Store) LogEvent(ctx context.Context, e *models.Event) error {
	err := s.update(ctx, func(q queries) error { return q.logEvent(e) })
	s.heard(e, err)
	return err
}

// heard tells OnEvent of an event row written.
func (s *Store) heard(e *models.Event, err error) {
	if on := s.onEvent; on != nil && err == nil {
		on(e.Event, e.Reason)
	}
}

// LogFolded writes the row of a refusal that can repeat many times a
// minute — rate_limited (SPEC section 3), origin_not_allowed — as one row
// per help center, event, reason, address and minute, which further
// refusals in that minute add to.
func (s *Store) LogFolded(ctx context.Context, e *models.Event) (err error) {
	defer func() { s.heard(e, err) }()
	return s.update(ctx, func(q queries) error {
		minute := e.CreatedAt.UTC().Truncate(time.Minute)
		res, err := q.exec(`UPDATE events SET count = count + 1, detail = ?
			WHERE help_center_id = ? AND event = ? AND reason = ? AND ip = ? AND created_at = ?`,
			clip(e.Detail, 1000), e.HelpCenterID, e.Event, e.Reason, e.IP, minute)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		row := *e
		row.CreatedAt, row.Email, row.JTI, row.Key, row.KeyID = minute, "", "", "", 0
		return q.logEvent(&row)
	})
}

// summaryDetail is a summary row's detail under the ceiling in force.
func summaryDetail(ceiling int, reason string) string {
	why := ""
	if ceiling == SustainedCeiling {
		why = " (the flood went on from the minute before)"
	}
	return fmt.Sprintf("further rejections in this minute past the ceiling of %d%s, counted here instead of logged one by one; the latest: %s", ceiling, why, reason)
}

func (q queries) logEvent(e *models.Event) error {
	e.CreatedAt = e.CreatedAt.UTC()
	if e.Count == 0 {
		e.Count = 1
	}
	e.Email, e.Detail, e.UserAgent, e.Key = clip(e.Email, 320), clip(e.Detail, 1000), clip(e.UserAgent, 500), clip(e.Key, 200)
	if e.RequestID == "" {
		e.RequestID = models.RequestID(q.context())
	}
	insert := func(e *models.Event) error {
		_, err := q.exec(`INSERT INTO events (help_center_id, created_at, event, reason, detail, email, jti, ip, user_agent, key_name, key_id, count, summary, iat_skew, request_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.HelpCenterID, e.CreatedAt, e.Event, e.Reason, e.Detail, e.Email, e.JTI, e.IP, e.UserAgent, e.Key, e.KeyID, e.Count, e.Summary, e.Skew, e.RequestID)
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
	ceiling := RejectedCeiling
	if n >= SustainedCeiling && n < RejectedCeiling {
		// Only now is it worth asking whether the minute before was
		// summarised too.
		prev, err := q.queryRow(`SELECT COUNT(*) FROM events WHERE help_center_id = ? AND summary AND created_at = ?`,
			e.HelpCenterID, minute.Add(-time.Minute))
		if err != nil {
			return err
		}
		var flooded int64
		if err := prev.Scan(&flooded); err != nil {
			return err
		}
		if flooded > 0 {
			ceiling = SustainedCeiling
		}
	}
	if n < int64(ceiling) {
		return insert(e)
	}
	detail := summaryDetail(ceiling, e.Reason)
	res, err := q.exec(`UPDATE events SET count = count + 1, detail = ?
		WHERE help_center_id = ? AND summary AND created_at = ?`, detail, e.HelpCenterID, minute)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return insert(&models.Event{
		HelpCenterID: e.HelpCenterID, CreatedAt: minute, Event: e.Event, Reason: SummaryReason,
		Detail: detail, Count: 1, Summary: true,
	})
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
