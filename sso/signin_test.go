package sso

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/models"
)

// memStore is an in-memory Store for the sign-in rules. InSignIn works on
// a copy of the state and keeps it only when fn succeeds, so a failed
// transaction leaves nothing behind, as on the real backends; each method
// follows the contract its interface documents. failOn names a method
// that fails (inside the transaction, or the Store's own LogEvent and
// SavePendingKey).
type memStore struct {
	state  memState
	failOn string
	// used counts NoteKeyUse by key id.
	used map[int64]int
}

func (m *memStore) NoteKeyUse(keyID int64, _ time.Time) {
	if m.used == nil {
		m.used = map[int64]int{}
	}
	m.used[keyID]++
}

type memState struct {
	jtis     map[string]memJTI // help center/jti → who took it
	keys     map[string]memKey // pending key → its record
	users    map[string]memUser
	sessions map[string]models.VisitorSession // hex(id hash) → session
	revoked  [][]byte
	events   []models.Event
	nextUser int64
}

type memJTI struct{ surface, instance string }

type memKey struct {
	helpCenterID int64
	key          models.PendingKey
	used         bool
}

type memUser struct {
	id      int64
	profile models.Profile
	banned  bool
}

var errDiskFull = errors.New("disk full")

func newMemStore() *memStore {
	return &memStore{state: memState{jtis: map[string]memJTI{}, keys: map[string]memKey{},
		users: map[string]memUser{}, sessions: map[string]models.VisitorSession{}}}
}

func (s memState) clone() memState {
	s.jtis, s.keys, s.users, s.sessions = maps.Clone(s.jtis), maps.Clone(s.keys), maps.Clone(s.users), maps.Clone(s.sessions)
	s.revoked, s.events = slices.Clone(s.revoked), slices.Clone(s.events)
	return s
}

func (s *memStore) fail(method string) error {
	if s.failOn == method {
		return fmt.Errorf("%s: %w", method, errDiskFull)
	}
	return nil
}

func (s *memStore) InSignIn(ctx context.Context, fn func(ctx context.Context, tx SignInTx) error) error {
	tx := &memTx{st: s.state.clone(), fail: s.fail}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	s.state = tx.st
	return nil
}

func (s *memStore) LogEvent(_ context.Context, e *models.Event) error {
	if err := s.fail("Store.LogEvent"); err != nil {
		return err
	}
	s.state.events = append(s.state.events, *e)
	return nil
}

func (s *memStore) SavePendingKey(_ context.Context, helpCenterID int64, k models.PendingKey) error {
	if err := s.fail("SavePendingKey"); err != nil {
		return err
	}
	s.state.keys[k.Key] = memKey{helpCenterID: helpCenterID, key: k}
	return nil
}

// ban records a ban for an email before its first sign-in, as the console
// does with a placeholder user.
func (s *memStore) ban(email string) {
	s.state.nextUser++
	s.state.users[models.EmailKey(email)] = memUser{id: s.state.nextUser, banned: true}
}

// current is the browser's session as the store holds it, for
// Browser.Current.
func (s *memStore) current(t *testing.T, o *OpenedSession) *models.VisitorSession {
	t.Helper()
	sess, ok := s.state.sessions[hex.EncodeToString(o.IDHash())]
	if !ok {
		t.Fatal("the opened session is not stored")
	}
	return &sess
}

func jtiKey(helpCenterID int64, jti string) string { return fmt.Sprintf("%d/%s", helpCenterID, jti) }

func (s *memStore) jtiTaken(helpCenterID int64, jti string) bool {
	_, ok := s.state.jtis[jtiKey(helpCenterID, jti)]
	return ok
}

// memTx is one transaction on a copy of the state.
type memTx struct {
	st   memState
	fail func(string) error
}

func (tx *memTx) RecordJTI(_ context.Context, helpCenterID int64, jti string, _ time.Time) (bool, error) {
	if err := tx.fail("RecordJTI"); err != nil {
		return false, err
	}
	k := jtiKey(helpCenterID, jti)
	if _, ok := tx.st.jtis[k]; ok {
		return false, nil
	}
	tx.st.jtis[k] = memJTI{surface: "redirect"}
	return true, nil
}

func (tx *memTx) BindWidgetJTI(_ context.Context, helpCenterID int64, jti, instance string, _ time.Time) (models.JTIHolder, error) {
	if err := tx.fail("BindWidgetJTI"); err != nil {
		return models.JTIHolder{}, err
	}
	k := jtiKey(helpCenterID, jti)
	h, ok := tx.st.jtis[k]
	if !ok {
		tx.st.jtis[k] = memJTI{surface: "widget", instance: instance}
		return models.JTIHolder{Widget: true, SameInstance: true}, nil
	}
	return models.JTIHolder{Widget: h.surface == "widget", SameInstance: h.surface == "widget" && h.instance == instance}, nil
}

func (tx *memTx) ConsumePendingKey(_ context.Context, helpCenterID int64, key, browserHash string, now time.Time) (string, bool, error) {
	if err := tx.fail("ConsumePendingKey"); err != nil {
		return "", false, err
	}
	k, ok := tx.st.keys[key]
	if !ok || k.helpCenterID != helpCenterID || k.key.BrowserHash != browserHash || k.used || !k.key.ExpiresAt.After(now) {
		return "", false, nil
	}
	k.used = true
	tx.st.keys[key] = k
	return k.key.ReturnTo, true, nil
}

func (tx *memTx) PendingKeyLive(_ context.Context, helpCenterID int64, key string, now time.Time) (bool, error) {
	if err := tx.fail("PendingKeyLive"); err != nil {
		return false, err
	}
	k, ok := tx.st.keys[key]
	return ok && k.helpCenterID == helpCenterID && !k.used && k.key.ExpiresAt.After(now), nil
}

func (tx *memTx) ProvisionUser(_ context.Context, _ int64, p models.Profile, create bool, _ time.Time) (models.ProvisionedUser, error) {
	if err := tx.fail("ProvisionUser"); err != nil {
		return models.ProvisionedUser{}, err
	}
	k := models.EmailKey(p.Email)
	if p.ExternalID != "" {
		k = "external:" + p.ExternalID
	}
	u, ok := tx.st.users[k]
	if !ok && !create {
		return models.ProvisionedUser{}, nil
	}
	if !ok {
		tx.st.nextUser++
		u = memUser{id: tx.st.nextUser}
	}
	u.profile = p // refreshed; the ban is never touched
	tx.st.users[k] = u
	return models.ProvisionedUser{ID: u.id, Banned: u.banned}, nil
}

func (tx *memTx) OpenSession(_ context.Context, old []byte, sess *models.VisitorSession) error {
	if err := tx.fail("OpenSession"); err != nil {
		return err
	}
	if old != nil {
		delete(tx.st.sessions, hex.EncodeToString(old))
		tx.st.revoked = append(tx.st.revoked, old)
	}
	tx.st.sessions[hex.EncodeToString(sess.IDHash)] = *sess
	return nil
}

func (tx *memTx) LogEvent(_ context.Context, e *models.Event) error {
	if err := tx.fail("LogEvent"); err != nil {
		return err
	}
	tx.st.events = append(tx.st.events, *e)
	return nil
}

// The help center and browsers of these tests.
const (
	testHelpCenterID = 7
	browserA         = "browser-a-0123456789abcdefghijklmnopqrstuv"
	browserB         = "browser-b-0123456789abcdefghijklmnopqrstuv"
	instanceA        = "0123456789abcdef0123456789abcdef"
	instanceB        = "fedcba9876543210fedcba9876543210"
)

func testHelpCenter() HelpCenter {
	return HelpCenter{ID: testHelpCenterID, Subdomain: "acme", LoginURL: "https://app.example.com/login?from=hc", Settings: testSettings}
}

func browser(id string) Browser {
	return Browser{ID: id, IP: "203.0.113.9", UserAgent: "test-agent/1.0"}
}

// tokenWith mints a valid token (validClaims) changed by edits.
func tokenWith(t *testing.T, edits map[string]any) string {
	t.Helper()
	return mint(t, with(edits), testSecret)
}

// startFlow runs the gate for browser id asking for returnTo, and returns
// the pending key.
func startFlow(t *testing.T, st *memStore, hc HelpCenter, id, returnTo string) string {
	t.Helper()
	out, err := StartSignIn(context.Background(), st, hc, browser(id), returnTo, testNow)
	if err != nil || out.Rejection != nil || out.PendingKey == nil {
		t.Fatalf("StartSignIn: %+v, %v", out, err)
	}
	return out.PendingKey.Key
}

// wantEvent is the one row an outcome must add.
type wantEvent struct {
	event, reason, email, jti string
	detail                    string // a prefix of the detail; "" checks only that it is not empty
	helpCenterID              int64  // 0 means testHelpCenterID
}

// oneEvent asserts that exactly one row was added since before, and that
// it is want.
func oneEvent(t *testing.T, st *memStore, before int, want wantEvent) {
	t.Helper()
	evs := st.state.events[before:]
	if len(evs) != 1 {
		t.Fatalf("%d event rows, want 1: %+v", len(evs), evs)
	}
	e := evs[0]
	if e.Event != want.event || e.Reason != want.reason || e.Email != want.email || e.JTI != want.jti {
		t.Fatalf("row %q/%q email %q jti %q, want %q/%q email %q jti %q (detail %q)",
			e.Event, e.Reason, e.Email, e.JTI, want.event, want.reason, want.email, want.jti, e.Detail)
	}
	wantHC := want.helpCenterID
	if wantHC == 0 {
		wantHC = testHelpCenterID
	}
	if e.HelpCenterID != wantHC || e.IP != "203.0.113.9" || e.UserAgent != "test-agent/1.0" || e.CreatedAt.IsZero() {
		t.Fatalf("row context %+v", e)
	}
	if e.Detail == "" || !strings.HasPrefix(e.Detail, want.detail) {
		t.Fatalf("detail %q, want it to begin %q", e.Detail, want.detail)
	}
}

func TestStartSignIn(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		hc           func(*HelpCenter)
		returnTo     string
		wantReason   ReasonCode
		wantReturnTo string
	}{
		{"SSO switched off", func(hc *HelpCenter) { hc.Settings.Enabled = false }, "/page", ReasonSSONotConfigured, ""},
		{"no secret", func(hc *HelpCenter) { hc.Settings.Keys = nil }, "/page", ReasonSSONotConfigured, ""},
		{"secret too short", func(hc *HelpCenter) { hc.Settings.Keys = keysOf("short") }, "/page", ReasonSSONotConfigured, ""},
		{"no Login URL", func(hc *HelpCenter) { hc.LoginURL = "" }, "/page", ReasonSSONotConfigured, ""},
		{"configured", nil, "/articles/setup?tab=2", "", "/articles/setup?tab=2"},
		{"configured, return_to on another host", nil, "https://evil.example/", "", "/"},
		{"configured, return_to //host", nil, "//evil.example/x", "", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			hc := testHelpCenter()
			if tc.hc != nil {
				tc.hc(&hc)
			}
			out, err := StartSignIn(ctx, st, hc, browser(browserA), tc.returnTo, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantReason != "" {
				if out.Rejection == nil || out.Rejection.Reason != tc.wantReason || out.RedirectTo != "" || out.PendingKey != nil {
					t.Fatalf("got %+v, want %s", out, tc.wantReason)
				}
				if len(st.state.keys) != 0 {
					t.Fatal("a key was saved")
				}
				oneEvent(t, st, 0, wantEvent{event: models.EventRedirectRejected, reason: string(tc.wantReason)})
				return
			}
			if out.Rejection != nil || out.PendingKey == nil {
				t.Fatalf("got %+v", out)
			}
			// Sent to the Login URL with its own query kept, plus subdomain and key.
			u, err := url.Parse(out.RedirectTo)
			if err != nil || u.Scheme != "https" || u.Host != "app.example.com" || u.Path != "/login" {
				t.Fatalf("RedirectTo %q", out.RedirectTo)
			}
			q := u.Query()
			if q.Get("from") != "hc" || q.Get("subdomain") != "acme" || q.Get("key") != out.PendingKey.Key || len(q) != 3 {
				t.Fatalf("query %v", q)
			}
			// The saved key is bound to this browser and page.
			saved, ok := st.state.keys[out.PendingKey.Key]
			if !ok || saved.helpCenterID != testHelpCenterID || saved.used {
				t.Fatalf("saved %+v, %v", saved, ok)
			}
			if saved.key.BrowserHash != HashBrowserID(browserA) || saved.key.ReturnTo != tc.wantReturnTo ||
				!saved.key.ExpiresAt.Equal(testNow.Add(PendingKeyLifetime)) {
				t.Fatalf("saved key %+v", saved.key)
			}
			if len(st.state.events) != 0 {
				t.Fatalf("a started flow wrote rows: %+v", st.state.events)
			}
		})
	}

	t.Run("Login URL with its own subdomain and key", func(t *testing.T) {
		st := newMemStore()
		hc := testHelpCenter()
		hc.LoginURL = "https://app.example.com/sso?subdomain=evil&key=old"
		out, err := StartSignIn(ctx, st, hc, browser(browserA), "/", testNow)
		if err != nil {
			t.Fatal(err)
		}
		q := must(url.Parse(out.RedirectTo)).Query()
		if q["subdomain"][0] != "acme" || len(q["subdomain"]) != 1 || len(q["key"]) != 1 || q.Get("key") != out.PendingKey.Key {
			t.Fatalf("query %v", q)
		}
	})
	t.Run("a browser without an id", func(t *testing.T) {
		st := newMemStore()
		if out, err := StartSignIn(ctx, st, testHelpCenter(), browser(""), "/", testNow); err == nil || out.PendingKey != nil || len(st.state.keys) != 0 {
			t.Fatalf("got %+v, %v; want an error", out, err)
		}
	})
	t.Run("the key cannot be saved", func(t *testing.T) {
		st := newMemStore()
		st.failOn = "SavePendingKey"
		if out, err := StartSignIn(ctx, st, testHelpCenter(), browser(browserA), "/", testNow); !errors.Is(err, errDiskFull) || out.RedirectTo != "" {
			t.Fatalf("got %+v, %v; want the storage error", out, err)
		}
	})
	t.Run("the not-configured row cannot be written", func(t *testing.T) {
		st := newMemStore()
		st.failOn = "Store.LogEvent"
		hc := testHelpCenter()
		hc.Settings.Enabled = false
		if out, err := StartSignIn(ctx, st, hc, browser(browserA), "/", testNow); !errors.Is(err, errDiskFull) || out.RedirectTo != "" {
			t.Fatalf("got %+v, %v; want the storage error", out, err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSignInRejectsBadTokens: a token failing checks 0–10 is refused with
// its own reason and one row, and takes no jti; email and jti are in the
// row only once the signature verified.
func TestSignInRejectsBadTokens(t *testing.T) {
	ctx := context.Background()
	const email = "jane.smith@example.com"
	for _, tc := range []struct {
		name      string
		hc        func(*HelpCenter)
		token     func(t *testing.T, key string) string
		reason    ReasonCode
		email     string
		jti       bool // the row names the jti (the key)
		signature bool // the signature verified
	}{
		{"SSO switched off", func(hc *HelpCenter) { hc.Settings.Enabled = false },
			func(t *testing.T, key string) string { return tokenWith(t, map[string]any{"jti": key}) }, ReasonSSONotConfigured, "", false, false},
		{"not a JWT", nil, func(*testing.T, string) string { return "not-a-jwt" }, ReasonMalformed, "", false, false},
		{"empty", nil, func(*testing.T, string) string { return "" }, ReasonMalformed, "", false, false},
		{"signed with another secret", nil, func(t *testing.T, key string) string {
			return mint(t, with(map[string]any{"jti": key}), "another-secret-0123456789-abcdefghijklmnop")
		}, ReasonInvalidSignature, "", false, false},
		{"alg none", nil, func(t *testing.T, key string) string {
			return b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(payloadJSON(t, with(map[string]any{"jti": key}))) + "."
		}, ReasonInvalidSignature, "", false, false},
		{"no name", nil, func(t *testing.T, key string) string { return tokenWith(t, map[string]any{"jti": key, "name": nil}) },
			ReasonMissingRequiredClaim, email, true, true},
		{"bad role", nil, func(t *testing.T, key string) string { return tokenWith(t, map[string]any{"jti": key, "role": "root"}) },
			ReasonInvalidClaim, email, true, true},
		{"expired", nil, func(t *testing.T, key string) string {
			return tokenWith(t, map[string]any{"jti": key, "exp": float64(testNow.Unix() - 31)})
		}, ReasonExpired, email, true, true},
		{"too old", nil, func(t *testing.T, key string) string {
			return tokenWith(t, map[string]any{"jti": key, "iat": float64(testNow.Unix() - 301)})
		}, ReasonTooOld, email, true, true},
		{"other issuer", nil, func(t *testing.T, key string) string { return tokenWith(t, map[string]any{"jti": key, "iss": "other"}) },
			ReasonIssuerMismatch, email, true, true},
		{"other audience", nil, func(t *testing.T, key string) string { return tokenWith(t, map[string]any{"jti": key, "aud": "other"}) },
			ReasonAudienceMismatch, email, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			hc := testHelpCenter()
			key := startFlow(t, st, hc, browserA, "/page")
			if tc.hc != nil {
				tc.hc(&hc)
			}
			out, err := SignIn(ctx, st, hc, browser(browserA), tc.token(t, key), "", testNow)
			if err != nil {
				t.Fatal(err)
			}
			if out.Rejection == nil || out.Rejection.Reason != tc.reason || out.Opened != nil || out.RedirectTo != "" {
				t.Fatalf("got %+v (%+v), want %s", out, out.Rejection, tc.reason)
			}
			wantJTI := ""
			if tc.jti {
				wantJTI = key
			}
			if out.Email != tc.email || out.JTI != wantJTI {
				t.Fatalf("outcome names %q/%q, want %q/%q", out.Email, out.JTI, tc.email, wantJTI)
			}
			oneEvent(t, st, 0, wantEvent{event: models.EventRedirectRejected, reason: string(tc.reason), email: tc.email, jti: wantJTI})
			if st.jtiTaken(testHelpCenterID, key) || st.state.keys[key].used || len(st.state.sessions) != 0 {
				t.Fatal("a refused token took its jti, used its key or opened a session")
			}
		})
	}
}

// TestSignIn: what each token that passed checks 0–10 comes to.
func TestSignIn(t *testing.T) {
	ctx := context.Background()
	const email = "jane.smith@example.com"
	type run struct {
		st *memStore
		hc HelpCenter
		b  Browser
		// token and returnTo are what the browser brings to /sso/jwt.
		token, returnTo string
		now             time.Time
		jti             string // the token's jti
	}
	// flow is a gate visit by browser A for /page, and the token for its key.
	flow := func(t *testing.T) run {
		st := newMemStore()
		hc := testHelpCenter()
		key := startFlow(t, st, hc, browserA, "/page")
		return run{st: st, hc: hc, b: browser(browserA), token: tokenWith(t, map[string]any{"jti": key}), now: testNow, jti: key}
	}
	// signedIn is flow after the sign-in succeeded; r.b is browser A with
	// the session it got.
	signedIn := func(t *testing.T) (run, Outcome) {
		r := flow(t)
		out, err := SignIn(ctx, r.st, r.hc, r.b, r.token, "", r.now)
		if err != nil || out.Rejection != nil || out.Opened == nil {
			t.Fatalf("first sign-in: %+v, %v", out, err)
		}
		r.b.Current = r.st.current(t, out.Opened)
		return r, out
	}
	type want struct {
		reason     ReasonCode
		event      string
		detail     string
		redirectTo string
		opened     bool // a new session
		jtiTaken   bool
	}
	accepted := func(redirectTo string) want {
		return want{event: models.EventRedirectSucceeded, detail: "signed in and sent to " + redirectTo, redirectTo: redirectTo, opened: true, jtiTaken: true}
	}
	rejected := func(reason ReasonCode) want {
		return want{reason: reason, event: models.EventRedirectRejected, jtiTaken: true}
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) run
		want  want
	}{
		{"accepted", flow, accepted("/page")},
		{"accepted, the request's return_to ignored", func(t *testing.T) run {
			r := flow(t)
			r.returnTo = "/elsewhere"
			return r
		}, accepted("/page")},
		{"unknown key", func(t *testing.T) run {
			r := flow(t)
			r.token, r.jti = tokenWith(t, map[string]any{"jti": "never-issued"}), "never-issued"
			return r
		}, rejected(ReasonUnknownKey)},
		{"expired key", func(t *testing.T) run {
			r := flow(t)
			r.now = testNow.Add(PendingKeyLifetime)
			r.token = tokenWith(t, map[string]any{"jti": r.jti, "iat": float64(r.now.Unix() - 10), "exp": float64(r.now.Unix() + 290)})
			return r
		}, rejected(ReasonUnknownKey)},
		{"key of another browser", func(t *testing.T) run {
			r := flow(t)
			r.b = browser(browserB)
			return r
		}, rejected(ReasonKeyMismatch)},
		{"key of another browser, unsolicited allowed", func(t *testing.T) run {
			r := flow(t)
			r.hc.AllowUnsolicited, r.b = true, browser(browserB)
			return r
		}, rejected(ReasonKeyMismatch)},
		{"key, browser without an id", func(t *testing.T) run {
			r := flow(t)
			r.b = browser("")
			return r
		}, rejected(ReasonKeyMismatch)},
		{"key of another help center", func(t *testing.T) run {
			r := flow(t)
			r.hc.ID = testHelpCenterID + 1
			return r
		}, rejected(ReasonUnknownKey)},
		{"unsolicited, not allowed", func(t *testing.T) run {
			r := flow(t)
			r.token, r.jti, r.returnTo = tokenWith(t, map[string]any{"jti": "partner-random-1"}), "partner-random-1", "/articles/x"
			return r
		}, rejected(ReasonUnknownKey)},
		{"unsolicited, allowed, own return_to", func(t *testing.T) run {
			r := flow(t)
			r.hc.AllowUnsolicited = true
			r.token, r.jti, r.returnTo = tokenWith(t, map[string]any{"jti": "partner-random-1"}), "partner-random-1", "/articles/x?y=1"
			return r
		}, accepted("/articles/x?y=1")},
		{"unsolicited, allowed, return_to on another host", func(t *testing.T) run {
			r := flow(t)
			r.hc.AllowUnsolicited = true
			r.token, r.jti, r.returnTo = tokenWith(t, map[string]any{"jti": "partner-random-1"}), "partner-random-1", "https://evil.example/"
			return r
		}, accepted("/")},
		{"unsolicited, allowed, return_to //host", func(t *testing.T) run {
			r := flow(t)
			r.hc.AllowUnsolicited = true
			r.token, r.jti, r.returnTo = tokenWith(t, map[string]any{"jti": "partner-random-1"}), "partner-random-1", "//evil.example/"
			return r
		}, accepted("/")},
		{"unsolicited, allowed, no return_to", func(t *testing.T) run {
			r := flow(t)
			r.hc.AllowUnsolicited, r.b = true, browser("")
			r.token, r.jti = tokenWith(t, map[string]any{"jti": "partner-random-1"}), "partner-random-1"
			return r
		}, accepted("/")},
		{"banned user", func(t *testing.T) run {
			r := flow(t)
			r.st.ban(email)
			return r
		}, rejected(ReasonUserBanned)},
		{"banned user, email in another case", func(t *testing.T) run {
			r := flow(t)
			r.st.ban("Jane.Smith@EXAMPLE.com")
			return r
		}, rejected(ReasonUserBanned)},
		{"replay from another browser", func(t *testing.T) run {
			r, _ := signedIn(t)
			r.b = browser(browserB)
			return r
		}, rejected(ReasonReplayed)},
		{"replay from the same browser after the repeat window", func(t *testing.T) run {
			r, _ := signedIn(t)
			r.now = testNow.Add(RepeatWindow)
			return r
		}, rejected(ReasonReplayed)},
		{"replay from the same browser signed in by another token", func(t *testing.T) run {
			r, _ := signedIn(t)
			r.b.Current.JTI = "another-jti"
			return r
		}, rejected(ReasonReplayed)},
		{"a jti the widget took", func(t *testing.T) run {
			r := flow(t)
			if out, err := WidgetCall(ctx, r.st, r.hc, r.b, r.token, instanceA, r.now); err != nil || out.Rejection != nil {
				t.Fatalf("widget call: %+v, %v", out, err)
			}
			return r
		}, rejected(ReasonReplayed)},
		{"harmless repeat", func(t *testing.T) run {
			r, _ := signedIn(t)
			r.now = testNow.Add(5 * time.Second)
			return r
		}, want{event: models.EventRedirectSucceeded, detail: "repeat", redirectTo: "/page", jtiTaken: true}},
		{"harmless repeat, 59 s later, with its own return_to", func(t *testing.T) run {
			r, _ := signedIn(t)
			r.now, r.returnTo = testNow.Add(RepeatWindow-time.Second), "/ignored"
			return r
		}, want{event: models.EventRedirectSucceeded, detail: "repeat", redirectTo: "/page", jtiTaken: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.setup(t)
			before := len(r.st.state.events)
			sessionsBefore := maps.Clone(r.st.state.sessions)
			out, err := SignIn(ctx, r.st, r.hc, r.b, r.token, r.returnTo, r.now)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if w.reason != "" {
				if out.Rejection == nil || out.Rejection.Reason != w.reason {
					t.Fatalf("got %+v (%+v), want %s", out, out.Rejection, w.reason)
				}
				if out.Rejection.Email != email || out.Rejection.JTI != r.jti {
					t.Fatalf("rejection names %q/%q", out.Rejection.Email, out.Rejection.JTI)
				}
			} else if out.Rejection != nil {
				t.Fatalf("rejected: %+v", out.Rejection)
			}
			if out.Email != email || out.JTI != r.jti {
				t.Fatalf("outcome names %q/%q, want %q/%q", out.Email, out.JTI, email, r.jti)
			}
			if w.reason == "" && out.RedirectTo != w.redirectTo {
				t.Fatalf("RedirectTo %q, want %q", out.RedirectTo, w.redirectTo)
			}
			oneEvent(t, r.st, before, wantEvent{event: w.event, reason: string(w.reason), email: email, jti: r.jti, detail: w.detail, helpCenterID: r.hc.ID})
			if got := r.st.jtiTaken(r.hc.ID, r.jti); got != w.jtiTaken {
				t.Fatalf("jti taken = %v, want %v", got, w.jtiTaken)
			}
			if !w.opened {
				// A rejection or a repeat leaves the browser's session
				// as it was and opens none.
				if out.Opened != nil || out.Ended != nil || !maps.EqualFunc(r.st.state.sessions, sessionsBefore, sameSession) || len(r.st.state.revoked) != 0 {
					t.Fatalf("sessions changed: opened %+v, ended %+v, revoked %d", out.Opened, out.Ended, len(r.st.state.revoked))
				}
				return
			}
			o := out.Opened
			if o == nil {
				t.Fatal("no session opened")
			}
			stored, ok := r.st.state.sessions[hex.EncodeToString(o.IDHash())]
			if !ok || stored.HelpCenterID != r.hc.ID || stored.UserID != o.UserID || stored.JTI != r.jti ||
				stored.ReturnTo != w.redirectTo || !stored.CreatedAt.Equal(r.now) || !stored.ExpiresAt.Equal(r.now.Add(12*time.Hour)) {
				t.Fatalf("stored session %+v, %v", stored, ok)
			}
			if o.UserID == 0 || o.Role != RoleViewer || o.Name != "Jane Smith" || !o.OpenedAt.Equal(r.now) ||
				!o.ExpiresAt.Equal(r.now.Add(12*time.Hour)) || o.ID == ([32]byte{}) {
				t.Fatalf("opened %+v", o)
			}
			if !bytes.Equal(o.IDHash(), SessionIDHash(o.ID)) {
				t.Fatal("IDHash is not SessionIDHash of the id")
			}
		})
	}
}

func sameSession(a, b models.VisitorSession) bool {
	return bytes.Equal(a.IDHash, b.IDHash) && a.JTI == b.JTI && a.ReturnTo == b.ReturnTo && a.UserID == b.UserID
}

func TestSignInRotatesTheSession(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	hc := testHelpCenter()
	b := browser(browserA)
	key1 := startFlow(t, st, hc, browserA, "/first")
	first, err := SignIn(ctx, st, hc, b, tokenWith(t, map[string]any{"jti": key1}), "", testNow)
	if err != nil || first.Opened == nil || first.Ended != nil {
		t.Fatalf("first sign-in: %+v, %v", first, err)
	}
	// Signed in again (another token, another key), with the first session.
	b.Current = st.current(t, first.Opened)
	key2 := startFlow(t, st, hc, browserA, "/second")
	second, err := SignIn(ctx, st, hc, b, tokenWith(t, map[string]any{"jti": key2, "role": "editor"}), "", testNow.Add(time.Minute))
	if err != nil || second.Rejection != nil || second.Opened == nil {
		t.Fatalf("second sign-in: %+v, %v", second, err)
	}
	if second.Ended != b.Current || !bytes.Equal(second.Ended.IDHash, first.Opened.IDHash()) {
		t.Fatalf("Ended %+v, want the first session", second.Ended)
	}
	if second.Opened.ID == first.Opened.ID || second.Opened.UserID != first.Opened.UserID || second.Opened.Role != RoleEditor {
		t.Fatalf("second session %+v", second.Opened)
	}
	if second.RedirectTo != "/second" {
		t.Fatalf("RedirectTo %q", second.RedirectTo)
	}
	// The old session is gone and revoked; the new one is the browser's only one.
	if len(st.state.revoked) != 1 || !bytes.Equal(st.state.revoked[0], first.Opened.IDHash()) {
		t.Fatalf("revoked %x", st.state.revoked)
	}
	if _, ok := st.state.sessions[hex.EncodeToString(first.Opened.IDHash())]; ok || len(st.state.sessions) != 1 {
		t.Fatalf("sessions %+v", st.state.sessions)
	}
	if n := len(st.state.events); n != 2 {
		t.Fatalf("%d rows for two sign-ins", n)
	}
}

// TestSignInStorageErrors: a failing store is an error and never an
// accepted outcome, and the failed transaction leaves nothing: no row, no
// jti taken, no key used, no session.
func TestSignInStorageErrors(t *testing.T) {
	ctx := context.Background()
	for _, method := range []string{"RecordJTI", "ConsumePendingKey", "ProvisionUser", "OpenSession", "LogEvent"} {
		t.Run(method, func(t *testing.T) {
			st := newMemStore()
			hc := testHelpCenter()
			key := startFlow(t, st, hc, browserA, "/page")
			st.failOn = method
			out, err := SignIn(ctx, st, hc, browser(browserA), tokenWith(t, map[string]any{"jti": key}), "", testNow)
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("err %v, want the storage error", err)
			}
			if out != (Outcome{}) {
				t.Fatalf("outcome %+v with the error", out)
			}
			if len(st.state.events) != 0 || st.jtiTaken(hc.ID, key) || st.state.keys[key].used || len(st.state.sessions) != 0 || len(st.state.users) != 0 {
				t.Fatalf("the failed transaction left %+v", st.state)
			}
			// The same token works once storage is back.
			st.failOn = ""
			if out, err := SignIn(ctx, st, hc, browser(browserA), tokenWith(t, map[string]any{"jti": key}), "", testNow); err != nil || out.Opened == nil {
				t.Fatalf("after recovery: %+v, %v", out, err)
			}
		})
	}
	t.Run("PendingKeyLive", func(t *testing.T) {
		st := newMemStore()
		hc := testHelpCenter()
		key := startFlow(t, st, hc, browserA, "/page")
		st.failOn = "PendingKeyLive"
		out, err := SignIn(ctx, st, hc, browser(browserB), tokenWith(t, map[string]any{"jti": key}), "", testNow)
		if !errors.Is(err, errDiskFull) || out != (Outcome{}) || len(st.state.events) != 0 || st.jtiTaken(hc.ID, key) {
			t.Fatalf("got %+v, %v", out, err)
		}
	})
	t.Run("the row of a bad token", func(t *testing.T) {
		st := newMemStore()
		st.failOn = "Store.LogEvent"
		out, err := SignIn(ctx, st, testHelpCenter(), browser(browserA), "not-a-jwt", "", testNow)
		if !errors.Is(err, errDiskFull) || out.Rejection == nil || out.Opened != nil {
			t.Fatalf("got %+v, %v", out, err)
		}
	})
}

func TestWidgetCall(t *testing.T) {
	ctx := context.Background()
	const email = "jane.smith@example.com"
	type run struct {
		st              *memStore
		token, instance string
		jti             string
	}
	fresh := func(t *testing.T, edits map[string]any) run {
		c := map[string]any{"jti": "widget-jti-1"}
		maps.Copy(c, edits)
		return run{st: newMemStore(), token: tokenWith(t, c), instance: instanceA, jti: c["jti"].(string)}
	}
	call := func(r run, instance string) (Outcome, error) {
		return WidgetCall(ctx, r.st, testHelpCenter(), browser(""), r.token, instance, testNow)
	}
	for _, tc := range []struct {
		name     string
		setup    func(t *testing.T) run
		reason   ReasonCode
		email    string // of the row ("" before the signature verified)
		detail   string
		jtiBound bool
	}{
		{"missing instance id", func(t *testing.T) run { r := fresh(t, nil); r.instance = ""; return r }, ReasonMalformed, email, "the X-Widget-Instance header is missing", false},
		{"instance id of 15 characters", func(t *testing.T) run { r := fresh(t, nil); r.instance = instanceA[:15]; return r }, ReasonMalformed, email, "the X-Widget-Instance header is 15 characters long", false},
		{"instance id of 129 characters", func(t *testing.T) run { r := fresh(t, nil); r.instance = strings.Repeat("a", 129); return r }, ReasonMalformed, email, "the X-Widget-Instance header is 129", false},
		{"instance id with a dot", func(t *testing.T) run { r := fresh(t, nil); r.instance = instanceA[:20] + "."; return r }, ReasonMalformed, email, "the X-Widget-Instance header holds", false},
		{"bad signature and no instance id", func(t *testing.T) run {
			r := fresh(t, nil)
			r.token, r.instance = mint(t, with(map[string]any{"jti": r.jti}), "another-secret-0123456789-abcdefghijklmnop"), ""
			return r
		}, ReasonInvalidSignature, "", "", false},
		{"expired", func(t *testing.T) run { return fresh(t, map[string]any{"exp": float64(testNow.Unix() - 31)}) }, ReasonExpired, email, "", false},
		{"jti used in the redirect flow", func(t *testing.T) run {
			r := fresh(t, nil)
			r.st.state.jtis[jtiKey(testHelpCenterID, r.jti)] = memJTI{surface: "redirect"}
			return r
		}, ReasonReplayed, email, "", true},
		{"jti bound to another instance", func(t *testing.T) run {
			r := fresh(t, nil)
			if out, err := call(r, instanceB); err != nil || out.Rejection != nil {
				t.Fatalf("first instance: %+v, %v", out, err)
			}
			return r
		}, ReasonReplayed, email, "", true},
		{"banned user", func(t *testing.T) run { r := fresh(t, nil); r.st.ban(email); return r }, ReasonUserBanned, email, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.setup(t)
			before := len(r.st.state.events)
			out, err := call(r, r.instance)
			if err != nil {
				t.Fatal(err)
			}
			if out.Rejection == nil || out.Rejection.Reason != tc.reason || out.Opened != nil {
				t.Fatalf("got %+v (%+v), want %s", out, out.Rejection, tc.reason)
			}
			jti := ""
			if tc.email != "" {
				jti = r.jti
			}
			if out.Email != tc.email || out.JTI != jti {
				t.Fatalf("outcome names %q/%q, want %q/%q", out.Email, out.JTI, tc.email, jti)
			}
			oneEvent(t, r.st, before, wantEvent{event: models.EventWidgetRejected, reason: string(tc.reason), email: tc.email, jti: jti, detail: tc.detail})
			if got := r.st.jtiTaken(testHelpCenterID, r.jti); got != tc.jtiBound {
				t.Fatalf("jti bound = %v, want %v", got, tc.jtiBound)
			}
		})
	}

	t.Run("accepted", func(t *testing.T) {
		r := fresh(t, map[string]any{"role": "editor"})
		for i := range 3 { // the same instance reuses its token until exp
			out, err := call(r, instanceA)
			if err != nil || out.Rejection != nil {
				t.Fatalf("call %d: %+v, %v", i+1, out, err)
			}
			if out.Role != RoleEditor || out.Email != email || out.JTI != r.jti || out.Opened != nil {
				t.Fatalf("call %d: %+v", i+1, out)
			}
		}
		if len(r.st.state.events) != 0 {
			t.Fatalf("accepted calls wrote rows: %+v", r.st.state.events)
		}
		if h := r.st.state.jtis[jtiKey(testHelpCenterID, r.jti)]; h.surface != "widget" || h.instance != instanceA {
			t.Fatalf("jti held by %+v", h)
		}
		if len(r.st.state.users) != 1 {
			t.Fatalf("%d users provisioned", len(r.st.state.users))
		}
		// The jti is now the widget's: the redirect flow refuses it.
		out, err := SignIn(ctx, r.st, testHelpCenter(), browser(browserA), r.token, "", testNow)
		if err != nil || out.Rejection == nil || out.Rejection.Reason != ReasonReplayed {
			t.Fatalf("redirect flow with the widget's jti: %+v, %v", out, err)
		}
	})
	t.Run("a storage error", func(t *testing.T) {
		for _, method := range []string{"BindWidgetJTI", "ProvisionUser"} {
			r := fresh(t, nil)
			r.st.failOn = method
			out, err := call(r, instanceA)
			if !errors.Is(err, errDiskFull) || out != (Outcome{}) || len(r.st.state.events) != 0 || r.st.jtiTaken(testHelpCenterID, r.jti) {
				t.Fatalf("%s: %+v, %v", method, out, err)
			}
		}
		// A rejection whose row cannot be written is an error too.
		r := fresh(t, nil)
		r.st.ban(email)
		r.st.failOn = "LogEvent"
		if out, err := call(r, instanceA); !errors.Is(err, errDiskFull) || r.st.jtiTaken(testHelpCenterID, r.jti) {
			t.Fatalf("banned, row failing: %+v, %v", out, err)
		}
	})
}

// TestSignInProvisionsFromTheToken: the user is found by external_id when
// given, else by email, and a second sign-in refreshes the same user.
func TestSignInProvisionsFromTheToken(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	hc := testHelpCenter()
	hc.AllowUnsolicited = true
	signIn := func(claims jwt.MapClaims) *OpenedSession {
		t.Helper()
		out, err := SignIn(ctx, st, hc, browser(""), mint(t, claims, testSecret), "", testNow)
		if err != nil || out.Opened == nil {
			t.Fatalf("%+v, %v", out, err)
		}
		return out.Opened
	}
	a := signIn(with(map[string]any{"jti": "p1", "external_id": "42"}))
	b := signIn(with(map[string]any{"jti": "p2", "external_id": "42", "email": "jane@new.example", "name": "Jane New"}))
	c := signIn(with(map[string]any{"jti": "p3"}))
	if a.UserID != b.UserID || a.UserID == c.UserID {
		t.Fatalf("users %d, %d, %d: an email change must follow external_id", a.UserID, b.UserID, c.UserID)
	}
	if p := st.state.users["external:42"].profile; p.Email != "jane@new.example" || p.Name != "Jane New" || b.Name != "Jane New" {
		t.Fatalf("profile not refreshed: %+v", p)
	}
}

// A session lasts the help center's Session length, or until the token's
// session_exp when that is sooner; a session_exp already past signs
// nobody in. Invite only and allowed domains apply on both surfaces.
func TestSignInSessionLengthAndProvisioning(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	hc := testHelpCenter()
	hc.AllowUnsolicited = true
	hc.SessionLength = time.Hour
	now := testNow
	for _, tc := range []struct {
		name       string
		sessionExp any
		wantEnd    time.Time
		want       ReasonCode
	}{
		{"no session_exp: the Session length", nil, now.Add(time.Hour), ""},
		{"session_exp sooner", float64(now.Add(30 * time.Minute).Unix()), now.Add(30 * time.Minute), ""},
		{"session_exp later: capped", float64(now.Add(48 * time.Hour).Unix()), now.Add(time.Hour), ""},
		{"session_exp past", float64(now.Add(-time.Second).Unix()), time.Time{}, ReasonInvalidClaim},
		{"session_exp not a number", "soon", time.Time{}, ReasonInvalidClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edits := map[string]any{"jti": "session-" + tc.name}
			if tc.sessionExp != nil {
				edits["session_exp"] = tc.sessionExp
			}
			out, err := SignIn(ctx, st, hc, browser(""), tokenWith(t, edits), "", now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" {
				if out.Rejection == nil || out.Rejection.Reason != tc.want {
					t.Fatalf("got %+v, want %s", out.Rejection, tc.want)
				}
				return
			}
			if out.Opened == nil || !out.Opened.ExpiresAt.Equal(tc.wantEnd) {
				t.Fatalf("opened %+v, want it to end at %s", out.Opened, tc.wantEnd)
			}
		})
	}

	hc.Provisioning = Provisioning{InviteOnly: true}
	out, err := SignIn(ctx, st, hc, browser(""), tokenWith(t, map[string]any{"jti": "invite-1", "email": "new@example.com"}), "", now)
	if err != nil || out.Rejection == nil || out.Rejection.Reason != ReasonUserNotInvited || out.Opened != nil {
		t.Fatalf("invite only, new user: %+v %v", out, err)
	}
	if ev := st.state.events[len(st.state.events)-1]; ev.Reason != string(ReasonUserNotInvited) || ev.Email != "new@example.com" {
		t.Fatalf("row %+v", ev)
	}
	// Jane signed in above, so she is known.
	if out, err := SignIn(ctx, st, hc, browser(""), tokenWith(t, map[string]any{"jti": "invite-2"}), "", now); err != nil || out.Rejection != nil {
		t.Fatalf("invite only, known user: %+v %v", out, err)
	}
	hc.Provisioning = Provisioning{AllowedDomains: []string{"acme.test"}}
	wout, err := WidgetCall(ctx, st, hc, browser(""), tokenWith(t, map[string]any{"jti": "widget-domain", "email": "eve@evil.test"}), instanceA, now)
	if err != nil || wout.Rejection == nil || wout.Rejection.Reason != ReasonDomainNotAllowed {
		t.Fatalf("widget, domain not allowed: %+v %v", wout, err)
	}
}
