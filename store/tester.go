package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
)

// TesterRunLifetime is how long a Test sign-in waits for its token and
// keeps its report.
const TesterRunLifetime = 10 * time.Minute

// StartTesterRun records a tester key the console is about to send to
// the Login URL.
func (s *Store) StartTesterRun(ctx context.Context, helpCenterID int64, key string) error {
	now := s.now().UTC()
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Exec(`INSERT INTO tester_runs (help_center_id, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			helpCenterID, hash(key), now, now.Add(TesterRunLifetime))
	})
	return err
}

// SaveTesterReport keeps the report of the token that came back for a
// live tester key; false when the help center issued no such key (or it
// expired).
func (s *Store) SaveTesterReport(ctx context.Context, helpCenterID int64, key, report string) (bool, error) {
	n, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Exec(`UPDATE tester_runs SET report = ? WHERE help_center_id = ? AND key_hash = ? AND expires_at > ?`,
			report, helpCenterID, hash(key), s.now().UTC())
	})
	return n == 1, err
}

// TesterReport returns a run's report: "" while its token has not come
// back; found is false for a key the help center did not issue.
func (s *Store) TesterReport(ctx context.Context, helpCenterID int64, key string) (report string, found bool, err error) {
	db, err := s.r.DB()
	if err != nil {
		return "", false, err
	}
	err = db.QueryRowContext(ctx, s.d.placeholders(`SELECT report FROM tester_runs WHERE help_center_id = ? AND key_hash = ? AND expires_at > ?`),
		helpCenterID, hash(key), s.now().UTC()).Scan(&report)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return report, err == nil, err
}
