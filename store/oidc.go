package store

import (
	"context"
	"errors"
	"strconv"

	"gorm.io/gorm"

	"helpcenter/models"
)

func oidcAD(workspaceID int64) []byte { return []byte("oidc:" + strconv.FormatInt(workspaceID, 10)) }

// WorkspaceOIDC returns the workspace's identity provider, nil when none.
func (s *Store) WorkspaceOIDC(ctx context.Context, workspaceID int64) (*models.WorkspaceOIDC, error) {
	var o models.WorkspaceOIDC
	err := s.read(ctx).First(&o, "workspace_id = ?", workspaceID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &o, err
}

// WorkspaceOIDCByDomain returns the identity provider for an email
// domain, nil when no workspace signs that domain in through one.
func (s *Store) WorkspaceOIDCByDomain(ctx context.Context, domain string) (*models.WorkspaceOIDC, error) {
	var o models.WorkspaceOIDC
	err := s.read(ctx).First(&o, "domain = ?", domain).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &o, err
}

// SaveWorkspaceOIDC saves the provider; an empty secret keeps the saved
// one. A domain another workspace signs in already is a conflict on
// "domain".
func (s *Store) SaveWorkspaceOIDC(ctx context.Context, o models.WorkspaceOIDC, secret string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if secret != "" {
			sealed, err := s.sealer.Seal([]byte(secret), oidcAD(o.WorkspaceID))
			if err != nil {
				return err
			}
			o.ClientSecretSealed = sealed
		} else {
			var cur models.WorkspaceOIDC
			if err := tx.First(&cur, "workspace_id = ?", o.WorkspaceID).Error; err != nil {
				return &models.ConflictError{Field: "client_secret"}
			}
			o.ClientSecretSealed = cur.ClientSecretSealed
		}
		var n int64
		if err := tx.Model(&models.WorkspaceOIDC{}).Where("domain = ? AND workspace_id <> ?", o.Domain, o.WorkspaceID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "domain"}
		}
		if err := tx.Save(&o).Error; err != nil {
			return err
		}
		return auditWorkspace(tx, o.WorkspaceID, s.now().UTC(), "", "Identity provider for @"+o.Domain+": "+o.Issuer+
			map[bool]string{true: ", creates admins", false: ""}[o.CreateAdmins]+map[bool]string{true: ", required", false: ""}[o.Required])
	})
}

// OIDCSecret opens the provider's client secret.
func (s *Store) OIDCSecret(o *models.WorkspaceOIDC) (string, error) {
	b, err := s.sealer.Open(o.ClientSecretSealed, oidcAD(o.WorkspaceID))
	return string(b), err
}

// CreateAdminFromIdP makes an Editor for an email the workspace's identity
// provider vouched for ("Create admins on first sign-in"); their password
// hash is unusable, as they sign in through the provider.
func (s *Store) CreateAdminFromIdP(ctx context.Context, workspaceID int64, email, unusableHash string) (*models.Admin, error) {
	a := &models.Admin{WorkspaceID: workspaceID, Email: models.EmailKey(email), PasswordHash: unusableHash, Role: models.TeamEditor}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		a.CreatedAt = now
		if err := tx.Create(a).Error; err != nil {
			if isUniqueViolation(err) {
				return &models.ConflictError{Field: "email"}
			}
			return err
		}
		return auditWorkspace(tx, workspaceID, now, a.Email, "Joined the team as Editor through the identity provider")
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
