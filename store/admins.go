package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// AdminByEmail finds an admin by email, case-insensitively.
func (s *Store) AdminByEmail(ctx context.Context, email string) (*models.Admin, error) {
	var a models.Admin
	if err := s.read(ctx).First(&a, "email = ?", models.EmailKey(email)).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// AdminByID finds an admin by id.
func (s *Store) AdminByID(ctx context.Context, id int64) (*models.Admin, error) {
	var a models.Admin
	if err := s.read(ctx).First(&a, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// CreateAdminSession saves a new admin session.
func (s *Store) CreateAdminSession(ctx context.Context, sess *models.AdminSession) error {
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB { return db.Create(sess) })
	return err
}

// AdminSession returns the live session with this id hash and its admin.
func (s *Store) AdminSession(ctx context.Context, idHash []byte, now time.Time) (*models.AdminSession, *models.Admin, error) {
	var sess models.AdminSession
	if err := s.read(ctx).First(&sess, "id_hash = ? AND expires_at > ?", idHash, now.UTC()).Error; err != nil {
		return nil, nil, notFound(err)
	}
	var a models.Admin
	if err := s.read(ctx).First(&a, "id = ? AND workspace_id = ?", sess.AdminID, sess.WorkspaceID).Error; err != nil {
		return nil, nil, notFound(err)
	}
	return &sess, &a, nil
}

// AdminSessions lists an admin's live sessions, newest first.
func (s *Store) AdminSessions(ctx context.Context, adminID int64, now time.Time) ([]models.AdminSession, error) {
	var ss []models.AdminSession
	err := s.read(ctx).Where("admin_id = ? AND expires_at > ?", adminID, now.UTC()).Order("created_at DESC").Find(&ss).Error
	return ss, err
}

// EndOtherAdminSessions ends every session of the admin but keep.
func (s *Store) EndOtherAdminSessions(ctx context.Context, workspaceID, adminID int64, keep []byte, actor string) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("admin_id = ? AND workspace_id = ? AND id_hash <> ?", adminID, workspaceID, keep).Delete(&models.AdminSession{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return auditWorkspace(tx, workspaceID, s.now().UTC(), actor, "Signed out their other sessions")
	})
	return n, err
}

// DeleteAdminSession revokes one session (logout).
func (s *Store) DeleteAdminSession(ctx context.Context, idHash []byte) error {
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB { return db.Where("id_hash = ?", idHash).Delete(&models.AdminSession{}) })
	return err
}

// ChangeAdminPassword replaces an admin's password hash, ends every
// session of the admin and opens next in their place, in one transaction:
// there is no moment in which the new password holds and a cookie of the
// old one still works, and no crash leaves the old sessions alive.
func (s *Store) ChangeAdminPassword(ctx context.Context, workspaceID, adminID int64, hash string, next *models.AdminSession) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&models.Admin{}).Where("id = ? AND workspace_id = ?", adminID, workspaceID).Update("password_hash", hash)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Where("admin_id = ?", adminID).Delete(&models.AdminSession{}).Error; err != nil {
			return err
		}
		if err := tx.Create(next).Error; err != nil {
			return err
		}
		return auditWorkspace(tx, workspaceID, s.now().UTC(), "", "Changed their password (every other session ended)")
	})
}

// loginFailure is one failed sign-in, counted per IP and per email.
type loginFailure struct {
	ID        int64
	Key       string
	CreatedAt time.Time
}

// RecordLoginFailure counts a failed sign-in against each key.
func (s *Store) RecordLoginFailure(ctx context.Context, now time.Time, keys ...string) error {
	rows := make([]loginFailure, len(keys))
	for i, k := range keys {
		rows[i] = loginFailure{Key: k, CreatedAt: now.UTC()}
	}
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB { return db.Create(&rows) })
	return err
}

// LoginFailuresSince lists the times of a key's failures after since, oldest first.
func (s *Store) LoginFailuresSince(ctx context.Context, key string, since time.Time) ([]time.Time, error) {
	var times []time.Time
	err := s.read(ctx).Model(&loginFailure{}).Where("key = ? AND created_at > ?", key, since.UTC()).
		Order("created_at").Pluck("created_at", &times).Error
	return times, err
}

// ClearLoginFailures forgets a key's failures (after a successful sign-in)
// and, in passing, every failure older than before.
func (s *Store) ClearLoginFailures(ctx context.Context, key string, before time.Time) error {
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Where("key = ? OR created_at < ?", key, before.UTC()).Delete(&loginFailure{})
	})
	return err
}
