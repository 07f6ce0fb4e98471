package store

import (
	"context"
	"errors"

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

// CountRowsForTest counts the rows of one of the tables a test may ask
// about (a fixed list: the name is spliced into the query).
func (s *Store) CountRowsForTest(ctx context.Context, table string) (int64, error) {
	switch table {
	case "events", "used_jtis", "pending_keys", "users", "visitor_sessions", "revoked_sessions", "settings_audit":
	default:
		return 0, errors.New("CountRowsForTest: unknown table " + table)
	}
	var n int64
	err := s.read(ctx).Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error
	return n, err
}
