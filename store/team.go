package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// ErrLastOwner refuses a change that would leave a workspace without an
// owner.
var ErrLastOwner = models.Problem("A workspace keeps at least one owner: make someone else Owner first.")

// Team lists a workspace's admins (oldest first) and its invitations not
// yet accepted or revoked (newest first; expired ones included, to resend).
func (s *Store) Team(ctx context.Context, workspaceID int64) ([]models.Admin, []models.Invitation, error) {
	var admins []models.Admin
	if err := s.read(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&admins).Error; err != nil {
		return nil, nil, err
	}
	var invs []models.Invitation
	err := s.read(ctx).Where("workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", workspaceID).
		Order("id DESC").Find(&invs).Error
	return admins, invs, err
}

// Admin returns one admin of the workspace.
func (s *Store) Admin(ctx context.Context, workspaceID, adminID int64) (*models.Admin, error) {
	var a models.Admin
	if err := s.read(ctx).First(&a, "id = ? AND workspace_id = ?", adminID, workspaceID).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// Invitation returns one invitation of the workspace.
func (s *Store) Invitation(ctx context.Context, workspaceID, id int64) (*models.Invitation, error) {
	var inv models.Invitation
	if err := s.read(ctx).First(&inv, "id = ? AND workspace_id = ?", id, workspaceID).Error; err != nil {
		return nil, notFound(err)
	}
	return &inv, nil
}

// NewInvitation is an invitation to save, with the mail that carries its
// link; Token is the one-time secret of the link (only its hash is kept).
type NewInvitation struct {
	WorkspaceID, HelpCenterID int64
	Email                     string
	Role                      models.AdminRole
	Token                     string
	Actor                     string
	Mail                      models.Mail
}

// Invite saves an invitation and queues its mail in one transaction. An
// email that already belongs to an admin (of any workspace: an admin email
// belongs to one) is a conflict on "email"; an earlier invitation of the
// same email to this workspace is replaced, its link dead.
func (s *Store) Invite(ctx context.Context, ni NewInvitation) (*models.Invitation, error) {
	now := s.now().UTC()
	inv := &models.Invitation{WorkspaceID: ni.WorkspaceID, Email: models.EmailKey(ni.Email), Role: ni.Role,
		TokenHash: hash(ni.Token), InvitedBy: ni.Actor, CreatedAt: now, ExpiresAt: now.Add(models.InvitationTTL)}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Admin{}).Where("email = ?", inv.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "email"}
		}
		if err := tx.Model(&models.Invitation{}).
			Where("workspace_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.WorkspaceID, inv.Email).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		if err := tx.Create(inv).Error; err != nil {
			return err
		}
		if err := enqueueMail(tx, ni.Mail, now); err != nil {
			return err
		}
		return audit(tx, ni.HelpCenterID, now, ni.Actor, fmt.Sprintf("Invited %s as %s", inv.Email, inv.Role.Label()))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// ResendInvitation gives a pending (or expired) invitation a new link
// valid 7 days from now, the old link dead, and queues its mail.
func (s *Store) ResendInvitation(ctx context.Context, workspaceID, helpCenterID, id int64, token, actor string, m models.Mail) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&models.Invitation{}).
			Where("id = ? AND workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", id, workspaceID).
			Updates(map[string]any{"token_hash": hash(token), "expires_at": now.Add(models.InvitationTTL)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := enqueueMail(tx, m, now); err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, "Resent the invitation of "+m.To)
	})
}

// RevokeInvitation kills a pending invitation's link.
func (s *Store) RevokeInvitation(ctx context.Context, workspaceID, helpCenterID, id int64, actor string) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *gorm.DB) error {
		var inv models.Invitation
		if err := tx.First(&inv, "id = ? AND workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", id, workspaceID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&inv).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, "Revoked the invitation of "+inv.Email)
	})
}

// PendingInvitation returns the invitation a link's token opens, with its
// workspace's name, while it can be accepted; models.ErrNotFound for a
// link that is unknown, used, revoked or expired.
func (s *Store) PendingInvitation(ctx context.Context, token string, now time.Time) (*models.Invitation, string, error) {
	var inv models.Invitation
	if err := s.read(ctx).First(&inv, "token_hash = ?", hash(token)).Error; err != nil {
		return nil, "", notFound(err)
	}
	if !inv.Pending(now) {
		return nil, "", models.ErrNotFound
	}
	var ws models.Workspace
	if err := s.read(ctx).First(&ws, "id = ?", inv.WorkspaceID).Error; err != nil {
		return nil, "", notFound(err)
	}
	return &inv, ws.Name, nil
}

// AcceptInvitation makes the invitation's admin with this password hash
// and opens next as their first session, in one transaction that spends
// the link: a second accept finds models.ErrNotFound.
func (s *Store) AcceptInvitation(ctx context.Context, token, passwordHash string, next *models.AdminSession) (*models.Admin, error) {
	var admin *models.Admin
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var inv models.Invitation
		if err := tx.First(&inv, "token_hash = ?", hash(token)).Error; err != nil {
			return notFound(err)
		}
		if !inv.Pending(now) {
			return models.ErrNotFound
		}
		res := tx.Model(&models.Invitation{}).Where("id = ? AND accepted_at IS NULL", inv.ID).Update("accepted_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		var n int64
		if err := tx.Model(&models.Admin{}).Where("email = ?", inv.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "email"}
		}
		admin = &models.Admin{WorkspaceID: inv.WorkspaceID, Email: inv.Email, PasswordHash: passwordHash, Role: inv.Role, CreatedAt: now}
		if err := tx.Create(admin).Error; err != nil {
			return err
		}
		next.AdminID, next.WorkspaceID = admin.ID, admin.WorkspaceID
		if err := tx.Create(next).Error; err != nil {
			return err
		}
		var hc models.HelpCenter
		if err := tx.First(&hc, "workspace_id = ?", inv.WorkspaceID).Error; err != nil {
			return err
		}
		return audit(tx, hc.ID, now, admin.Email, fmt.Sprintf("Joined the team as %s (invited by %s)", admin.Role.Label(), inv.InvitedBy))
	})
	if err != nil {
		return nil, err
	}
	return admin, nil
}

// ownersOf counts a workspace's owners, taking the team's lock first
// where writers run at once: two owners demoting each other at once must
// not both see the other still there.
func (s *Store) ownersOf(tx *gorm.DB, workspaceID int64) (int64, error) {
	if lock := s.d.userLock; lock != "" {
		if err := tx.Exec(lock, userLockKey(0, fmt.Sprintf("team:%d", workspaceID))).Error; err != nil {
			return 0, err
		}
	}
	var n int64
	err := tx.Model(&models.Admin{}).Where("workspace_id = ? AND role = ?", workspaceID, models.TeamOwner).Count(&n).Error
	return n, err
}

// SetAdminRole changes an admin's role; the last owner keeps theirs
// (ErrLastOwner).
func (s *Store) SetAdminRole(ctx context.Context, workspaceID, helpCenterID, adminID int64, role models.AdminRole, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		owners, err := s.ownersOf(tx, workspaceID)
		if err != nil {
			return err
		}
		var a models.Admin
		if err := tx.First(&a, "id = ? AND workspace_id = ?", adminID, workspaceID).Error; err != nil {
			return notFound(err)
		}
		if a.Role == role {
			return nil
		}
		if a.Role == models.TeamOwner && owners <= 1 {
			return ErrLastOwner
		}
		if err := tx.Model(&a).Update("role", role).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, fmt.Sprintf("Changed the role of %s from %s to %s", a.Email, a.Role.Label(), role.Label()))
	})
}

// RemoveAdmin deletes an admin of the workspace and, with them, their
// sessions; the last owner stays (ErrLastOwner).
func (s *Store) RemoveAdmin(ctx context.Context, workspaceID, helpCenterID, adminID int64, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		owners, err := s.ownersOf(tx, workspaceID)
		if err != nil {
			return err
		}
		var a models.Admin
		if err := tx.First(&a, "id = ? AND workspace_id = ?", adminID, workspaceID).Error; err != nil {
			return notFound(err)
		}
		if a.Role == models.TeamOwner && owners <= 1 {
			return ErrLastOwner
		}
		if err := tx.Where("admin_id = ?", a.ID).Delete(&models.AdminSession{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&a).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, fmt.Sprintf("Removed %s (%s) from the team", a.Email, a.Role.Label()))
	})
}

// passwordReset is one "Forgot your password?" link; only its hash is kept.
type passwordReset struct {
	TokenHash []byte `gorm:"primaryKey"`
	AdminID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// StartPasswordReset saves a reset link for the admin with this email and
// queues m (its mail) in the same transaction; for an email no admin has
// it does nothing and says so only to the caller (sent false), who must
// not tell the person asking.
func (s *Store) StartPasswordReset(ctx context.Context, email, token string, m models.Mail) (sent bool, err error) {
	err = s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var a models.Admin
		if err := tx.First(&a, "email = ?", models.EmailKey(email)).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil
			}
			return err
		}
		if err := tx.Create(&passwordReset{TokenHash: hash(token), AdminID: a.ID, CreatedAt: now,
			ExpiresAt: now.Add(models.PasswordResetTTL)}).Error; err != nil {
			return err
		}
		sent = true
		return enqueueMail(tx, m, now)
	})
	return sent, err
}

// PasswordResetValid reports whether a reset link can still be used.
func (s *Store) PasswordResetValid(ctx context.Context, token string, now time.Time) (bool, error) {
	var n int64
	err := s.read(ctx).Model(&passwordReset{}).
		Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hash(token), now.UTC()).Count(&n).Error
	return n > 0, err
}

// ResetPassword spends a reset link: the admin's password becomes hash,
// every session and every other reset link of theirs ends, and next
// opens in one transaction. models.ErrNotFound for a spent, expired or
// unknown link.
func (s *Store) ResetPassword(ctx context.Context, token, passwordHash string, next *models.AdminSession) (*models.Admin, error) {
	var a models.Admin
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var r passwordReset
		if err := tx.First(&r, "token_hash = ? AND used_at IS NULL AND expires_at > ?", hash(token), now).Error; err != nil {
			return notFound(err)
		}
		res := tx.Model(&passwordReset{}).Where("token_hash = ? AND used_at IS NULL", r.TokenHash).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.First(&a, "id = ?", r.AdminID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&a).Update("password_hash", passwordHash).Error; err != nil {
			return err
		}
		if err := tx.Where("admin_id = ?", a.ID).Delete(&models.AdminSession{}).Error; err != nil {
			return err
		}
		if err := tx.Where("admin_id = ? AND used_at IS NULL", a.ID).Delete(&passwordReset{}).Error; err != nil {
			return err
		}
		next.AdminID, next.WorkspaceID = a.ID, a.WorkspaceID
		if err := tx.Create(next).Error; err != nil {
			return err
		}
		return auditWorkspace(tx, a.WorkspaceID, now, a.Email, "Reset their password through a mailed link")
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}
