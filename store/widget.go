package store

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// HelpCenterByPublicID finds the help center a widget's app_id names.
func (s *Store) HelpCenterByPublicID(ctx context.Context, publicID string) (*models.HelpCenter, error) {
	if publicID == "" {
		return nil, models.ErrNotFound
	}
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "public_id = ?", publicID).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// widgetOrigin is one row of widget_origins.
type widgetOrigin struct {
	HelpCenterID int64
	Origin       string
	Position     int
}

func (widgetOrigin) TableName() string { return "widget_origins" }

// WidgetOrigins lists the help center's allowed widget origins in the
// order the admin wrote them.
func (s *Store) WidgetOrigins(ctx context.Context, helpCenterID int64) ([]string, error) {
	var origins []string
	err := s.read(ctx).Model(&widgetOrigin{}).Where("help_center_id = ?", helpCenterID).
		Order("position").Pluck("origin", &origins).Error
	return origins, err
}

// SetWidgetOrigins replaces the allowed widget origins of the workspace's
// help center with origins (already normalised, without duplicates). A
// help center outside the workspace is models.ErrNotFound and changes
// nothing.
func (s *Store) SetWidgetOrigins(ctx context.Context, workspaceID, helpCenterID int64, origins []string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.HelpCenter{}).Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.ErrNotFound
		}
		var old []string
		if err := tx.Model(&widgetOrigin{}).Where("help_center_id = ?", helpCenterID).Order("position").Pluck("origin", &old).Error; err != nil {
			return err
		}
		if err := tx.Where("help_center_id = ?", helpCenterID).Delete(&widgetOrigin{}).Error; err != nil {
			return err
		}
		for i, o := range origins {
			if err := tx.Create(&widgetOrigin{HelpCenterID: helpCenterID, Origin: o, Position: i}).Error; err != nil {
				return err
			}
		}
		if strings.Join(old, " ") == strings.Join(origins, " ") {
			return nil
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", "Allowed widget origins: "+listOrNone(old)+" → "+listOrNone(origins))
	})
}

// WidgetOriginAllowed reports whether origin, exactly as the browser sent
// it, is one of the help center's allowed widget origins.
func (s *Store) WidgetOriginAllowed(ctx context.Context, helpCenterID int64, origin string) (bool, error) {
	var n int64
	err := s.read(ctx).Model(&widgetOrigin{}).Where("help_center_id = ? AND origin = ?", helpCenterID, origin).Count(&n).Error
	return n > 0, err
}

// BindWidgetJTI implements sso.WidgetJTIBinder on the sign-in transaction:
// the same INSERT … ON CONFLICT DO NOTHING as RecordJTI, on the widget
// surface with the instance's hash, and — when another row was there —
// that row's surface and instance read in the same transaction. The
// instance id is stored hashed: with the token it would let a call pose
// as that instance.
func (t *SignIn) BindWidgetJTI(ctx context.Context, helpCenterID int64, jti, instance string, keepUntil time.Time) (models.JTIHolder, error) {
	instanceHash := hex.EncodeToString(hash(instance))
	first, err := t.q.recordJTI(helpCenterID, jti, SurfaceWidget, instanceHash, keepUntil)
	if err != nil || first {
		return models.JTIHolder{Widget: first, SameInstance: first}, err
	}
	row, err := t.q.queryRow(`SELECT surface, instance FROM used_jtis WHERE help_center_id = ? AND jti_hash = ?`,
		helpCenterID, hash(jti))
	if err != nil {
		return models.JTIHolder{}, err
	}
	var surface, instanceSeen string
	if err := row.Scan(&surface, &instanceSeen); err != nil {
		return models.JTIHolder{}, err
	}
	widget := surface == SurfaceWidget
	return models.JTIHolder{
		Widget:       widget,
		SameInstance: widget && subtle.ConstantTimeCompare([]byte(instanceSeen), []byte(instanceHash)) == 1,
	}, nil
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
