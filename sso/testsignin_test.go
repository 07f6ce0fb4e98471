package sso

import "testing"

func TestTesterKeys(t *testing.T) {
	k, err := NewTesterKey()
	if err != nil || !IsTesterKey(k) {
		t.Fatalf("%q %v", k, err)
	}
	p, _ := NewPendingKey("browser-id-0123456789abcdef0123456789", "/", testNow)
	if IsTesterKey(p.Key) || IsTesterKey("tester-short") {
		t.Fatal("a pending key or a short string passes for a tester key")
	}
	if got := UnverifiedJTI(mint(t, with(map[string]any{"jti": k}), "any secret at all, unverified")); got != k {
		t.Fatalf("jti %q", got)
	}
	if UnverifiedJTI("not a token") != "" {
		t.Fatal("a jti from garbage")
	}
}
