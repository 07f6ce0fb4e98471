package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// SavePendingKey stores the pending key the gate hands to the partner.
func (s *Store) SavePendingKey(ctx context.Context, helpCenterID int64, k models.PendingKey) error {
	return s.update(ctx, func(q queries) error { return q.savePendingKey(helpCenterID, k) })
}

// PendingKeyIssued reports, outside any sign-in, whether the help center
// holds key unused and unexpired (the token tester's note on jti).
func (s *Store) PendingKeyIssued(ctx context.Context, helpCenterID int64, key string, now time.Time) (bool, error) {
	var n int64
	err := s.read(ctx).Raw(pendingKeyLive, helpCenterID, hash(key), now.UTC()).Scan(&n).Error
	return n > 0, err
}

// VisitorSession returns the live session with this id hash on this help
// center and its user, in one query: it runs on every page a signed-in
// visitor reads. A banned user's sessions no longer sign anyone in.
func (s *Store) VisitorSession(ctx context.Context, helpCenterID int64, idHash []byte, now time.Time) (*models.VisitorSession, *models.User, error) {
	var row struct {
		models.User
		SessionJTI       string
		SessionReturnTo  string
		SessionCreatedAt time.Time
		SessionExpiresAt time.Time
	}
	res := s.read(ctx).Raw(`SELECT u.*, s.jti AS session_jti, s.return_to AS session_return_to,
			s.created_at AS session_created_at, s.expires_at AS session_expires_at
		FROM visitor_sessions s JOIN users u ON u.id = s.user_id AND u.help_center_id = s.help_center_id
		WHERE s.id_hash = ? AND s.help_center_id = ? AND s.expires_at > ? AND NOT u.banned`,
		idHash, helpCenterID, now.UTC()).Scan(&row)
	if res.Error != nil {
		return nil, nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil, models.ErrNotFound
	}
	sess := &models.VisitorSession{IDHash: idHash, HelpCenterID: helpCenterID, UserID: row.User.ID, JTI: row.SessionJTI,
		ReturnTo: row.SessionReturnTo, CreatedAt: row.SessionCreatedAt, ExpiresAt: row.SessionExpiresAt}
	return sess, &row.User, nil
}

// EndVisitorSession ends a session on the server (logout) and records its
// revocation.
func (s *Store) EndVisitorSession(ctx context.Context, helpCenterID int64, idHash []byte) error {
	return s.update(ctx, func(q queries) error { return q.endSession(helpCenterID, idHash) })
}

// RevocationsSince lists the unexpired revocations recorded after the one
// with id afterID, or at or after recent. Re-reading the recent ones
// covers ids that became visible out of order (on PostgreSQL a
// transaction holding a smaller id may commit after a larger one).
func (s *Store) RevocationsSince(ctx context.Context, afterID int64, recent, now time.Time) ([]models.Revocation, error) {
	var rs []models.Revocation
	err := s.read(ctx).Where("(id > ? OR created_at >= ?) AND expires_at > ?", afterID, recent.UTC(), now.UTC()).
		Order("id").Find(&rs).Error
	return rs, err
}

// SetUserBanned bans or unbans every user of the help center with this
// email. Banning an email nobody has signed in with yet creates a
// placeholder user, so their first sign-in is refused (created reports it).
func (s *Store) SetUserBanned(ctx context.Context, helpCenterID int64, email string, banned bool) (affected int64, created bool, err error) {
	email = strings.TrimSpace(email)
	lower := models.EmailKey(email)
	err = s.update(ctx, func(q queries) error {
		// A ban takes the lock a first sign-in of this email takes, so the
		// two never both miss each other's row (ProvisionUser).
		if lock := s.d.userLock; lock != "" && banned {
			if _, err := q.exec(lock, userLockKey(helpCenterID, "email:"+lower)); err != nil {
				return err
			}
		}
		now := q.now().UTC()
		res, err := q.exec(`UPDATE users SET banned = ?, updated_at = ? WHERE help_center_id = ? AND email_lower = ?`,
			banned, now, helpCenterID, lower)
		if err != nil {
			return err
		}
		if affected, err = res.RowsAffected(); err != nil {
			return err
		}
		if affected > 0 && banned {
			// A ban ends the user's sessions now, not when they expire.
			ids, err := q.sessionsOf(helpCenterID, lower)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := q.endSession(helpCenterID, id); err != nil {
					return err
				}
			}
		}
		what := map[bool]string{true: "Banned ", false: "Unbanned "}[banned] + lower
		if affected > 0 || !banned {
			if affected == 0 {
				return nil
			}
			return audit(q.orm(), helpCenterID, now, "", what)
		}
		created, affected = true, 1
		if _, err = q.exec(`INSERT INTO users (help_center_id, email, email_lower, role, custom_fields, banned, created_at, updated_at)
			VALUES (?, ?, ?, ?, '{}', ?, ?, ?)`, helpCenterID, email, lower, string(models.RoleViewer), true, now, now); err != nil {
			return err
		}
		return audit(q.orm(), helpCenterID, now, "", what+" (before a first sign-in)")
	})
	return affected, created, err
}

// sessionsOf lists the session id hashes of the users with this email.
func (q queries) sessionsOf(helpCenterID int64, emailLower string) ([][]byte, error) {
	st, err := q.stmt(q.context(), `SELECT id_hash FROM visitor_sessions WHERE help_center_id = ? AND user_id IN
		(SELECT id FROM users WHERE help_center_id = ? AND email_lower = ?)`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(q.context(), helpCenterID, helpCenterID, emailLower)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids [][]byte
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// UserByEmail returns a help center's user by email (case-insensitively).
func (s *Store) UserByEmail(ctx context.Context, helpCenterID int64, email string) (*models.User, error) {
	var u models.User
	err := s.read(ctx).Where("help_center_id = ? AND email_lower = ?", helpCenterID, models.EmailKey(email)).Order("id").Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	return &u, err
}

// TokenUser finds, without changing anything, the user a token with this
// external_id and email would sign in as — the lookup of ProvisionUser:
// by external_id, else by an email whose user has none (any user of that
// email when the token gives no external_id) — or models.ErrNotFound when
// the token's user would be new. The console's token tester asks it.
func (s *Store) TokenUser(ctx context.Context, helpCenterID int64, externalID, email string) (*models.User, error) {
	var u models.User
	db := s.read(ctx)
	lower := models.EmailKey(email)
	var err error
	if externalID != "" {
		err = db.Where("help_center_id = ? AND external_id = ? AND external_id <> ''", helpCenterID, externalID).Order("id").Take(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			err = db.Where("help_center_id = ? AND email_lower = ? AND (external_id = '' OR banned)", helpCenterID, lower).
				Order("banned DESC, id").Take(&u).Error
		}
	} else {
		err = db.Where("help_center_id = ? AND email_lower = ?", helpCenterID, lower).Order("banned DESC, id").Take(&u).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	return &u, err
}
