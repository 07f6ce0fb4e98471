package sso

import (
	"testing"
	"time"
)

func TestMintVerifies(t *testing.T) {
	secret := "a-shared-secret-of-at-least-32-characters"
	now := time.Unix(1767225600, 0)
	tok, err := Mint(secret, map[string]any{"jti": "k1", "iss": "app", "iat": now.Unix(), "exp": now.Unix() + 60, "email": "a@b.test", "name": "A"})
	if err != nil {
		t.Fatal(err)
	}
	c, rej := Verify(tok, Settings{Enabled: true, Keys: keysOf(secret)}, now)
	if rej != nil || c.Email != "a@b.test" {
		t.Fatalf("minted token refused: %+v", rej)
	}
	if _, err := Mint("short", nil); err == nil {
		t.Fatal("minted with a short secret")
	}
}
