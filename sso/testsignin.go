package sso

import (
	"encoding/json"
	"strings"
)

// Test sign-in: the console opens the Login URL with a tester key instead
// of a pending key. The partner's app signs its token as for any visitor
// and sends it to /sso/jwt, which sees the tester key in the token's jti,
// runs Inspect on the token and keeps the report for the admin — no jti
// is recorded, no key consumed, no session opened, no user provisioned.

const testerPrefix = "tester-"

// NewTesterKey returns a fresh tester key. It has its own shape (a
// prefix, and longer than a pending key), so /sso/jwt tells it apart
// without a query on the sign-in path.
func NewTesterKey() (string, error) {
	id, err := randomID()
	if err != nil {
		return "", err
	}
	return testerPrefix + id, nil
}

// IsTesterKey reports whether key has a tester key's shape.
func IsTesterKey(key string) bool {
	return strings.HasPrefix(key, testerPrefix) && len(key) == len(testerPrefix)+43
}

// UnverifiedJTI reads a token's jti without checking anything. It serves
// only to route a Test sign-in's token to its report; nothing is decided
// on it.
func UnverifiedJTI(token string) string {
	t, rej := checkStructure(token)
	if rej != nil {
		return ""
	}
	var jti string
	if raw, ok := t.payload["jti"]; ok {
		_ = json.Unmarshal(raw, &jti)
	}
	return jti
}
