package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// QueuedMail is one row of the mail queue: a mail written in the
// transaction of the change that sends it (an invitation, a reset), so a
// mail is never promised by a change that rolled back, nor lost by a
// crash or a down SMTP server after one that committed.
type QueuedMail struct {
	ID            int64
	ToAddr        string
	Subject       string
	TextBody      string
	HTMLBody      string
	Status        string // "queued", "sent" or "failed"
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
	// RequestID is the request that queued it ("" from a job or the CLI).
	RequestID string
}

func (QueuedMail) TableName() string { return "mail_queue" }

// Mail is the message the row holds.
func (m QueuedMail) Mail() models.Mail {
	return models.Mail{To: m.ToAddr, Subject: m.Subject, Text: m.TextBody, HTML: m.HTMLBody}
}

// The states of a queued mail.
const (
	MailQueued = "queued"
	MailSent   = "sent"
	MailFailed = "failed"
)

// enqueueMail adds m to the queue inside tx, due now.
func enqueueMail(tx *gorm.DB, m models.Mail, now time.Time) error {
	now = now.UTC()
	return tx.Create(&QueuedMail{ToAddr: m.To, Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML,
		Status: MailQueued, NextAttemptAt: now, CreatedAt: now, RequestID: models.RequestID(tx.Statement.Context)}).Error
}

// EnqueueMail queues a mail of its own (not tied to another change).
func (s *Store) EnqueueMail(ctx context.Context, m models.Mail) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return enqueueMail(tx, m, s.now()) })
}

// ClaimMail takes up to limit due mails for one sending attempt: each
// claimed row's next attempt moves lease ahead, so another instance
// draining the queue at once skips it, and a process that dies mid-send
// leaves it to be retried when the lease runs out.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.QueuedMail, error) {
	now = now.UTC()
	var due []QueuedMail
	if err := s.read(ctx).Where("status = ? AND next_attempt_at <= ?", MailQueued, now).
		Order("next_attempt_at, id").Limit(limit).Find(&due).Error; err != nil {
		return nil, err
	}
	var claimed []models.QueuedMail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		claimed = claimed[:0]
		for _, m := range due {
			res := tx.Model(&QueuedMail{}).Where("id = ? AND status = ? AND next_attempt_at = ?", m.ID, MailQueued, m.NextAttemptAt).
				Updates(map[string]any{"next_attempt_at": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				claimed = append(claimed, models.QueuedMail{ID: m.ID, Mail: m.Mail(), Attempts: m.Attempts + 1, CreatedAt: m.CreatedAt, RequestID: m.RequestID})
			}
		}
		return nil
	})
	return claimed, err
}

// MailDelivered marks a claimed mail sent.
func (s *Store) MailDelivered(ctx context.Context, id int64, now time.Time) error {
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&QueuedMail{}).Where("id = ?", id).
			Updates(map[string]any{"status": MailSent, "sent_at": now.UTC(), "last_error": ""})
	})
	return err
}

// MailNotDelivered records a failed attempt: retried at next, or, when
// next is zero, given up (status failed, kept for the operator to see).
func (s *Store) MailNotDelivered(ctx context.Context, id int64, next time.Time, why string) error {
	set := map[string]any{"last_error": why}
	if next.IsZero() {
		set["status"] = MailFailed
	} else {
		set["next_attempt_at"] = next.UTC()
	}
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB { return db.Model(&QueuedMail{}).Where("id = ?", id).Updates(set) })
	return err
}

// MailQueue lists the queue, newest first (operators and tests).
func (s *Store) MailQueue(ctx context.Context, limit int) ([]QueuedMail, error) {
	var ms []QueuedMail
	err := s.read(ctx).Order("id DESC").Limit(limit).Find(&ms).Error
	return ms, err
}

// MailQueueDepth counts the mail waiting to be sent (queued, due or not).
func (s *Store) MailQueueDepth(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&QueuedMail{}).Where("status = ?", MailQueued).Count(&n).Error
	return n, err
}
