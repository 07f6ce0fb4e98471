package store

import (
	"context"

	"helpcenter/models"
)

// EventsForTest lists a help center's events oldest first. Tests use it to
// assert the rows an outcome wrote.
func (s *Store) EventsForTest(ctx context.Context, helpCenterID int64) ([]models.Event, error) {
	var evs []models.Event
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("created_at, id").Find(&evs).Error
	return evs, err
}

// CountVisitorSessionsForTest counts a help center's visitor sessions.
func (s *Store) CountVisitorSessionsForTest(ctx context.Context, helpCenterID int64) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&models.VisitorSession{}).Where("help_center_id = ?", helpCenterID).Count(&n).Error
	return n, err
}
