package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
	"helpcenter/sso"
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
func (s *Store) InSignIn(ctx context.Context, fn func(*SignIn) error) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return fn(&SignIn{q: queries{db: tx, now: s.now}}) })
}

// queries are the statements of the sign-in flow, run on a transaction or
// directly on the writer.
type queries struct {
	db  *gorm.DB
	now func() time.Time
}

func (s *Store) queries(ctx context.Context) queries {
	return queries{db: s.write(ctx), now: s.now}
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

// PurgeJTIs forgets jtis whose tokens can no longer be accepted anyway.
func (t *SignIn) PurgeJTIs(ctx context.Context, now time.Time) (int64, error) {
	return t.q.purgeJTIs(now)
}

func (q queries) recordJTI(helpCenterID int64, jti, surface, instance string, keepUntil time.Time) (bool, error) {
	res := q.db.Exec(`INSERT INTO used_jtis (help_center_id, jti_hash, surface, instance, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		helpCenterID, hash(jti), surface, instance, keepUntil.UTC(), q.now().UTC())
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

func (q queries) purgeJTIs(now time.Time) (int64, error) {
	res := q.db.Exec(`DELETE FROM used_jtis WHERE expires_at < ?`, now.UTC())
	return res.RowsAffected, res.Error
}

// SavePendingKey stores a new pending key; only its hash is kept, so the
// table is no list of live sign-in keys.
func (t *SignIn) SavePendingKey(ctx context.Context, helpCenterID int64, k sso.PendingKey) error {
	return t.q.savePendingKey(helpCenterID, k)
}

func (q queries) savePendingKey(helpCenterID int64, k sso.PendingKey) error {
	return q.db.Exec(`INSERT INTO pending_keys (help_center_id, key_hash, browser_hash, return_to, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		helpCenterID, hash(k.Key), k.BrowserHash, k.ReturnTo, q.now().UTC(), k.ExpiresAt.UTC()).Error
}

// ConsumePendingKey marks the key used with one conditional UPDATE checked
// by rows affected: of concurrent redemptions exactly one succeeds.
func (t *SignIn) ConsumePendingKey(ctx context.Context, helpCenterID int64, key, browserHash string, now time.Time) (string, bool, error) {
	var returnTo []string
	err := t.q.db.Raw(`UPDATE pending_keys SET used_at = ?
		WHERE help_center_id = ? AND key_hash = ? AND browser_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING return_to`,
		now.UTC(), helpCenterID, hash(key), browserHash, now.UTC()).Scan(&returnTo).Error
	if err != nil || len(returnTo) == 0 {
		return "", false, err
	}
	return returnTo[0], true, nil
}

// PendingKeyLive reports whether the key is unused and unexpired (for any
// browser), which tells a key of another browser from an unknown one.
func (t *SignIn) PendingKeyLive(ctx context.Context, helpCenterID int64, key string, now time.Time) (bool, error) {
	var n int64
	err := t.q.db.Raw(`SELECT COUNT(*) FROM pending_keys
		WHERE help_center_id = ? AND key_hash = ? AND used_at IS NULL AND expires_at > ?`,
		helpCenterID, hash(key), now.UTC()).Scan(&n).Error
	return n > 0, err
}

// PurgePendingKeys deletes expired keys.
func (t *SignIn) PurgePendingKeys(ctx context.Context, now time.Time) (int64, error) {
	return t.q.purgePendingKeys(now)
}

func (q queries) purgePendingKeys(now time.Time) (int64, error) {
	res := q.db.Exec(`DELETE FROM pending_keys WHERE expires_at < ?`, now.UTC())
	return res.RowsAffected, res.Error
}

// ProvisionUser finds the token's user — by external_id when given, else
// by email case-insensitively — creating it on first sight and refreshing
// its profile from every accepted token. Banned stays banned.
func (t *SignIn) ProvisionUser(ctx context.Context, helpCenterID int64, p sso.Profile, now time.Time) (sso.ProvisionedUser, error) {
	u, err := t.q.findUser(helpCenterID, p)
	if err != nil {
		return sso.ProvisionedUser{}, err
	}
	now = now.UTC()
	custom := string(p.CustomFields)
	if custom == "" {
		custom = "{}"
	}
	if u == nil {
		u = &models.User{HelpCenterID: helpCenterID, ExternalID: p.ExternalID, CreatedAt: now}
	}
	u.Email, u.EmailLower, u.Name = p.Email, sso.NormalizeEmail(p.Email), p.Name
	u.AvatarURL, u.Lang, u.Role, u.CustomFields = p.AvatarURL, p.Lang, p.Role, custom
	u.ExternalID = p.ExternalID
	u.UpdatedAt, u.LastSignInAt = now, &now
	if err := t.q.db.Save(u).Error; err != nil {
		return sso.ProvisionedUser{}, err
	}
	return sso.ProvisionedUser{ID: u.ID, Banned: u.Banned}, nil
}

// findUser applies SPEC section 5. A token with an external_id that names
// nobody yet adopts the user with its email and no external_id (a user
// banned by email before their first sign-in, or one created by tokens
// without external_id), so a ban cannot be stepped around by adding one.
func (q queries) findUser(helpCenterID int64, p sso.Profile) (*models.User, error) {
	var u models.User
	if p.ExternalID != "" {
		err := q.db.Where("help_center_id = ? AND external_id = ?", helpCenterID, p.ExternalID).Take(&u).Error
		if err == nil {
			return &u, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
		err = q.db.Where("help_center_id = ? AND email_lower = ? AND external_id = ''", helpCenterID, sso.NormalizeEmail(p.Email)).
			Order("banned DESC, id").Take(&u).Error
		return foundOrNil(&u, err)
	}
	err := q.db.Where("help_center_id = ? AND email_lower = ?", helpCenterID, sso.NormalizeEmail(p.Email)).
		Order("banned DESC, id").Take(&u).Error
	return foundOrNil(&u, err)
}

func foundOrNil(u *models.User, err error) (*models.User, error) {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// OpenSession saves a visitor session, ending the browser's previous one
// (rotation: the old cookie never signs in again).
func (t *SignIn) OpenSession(ctx context.Context, old []byte, sess *models.VisitorSession) error {
	if len(old) > 0 {
		if err := t.q.endSession(sess.HelpCenterID, old); err != nil {
			return err
		}
	}
	return t.q.db.Create(sess).Error
}

// endSession deletes a session and records its revocation, so instances
// that trust its cookie learn to refuse it.
func (q queries) endSession(helpCenterID int64, idHash []byte) error {
	var expires []time.Time
	if err := q.db.Model(&models.VisitorSession{}).Where("id_hash = ? AND help_center_id = ?", idHash, helpCenterID).
		Pluck("expires_at", &expires).Error; err != nil {
		return err
	}
	if len(expires) == 0 {
		return nil
	}
	if err := q.db.Where("id_hash = ?", idHash).Delete(&models.VisitorSession{}).Error; err != nil {
		return err
	}
	return q.db.Create(&models.Revocation{IDHash: idHash, HelpCenterID: helpCenterID, ExpiresAt: expires[0], CreatedAt: q.now().UTC()}).Error
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
	return s.tx(ctx, func(tx *gorm.DB) error { return queries{db: tx, now: s.now}.logEvent(e) })
}

func (q queries) logEvent(e *models.Event) error {
	e.CreatedAt = e.CreatedAt.UTC()
	if e.Count == 0 {
		e.Count = 1
	}
	e.Email, e.Detail, e.UserAgent = clip(e.Email, 320), clip(e.Detail, 1000), clip(e.UserAgent, 500)
	if e.Reason == "" {
		return q.db.Create(e).Error
	}
	minute := e.CreatedAt.Truncate(time.Minute)
	var n int64
	// Count at most the ceiling's worth of rows: the subquery's LIMIT keeps
	// this cheap however large the flood.
	if err := q.db.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM events
		WHERE help_center_id = ? AND created_at >= ? AND reason <> '' AND NOT summary LIMIT ?) AS recent`,
		e.HelpCenterID, minute, RejectedCeiling).Scan(&n).Error; err != nil {
		return err
	}
	if n < RejectedCeiling {
		return q.db.Create(e).Error
	}
	res := q.db.Exec(`UPDATE events SET count = count + 1,
		detail = 'further rejections in this minute past the ceiling of 600, counted here instead of logged one by one; the latest: ' || ?
		WHERE help_center_id = ? AND summary AND created_at = ?`, e.Reason, e.HelpCenterID, minute)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	return q.db.Create(&models.Event{
		HelpCenterID: e.HelpCenterID, CreatedAt: minute, Event: e.Event, Reason: SummaryReason,
		Detail: "further rejections in this minute past the ceiling of 600, counted here instead of logged one by one; the latest: " + e.Reason,
		Count:  1, Summary: true,
	}).Error
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
