package store

import (
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// moveSecretsToKeys is migration 12's Go step: each help center's one
// shared secret becomes its first key row, re-sealed under the key's own
// binding, and the events it verified name that row (their key_name is
// the key's Name already, "Shared secret <fingerprint>"). The old column
// is emptied, so no secret is kept in two places.
// migratedLabel is the label of a help center's first secret, the one
// it had before keys: the very words its event rows already name it by.
const migratedLabel = "Shared secret"

func moveSecretsToKeys(s *Store, tx *gorm.DB) error {
	var rows []struct {
		ID              int64
		JWTSecretSealed []byte
		SecretUpdatedAt *time.Time
		CreatedAt       time.Time
	}
	if err := tx.Raw(`SELECT id, jwt_secret_sealed, secret_updated_at, created_at FROM help_centers
		WHERE jwt_secret_sealed IS NOT NULL`).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if len(r.JWTSecretSealed) == 0 {
			continue
		}
		ad := []byte("help_center:" + strconv.FormatInt(r.ID, 10) + ":jwt_secret")
		secret, err := s.sealer.Open(r.JWTSecretSealed, ad)
		if err != nil {
			return fmt.Errorf("open the shared secret of help center %d (is HELPCENTER_SECRET_KEY the one it was sealed with?): %w", r.ID, err)
		}
		fp := models.Fingerprint(secret)
		sealed, err := s.sealer.Seal(secret, keyAD(r.ID, fp))
		if err != nil {
			return err
		}
		created := r.CreatedAt
		if r.SecretUpdatedAt != nil {
			created = *r.SecretUpdatedAt
		}
		// Plain SQL, not the model: this step must keep working however
		// the model grows after it.
		var id int64
		if err := tx.Raw(`INSERT INTO sso_keys (help_center_id, kind, alg, kid, label, fingerprint, secret_sealed, created_at)
			VALUES (?, ?, ?, '', ?, ?, ?, ?) RETURNING id`,
			r.ID, models.KeySecret, models.AlgHS256, migratedLabel, fp, sealed, created.UTC()).Scan(&id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE events SET key_id = ? WHERE help_center_id = ? AND key_name = ?`,
			id, r.ID, migratedLabel+" "+fp).Error; err != nil {
			return err
		}
	}
	return tx.Exec(`UPDATE help_centers SET jwt_secret_sealed = NULL, secret_updated_at = NULL`).Error
}
