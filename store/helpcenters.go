package store

import (
	"context"
	"errors"
	"strconv"

	"gorm.io/gorm"

	"helpcenter/models"
)

// HelpCenterBySubdomain finds the help center serving <subdomain>.<base host>.
func (s *Store) HelpCenterBySubdomain(ctx context.Context, subdomain string) (*models.HelpCenter, error) {
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "subdomain = ?", subdomain).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// HelpCenterByCustomDomain finds the help center whose custom domain is host.
func (s *Store) HelpCenterByCustomDomain(ctx context.Context, host string) (*models.HelpCenter, error) {
	if host == "" {
		return nil, models.ErrNotFound
	}
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "custom_domain = ?", host).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// HelpCenterByID loads a help center by id.
func (s *Store) HelpCenterByID(ctx context.Context, id int64) (*models.HelpCenter, error) {
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// HelpCenterOfWorkspace returns the workspace's help center.
func (s *Store) HelpCenterOfWorkspace(ctx context.Context, workspaceID int64) (*models.HelpCenter, error) {
	var hc models.HelpCenter
	if err := s.read(ctx).Order("id").First(&hc, "workspace_id = ?", workspaceID).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// GeneralSettings are the fields of Settings → General.
type GeneralSettings struct {
	Name         string
	CustomDomain string
	Visibility   models.Visibility
	// SitePasswordHash replaces the stored hash when non-empty.
	SitePasswordHash string
}

// UpdateGeneral saves Settings → General for the workspace's help center.
// A custom domain in use elsewhere is a *models.ConflictError on
// "custom_domain".
func (s *Store) UpdateGeneral(ctx context.Context, workspaceID, helpCenterID int64, g GeneralSettings) error {
	updates := map[string]any{
		"name":          g.Name,
		"custom_domain": g.CustomDomain,
		"visibility":    string(g.Visibility),
		"updated_at":    s.now().UTC(),
	}
	if g.SitePasswordHash != "" {
		updates["site_password_hash"] = g.SitePasswordHash
	}
	if g.CustomDomain != "" {
		var n int64
		if err := s.read(ctx).Model(&models.HelpCenter{}).
			Where("custom_domain = ? AND id <> ?", g.CustomDomain, helpCenterID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "custom_domain"}
		}
	}
	n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.HelpCenter{}).Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).Updates(updates)
	})
	if isUniqueViolation(err) {
		return &models.ConflictError{Field: "custom_domain"}
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}

// SetVisibility changes who may read the help center; a non-empty
// passwordHash replaces the shared site password.
func (s *Store) SetVisibility(ctx context.Context, helpCenterID int64, v models.Visibility, passwordHash string) error {
	updates := map[string]any{"visibility": string(v), "updated_at": s.now().UTC()}
	if passwordHash != "" {
		updates["site_password_hash"] = passwordHash
	}
	n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.HelpCenter{}).Where("id = ?", helpCenterID).Updates(updates)
	})
	if err == nil && n == 0 {
		return models.ErrNotFound
	}
	return err
}

// secretAD binds a sealed secret to its help center, so a ciphertext copied
// into another row fails to open instead of becoming that tenant's secret.
func secretAD(helpCenterID int64) []byte {
	return []byte("help_center:" + strconv.FormatInt(helpCenterID, 10) + ":jwt_secret")
}

// errNoSecret is returned by JWTSecret when none has been saved.
var errNoSecret = errors.New("no shared secret saved")

// JWTSecret opens the help center's shared secret. It is read from the
// database every time, so a regenerated secret takes effect on the next
// request in every process.
func (s *Store) JWTSecret(hc *models.HelpCenter) (string, error) {
	if !hc.HasSecret() {
		return "", errNoSecret
	}
	b, err := s.sealer.Open(hc.JWTSecretSealed, secretAD(hc.ID))
	if err != nil {
		return "", err
	}
	return string(b), nil
}
