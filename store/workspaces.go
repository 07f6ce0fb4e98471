package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	"gorm.io/gorm"

	"helpcenter/models"
)

// NewWorkspace is what signing up (or `helpcenter workspace create`) saves.
type NewWorkspace struct {
	Name         string // the workspace's and its help center's name
	Subdomain    string
	AdminEmail   string // already normalised
	PasswordHash string
}

// CreateWorkspace creates a workspace, its help center and its owner admin
// in one transaction. A taken subdomain or email is a *models.ConflictError
// naming the field ("subdomain" or "email").
func (s *Store) CreateWorkspace(ctx context.Context, nw NewWorkspace) (*models.Workspace, *models.HelpCenter, *models.Admin, error) {
	now := s.now().UTC()
	ws := &models.Workspace{Name: nw.Name, CreatedAt: now}
	admin := &models.Admin{Email: models.EmailKey(nw.AdminEmail), PasswordHash: nw.PasswordHash, Role: models.TeamOwner, CreatedAt: now}
	hc := &models.HelpCenter{
		PublicID:   newPublicID(),
		Name:       nw.Name,
		Subdomain:  nw.Subdomain,
		Visibility: models.VisibilityPublic,
		TokenTTL:   models.DefaultTokenTTL,
		// Written here, not left to the column's default: gorm would
		// store the zero value.
		SessionLength: models.DefaultSessionLength,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// Checked inside the transaction to name the field in the error; the
		// unique indexes remain the guarantee.
		var n int64
		if err := tx.Model(&models.Admin{}).Where("email = ?", admin.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "email"}
		}
		if err := tx.Model(&models.HelpCenter{}).Where("subdomain = ?", hc.Subdomain).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &models.ConflictError{Field: "subdomain"}
		}
		if err := tx.Create(ws).Error; err != nil {
			return err
		}
		admin.WorkspaceID, hc.WorkspaceID = ws.ID, ws.ID
		if err := tx.Create(admin).Error; err != nil {
			return err
		}
		return tx.Create(hc).Error
	})
	if isUniqueViolation(err) {
		err = models.ErrConflict
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return ws, hc, admin, nil
}

// Workspace loads a workspace by id.
func (s *Store) Workspace(ctx context.Context, id int64) (*models.Workspace, error) {
	var ws models.Workspace
	if err := s.read(ctx).First(&ws, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &ws, nil
}

// CountWorkspaces counts all workspaces (the demo seeds only an empty database).
func (s *Store) CountWorkspaces(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&models.Workspace{}).Count(&n).Error
	return n, err
}

// newPublicID makes the widget's app_id: random, so it reveals nothing.
func newPublicID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return "hc_" + base64.RawURLEncoding.EncodeToString(b)
}
