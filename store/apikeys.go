package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// MaxAPIKeys bounds a help center's live API keys: enough for every
// backend and environment a partner runs, few enough to audit.
const MaxAPIKeys = 20

// ErrTooManyAPIKeys refuses a key past MaxAPIKeys.
var ErrTooManyAPIKeys = models.Problemf("A help center has at most %d live API keys: revoke one first.", MaxAPIKeys)

// CreateAPIKey saves a key whose secret is secret (only its hash is
// kept; prefix, its first characters, names it in lists).
func (s *Store) CreateAPIKey(ctx context.Context, helpCenterID int64, label, secret, prefix string, scopes []models.APIScope, actor string) (*models.APIKey, error) {
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	k := &models.APIKey{HelpCenterID: helpCenterID, Label: label, Prefix: prefix, Hash: hash(secret),
		Scopes: strings.Join(names, " "), CreatedBy: actor}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		k.CreatedAt = now
		var n int64
		if err := tx.Model(&models.APIKey{}).Where("help_center_id = ? AND revoked_at IS NULL", helpCenterID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxAPIKeys {
			return ErrTooManyAPIKeys
		}
		if err := tx.Create(k).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, fmt.Sprintf("Created the API key %q (%s) with %s", label, prefix, k.Scopes))
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// APIKeys lists a help center's keys, newest first, revoked ones included.
func (s *Store) APIKeys(ctx context.Context, helpCenterID int64) ([]models.APIKey, error) {
	var ks []models.APIKey
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("id DESC").Find(&ks).Error
	return ks, err
}

// RevokeAPIKey ends a live key at once.
func (s *Store) RevokeAPIKey(ctx context.Context, helpCenterID, id int64, actor string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var k models.APIKey
		if err := tx.First(&k, "id = ? AND help_center_id = ? AND revoked_at IS NULL", id, helpCenterID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&k).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, fmt.Sprintf("Revoked the API key %q (%s)", k.Label, k.Prefix))
	})
}

// apiKeyUseEvery is how often a key's last use is written: per minute,
// not per call, so a busy partner does not turn every read into a write.
const apiKeyUseEvery = time.Minute

// APIKeyBySecret finds the live key with this secret and notes its use.
func (s *Store) APIKeyBySecret(ctx context.Context, secret string, now time.Time) (*models.APIKey, error) {
	var k models.APIKey
	if err := s.read(ctx).First(&k, "hash = ? AND revoked_at IS NULL", hash(secret)).Error; err != nil {
		return nil, notFound(err)
	}
	now = now.UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= apiKeyUseEvery {
		if _, err := s.write(ctx, func(db *gorm.DB) *gorm.DB {
			return db.Model(&models.APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now)
		}); err != nil {
			return nil, err
		}
		k.LastUsedAt = &now
	}
	return &k, nil
}

// AuditAPICall records a partner API call that changed something, or
// read the log, under the key that made it.
func (s *Store) AuditAPICall(ctx context.Context, helpCenterID int64, key *models.APIKey, action string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		return audit(tx, helpCenterID, s.now().UTC(), "API key "+key.Prefix+" ("+key.Label+")", action)
	})
}
