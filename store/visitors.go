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
// center and its user. A banned user's sessions no longer sign anyone in.
func (s *Store) VisitorSession(ctx context.Context, helpCenterID int64, idHash []byte, now time.Time) (*models.VisitorSession, *models.User, error) {
	var sess models.VisitorSession
	err := s.read(ctx).Where("id_hash = ? AND help_center_id = ? AND expires_at > ?", idHash, helpCenterID, now.UTC()).Take(&sess).Error
	if err != nil {
		return nil, nil, notFound(err)
	}
	var u models.User
	if err := s.read(ctx).Where("id = ? AND help_center_id = ? AND NOT banned", sess.UserID, helpCenterID).Take(&u).Error; err != nil {
		return nil, nil, notFound(err)
	}
	return &sess, &u, nil
}

// DeleteVisitorSession ends a session on the server (logout).
func (s *Store) DeleteVisitorSession(ctx context.Context, helpCenterID int64, idHash []byte) error {
	return s.write(ctx).Where("id_hash = ? AND help_center_id = ?", idHash, helpCenterID).Delete(&models.VisitorSession{}).Error
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
