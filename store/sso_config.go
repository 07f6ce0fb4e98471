package store

import (
	"context"

	"helpcenter/models"
)

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
