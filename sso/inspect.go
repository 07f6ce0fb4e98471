package sso

import (
	"encoding/json"
	"fmt"
	"time"
)

// CheckStatus is how one check went in an Inspect report.
type CheckStatus string

// The three outcomes of a check.
const (
	CheckPassed        CheckStatus = "pass"
	CheckFailed        CheckStatus = "fail"
	CheckNotApplicable CheckStatus = "not applicable"
)

// CheckResult is one row of an Inspect report.
type CheckResult struct {
	// Number is the check's number in SPEC section 4 (0–10).
	Number int
	// Reason is the code this check rejects with.
	Reason ReasonCode
	Status CheckStatus
	// Detail says what the check found, whatever the status.
	Detail string
	// Decisive marks the first failure: the reason Verify gives.
	Decisive bool
}

// Report is the console's token tester's view of a token.
type Report struct {
	// Checks lists checks 0–10, in order, each once. A check after a
	// failure is still run when it can be, so an admin sees every problem
	// at once; only the decisive one counts.
	Checks []CheckResult
	// Verdict is exactly what Verify answers for the same input: nil when
	// the token passes checks 0–10.
	Verdict *Rejection
	// Verified is true when the signature verified with a live key (Key).
	// When it is false, Header, Payload and Claims are the token's
	// unverified word, to be shown as such.
	Verified bool
	Key      *Key
	// Header and Payload are the decoded JSON members; nil when check 1
	// failed.
	Header  map[string]json.RawMessage
	Payload map[string]json.RawMessage
	// Claims are the claims read by check 4; nil when checks 3 or 4 failed.
	Claims *Claims
	// ClockOffset is now − iat in seconds: how long ago the partner says
	// it signed the token. A negative value means the partner's clock is
	// ahead of ours. Set when HasClockOffset.
	ClockOffset    float64
	HasClockOffset bool
}

// Inspect runs checks 0–10 on token like Verify, with the same check
// functions, but reports on every check instead of stopping at the first
// failure. It consumes nothing and records nothing, so an admin can test a
// token and still use it. Verify does not pay for the report.
func Inspect(token string, s Settings, now time.Time) Report {
	rep := Report{Checks: make([]CheckResult, 0, len(claimChecks)+5)}

	notConfigured := CheckConfigured(s)
	rep.add(0, notConfigured, fmt.Sprintf("JWT single sign-on is on, a verification key is live, the Token TTL is %s s", seconds(s.ttl().Seconds())))

	t, r := checkStructure(token)
	rep.add(1, r, "three canonical base64url parts; header and payload are JSON objects without repeated names")
	if r != nil {
		rep.skipFrom(2, "the token could not be decoded (check 1)")
		return rep
	}
	rep.Header, rep.Payload = t.header, t.payload

	if notConfigured != nil {
		rep.skip(2, "there is no live key to check the signature with (check 0)")
	} else {
		key, r := checkSignature(t, s)
		passed := "signed with one of this help center's live keys"
		if key != nil {
			passed = key.Alg + ", signed with " + key.Name
		}
		rep.add(2, r, passed)
		rep.Verified = r == nil
		rep.Key = key
	}

	// The remaining checks read the payload whether or not it verified:
	// the report says which, and only a verified token's rejection names
	// its jti and email, as in Verify.
	r = checkRequired(t.payload)
	if r != nil && rep.Verified {
		r.withLogFields(t.payload, rep.Key)
	}
	rep.add(3, r, "jti, iss, iat, exp, email and name are all present")
	if r != nil {
		rep.skipFrom(4, "a required claim is missing (check 3)")
		return rep
	}
	c, r := readClaims(t.payload)
	if r != nil && rep.Verified {
		r.withLogFields(t.payload, rep.Key)
	}
	rep.add(4, r, "every claim has the right type and form")
	if r != nil {
		rep.skipFrom(5, "the claims could not be read (check 4)")
		return rep
	}
	rep.Claims = c
	at := instantOf(now)
	rep.ClockOffset, rep.HasClockOffset = at.since(c.IssuedAt), true

	for _, check := range claimChecks {
		note := checkNotes[check.number]
		if check.applies != nil && !check.applies(c, s) {
			rep.skip(check.number, note.notApplicable)
			continue
		}
		r := check.run(c, s, at)
		if r != nil && rep.Verified {
			r.JTI, r.Email, r.Key = c.JTI, c.Email, rep.Key
			skew := c.Skew(now)
			r.Skew = &skew
		}
		rep.add(check.number, r, note.passed(c, s, at))
	}
	return rep
}

// add records check n's outcome: r is its rejection, or nil when it passed.
func (rep *Report) add(n int, r *Rejection, passed string) {
	row := CheckResult{Number: n, Reason: reasons[n].Code, Status: CheckPassed, Detail: passed}
	if r != nil {
		// r.Reason may differ from the check's own: check 2 reports a token
		// the library cannot decode as jwt_malformed.
		row.Reason, row.Status, row.Detail = r.Reason, CheckFailed, r.Detail
		if rep.Verdict == nil {
			rep.Verdict, row.Decisive = r, true
		}
	}
	rep.Checks = append(rep.Checks, row)
}

func (rep *Report) skip(n int, why string) {
	rep.Checks = append(rep.Checks, CheckResult{Number: n, Reason: reasons[n].Code, Status: CheckNotApplicable, Detail: why})
}

func (rep *Report) skipFrom(n int, why string) {
	for ; n <= 10; n++ {
		rep.skip(n, why)
	}
}

// checkNotes are the report's words for checks 5–10 when they pass or do
// not apply. They describe values; the decisions are claimChecks'.
var checkNotes = map[int]struct {
	passed        func(c *Claims, s Settings, now instant) string
	notApplicable string
}{
	5: {passed: func(c *Claims, _ Settings, now instant) string {
		return relative("exp", now.until(c.ExpiresAt))
	}},
	6: {passed: func(c *Claims, _ Settings, now instant) string {
		return relative("iat", now.until(c.IssuedAt))
	}},
	7: {passed: func(c *Claims, _ Settings, now instant) string {
		return relative("nbf", now.until(*c.NotBefore))
	}, notApplicable: "the token has no nbf"},
	8: {passed: func(c *Claims, s Settings, now instant) string {
		return fmt.Sprintf("the token is %s s old; the Token TTL is %s s", seconds(now.since(c.IssuedAt)), seconds(s.ttl().Seconds()))
	}},
	9: {passed: func(c *Claims, _ Settings, _ instant) string {
		return fmt.Sprintf("iss is %s, as configured", quote(c.Issuer))
	}, notApplicable: "no Issuer is configured"},
	10: {passed: func(_ *Claims, s Settings, _ instant) string {
		return fmt.Sprintf("aud includes %s, as configured", quote(s.Audience))
	}, notApplicable: "no Audience is configured"},
}

// relative says when a token time is, seen from now (delta = time − now).
func relative(name string, delta float64) string {
	if delta >= 0 {
		return fmt.Sprintf("%s is %s s from now", name, seconds(delta))
	}
	return fmt.Sprintf("%s is %s s in the past", name, seconds(-delta))
}
