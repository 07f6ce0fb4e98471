package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// AlertRules returns the help center's alert rules (all off when never
// saved).
func (s *Store) AlertRules(ctx context.Context, helpCenterID int64) (models.AlertRules, error) {
	r := models.AlertRules{HelpCenterID: helpCenterID}
	err := s.read(ctx).Table("alert_rules").Where("help_center_id = ?", helpCenterID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.AlertRules{HelpCenterID: helpCenterID}, nil
	}
	return r, err
}

// SaveAlertRules saves the rules' settings (not when they last fired).
func (s *Store) SaveAlertRules(ctx context.Context, helpCenterID int64, threshold int, jump bool, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO alert_rules (help_center_id, rejections_threshold, reason_jump) VALUES (?, ?, ?)
			ON CONFLICT (help_center_id) DO UPDATE SET rejections_threshold = excluded.rejections_threshold, reason_jump = excluded.reason_jump`,
			helpCenterID, threshold, jump).Error; err != nil {
			return err
		}
		what := "off"
		if threshold > 0 {
			what = fmt.Sprintf("over %d in 10 minutes", threshold)
		}
		return audit(tx, helpCenterID, s.now().UTC(), actor, fmt.Sprintf("Alert rules: rejected sign-ins %s; reason jump after a settings change %v", what, map[bool]string{true: "on", false: "off"}[jump]))
	})
}

// AlertedHelpCenter is a help center with at least one alert rule on.
type AlertedHelpCenter struct {
	models.AlertRules
	WorkspaceID int64
	Name        string
	Subdomain   string
}

// AlertedHelpCenters lists the help centers whose alert rules are on.
func (s *Store) AlertedHelpCenters(ctx context.Context) ([]AlertedHelpCenter, error) {
	var out []AlertedHelpCenter
	err := s.read(ctx).Raw(`SELECT r.*, h.workspace_id, h.name, h.subdomain FROM alert_rules r JOIN help_centers h ON h.id = r.help_center_id
		WHERE r.rejections_threshold > 0 OR r.reason_jump ORDER BY r.help_center_id`).Scan(&out).Error
	return out, err
}

// RejectionsByReason counts the help center's rejected sign-ins (both
// surfaces, summary rows for what they stand for) by reason in (from, to]:
// the end is inclusive, so "now" counts what was written at now, whatever
// precision the database keeps times in.
func (s *Store) RejectionsByReason(ctx context.Context, helpCenterID int64, from, to time.Time) (map[string]int64, error) {
	var rows []struct {
		Reason string
		N      int64
	}
	err := s.read(ctx).Raw(`SELECT reason, SUM(count) AS n FROM events`+s.d.indexedBy("events_event")+`
		WHERE help_center_id = ? AND event IN ? AND created_at > ? AND created_at <= ? GROUP BY reason`,
		helpCenterID, models.DefaultLogEvents, from.UTC(), to.UTC()).Scan(&rows).Error
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Reason] = r.N
	}
	return out, err
}

// LastSettingsChange is the help center's latest settings change, nil
// when it has none.
func (s *Store) LastSettingsChange(ctx context.Context, helpCenterID int64) (*models.AuditEntry, error) {
	entries, err := s.AuditLog(ctx, helpCenterID, 1)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	return &entries[0], nil
}

// AlertRecipients are the emails of the workspace's owners and admins.
func (s *Store) AlertRecipients(ctx context.Context, workspaceID int64) ([]string, error) {
	var emails []string
	err := s.read(ctx).Model(&models.Admin{}).Where("workspace_id = ? AND role IN ?", workspaceID,
		[]string{string(models.TeamOwner), string(models.TeamAdmin)}).Order("id").Pluck("email", &emails).Error
	return emails, err
}

// FireAlert marks rule fired at now and queues its mails, in one
// transaction — unless it fired less than models.AlertEvery ago, which
// any instance may have just done: then nothing happens (fired false).
func (s *Store) FireAlert(ctx context.Context, helpCenterID int64, rule string, now time.Time, mails []models.Mail) (fired bool, err error) {
	column := map[string]string{models.AlertRejections: "last_rejections_at", models.AlertReasonJump: "last_jump_at"}[rule]
	if column == "" {
		return false, fmt.Errorf("unknown alert rule %q", rule)
	}
	now = now.UTC()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE alert_rules SET `+column+` = ? WHERE help_center_id = ? AND (`+column+` IS NULL OR `+column+` <= ?)`,
			now, helpCenterID, now.Add(-models.AlertEvery))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		fired = true
		for _, m := range mails {
			if err := enqueueMail(tx, m, now); err != nil {
				return err
			}
		}
		return nil
	})
	return fired, err
}
