package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestDeriveSeparatesPurposes(t *testing.T) {
	k, err := Derive("master-key-master-key-master-key-123")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k.CookieHash, k.AtRest) || bytes.Equal(k.CookieBlock, k.AtRest) || len(k.AtRest) != 32 {
		t.Fatal("purpose keys must differ")
	}
	k2, _ := Derive("master-key-master-key-master-key-123")
	if !bytes.Equal(k.AtRest, k2.AtRest) {
		t.Fatal("derivation must be deterministic")
	}
	if _, err := Derive("short"); err == nil {
		t.Fatal("short master key accepted")
	}
}

func TestBoxBindsAdditionalData(t *testing.T) {
	k, _ := Derive("master-key-master-key-master-key-123")
	b, _ := NewBox(k.AtRest)
	sealed, err := b.Seal([]byte("the shared secret"), []byte("help_center:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("the shared secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	if got, err := b.Open(sealed, []byte("help_center:1")); err != nil || string(got) != "the shared secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("help_center:2")); err == nil {
		t.Fatal("sealed value opened for another owner")
	}
	other, _ := Derive("another-master-key-another-master-key")
	ob, _ := NewBox(other.AtRest)
	if _, err := ob.Open(sealed, []byte("help_center:1")); err == nil {
		t.Fatal("opened with another master key")
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created || len(k1) < 32 {
		t.Fatalf("create: %q %v %v", k1, created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created || k2 != k1 {
		t.Fatalf("reload: %v %v", created, err)
	}
}
