package sso

import (
	"context"
	"fmt"
	"math"
	"time"
)

// RepeatWindow is how long after a token signed a browser in that the same
// token from the same browser is a harmless repeat (SPEC section 3, step 5).
const RepeatWindow = 60 * time.Second

// JTIRecorder remembers which jti each help center has taken (step 11).
type JTIRecorder interface {
	// RecordJTI records that the help center took a token with this jti,
	// unless it already had. It must be ONE atomic statement judged by rows
	// affected — INSERT … ON CONFLICT DO NOTHING against a unique index on
	// (help_center_id, jti) — so that of any number of concurrent calls
	// with one jti exactly one reports first. Nothing frees a record: a
	// failure in a later step leaves the jti taken. It may be purged once
	// keepUntil has passed, when no token with this jti can pass checks
	// 5 and 8 any more.
	RecordJTI(ctx context.Context, helpCenterID int64, jti string, keepUntil time.Time) (first bool, err error)
}

// ReplayKeepUntil is how long the jti of an accepted token must be
// remembered: after exp plus the skew (check 5) or iat plus the longest
// possible Token TTL (check 8), whichever comes first, the token can never
// pass again. One second is added so that rounding cannot shorten it.
func (c *Claims) ReplayKeepUntil() time.Time {
	end := math.Min(float64(c.ExpiresAt)+skewSeconds, float64(c.IssuedAt)+MaxTTL.Seconds())
	return UnixSeconds(end + 1).Time()
}

// SessionOrigin is what a browser's current session remembers about the
// sign-in that opened it.
type SessionOrigin struct {
	JTI      string
	OpenedAt time.Time
}

// CheckReplay is step 11 (jwt_replayed) for a token that passed checks
// 0–10. origin is the requesting browser's current session, nil when it
// has none. When the jti was already taken but this is a harmless repeat,
// repeat holds the detail of the success event (it begins with "repeat")
// and the caller sends the visitor on without steps 12–14. A storage error
// is returned as an error and must be treated as a failure, never as a
// success.
func CheckReplay(ctx context.Context, rec JTIRecorder, helpCenterID int64, c *Claims, origin *SessionOrigin, now time.Time) (repeat string, rej *Rejection, err error) {
	first, err := rec.RecordJTI(ctx, helpCenterID, c.JTI, c.ReplayKeepUntil())
	if err != nil {
		return "", nil, fmt.Errorf("record jti: %w", err)
	}
	if first {
		return "", nil, nil
	}
	repeat, rej = JudgeRepeat(c, origin, now)
	return repeat, rej, nil
}

// JudgeRepeat decides on a token whose jti this help center already took.
// It is harmless only when the browser's current session was opened by
// this very jti less than RepeatWindow ago: a double click, a refresh, a
// link scanner after the fact. From any other browser it is a replay.
func JudgeRepeat(c *Claims, origin *SessionOrigin, now time.Time) (repeat string, rej *Rejection) {
	if origin == nil || origin.JTI != c.JTI {
		return "", c.reject(ReasonReplayed, "jti %s was already used on this help center; every token works once", quote(c.JTI))
	}
	age := now.Sub(origin.OpenedAt)
	if age < 0 || age >= RepeatWindow {
		return "", c.reject(ReasonReplayed, "jti %s already signed this browser in %s s ago; a repeat is accepted only within %s s",
			quote(c.JTI), seconds(age.Seconds()), seconds(RepeatWindow.Seconds()))
	}
	return fmt.Sprintf("repeat of the token that signed this browser in %s s ago", seconds(age.Seconds())), nil
}

// reject builds a rejection about verified claims, naming their jti and
// email for the event row.
func (c *Claims) reject(reason ReasonCode, format string, args ...any) *Rejection {
	r := reject(reason, format, args...)
	r.JTI, r.Email, r.Key = c.JTI, c.Email, c.Key
	return r
}
