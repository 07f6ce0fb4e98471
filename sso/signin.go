package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"time"

	"helpcenter/models"
)

// This file is the sign-in itself, read top to bottom: StartSignIn hands
// the browser to the partner (SPEC section 3, steps 1–3), SignIn judges
// the token that comes back (checks 0–14, provisioning, the session and
// where the visitor goes), WidgetCall judges the widget's token on every
// call (section 8). Each returns one Outcome and writes exactly one event
// row for it, in the transaction that carries the outcome. The HTTP layer
// binds the request, calls one of them, and renders the Outcome.

// SignInTx is one sign-in's transaction: the jti it takes, the key it
// consumes, the user it provisions, the session it opens and the event
// row all commit together or not at all.
type SignInTx interface {
	JTIRecorder
	WidgetJTIBinder
	PendingKeyStore
	UserProvisioner
	// OpenSession saves sess, ending the browser's previous session (old
	// is its id hash, nil when none) and recording that revocation.
	OpenSession(ctx context.Context, old []byte, sess *models.VisitorSession) error
	LogEvent(ctx context.Context, e *models.Event) error
}

// Store is what signing in needs of storage.
type Store interface {
	// InSignIn runs fn in one write transaction; fn's error rolls it back.
	// fn must pass on the ctx it is given.
	InSignIn(ctx context.Context, fn func(ctx context.Context, tx SignInTx) error) error
	// LogEvent writes one row outside a transaction: a rejection decided
	// before anything was touched.
	LogEvent(ctx context.Context, e *models.Event) error
	// SavePendingKey keeps the key the gate hands to the partner.
	SavePendingKey(ctx context.Context, helpCenterID int64, k models.PendingKey) error
	// NoteKeyUse counts a signature the stored key keyID verified (the
	// Keys page's last use and 24-hour count); it must not block.
	NoteKeyUse(keyID int64, at time.Time)
}

// HelpCenter is what a sign-in needs to know of the help center.
type HelpCenter struct {
	ID        int64
	Subdomain string
	LoginURL  string
	// AllowUnsolicited accepts tokens no pending key asked for (sign-ins
	// started from the partner's app).
	AllowUnsolicited bool
	// ReportOnly lets a visitor whose redirect-flow sign-in fails in
	// anyway (Outcome.LetIn), every outcome logged as usual and marked.
	ReportOnly bool
	// Provisioning decides who may become a user (checks 15 and 16).
	Provisioning Provisioning
	// SessionLength is how long a session lasts; a token's session_exp
	// may shorten it.
	SessionLength time.Duration
	Settings      Settings
}

// Browser is who is asking, as the request shows it.
type Browser struct {
	// ID is the raw browser-id cookie, "" when the request had none.
	ID        string
	IP        string
	UserAgent string
	// Current is the browser's current session as the store holds it
	// (the jti that opened it, where it went); nil when it has none.
	Current *models.VisitorSession
	// Bearer: the request carried an Authorization: Bearer header, the
	// widget API's way of sending a token, which /sso/jwt does not read.
	Bearer bool
}

// Outcome is what came of one attempt. Rejection is nil when it was
// accepted.
type Outcome struct {
	Rejection *Rejection
	// Email and JTI are the verified token's, "" before its signature
	// verified.
	Email, JTI string
	// Role is the verified token's role (what the visitor may read).
	Role models.Role
	// Claims are the verified token's claims (WidgetCall: the widget reads
	// the visitor's groups and profile from them); nil otherwise.
	Claims *Claims
	// Skew is the verified token's iat − now in seconds, nil when its
	// claims were never read (the event row keeps it for clock drift).
	Skew *float64
	// Key is the key that verified the token's signature, nil when none
	// did.
	Key *Key
	// RedirectTo is where the visitor goes next: a path on the help
	// center for SignIn, the partner's Login URL for StartSignIn.
	RedirectTo string
	// PendingKey is the key StartSignIn handed out.
	PendingKey *models.PendingKey
	// KeyRedeemed: SignIn consumed a pending key, finishing a flow the
	// gate started (the gate's limit gives that start back).
	KeyRedeemed bool
	// ReportOnly marks an outcome of a help center in report-only rollout,
	// so its row says so whatever came of it.
	ReportOnly bool
	// Opened is the session SignIn opened; nil for a rejection or a
	// harmless repeat, which keeps the browser's session.
	Opened *OpenedSession
	// Ended is the browser's previous session, ended by the rotation.
	Ended *models.VisitorSession
}

// LetIn reports that the visitor reads on although the sign-in was
// rejected: the help center is in report-only rollout (as a viewer, without
// a session; the event row says so).
func (o Outcome) LetIn() bool { return o.ReportOnly && o.Rejection != nil }

// OpenedSession is a visitor session a sign-in opened. The cookie carries
// ID; the store keeps only IDHash, so a database read cannot mint cookies.
type OpenedSession struct {
	ID        [32]byte
	UserID    int64
	OpenedAt  time.Time
	ExpiresAt time.Time
	Role      models.Role
	Name      string
}

// IDHash names the session in the store and in revocations.
func (s *OpenedSession) IDHash() []byte { return SessionIDHash(s.ID) }

// SessionIDHash is the stored form of a session id.
func SessionIDHash(id [32]byte) []byte {
	sum := sha256.Sum256(id[:])
	return sum[:]
}

// StartSignIn is steps 1–3: when the help center can sign anyone in, it
// saves a pending key bound to the browser (browserID, which the caller
// creates when the browser has none) and returnTo, and sends the browser
// to the Login URL with the key. Otherwise it writes the
// sso_not_configured row and returns that rejection.
func StartSignIn(ctx context.Context, st Store, hc HelpCenter, b Browser, returnTo string, now time.Time) (Outcome, error) {
	rej := CheckConfigured(hc.Settings)
	if rej == nil && hc.LoginURL == "" {
		rej = &Rejection{Reason: ReasonSSONotConfigured, Detail: "no Login URL is saved"}
	}
	if rej != nil {
		out := Outcome{Rejection: rej, ReportOnly: hc.ReportOnly}
		return out, st.LogEvent(ctx, redirectFlow.event(hc.ID, b, now, out, ""))
	}
	key, err := NewPendingKey(b.ID, returnTo, now)
	if err != nil {
		return Outcome{}, err
	}
	// Built before the key is saved: a Login URL that does not parse
	// leaves no key behind.
	login, err := LoginURL(hc.LoginURL, hc.Subdomain, key.Key)
	if err != nil {
		return Outcome{}, err
	}
	if err := st.SavePendingKey(ctx, hc.ID, key); err != nil {
		return Outcome{}, fmt.Errorf("save the pending key: %w", err)
	}
	return Outcome{RedirectTo: login, PendingKey: &key}, nil
}

// LoginURL is step 3's address: the saved Login URL with subdomain and key
// added to whatever query it already has.
func LoginURL(loginURL, subdomain, key string) (string, error) {
	login, err := url.Parse(loginURL)
	if err != nil {
		return "", fmt.Errorf("the saved Login URL does not parse: %w", err)
	}
	q := login.Query()
	q.Set("subdomain", subdomain)
	q.Set("key", key)
	login.RawQuery = q.Encode()
	return login.String(), nil
}

// SignIn judges the token a browser brought back to /sso/jwt: checks 0–10
// (Verify), 11 (a jti is taken once; a harmless repeat sends the visitor
// on), 12–13 (the pending key), provisioning and 14 (bans), then opens a
// session in place of the browser's current one. returnTo is the
// request's own return_to, used only by an unsolicited sign-in. A storage
// error is returned as an error: the caller fails closed.
func SignIn(ctx context.Context, st Store, hc HelpCenter, b Browser, token, returnTo string, now time.Time) (Outcome, error) {
	claims, rej := Verify(token, hc.Settings, now)
	if rej != nil && rej.Reason == ReasonMalformed && token == "" && b.Bearer {
		rej.Detail = "no jwt query parameter or form field; the token came in an Authorization: Bearer header, " +
			"which /sso/jwt does not read (that is the widget API's way): send it as ?jwt=… or as the form field jwt"
	}
	if rej != nil {
		out := Outcome{Rejection: rej, Email: rej.Email, JTI: rej.JTI, Key: rej.Key, ReportOnly: hc.ReportOnly}
		noteUse(st, out, now)
		return out, st.LogEvent(ctx, redirectFlow.event(hc.ID, b, now, out, ""))
	}
	var origin *SessionOrigin
	if cur := b.Current; cur != nil {
		origin = &SessionOrigin{JTI: cur.JTI, OpenedAt: cur.CreatedAt}
	}
	var out Outcome
	err := st.InSignIn(ctx, func(ctx context.Context, tx SignInTx) error {
		// Set afresh on every run: a transaction may be retried.
		skew := claims.Skew(now)
		out = Outcome{Email: claims.Email, JTI: claims.JTI, Role: claims.Role, Key: claims.Key, ReportOnly: hc.ReportOnly, Skew: &skew}
		// Step 11 commits even when a later step rejects: a jti is taken
		// once, whatever happens after.
		repeat, rej, err := CheckReplay(ctx, tx, hc.ID, claims, origin, now)
		if err != nil {
			return err
		}
		if rej == nil && repeat != "" {
			out.RedirectTo = b.Current.ReturnTo
			return tx.LogEvent(ctx, redirectFlow.event(hc.ID, b, now, out, repeat+"; sent on to "+out.RedirectTo+" again"))
		}
		if rej == nil {
			rej, err = openSession(ctx, tx, hc, b, claims, returnTo, now, &out)
			if err != nil {
				return err
			}
		}
		out.Rejection = rej
		return tx.LogEvent(ctx, redirectFlow.event(hc.ID, b, now, out, "signed in and sent to "+out.RedirectTo))
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("the sign-in transaction failed: %w", err)
	}
	noteUse(st, out, now)
	if !strings.HasPrefix(out.RedirectTo, "/") {
		out.RedirectTo = "/"
	}
	return out, nil
}

// openSession is steps 12–14 and the session rotation of an accepted
// token that is not a repeat.
func openSession(ctx context.Context, tx SignInTx, hc HelpCenter, b Browser, claims *Claims, returnTo string, now time.Time, out *Outcome) (*Rejection, error) {
	// A session that would end before it begins signs nobody in, and
	// the partner would send the same token again: say so instead.
	if exp := claims.SessionExpires; exp != nil && instantOf(now).until(*exp) <= 0 {
		return claims.reject(ReasonInvalidClaim, "session_exp is %s s in the past: the session it asks for would end before it began",
			seconds(instantOf(now).since(*exp))), nil
	}
	red, rej, err := RedeemPendingKey(ctx, tx, hc.ID, claims, b.ID, hc.AllowUnsolicited, now)
	if err != nil || rej != nil {
		return rej, err
	}
	out.RedirectTo, out.KeyRedeemed = red.ReturnTo, !red.Unsolicited
	if red.Unsolicited {
		out.RedirectTo = CleanReturnTo(returnTo)
	}
	user, rej, err := Provision(ctx, tx, hc.ID, hc.Provisioning, claims, now)
	if err != nil || rej != nil {
		return rej, err
	}
	s := &OpenedSession{UserID: user.ID, OpenedAt: now.UTC(), ExpiresAt: sessionEnd(hc.SessionLength, claims, now),
		Role: claims.Role, Name: claims.Name}
	if _, err := rand.Read(s.ID[:]); err != nil {
		return nil, err
	}
	var old []byte
	if b.Current != nil {
		old = b.Current.IDHash
	}
	err = tx.OpenSession(ctx, old, &models.VisitorSession{IDHash: s.IDHash(), HelpCenterID: hc.ID, UserID: user.ID,
		JTI: claims.JTI, ReturnTo: out.RedirectTo, CreatedAt: s.OpenedAt, ExpiresAt: s.ExpiresAt})
	if err != nil {
		return nil, err
	}
	out.Opened, out.Ended = s, b.Current
	return nil, nil
}

// WidgetCall judges the token of one widget API call (SPEC section 8):
// checks 0–10, the instance id, step 11 bound to the widget instance,
// provisioning and step 14. A rejection writes a widget_jwt.rejected row;
// an accepted call writes none (a widget makes many calls, and the rows
// are for what went wrong).
func WidgetCall(ctx context.Context, st Store, hc HelpCenter, b Browser, token, instance string, now time.Time) (Outcome, error) {
	claims, rej := Verify(token, hc.Settings, now)
	if rej == nil {
		// Judged after checks 0–10, so a bad token reports its own reason
		// first, and before step 11, which needs the instance.
		rej = CheckInstanceID(claims, instance)
	}
	if rej != nil {
		out := Outcome{Rejection: rej, Email: rej.Email, JTI: rej.JTI, Key: rej.Key}
		noteUse(st, out, now)
		return out, st.LogEvent(ctx, widgetAPI.event(hc.ID, b, now, out, ""))
	}
	skew := claims.Skew(now)
	out := Outcome{Email: claims.Email, JTI: claims.JTI, Role: claims.Role, Key: claims.Key, Claims: claims, Skew: &skew}
	err := st.InSignIn(ctx, func(ctx context.Context, tx SignInTx) error {
		// The binding commits even when step 14 then rejects: a jti is
		// taken once, whatever happens after.
		rej, err := CheckWidgetReplay(ctx, tx, hc.ID, claims, instance)
		if err != nil {
			return err
		}
		if rej == nil {
			if _, rej, err = Provision(ctx, tx, hc.ID, hc.Provisioning, claims, now); err != nil {
				return err
			}
		}
		if out.Rejection = rej; rej != nil {
			return tx.LogEvent(ctx, widgetAPI.event(hc.ID, b, now, out, ""))
		}
		return nil
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("the widget sign-in transaction failed: %w", err)
	}
	noteUse(st, out, now)
	return out, nil
}

// sessionEnd is when a session opened at now ends: after the help
// center's Session length, or at the token's session_exp when that is
// sooner (SPEC section 3).
func sessionEnd(length time.Duration, c *Claims, now time.Time) time.Time {
	if length <= 0 {
		length = time.Duration(models.DefaultSessionLength) * time.Second
	}
	end := now.Add(length)
	if c.SessionExpires != nil {
		if exp := c.SessionExpires.Time(); exp.Before(end) {
			end = exp
		}
	}
	return end.UTC()
}

// noteUse counts the signature an outcome's key verified.
func noteUse(st Store, out Outcome, now time.Time) {
	if out.Key != nil {
		st.NoteKeyUse(out.Key.ID, now)
	}
}

// ReportOnlyMark begins the detail of a rejection in report-only rollout,
// whose visitor was let in anyway.
const ReportOnlyMark = "report-only, let in anyway: "

// ReportOnlySuccessMark begins the detail of a success in report-only
// rollout: every row of the rollout says it was one.
const ReportOnlySuccessMark = "report-only: "

// surface names the event rows of one way in (SPEC section 6).
type surface struct{ succeeded, rejected string }

var (
	redirectFlow = surface{succeeded: models.EventRedirectSucceeded, rejected: models.EventRedirectRejected}
	// The widget logs rejections only: a widget makes many calls, and the
	// rows are for what went wrong.
	widgetAPI = surface{rejected: models.EventWidgetRejected}
)

// RefusalEvent is the row of a refusal that is no token check — a limit
// (rate_limited) or the widget on a page not allowed
// (origin_not_allowed) — on the redirect flow or the widget surface, so
// these rows come from the same builder as every other.
func RefusalEvent(widget bool, helpCenterID int64, b Browser, now time.Time, reason ReasonCode, detail string) *models.Event {
	s := redirectFlow
	if widget {
		s = widgetAPI
	}
	return s.event(helpCenterID, b, now, Outcome{Rejection: &Rejection{Reason: reason, Detail: detail}}, "")
}

// event is the one row of an outcome: rejected with its reason and
// detail, or succeeded with detail. Email and jti are set only from a
// token whose signature verified.
func (s surface) event(helpCenterID int64, b Browser, now time.Time, out Outcome, detail string) *models.Event {
	e := &models.Event{HelpCenterID: helpCenterID, CreatedAt: now, Event: s.succeeded,
		Detail: detail, Email: out.Email, JTI: out.JTI, IP: b.IP, UserAgent: b.UserAgent}
	if out.Key != nil {
		e.KeyID, e.Key = out.Key.ID, out.Key.Name
	}
	e.Skew = out.Skew
	if out.Rejection != nil {
		e.Event, e.Reason, e.Detail = s.rejected, string(out.Rejection.Reason), out.Rejection.Detail
		if e.Skew == nil {
			e.Skew = out.Rejection.Skew
		}
		if out.LetIn() {
			e.Detail = ReportOnlyMark + e.Detail
		}
	} else if out.ReportOnly {
		e.Detail = ReportOnlySuccessMark + e.Detail
	}
	return e
}
