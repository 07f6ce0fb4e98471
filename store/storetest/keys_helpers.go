package storetest

import (
	"context"
	"testing"

	"helpcenter/models"
	"helpcenter/store"
)

// secretOf is the help center's newest live shared secret at T0, "" when
// it has none.
func secretOf(t *testing.T, st *store.Store, helpCenterID int64) string {
	t.Helper()
	live, err := st.LiveKeys(context.Background(), helpCenterID, T0)
	if err != nil {
		t.Fatal(err)
	}
	if k := models.NewestSecret(live); k != nil {
		return k.Secret
	}
	return ""
}

// fingerprint is a secret's fingerprint, as sso and the store compute it.
func fingerprint(secret string) string { return models.Fingerprint([]byte(secret)) }

// sealedSecrets reads the sealed secrets of a help center's keys as
// stored, oldest first.
func sealedSecrets(t *testing.T, dsn string, helpCenterID int64) [][]byte {
	t.Helper()
	db := openDSN(t, dsn)
	defer db.Close()
	rows, err := db.Query(rebind(dsn, `SELECT secret_sealed FROM sso_keys WHERE help_center_id = ? AND kind = 'secret' ORDER BY id`), helpCenterID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// copySealedSecret copies the first secret key row of one help center,
// sealed secret and fingerprint included, to another: what an attacker
// with write access to the table would try.
func copySealedSecret(t *testing.T, dsn string, from, to int64) {
	t.Helper()
	db := openDSN(t, dsn)
	defer db.Close()
	_, err := db.Exec(rebind(dsn, `INSERT INTO sso_keys (help_center_id, kind, alg, kid, label, fingerprint, secret_sealed, created_at)
		SELECT ?, kind, alg, kid, label, fingerprint, secret_sealed, created_at FROM sso_keys WHERE help_center_id = ? AND kind = 'secret'
		ORDER BY id LIMIT 1`), to, from)
	if err != nil {
		t.Fatal(err)
	}
}

// addKeyErr is AddKey's error alone, for tables of errors.
func addKeyErr(_ *models.VerificationKey, err error) error { return err }
