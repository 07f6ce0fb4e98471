package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"helpcenter/models"
)

// PendingKeyLifetime is how long a pending key can be redeemed (SPEC
// section 3, step 2).
const PendingKeyLifetime = 10 * time.Minute

// NewPendingKey creates the key for a browser (its raw browser id cookie
// value) that asked for returnTo at now.
func NewPendingKey(browserID, returnTo string, now time.Time) (models.PendingKey, error) {
	if browserID == "" {
		return models.PendingKey{}, errors.New("a pending key needs the browser id")
	}
	key, err := randomID()
	if err != nil {
		return models.PendingKey{}, fmt.Errorf("generate pending key: %w", err)
	}
	return models.PendingKey{
		Key:         key,
		BrowserHash: HashBrowserID(browserID),
		ReturnTo:    CleanReturnTo(returnTo),
		ExpiresAt:   now.Add(PendingKeyLifetime),
	}, nil
}

// NewBrowserID returns a fresh browser id for the HttpOnly, SameSite=Lax
// cookie that ties a sign-in to the browser that started it.
func NewBrowserID() (string, error) {
	id, err := randomID()
	if err != nil {
		return "", fmt.Errorf("generate browser id: %w", err)
	}
	return id, nil
}

// HashBrowserID is the form in which a browser id is stored and compared.
// A plain SHA-256 suffices: the id is 256 random bits, not a password.
func HashBrowserID(browserID string) string {
	sum := sha256.Sum256([]byte(browserID))
	return hex.EncodeToString(sum[:])
}

// randomID returns 32 bytes from crypto/rand as unpadded base64url.
func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CleanReturnTo returns s when it is a path (and query) on this host, and
// "/" otherwise, so that a sign-in never ends on another site. Refused:
// anything with a scheme or host, "//host" and "/\host" (browsers read
// both as another host), and white space or control characters (browsers
// drop tabs and newlines, which could turn "/\t/host" into "//host").
func CleanReturnTo(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return "/"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return s
}

// PendingKeyStore is what redeeming a pending key needs of the store.
// Every method is scoped to one help center and takes the time as a
// parameter. (Saving keys and purging expired ones are the store's own
// business: the gate saves, a background job purges.)
type PendingKeyStore interface {
	// ConsumePendingKey marks the key used, if and only if it belongs to
	// the help center, is bound to browserHash, is unused and has not
	// expired at now — as ONE conditional statement judged by rows
	// affected:
	//
	//	UPDATE pending_keys SET used_at = :now
	//	WHERE help_center_id = :hc AND key = :key AND browser_hash = :hash
	//	  AND used_at IS NULL AND expires_at > :now
	//
	// so that of any number of concurrent calls for one key, exactly one
	// reports consumed (never "read, then update"). It returns the key's
	// return_to when consumed.
	ConsumePendingKey(ctx context.Context, helpCenterID int64, key, browserHash string, now time.Time) (returnTo string, consumed bool, err error)

	// PendingKeyLive reports whether the help center holds this key unused
	// and unexpired at now, whatever browser it is bound to. It is asked
	// only after ConsumePendingKey said no, to tell jwt_key_mismatch from
	// jwt_unknown_key; a plain read is enough, since the answer only picks
	// between two rejections.
	PendingKeyLive(ctx context.Context, helpCenterID int64, key string, now time.Time) (bool, error)
}

// KeyRedemption is where an accepted sign-in goes after steps 12–13.
type KeyRedemption struct {
	// ReturnTo is the redeemed key's page, or "" for an unsolicited
	// sign-in, which goes to "/" or to its own (cleaned) return_to.
	ReturnTo string
	// Unsolicited is true when no pending key was involved and the help
	// center allows sign-ins started from the partner's app.
	Unsolicited bool
}

// RedeemPendingKey runs steps 12 (jwt_unknown_key) and 13
// (jwt_key_mismatch) for a token that passed checks 0–11: it consumes the
// pending key named by the token's jti for this browser (its raw browser id
// cookie value, "" when the request had none). A storage error is returned
// as an error and must be treated as a failure, never as a success.
func RedeemPendingKey(ctx context.Context, store PendingKeyStore, helpCenterID int64, c *Claims, browserID string, allowUnsolicited bool, now time.Time) (KeyRedemption, *Rejection, error) {
	var (
		returnTo string
		consumed bool
		err      error
	)
	// Without a browser id there is nothing the key could be bound to, so
	// the key cannot be consumed; the read below still tells whether it
	// was meant for another browser.
	if browserID != "" {
		returnTo, consumed, err = store.ConsumePendingKey(ctx, helpCenterID, c.JTI, HashBrowserID(browserID), now)
		if err != nil {
			return KeyRedemption{}, nil, fmt.Errorf("consume pending key: %w", err)
		}
	}
	live := false
	if !consumed {
		if live, err = store.PendingKeyLive(ctx, helpCenterID, c.JTI, now); err != nil {
			return KeyRedemption{}, nil, fmt.Errorf("look up pending key: %w", err)
		}
	}
	return judgeKey(c, keyState{consumed: consumed, returnTo: returnTo, liveElsewhere: live}, allowUnsolicited)
}

// keyState is what storage said about the token's jti as a pending key.
type keyState struct {
	consumed      bool   // consumed now, for this browser
	returnTo      string // the consumed key's page
	liveElsewhere bool   // not consumed, but unused and unexpired for another browser
}

// judgeKey maps the storage answers to the outcome of steps 12–13. A key
// issued to another browser is refused even when unsolicited sign-ins are
// allowed: that token was started by someone else's visit.
func judgeKey(c *Claims, k keyState, allowUnsolicited bool) (KeyRedemption, *Rejection, error) {
	switch {
	case k.consumed:
		return KeyRedemption{ReturnTo: CleanReturnTo(k.returnTo)}, nil, nil
	case k.liveElsewhere:
		return KeyRedemption{}, c.reject(ReasonKeyMismatch,
			"jti %s is a sign-in key issued to another browser; the sign-in must finish in the browser that started it", quote(c.JTI)), nil
	case allowUnsolicited:
		return KeyRedemption{Unsolicited: true}, nil, nil
	default:
		return KeyRedemption{}, c.reject(ReasonUnknownKey,
			"jti %s is not an unused sign-in key of this help center (keys work once, within %d minutes)", quote(c.JTI), int(PendingKeyLifetime.Minutes())), nil
	}
}
