// Package session holds every cookie scheme of the product — the admin's
// console session, the visitor's help-center session, the site-password
// pass, the browser id that ties a sign-in to the browser that started it
// — and the cache of revoked visitor sessions. It works on cookie values,
// not on requests, so each format is tested and fuzzed on its own.
//
// Every value is encrypted and signed with keys derived from the master
// key (gorilla/securecookie), with the cookie's name bound into the
// signature, so a value never works under another cookie's name.
package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/gorilla/securecookie"

	"helpcenter/models"
)

// Cookie names. None has a Domain attribute, so each stays on the one host
// that set it: a help center never sees the console's cookies or another
// help center's.
const (
	AdminCookie     = "hc_admin"
	VisitorCookie   = "hc_session"
	BrowserIDCookie = "hc_bid"
	SignedOutCookie = "hc_signed_out"
	SitePassCookie  = "hc_site_pass"
	// RevealCookie carries a just-regenerated secret from the POST that
	// made it to the one page view that shows it (post/redirect/get).
	RevealCookie = "hc_reveal"
	// ReportOnlyCookie lets a visitor whose sign-in failed read a help
	// center in report-only rollout.
	ReportOnlyCookie = "hc_report_only"
	// SecondFactorCookie carries an admin who gave the right password to
	// the page that asks for their second factor.
	SecondFactorCookie = "hc_2fa"
	// EnrolCookie carries the TOTP secret being set up, until its first
	// code confirms it.
	EnrolCookie = "hc_totp_enrol"
	// OIDCCookie carries an admin's sign-in through their identity
	// provider (state, nonce, PKCE verifier) to its callback.
	OIDCCookie = "hc_oidc"
)

// Lifetimes of the cookies.
const (
	AdminTTL     = 12 * time.Hour
	BrowserIDTTL = 30 * 24 * time.Hour
	SignedOutTTL = 5 * time.Minute
	SitePassTTL  = 12 * time.Hour
	// RevealTTL bounds how long a one-time reveal waits for its page view.
	RevealTTL = time.Minute
	// SecondFactorTTL bounds the time between password and code.
	SecondFactorTTL = 5 * time.Minute
	// EnrolTTL bounds a two-factor set-up.
	EnrolTTL = 15 * time.Minute
	// OIDCTTL bounds a round trip through the identity provider.
	OIDCTTL = 10 * time.Minute
)

// Codec encodes and decodes the product's cookie values.
type Codec struct{ sc *securecookie.SecureCookie }

// NewCodec builds a codec from the cookie keys (secrets.Keys).
func NewCodec(hashKey, blockKey []byte) *Codec {
	sc := securecookie.New(hashKey, blockKey)
	// Every value is raw bytes; skipping gob keeps decoding cheap.
	sc.SetSerializer(securecookie.NopEncoder{})
	// Expiry is the cookie's and the server row's business, and the
	// visitor cookie carries its own.
	sc.MaxAge(0)
	return &Codec{sc: sc}
}

func (k *Codec) encode(name string, b []byte) (string, error) { return k.sc.Encode(name, b) }

func (k *Codec) decode(name, value string) ([]byte, bool) {
	if value == "" {
		return nil, false
	}
	var b []byte
	if err := k.sc.Decode(name, value, &b); err != nil {
		return nil, false
	}
	return b, true
}

// NewID returns a random session id as the signed value of the cookie
// name, and the hash the database keeps (a database leak yields no usable
// cookie).
func (k *Codec) NewID(name string) (value string, idHash []byte, err error) {
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return "", nil, err
	}
	// Hash before encoding: securecookie encrypts its input in place.
	sum := sha256.Sum256(id)
	value, err = k.encode(name, id)
	if err != nil {
		return "", nil, err
	}
	return value, sum[:], nil
}

// IDHash verifies a session cookie made by NewID and returns the hash of
// the id it carries.
func (k *Codec) IDHash(name, value string) ([]byte, bool) {
	id, ok := k.decode(name, value)
	if !ok || len(id) != 32 {
		return nil, false
	}
	sum := sha256.Sum256(id)
	return sum[:], true
}

// SitePass is the value of the site-password cookie for the help center.
func (k *Codec) SitePass(hc *models.HelpCenter) (string, error) {
	return k.encode(SitePassCookie, sitePassToken(hc))
}

// HasSitePass reports whether value is a pass for the help center's
// current site password.
func (k *Codec) HasSitePass(hc *models.HelpCenter, value string) bool {
	if hc.SitePasswordHash == "" {
		return false
	}
	got, ok := k.decode(SitePassCookie, value)
	return ok && subtle.ConstantTimeCompare(got, sitePassToken(hc)) == 1
}

// sitePassToken names the help center and its current password hash, so
// changing the site password locks out every browser that knew the old one.
func sitePassToken(hc *models.HelpCenter) []byte {
	sum := sha256.Sum256([]byte(hc.SitePasswordHash))
	b := binary.BigEndian.AppendUint64(nil, uint64(hc.ID))
	return append(b, sum[:16]...)
}

// Reveal seals secret for the next page view of the admin session named
// by sessionIDHash: encrypted, and bound to that session, so it opens for
// nobody else.
func (k *Codec) Reveal(sessionIDHash []byte, secret string) (string, error) {
	return k.encode(RevealCookie, append(append([]byte{}, sessionIDHash...), secret...))
}

// OpenReveal returns the secret a Reveal value holds for this session.
func (k *Codec) OpenReveal(sessionIDHash []byte, value string) (string, bool) {
	b, ok := k.decode(RevealCookie, value)
	if !ok || len(b) <= len(sessionIDHash) || subtle.ConstantTimeCompare(b[:len(sessionIDHash)], sessionIDHash) != 1 {
		return "", false
	}
	return string(b[len(sessionIDHash):]), true
}

// PendingSignIn is the value of SecondFactorCookie: the admin who gave
// their password, until expires.
func (k *Codec) PendingSignIn(adminID int64, expires time.Time) (string, error) {
	b := binary.BigEndian.AppendUint64(nil, uint64(adminID))
	return k.encode(SecondFactorCookie, binary.BigEndian.AppendUint64(b, uint64(expires.Unix())))
}

// OpenPendingSignIn returns the admin a PendingSignIn value names while
// it has not expired at now.
func (k *Codec) OpenPendingSignIn(value string, now time.Time) (int64, bool) {
	b, ok := k.decode(SecondFactorCookie, value)
	if !ok || len(b) != 16 || now.Unix() >= int64(binary.BigEndian.Uint64(b[8:])) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[:8])), true
}

// Enrolment seals a TOTP secret being set up for the admin session named
// by sessionIDHash, as Reveal does.
func (k *Codec) Enrolment(sessionIDHash []byte, secret string) (string, error) {
	return k.encode(EnrolCookie, append(append([]byte{}, sessionIDHash...), secret...))
}

// OpenEnrolment returns the secret an Enrolment value holds for this session.
func (k *Codec) OpenEnrolment(sessionIDHash []byte, value string) (string, bool) {
	b, ok := k.decode(EnrolCookie, value)
	if !ok || len(b) <= len(sessionIDHash) || subtle.ConstantTimeCompare(b[:len(sessionIDHash)], sessionIDHash) != 1 {
		return "", false
	}
	return string(b[len(sessionIDHash):]), true
}

// OIDCFlow is the value of OIDCCookie: the flow's secrets for workspace,
// until expires.
type OIDCFlow struct {
	WorkspaceID            int64
	State, Nonce, Verifier string
	Expires                int64
}

// SealOIDCFlow encodes f.
func (k *Codec) SealOIDCFlow(f OIDCFlow) (string, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	return k.encode(OIDCCookie, b)
}

// OpenOIDCFlow decodes a flow that has not expired at now.
func (k *Codec) OpenOIDCFlow(value string, now time.Time) (OIDCFlow, bool) {
	var f OIDCFlow
	b, ok := k.decode(OIDCCookie, value)
	if !ok || json.Unmarshal(b, &f) != nil || now.Unix() >= f.Expires {
		return OIDCFlow{}, false
	}
	return f, true
}

// ReportOnlyPass is the value of the report-only cookie for the help
// center.
func (k *Codec) ReportOnlyPass(hc *models.HelpCenter) (string, error) {
	return k.encode(ReportOnlyCookie, binary.BigEndian.AppendUint64(nil, uint64(hc.ID)))
}

// HasReportOnlyPass reports whether value is a report-only pass for the
// help center (while it is in report-only rollout).
func (k *Codec) HasReportOnlyPass(hc *models.HelpCenter, value string) bool {
	got, ok := k.decode(ReportOnlyCookie, value)
	return ok && hc.ReportOnly && subtle.ConstantTimeCompare(got, binary.BigEndian.AppendUint64(nil, uint64(hc.ID))) == 1
}

// Visitor encodes a visitor session's cookie value.
func (k *Codec) Visitor(v Visitor) (string, error) { return k.encode(VisitorCookie, v.marshal()) }

// DecodeVisitor verifies and decodes a visitor cookie value. It does not
// judge the session (tenant, expiry, revocation): the caller does.
func (k *Codec) DecodeVisitor(value string) (Visitor, bool) {
	raw, ok := k.decode(VisitorCookie, value)
	if !ok {
		return Visitor{}, false
	}
	v, err := unmarshalVisitor(raw)
	return v, err == nil
}

// BrowserID is the browser-id cookie's value when it has the form sso
// gives it, "" otherwise.
func BrowserID(value string) string {
	if len(value) >= 32 && len(value) <= 64 {
		return value
	}
	return ""
}
