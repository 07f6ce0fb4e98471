package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// MaxWebhooks bounds a help center's webhooks.
const MaxWebhooks = 10

// ErrTooManyWebhooks refuses a webhook past MaxWebhooks.
var ErrTooManyWebhooks = models.Problemf("A help center has at most %d webhooks: delete one first.", MaxWebhooks)

func webhookAD(helpCenterID int64, url string) []byte {
	return []byte("webhook:" + strconv.FormatInt(helpCenterID, 10) + ":" + url)
}

// AddWebhook saves a webhook with its secret sealed; it receives events
// written from now on.
func (s *Store) AddWebhook(ctx context.Context, helpCenterID int64, url string, events []string, secret, actor string) (*models.Webhook, error) {
	sealed, err := s.sealer.Seal([]byte(secret), webhookAD(helpCenterID, url))
	if err != nil {
		return nil, err
	}
	w := &models.Webhook{HelpCenterID: helpCenterID, URL: url, Events: strings.Join(events, " "), SecretSealed: sealed, CreatedBy: actor}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		w.CreatedAt = now
		var n int64
		if err := tx.Model(&models.Webhook{}).Where("help_center_id = ?", helpCenterID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhooks {
			return ErrTooManyWebhooks
		}
		// From now on: the newest event row so far is behind it.
		if err := tx.Raw(`SELECT COALESCE(MAX(id), 0) FROM events WHERE help_center_id = ?`, helpCenterID).Scan(&w.AfterEventID).Error; err != nil {
			return err
		}
		if err := tx.Create(w).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, "Added the webhook "+url+" ("+w.Events+")")
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Webhooks lists a help center's webhooks, newest first.
func (s *Store) Webhooks(ctx context.Context, helpCenterID int64) ([]models.Webhook, error) {
	var ws []models.Webhook
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("id DESC").Find(&ws).Error
	return ws, err
}

// DeleteWebhook deletes a webhook and its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, helpCenterID, id int64, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var w models.Webhook
		if err := tx.First(&w, "id = ? AND help_center_id = ?", id, helpCenterID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Where("webhook_id = ?", id).Delete(&models.WebhookDelivery{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&w).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, s.now().UTC(), actor, "Deleted the webhook "+w.URL)
	})
}

// Deliveries lists a help center's latest deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, helpCenterID int64, limit int) ([]models.WebhookDelivery, error) {
	var ds []models.WebhookDelivery
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("id DESC").Limit(limit).Find(&ds).Error
	return ds, err
}

// ResendDelivery queues a delivery again, due now, with its attempts
// counted afresh (Resend on the Webhooks page).
func (s *Store) ResendDelivery(ctx context.Context, helpCenterID, id int64, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		res := tx.Model(&models.WebhookDelivery{}).Where("id = ? AND help_center_id = ?", id, helpCenterID).
			Updates(map[string]any{"status": models.DeliveryQueued, "attempts": 0, "next_attempt_at": now, "created_at": now, "last_error": ""})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return audit(tx, helpCenterID, now, actor, "Resent webhook delivery "+strconv.FormatInt(id, 10))
	})
}

// webhookScanBatch bounds the events one scan turns into deliveries per
// webhook; the next scan takes the rest.
const webhookScanBatch = 500

// EnqueueWebhookEvents turns the event rows written since each webhook's
// last scan into deliveries (JSON payloads of the rows it wants), moving
// its mark in the same transaction. Sign-ins never wait for this: it runs
// in the background over rows already committed.
func (s *Store) EnqueueWebhookEvents(ctx context.Context) (int, error) {
	var hooks []models.Webhook
	if err := s.read(ctx).Order("id").Find(&hooks).Error; err != nil {
		return 0, err
	}
	total := 0
	for _, w := range hooks {
		var events []models.Event
		if err := s.read(ctx).Raw(`SELECT `+eventColumns+`, request_id FROM events WHERE help_center_id = ? AND id > ? ORDER BY id LIMIT ?`,
			w.HelpCenterID, w.AfterEventID, webhookScanBatch).Scan(&events).Error; err != nil {
			return total, err
		}
		if len(events) == 0 {
			continue
		}
		last := events[len(events)-1].ID
		err := s.tx(ctx, func(tx *gorm.DB) error {
			now := s.now().UTC()
			res := tx.Model(&models.Webhook{}).Where("id = ? AND after_event_id = ?", w.ID, w.AfterEventID).Update("after_event_id", last)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // another instance took this batch
			}
			for _, e := range events {
				if !w.Wants(e.Event) {
					continue
				}
				payload, err := webhookPayload(e)
				if err != nil {
					return err
				}
				if err := tx.Create(&models.WebhookDelivery{WebhookID: w.ID, HelpCenterID: w.HelpCenterID, Event: e.Event, Payload: payload,
					Status: models.DeliveryQueued, NextAttemptAt: now, CreatedAt: now, RequestID: e.RequestID}).Error; err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// webhookPayload is the JSON an event is posted as: the Standard Webhooks
// envelope (type, timestamp, data) with the Logs view's columns.
func webhookPayload(e models.Event) (string, error) {
	b, err := json.Marshal(map[string]any{
		"type": e.Event, "timestamp": e.CreatedAt.UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"reason": e.Reason, "detail": e.Detail, "email": e.Email, "jti": e.JTI, "ip": e.IP,
			"user_agent": e.UserAgent, "key": e.Key, "count": e.Count},
	})
	return string(b), err
}

// ClaimedDelivery is a delivery taken for one attempt, with its target.
type ClaimedDelivery struct {
	models.WebhookDelivery
	URL    string
	Secret string
}

// ClaimDeliveries takes up to limit due deliveries for one attempt each,
// moving their next attempt lease ahead (as ClaimMail does), with their
// webhook's URL and opened secret.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	now = now.UTC()
	var due []models.WebhookDelivery
	if err := s.read(ctx).Where("status = ? AND next_attempt_at <= ?", models.DeliveryQueued, now).
		Order("next_attempt_at, id").Limit(limit).Find(&due).Error; err != nil {
		return nil, err
	}
	var out []ClaimedDelivery
	err := s.tx(ctx, func(tx *gorm.DB) error {
		out = out[:0]
		for _, d := range due {
			res := tx.Model(&models.WebhookDelivery{}).Where("id = ? AND status = ? AND next_attempt_at = ?", d.ID, models.DeliveryQueued, d.NextAttemptAt).
				Updates(map[string]any{"next_attempt_at": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			var w models.Webhook
			if err := tx.First(&w, "id = ?", d.WebhookID).Error; err != nil {
				return notFound(err)
			}
			secret, err := s.sealer.Open(w.SecretSealed, webhookAD(w.HelpCenterID, w.URL))
			if err != nil {
				return fmt.Errorf("open the secret of webhook %d: %w", w.ID, err)
			}
			d.Attempts++
			out = append(out, ClaimedDelivery{WebhookDelivery: d, URL: w.URL, Secret: string(secret)})
		}
		return nil
	})
	return out, err
}

// DeliveryDone records an attempt: delivered, retried at next, or (next
// zero) given up.
func (s *Store) DeliveryDone(ctx context.Context, id int64, now time.Time, delivered bool, status int, why string, next time.Time) error {
	set := map[string]any{"last_status": status, "last_error": why}
	switch {
	case delivered:
		set["status"], set["delivered_at"], set["last_error"] = models.DeliveryDelivered, now.UTC(), ""
	case next.IsZero():
		set["status"] = models.DeliveryFailed
	default:
		set["next_attempt_at"] = next.UTC()
	}
	_, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.WebhookDelivery{}).Where("id = ?", id).Updates(set)
	})
	return err
}

// DeliveryQueueDepth counts the deliveries waiting.
func (s *Store) DeliveryQueueDepth(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&models.WebhookDelivery{}).Where("status = ?", models.DeliveryQueued).Count(&n).Error
	return n, err
}
