package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

func totpAD(adminID int64) []byte { return []byte("totp:" + strconv.FormatInt(adminID, 10)) }

// EnableTwoFactor saves an admin's confirmed TOTP secret (sealed), marks
// step as used (the code that confirmed it works no second time) and
// replaces their recovery codes with these (only hashes are kept).
func (s *Store) EnableTwoFactor(ctx context.Context, workspaceID, adminID int64, secret string, step int64, recovery []string) error {
	sealed, err := s.sealer.Seal([]byte(secret), totpAD(adminID))
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		res := tx.Model(&models.Admin{}).Where("id = ? AND workspace_id = ?", adminID, workspaceID).
			Updates(map[string]any{"totp_sealed": sealed, "totp_enabled_at": now, "totp_last_step": step})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Exec(`DELETE FROM admin_recovery_codes WHERE admin_id = ?`, adminID).Error; err != nil {
			return err
		}
		for _, c := range recovery {
			if err := tx.Exec(`INSERT INTO admin_recovery_codes (admin_id, code_hash) VALUES (?, ?)`, adminID, hash(c)).Error; err != nil {
				return err
			}
		}
		var a models.Admin
		if err := tx.First(&a, "id = ?", adminID).Error; err != nil {
			return err
		}
		return auditWorkspace(tx, workspaceID, now, a.Email, "Turned on two-factor")
	})
}

// DisableTwoFactor removes an admin's second factor and recovery codes.
func (s *Store) DisableTwoFactor(ctx context.Context, workspaceID, adminID int64, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&models.Admin{}).Where("id = ? AND workspace_id = ?", adminID, workspaceID).
			Updates(map[string]any{"totp_sealed": nil, "totp_enabled_at": nil, "totp_last_step": 0})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Exec(`DELETE FROM admin_recovery_codes WHERE admin_id = ?`, adminID).Error; err != nil {
			return err
		}
		return auditWorkspace(tx, workspaceID, s.now().UTC(), actor, "Turned off two-factor")
	})
}

// TwoFactorSecret opens an admin's TOTP secret.
func (s *Store) TwoFactorSecret(a *models.Admin) (string, error) {
	b, err := s.sealer.Open(a.TOTPSealed, totpAD(a.ID))
	return string(b), err
}

// UseTOTPStep records that a code of time step was accepted for the admin,
// and reports false when that step (or a later one) was already used: a
// code, seen once, is spent.
func (s *Store) UseTOTPStep(ctx context.Context, adminID, step int64) (bool, error) {
	n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.Admin{}).Where("id = ? AND totp_last_step < ?", adminID, step).Update("totp_last_step", step)
	})
	return n == 1, err
}

// UseRecoveryCode spends one of the admin's recovery codes; false when it
// is not one of theirs or was used.
func (s *Store) UseRecoveryCode(ctx context.Context, adminID int64, code string) (bool, error) {
	n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Exec(`UPDATE admin_recovery_codes SET used_at = ? WHERE admin_id = ? AND code_hash = ? AND used_at IS NULL`,
			s.now().UTC(), adminID, hash(code))
	})
	return n == 1, err
}

// RecoveryCodesLeft counts an admin's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, adminID int64) (int64, error) {
	var n int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM admin_recovery_codes WHERE admin_id = ? AND used_at IS NULL`, adminID).Scan(&n).Error
	return n, err
}

// SetRequireTwoFactor turns the workspace's two-factor requirement on or off.
func (s *Store) SetRequireTwoFactor(ctx context.Context, workspaceID int64, on bool, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&models.Workspace{}).Where("id = ?", workspaceID).Update("require_two_factor", on).Error; err != nil {
			return err
		}
		what := "no longer requires"
		if on {
			what = "requires"
		}
		return auditWorkspace(tx, workspaceID, s.now().UTC(), actor, "The workspace "+what+" two-factor for every admin")
	})
}

// auditWorkspace records a change of the workspace in its help center's
// audit trail.
func auditWorkspace(tx *gorm.DB, workspaceID int64, at time.Time, actor, action string) error {
	var hcID int64
	if err := tx.Raw(`SELECT id FROM help_centers WHERE workspace_id = ? ORDER BY id LIMIT 1`, workspaceID).Scan(&hcID).Error; err != nil {
		return err
	}
	return audit(tx, hcID, at, actor, action)
}
