package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// The verification keys of SPEC section 9. A key row is written once and
// then only ended (retires_at, revoked_at) or marked used; a new secret
// is a new row, so each event row names the key that checked it for good.

// MaxLiveKeys bounds a help center's live keys: every one of an algorithm
// may be tried on a token without a kid, and rotation never needs more.
const MaxLiveKeys = 10

// keyAD binds a sealed secret to its help center and fingerprint: the
// ciphertext copied into another tenant's row, or into a row naming
// another secret, does not open.
func keyAD(helpCenterID int64, fingerprint string) []byte {
	return []byte("help_center:" + strconv.FormatInt(helpCenterID, 10) + ":sso_key:" + fingerprint)
}

// liveKey is the SQL of a key live at a time given as the argument.
const liveKey = `revoked_at IS NULL AND (retires_at IS NULL OR retires_at > ?)`

// LiveKeys returns the help center's keys live at now, oldest first, with
// shared secrets opened. It reads the database every time, so a key added
// or revoked on one instance counts on every other from the next request.
func (s *Store) LiveKeys(ctx context.Context, helpCenterID int64, now time.Time) ([]models.VerificationKey, error) {
	// On every sign-in: a prepared statement, not gorm (see readStmt).
	st, err := s.readStmt(ctx, `SELECT id, help_center_id, kind, alg, kid, label, fingerprint, secret_sealed,
		public_der, jwks_url, created_at, last_used_at, retires_at, revoked_at
		FROM sso_keys WHERE help_center_id = ? AND `+liveKey+` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, helpCenterID, now.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []models.VerificationKey
	for rows.Next() {
		var k models.VerificationKey
		if err := rows.Scan(&k.ID, &k.HelpCenterID, &k.Kind, &k.Alg, &k.KID, &k.Label, &k.Fingerprint, &k.SecretSealed,
			&k.PublicDER, &k.JWKSURL, &k.CreatedAt, &k.LastUsedAt, &k.RetiresAt, &k.RevokedAt); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return keys, s.openSecrets(keys)
}

func (s *Store) openSecrets(keys []models.VerificationKey) error {
	for i := range keys {
		k := &keys[i]
		if k.Kind != models.KeySecret {
			continue
		}
		b, err := s.sealer.Open(k.SecretSealed, keyAD(k.HelpCenterID, k.Fingerprint))
		if err != nil {
			return fmt.Errorf("open the shared secret of key %d: %w", k.ID, err)
		}
		k.Secret = string(b)
	}
	return nil
}

// Keys returns every key of the help center, live or ended, newest first,
// each with how many signatures it verified in the last 24 hours (counted
// by the hour, so up to 25 hours back). Secrets stay sealed.
func (s *Store) Keys(ctx context.Context, helpCenterID int64, now time.Time) ([]models.VerificationKey, error) {
	var keys []models.VerificationKey
	// The sealed secrets are not read: nothing here opens them.
	if err := s.read(ctx).Omit("secret_sealed").Where("help_center_id = ?", helpCenterID).Order("id DESC").Find(&keys).Error; err != nil {
		return nil, err
	}
	var counts []struct {
		KeyID int64
		N     int64
	}
	since := now.UTC().Add(-24 * time.Hour).Truncate(time.Hour)
	err := s.read(ctx).Raw(`SELECT u.key_id AS key_id, SUM(u.count) AS n FROM sso_key_usage u
		JOIN sso_keys k ON k.id = u.key_id WHERE k.help_center_id = ? AND u.hour >= ? GROUP BY u.key_id`,
		helpCenterID, since).Scan(&counts).Error
	if err != nil {
		return nil, err
	}
	verified := make(map[int64]int64, len(counts))
	for _, c := range counts {
		verified[c.KeyID] = c.N
	}
	for i := range keys {
		keys[i].Verified24h = verified[keys[i].ID]
	}
	return keys, nil
}

// Retire says what adding a key does to the shared secrets already live.
type Retire int

const (
	// KeepOthers adds the key beside the live ones ("Add secret").
	KeepOthers Retire = iota
	// RetireSecrets ends every live shared secret, after Grace
	// ("Regenerate", or a new secret applied in the JWT form).
	RetireSecrets
)

// NewKey is a key to add.
type NewKey struct {
	Kind  models.KeyKind
	Alg   string
	KID   string
	Label string
	// Secret is sealed here; never stored in the clear. The store computes
	// the fingerprint from it (or from PublicDER, or JWKSURL), so a key
	// is always named by what it is.
	Secret    string
	PublicDER []byte
	JWKSURL   string
	Retire    Retire
	// Grace keeps the retired secrets live that long; 0 ends them at once.
	Grace time.Duration
	// Actor is who asked, for the audit entry; Audit, when set, begins
	// it ("Secret regenerated").
	Actor, Audit string
	// quiet leaves the audit entry to the caller's own (the JWT form's
	// "Shared secret replaced").
	quiet bool
}

// AddKey saves a new live key, retiring the live secrets when asked, with
// the audit entry, in one transaction. A key whose fingerprint (or kid) a
// live key already has is a *models.ConflictError on "key" (or "kid");
// more than MaxLiveKeys live keys on "key" too.
func (s *Store) AddKey(ctx context.Context, workspaceID, helpCenterID int64, k NewKey) (*models.VerificationKey, error) {
	var row *models.VerificationKey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := ownedHelpCenter(tx, workspaceID, helpCenterID); err != nil {
			return err
		}
		var err error
		row, err = s.addKey(tx, helpCenterID, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}

// addKey is AddKey inside a transaction whose help center is checked.
func (s *Store) addKey(tx *gorm.DB, helpCenterID int64, k NewKey) (*models.VerificationKey, error) {
	now := s.now().UTC()
	row := models.VerificationKey{HelpCenterID: helpCenterID, Kind: k.Kind, Alg: k.Alg, KID: k.KID, Label: k.Label,
		Fingerprint: models.KeyFingerprint(k.Kind, k.Secret, k.PublicDER, k.JWKSURL),
		PublicDER:   k.PublicDER, JWKSURL: k.JWKSURL, CreatedAt: now}
	if k.Kind == models.KeySecret {
		sealed, err := s.sealer.Seal([]byte(k.Secret), keyAD(helpCenterID, row.Fingerprint))
		if err != nil {
			return nil, err
		}
		row.SecretSealed = sealed
	}
	var live []models.VerificationKey
	if err := tx.Where("help_center_id = ? AND "+liveKey, helpCenterID, now).Find(&live).Error; err != nil {
		return nil, err
	}
	var retired []string
	for _, l := range live {
		switch {
		case l.Fingerprint == row.Fingerprint:
			return nil, &models.ConflictError{Field: "key"}
		case k.KID != "" && l.KID == k.KID:
			return nil, &models.ConflictError{Field: "kid"}
		}
		if k.Retire == RetireSecrets && l.Kind == models.KeySecret {
			retired = append(retired, l.Name())
		}
	}
	if len(live)-len(retired) >= MaxLiveKeys {
		return nil, &models.ConflictError{Field: "key"}
	}
	if len(retired) > 0 {
		end := map[string]any{"revoked_at": now}
		if k.Grace > 0 {
			end = map[string]any{"retires_at": now.Add(k.Grace)}
		}
		if err := tx.Model(&models.VerificationKey{}).Where("help_center_id = ? AND kind = ? AND "+liveKey,
			helpCenterID, models.KeySecret, now).Updates(end).Error; err != nil {
			return nil, err
		}
	}
	if err := tx.Create(&row).Error; err != nil {
		return nil, err
	}
	action := describeKey(&row) + " added"
	if k.Audit != "" {
		action = k.Audit + ": new " + describeKey(&row)
	}
	if len(retired) > 0 {
		if k.Grace > 0 {
			action += fmt.Sprintf("; %s retiring until %s", strings.Join(retired, ", "), now.Add(k.Grace).Format(time.RFC3339))
		} else {
			action += fmt.Sprintf("; %s revoked at once", strings.Join(retired, ", "))
		}
	}
	if !k.quiet {
		if err := audit(tx, helpCenterID, now, k.Actor, action); err != nil {
			return nil, err
		}
	}
	row.SecretSealed = nil
	return &row, nil
}

// describeKey names a key in an audit entry: kind, label, fingerprint and
// kid, never the secret.
func describeKey(k *models.VerificationKey) string {
	var b strings.Builder
	switch k.Kind {
	case models.KeySecret:
		b.WriteString("Shared secret ")
	case models.KeyPublic:
		b.WriteString(k.Alg + " public key ")
	case models.KeyJWKS:
		b.WriteString("JWKS URL " + k.JWKSURL + " as ")
	}
	b.WriteString(strconv.Quote(k.Label) + " (" + k.Fingerprint)
	if k.KID != "" {
		b.WriteString(", kid " + strconv.Quote(k.KID))
	}
	b.WriteString(")")
	return b.String()
}

// RevokeKey ends a key at once, grace window or not. A key already ended
// is models.ErrNotFound, as is another help center's.
func (s *Store) RevokeKey(ctx context.Context, workspaceID, helpCenterID, keyID int64, actor string) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := ownedHelpCenter(tx, workspaceID, helpCenterID); err != nil {
			return err
		}
		var k models.VerificationKey
		if err := tx.Where("id = ? AND help_center_id = ? AND "+liveKey, keyID, helpCenterID, now).First(&k).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&models.VerificationKey{}).Where("id = ?", keyID).
			Updates(map[string]any{"revoked_at": now}).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, describeKey(&k)+" revoked")
	})
}

// ownedHelpCenter is nil when the help center belongs to the workspace,
// models.ErrNotFound otherwise: a console request never reaches another
// tenant's keys.
func ownedHelpCenter(tx *gorm.DB, workspaceID, helpCenterID int64) error {
	var n int64
	if err := tx.Model(&models.HelpCenter{}).Where("id = ? AND workspace_id = ?", helpCenterID, workspaceID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}

// keyUsage counts verified signatures in memory between flushes: counting
// in the sign-in's own transaction would make every sign-in of a help
// center wait for the one before it on the key's row (PostgreSQL's row
// lock), for a figure that is only ever read by the hour.
type keyUsage struct {
	// flushing makes flushes take turns, so one returns only once every
	// count noted before it is written: a flush that found the counts
	// already taken by the background one returned while they were still
	// on their way, and a reader right after it saw them missing.
	flushing sync.Mutex
	mu       sync.Mutex
	counts   map[usageBucket]int64
	last     map[int64]time.Time
}

type usageBucket struct {
	key  int64
	hour time.Time
}

// NoteKeyUse counts one signature the key verified at at. It never
// touches the database; FlushKeyUsage writes the counts.
func (s *Store) NoteKeyUse(keyID int64, at time.Time) {
	if keyID == 0 {
		return
	}
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.counts == nil {
		u.counts, u.last = map[usageBucket]int64{}, map[int64]time.Time{}
	}
	at = at.UTC()
	u.counts[usageBucket{keyID, at.Truncate(time.Hour)}]++
	if at.After(u.last[keyID]) {
		u.last[keyID] = at
	}
}

// FlushKeyUsage adds the counts noted since the last flush to the
// database, and moves each key's last use forward. Instances add their
// own counts, so several on one database sum up. On failure the counts
// are kept for the next flush.
func (s *Store) FlushKeyUsage(ctx context.Context) error {
	u := &s.usage
	u.flushing.Lock()
	defer u.flushing.Unlock()
	u.mu.Lock()
	counts, last := u.counts, u.last
	u.counts, u.last = nil, nil
	u.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	err := s.update(ctx, func(q queries) error {
		for b, n := range counts {
			if _, err := q.exec(`INSERT INTO sso_key_usage (key_id, hour, count) SELECT id, ?, ? FROM sso_keys WHERE id = ?
				ON CONFLICT (key_id, hour) DO UPDATE SET count = sso_key_usage.count + excluded.count`, b.hour, n, b.key); err != nil {
				return err
			}
		}
		for id, at := range last {
			if _, err := q.exec(`UPDATE sso_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		u.mu.Lock()
		if u.counts == nil {
			u.counts, u.last = map[usageBucket]int64{}, map[int64]time.Time{}
		}
		for b, n := range counts {
			u.counts[b] += n
		}
		for id, at := range last {
			if at.After(u.last[id]) {
				u.last[id] = at
			}
		}
		u.mu.Unlock()
	}
	return err
}
