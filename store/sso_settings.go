package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// SSOUpdate is one application of the JWT settings.
type SSOUpdate struct {
	Settings models.SSOSettings
	// NewSecret, when not empty, becomes a new live shared secret and
	// ends the others at once (the JWT form's Shared Secret field, the
	// CLI's secret flags). It is sealed here and never stored or logged
	// in the clear.
	NewSecret string
	// Enable switches JWT single sign-on on as well (the CLI does; the
	// console leaves that to its switch).
	Enable bool
	// Actor and Action are the audit entry; no entry is written when
	// Action is empty (nothing changed).
	Actor, Action string
}

// UpdateSSOSettings saves the help center's JWT settings, the new secret
// and their audit entries in one transaction.
func (s *Store) UpdateSSOSettings(ctx context.Context, workspaceID, helpCenterID int64, u SSOUpdate) error {
	now := s.now().UTC()
	updates := map[string]any{
		"login_url":         u.Settings.LoginURL,
		"logout_url":        u.Settings.LogoutURL,
		"issuer":            u.Settings.Issuer,
		"audience":          u.Settings.Audience,
		"token_ttl":         u.Settings.TokenTTL,
		"allow_unsolicited": u.Settings.AllowUnsolicited,
		"report_only":       u.Settings.ReportOnly,
		"invite_only":       u.Settings.InviteOnly,
		"allowed_domains":   u.Settings.AllowedDomains,
		"session_length":    u.Settings.SessionLength,
		"updated_at":        now,
	}
	if u.Enable {
		updates["sso_enabled"] = true
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := updateHelpCenter(tx, workspaceID, helpCenterID, updates); err != nil {
			return err
		}
		if err := audit(tx, helpCenterID, now, u.Actor, u.Action); err != nil {
			return err
		}
		if u.NewSecret == "" {
			return nil
		}
		_, err := s.addKey(tx, helpCenterID, NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Shared secret",
			Secret: u.NewSecret, Retire: RetireSecrets, Actor: u.Actor, quiet: true})
		return err
	})
}

// SetSSOEnabled turns JWT single sign-on on or off, with its audit entry.
// It may be turned on before a secret exists: the help center then answers
// sso_not_configured until one is saved.
func (s *Store) SetSSOEnabled(ctx context.Context, workspaceID, helpCenterID int64, on bool, actor string) error {
	now := s.now().UTC()
	action := "Single sign-on turned off"
	if on {
		action = "Single sign-on turned on"
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var current models.HelpCenter
		if err := tx.Select("sso_enabled").Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).
			First(&current).Error; err != nil {
			return notFound(err)
		}
		if current.SSOEnabled == on {
			return nil
		}
		if err := updateHelpCenter(tx, workspaceID, helpCenterID, map[string]any{"sso_enabled": on, "updated_at": now}); err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, action)
	})
}

// updateHelpCenter updates the help center only if it belongs to the
// workspace, so a console request can never reach another tenant's row.
func updateHelpCenter(tx *gorm.DB, workspaceID, helpCenterID int64, updates map[string]any) error {
	res := tx.Model(&models.HelpCenter{}).Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).Updates(updates)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

func audit(tx *gorm.DB, helpCenterID int64, at time.Time, actor, action string) error {
	if action == "" {
		return nil
	}
	req := models.RequestOf(tx.Statement.Context)
	if actor == "" {
		actor = req.Actor
	}
	if actor == "" {
		actor = "system"
	}
	return tx.Exec(`INSERT INTO settings_audit (help_center_id, created_at, actor, action, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`,
		helpCenterID, at, actor, action, req.IP, req.UserAgent).Error
}

// AuditLog returns the help center's latest settings changes, newest first.
func (s *Store) AuditLog(ctx context.Context, helpCenterID int64, limit int) ([]models.AuditEntry, error) {
	var out []models.AuditEntry
	err := s.read(ctx).Raw(`SELECT id, help_center_id, created_at, actor, action, ip, user_agent FROM settings_audit
		WHERE help_center_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, helpCenterID, limit).Scan(&out).Error
	return out, err
}

// AuditPage pages the help center's audit trail newest first, by keyset
// on id (before: the id of the last row of the page before, 0 for the
// first); actor, when set, keeps the entries of that actor only.
func (s *Store) AuditPage(ctx context.Context, helpCenterID int64, actor string, before int64, limit int) ([]models.AuditEntry, error) {
	q := `SELECT id, help_center_id, created_at, actor, action, ip, user_agent FROM settings_audit WHERE help_center_id = ?`
	args := []any{helpCenterID}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	if actor != "" {
		q += ` AND actor = ?`
		args = append(args, actor)
	}
	var out []models.AuditEntry
	err := s.read(ctx).Raw(q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...).Scan(&out).Error
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, err
}

// RecordProviderWish remembers that the admin wants to hear when provider
// ships. Recording it twice is the same as once.
func (s *Store) RecordProviderWish(ctx context.Context, adminID, helpCenterID int64, provider string) error {
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Exec(`INSERT INTO provider_wishes (admin_id, provider, help_center_id, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (admin_id, provider) DO NOTHING`,
			adminID, provider, helpCenterID, s.now().UTC())
	})
	return err
}

// NotifyProviderShipped queues, for every admin who asked to hear about
// provider and has not been told, the mail that mailFor writes, and marks
// them told in the same transaction: each admin gets it once, whatever
// the number of instances or restarts.
func (s *Store) NotifyProviderShipped(ctx context.Context, provider string, mailFor func(adminEmail string) models.Mail) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var wishes []struct {
			AdminID int64
			Email   string
		}
		if err := tx.Raw(`SELECT w.admin_id, a.email FROM provider_wishes w JOIN admins a ON a.id = w.admin_id
			WHERE w.provider = ? AND w.notified_at IS NULL ORDER BY w.admin_id`, provider).Scan(&wishes).Error; err != nil {
			return err
		}
		for _, w := range wishes {
			if err := enqueueMail(tx, mailFor(w.Email), now); err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE provider_wishes SET notified_at = ? WHERE admin_id = ? AND provider = ?`, now, w.AdminID, provider).Error; err != nil {
				return err
			}
		}
		n = len(wishes)
		return nil
	})
	return n, err
}

// ProviderWishes returns the providers the admin asked to hear about.
func (s *Store) ProviderWishes(ctx context.Context, adminID int64) (map[string]bool, error) {
	var providers []string
	if err := s.read(ctx).Raw(`SELECT provider FROM provider_wishes WHERE admin_id = ?`, adminID).Scan(&providers).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(providers))
	for _, p := range providers {
		out[p] = true
	}
	return out, nil
}
