package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
	"helpcenter/sso"
)

// SavePendingKey stores the pending key the gate hands to the partner.
func (s *Store) SavePendingKey(ctx context.Context, helpCenterID int64, k sso.PendingKey) error {
	return s.queries(ctx).savePendingKey(helpCenterID, k)
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
	return s.tx(ctx, func(tx *gorm.DB) error { return queries{db: tx, now: s.now}.endSession(helpCenterID, idHash) })
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
	lower := sso.NormalizeEmail(email)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&models.User{}).Where("help_center_id = ? AND email_lower = ?", helpCenterID, lower).
			Updates(map[string]any{"banned": banned, "updated_at": s.now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		affected = res.RowsAffected
		if affected > 0 && banned {
			// A ban ends the user's sessions now, not when they expire.
			var ids [][]byte
			if err := tx.Model(&models.VisitorSession{}).Where("help_center_id = ? AND user_id IN (?)", helpCenterID,
				tx.Model(&models.User{}).Select("id").Where("help_center_id = ? AND email_lower = ?", helpCenterID, lower)).
				Pluck("id_hash", &ids).Error; err != nil {
				return err
			}
			q := queries{db: tx, now: s.now}
			for _, id := range ids {
				if err := q.endSession(helpCenterID, id); err != nil {
					return err
				}
			}
		}
		if affected > 0 || !banned {
			return nil
		}
		now := s.now().UTC()
		created = true
		affected = 1
		return tx.Create(&models.User{HelpCenterID: helpCenterID, Email: email, EmailLower: lower, Role: models.RoleViewer,
			CustomFields: "{}", Banned: true, CreatedAt: now, UpdatedAt: now}).Error
	})
	return affected, created, err
}

// UserByEmail returns a help center's user by email (case-insensitively).
func (s *Store) UserByEmail(ctx context.Context, helpCenterID int64, email string) (*models.User, error) {
	var u models.User
	err := s.read(ctx).Where("help_center_id = ? AND email_lower = ?", helpCenterID, sso.NormalizeEmail(email)).Order("id").Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	return &u, err
}
