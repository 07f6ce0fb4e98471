package store

import (
	"context"

	"helpcenter/models"
)

// SSOConfig is a help center's JWT configuration. Secret, when non-empty,
// replaces the saved secret (sealed before it is written).
type SSOConfig struct {
	Enabled          bool
	LoginURL         string
	LogoutURL        string
	Issuer           string
	Audience         string
	TokenTTL         int
	AllowUnsolicited bool
	Secret           string
}

// SaveSSOConfig writes the JWT configuration of the workspace's help center.
func (s *Store) SaveSSOConfig(ctx context.Context, workspaceID, helpCenterID int64, c SSOConfig) error {
	now := s.now().UTC()
	updates := map[string]any{
		"sso_enabled": c.Enabled, "login_url": c.LoginURL, "logout_url": c.LogoutURL,
		"issuer": c.Issuer, "audience": c.Audience, "token_ttl": c.TokenTTL,
		"allow_unsolicited": c.AllowUnsolicited, "updated_at": now,
	}
	if c.Secret != "" {
		sealed, err := s.box.Seal([]byte(c.Secret), secretAD(helpCenterID))
		if err != nil {
			return err
		}
		updates["jwt_secret_sealed"] = sealed
		updates["secret_updated_at"] = now
	}
	res := s.write(ctx).Model(&models.HelpCenter{}).Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).Updates(updates)
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}

// SetVisibility changes who may read the help center; a non-empty
// passwordHash replaces the shared site password.
func (s *Store) SetVisibility(ctx context.Context, helpCenterID int64, v models.Visibility, passwordHash string) error {
	updates := map[string]any{"visibility": string(v), "updated_at": s.now().UTC()}
	if passwordHash != "" {
		updates["site_password_hash"] = passwordHash
	}
	res := s.write(ctx).Model(&models.HelpCenter{}).Where("id = ?", helpCenterID).Updates(updates)
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}
