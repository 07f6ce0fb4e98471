package sso

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"helpcenter/models"
)

func verifiedClaims() *Claims {
	return &Claims{
		JTI: "k_test", Email: "jane@example.com", Name: "Jane",
		IssuedAt: UnixSeconds(testNow.Unix() - 10), ExpiresAt: UnixSeconds(testNow.Unix() + 290),
	}
}

func TestJudgeRepeat(t *testing.T) {
	c := verifiedClaims()
	origin := func(jti string, ago time.Duration) *SessionOrigin {
		return &SessionOrigin{JTI: jti, OpenedAt: testNow.Add(-ago)}
	}
	for _, tc := range []struct {
		name   string
		origin *SessionOrigin
		repeat bool
	}{
		{"same browser, 0 s", origin("k_test", 0), true},
		{"same browser, 59 s", origin("k_test", 59*time.Second), true},
		{"same browser, 59.999 s", origin("k_test", 60*time.Second-time.Millisecond), true},
		{"same browser, 60 s", origin("k_test", 60*time.Second), false},
		{"same browser, 61 s", origin("k_test", 61*time.Second), false},
		{"session opened in the future", origin("k_test", -time.Second), false},
		{"browser signed in by another token", origin("k_other", time.Second), false},
		{"browser without a session", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repeat, r := JudgeRepeat(c, tc.origin, testNow)
			if tc.repeat {
				if r != nil || !strings.HasPrefix(repeat, "repeat") {
					t.Fatalf("got %q, %+v; want a repeat", repeat, r)
				}
				return
			}
			if repeat != "" || r == nil || r.Reason != ReasonReplayed || r.JTI != c.JTI || r.Email != c.Email {
				t.Fatalf("got %q, %+v; want %s naming jti and email", repeat, r, ReasonReplayed)
			}
		})
	}
}

// jtiRecorder is a stand-in for the store: it records calls and answers
// as told.
type jtiRecorder struct {
	first     bool
	err       error
	keepUntil time.Time
}

func (r *jtiRecorder) RecordJTI(_ context.Context, _ int64, _ string, keepUntil time.Time) (bool, error) {
	r.keepUntil = keepUntil
	return r.first, r.err
}

func TestCheckReplay(t *testing.T) {
	ctx := context.Background()
	c := verifiedClaims()
	sameBrowser := &SessionOrigin{JTI: c.JTI, OpenedAt: testNow.Add(-5 * time.Second)}

	rec := &jtiRecorder{first: true}
	if repeat, r, err := CheckReplay(ctx, rec, 1, c, sameBrowser, testNow); repeat != "" || r != nil || err != nil {
		t.Errorf("first use: %q, %+v, %v", repeat, r, err)
	}
	// exp + 30 s comes before iat + MaxTTL here; one second is added.
	if want := c.ExpiresAt.Time().Add(ClockSkew + time.Second); !rec.keepUntil.Equal(want) {
		t.Errorf("keepUntil %s, want %s", rec.keepUntil, want)
	}
	if repeat, r, err := CheckReplay(ctx, &jtiRecorder{}, 1, c, sameBrowser, testNow); !strings.HasPrefix(repeat, "repeat") || r != nil || err != nil {
		t.Errorf("repeat: %q, %+v, %v", repeat, r, err)
	}
	if repeat, r, err := CheckReplay(ctx, &jtiRecorder{}, 1, c, nil, testNow); repeat != "" || r == nil || r.Reason != ReasonReplayed || err != nil {
		t.Errorf("replay: %q, %+v, %v", repeat, r, err)
	}
	// A storage failure is an error, never a pass — even with first set.
	if repeat, r, err := CheckReplay(ctx, &jtiRecorder{first: true, err: errors.New("disk full")}, 1, c, sameBrowser, testNow); repeat != "" || r != nil || err == nil {
		t.Errorf("storage error: %q, %+v, %v", repeat, r, err)
	}
}

func TestReplayKeepUntil(t *testing.T) {
	c := &Claims{IssuedAt: 1000, ExpiresAt: 1e12}
	if got, want := c.ReplayKeepUntil(), time.Unix(1000+3600+1, 0); !got.Equal(want) {
		t.Errorf("far exp: %s, want iat + MaxTTL + 1 s = %s", got, want)
	}
	c = &Claims{IssuedAt: 1000, ExpiresAt: 1100.5}
	if got, want := c.ReplayKeepUntil(), time.Unix(1100+30+1, 5e8); !got.Equal(want) {
		t.Errorf("near exp: %s, want exp + skew + 1 s = %s", got, want)
	}
}

func TestJudgeKey(t *testing.T) {
	c := verifiedClaims()
	for _, tc := range []struct {
		name             string
		state            keyState
		allowUnsolicited bool
		want             ReasonCode
		wantReturnTo     string
		wantUnsolicited  bool
	}{
		{"consumed", keyState{consumed: true, returnTo: "/articles/x?y=1"}, false, "", "/articles/x?y=1", false},
		{"consumed, return_to cleaned again", keyState{consumed: true, returnTo: "//evil.example"}, false, "", "/", false},
		{"issued to another browser", keyState{liveElsewhere: true}, false, ReasonKeyMismatch, "", false},
		{"issued to another browser, unsolicited allowed", keyState{liveElsewhere: true}, true, ReasonKeyMismatch, "", false},
		{"no such key", keyState{}, false, ReasonUnknownKey, "", false},
		{"no such key, unsolicited allowed", keyState{}, true, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := judgeKey(c, tc.state, tc.allowUnsolicited)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" {
				if r == nil || r.Reason != tc.want || r.JTI != c.JTI {
					t.Fatalf("got %+v, want %s", r, tc.want)
				}
				return
			}
			if r != nil || got.ReturnTo != tc.wantReturnTo || got.Unsolicited != tc.wantUnsolicited {
				t.Fatalf("got %+v, %+v", got, r)
			}
		})
	}
}

// pendingKeys is a stand-in for the store's pending keys: one key, as told.
type pendingKeys struct {
	key         models.PendingKey
	used        bool
	consumeErr  error
	liveErr     error
	consumeSeen bool
}

func (p *pendingKeys) ConsumePendingKey(_ context.Context, _ int64, key, browserHash string, now time.Time) (string, bool, error) {
	p.consumeSeen = true
	if p.consumeErr != nil {
		return "", false, p.consumeErr
	}
	if key != p.key.Key || browserHash != p.key.BrowserHash || p.used || !now.Before(p.key.ExpiresAt) {
		return "", false, nil
	}
	p.used = true
	return p.key.ReturnTo, true, nil
}

func (p *pendingKeys) PendingKeyLive(_ context.Context, _ int64, key string, now time.Time) (bool, error) {
	return key == p.key.Key && !p.used && now.Before(p.key.ExpiresAt), p.liveErr
}

func TestRedeemPendingKey(t *testing.T) {
	ctx := context.Background()
	k, err := NewPendingKey("browser-1", "/articles/setup?tab=2", testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := verifiedClaims()
	c.JTI = k.Key
	fresh := func() *pendingKeys { return &pendingKeys{key: k} }

	got, r, err := RedeemPendingKey(ctx, fresh(), 1, c, "browser-1", false, testNow.Add(time.Minute))
	if err != nil || r != nil || got.ReturnTo != "/articles/setup?tab=2" || got.Unsolicited {
		t.Errorf("same browser: %+v, %+v, %v", got, r, err)
	}
	store := fresh()
	_, _, _ = RedeemPendingKey(ctx, store, 1, c, "browser-1", false, testNow)
	if _, r, err := RedeemPendingKey(ctx, store, 1, c, "browser-1", false, testNow); err != nil || r == nil || r.Reason != ReasonUnknownKey {
		t.Errorf("second use: %+v, %v", r, err)
	}
	if _, r, err := RedeemPendingKey(ctx, fresh(), 1, c, "browser-2", false, testNow); err != nil || r == nil || r.Reason != ReasonKeyMismatch {
		t.Errorf("other browser: %+v, %v", r, err)
	}
	store = fresh()
	if _, r, err := RedeemPendingKey(ctx, store, 1, c, "", false, testNow); err != nil || r == nil || r.Reason != ReasonKeyMismatch || store.consumeSeen {
		t.Errorf("no browser id: %+v, %v, consume called %v", r, err, store.consumeSeen)
	}
	if _, r, err := RedeemPendingKey(ctx, fresh(), 1, c, "browser-1", false, k.ExpiresAt); err != nil || r == nil || r.Reason != ReasonUnknownKey {
		t.Errorf("expired: %+v, %v", r, err)
	}
	// Storage failures are errors, never a pass.
	if got, r, err := RedeemPendingKey(ctx, &pendingKeys{key: k, consumeErr: errors.New("locked")}, 1, c, "browser-1", true, testNow); err == nil || r != nil || got != (KeyRedemption{}) {
		t.Errorf("consume error: %+v, %+v, %v", got, r, err)
	}
	if got, r, err := RedeemPendingKey(ctx, &pendingKeys{liveErr: errors.New("locked")}, 1, c, "browser-1", true, testNow); err == nil || r != nil || got != (KeyRedemption{}) {
		t.Errorf("lookup error: %+v, %+v, %v", got, r, err)
	}
}

func TestNewPendingKey(t *testing.T) {
	k, err := NewPendingKey("browser-1", "/a?b=c", testNow)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(k.Key)
	if err != nil || len(raw) != 32 || len(k.Key) != 43 {
		t.Errorf("key %q: %d bytes, %v", k.Key, len(raw), err)
	}
	sum := sha256.Sum256([]byte("browser-1"))
	if k.BrowserHash != hex.EncodeToString(sum[:]) || strings.Contains(k.BrowserHash, "browser-1") {
		t.Errorf("browser hash %q", k.BrowserHash)
	}
	if k.ReturnTo != "/a?b=c" || !k.ExpiresAt.Equal(testNow.Add(10*time.Minute)) {
		t.Errorf("key %+v", k)
	}
	if other, _ := NewPendingKey("browser-1", "/", testNow); other.Key == k.Key {
		t.Error("two keys are equal")
	}
	if _, err := NewPendingKey("", "/", testNow); err == nil {
		t.Error("a key without a browser id")
	}
	if k, _ := NewPendingKey("b", "https://evil.example/", testNow); k.ReturnTo != "/" {
		t.Errorf("return_to %q", k.ReturnTo)
	}
}

func TestNewBrowserID(t *testing.T) {
	a, errA := NewBrowserID()
	b, errB := NewBrowserID()
	if errA != nil || errB != nil || len(a) != 43 || a == b {
		t.Errorf("%q, %q, %v, %v", a, b, errA, errB)
	}
}

func TestCleanReturnTo(t *testing.T) {
	for in, want := range map[string]string{
		"/":                      "/",
		"/articles/x":            "/articles/x",
		"/search?q=a+b&x=%2F%2F": "/search?q=a+b&x=%2F%2F",
		"":                       "/",
		"articles":               "/",
		"//evil.example/":        "/",
		"/\\evil.example/":       "/",
		"/\t/evil.example/":      "/",
		"/a\nb":                  "/",
		"/a b":                   "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"/%2":                    "/",
	} {
		if got := CleanReturnTo(in); got != want {
			t.Errorf("CleanReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}

// provisioner is a stand-in for the store's user provisioning.
type provisioner struct {
	create  bool
	user    models.ProvisionedUser
	err     error
	profile models.Profile
}

func (p *provisioner) ProvisionUser(_ context.Context, _ int64, pr models.Profile, create bool, _ time.Time) (models.ProvisionedUser, error) {
	p.profile, p.create = pr, create
	if p.user.ID == 0 && !create {
		return models.ProvisionedUser{}, p.err
	}
	if p.user.ID == 0 {
		return models.ProvisionedUser{ID: 99}, p.err
	}
	return p.user, p.err
}

func TestProvision(t *testing.T) {
	ctx := context.Background()
	c := verifiedClaims()
	c.ExternalID, c.Role, c.Lang = "42", RoleEditor, "de"

	p := &provisioner{user: models.ProvisionedUser{ID: 7}}
	u, r, err := Provision(ctx, p, 1, Provisioning{}, c, testNow)
	if err != nil || r != nil || u.ID != 7 {
		t.Errorf("active user: %+v, %+v, %v", u, r, err)
	}
	if p.profile.ExternalID != "42" || p.profile.Role != RoleEditor || p.profile.Lang != "de" || p.profile.Email != c.Email {
		t.Errorf("profile %+v", p.profile)
	}
	_, r, err = Provision(ctx, &provisioner{user: models.ProvisionedUser{ID: 7, Banned: true}}, 1, Provisioning{}, c, testNow)
	if err != nil || r == nil || r.Reason != ReasonUserBanned || r.Email != c.Email {
		t.Errorf("banned user: %+v, %v", r, err)
	}
	if _, r, err := Provision(ctx, &provisioner{err: errors.New("locked")}, 1, Provisioning{}, c, testNow); err == nil || r != nil {
		t.Errorf("storage error: %+v, %v", r, err)
	}
}

func TestRoleRank(t *testing.T) {
	if !(RoleViewer.Rank() < RoleEditor.Rank() && RoleEditor.Rank() < RoleAdmin.Rank()) || Role("root").Rank() >= RoleViewer.Rank() {
		t.Error("roles rank viewer < editor < admin, anything else below")
	}
	if r, ok := ParseRole("editor"); !ok || r != RoleEditor {
		t.Error("ParseRole(editor)")
	}
	if _, ok := ParseRole("Editor"); ok {
		t.Error("ParseRole is case-sensitive")
	}
}

func TestUnixSecondsTime(t *testing.T) {
	if got := UnixSeconds(1767225600.25).Time(); !got.Equal(time.Unix(1767225600, 25e7)) {
		t.Errorf("got %s", got)
	}
	if got := UnixSeconds(1e300).Time(); !got.Equal(time.Unix(1<<53, 0)) {
		t.Errorf("clamped: %s", got)
	}
}

// Checks 14–16 in order: a known user signs in whatever the rules; a new
// one only when the help center creates users and the domain is allowed.
func TestProvisioningRules(t *testing.T) {
	ctx := context.Background()
	known := models.ProvisionedUser{ID: 7}
	banned := models.ProvisionedUser{ID: 8, Banned: true}
	for _, tc := range []struct {
		name       string
		user       models.ProvisionedUser // ID 0: the help center does not know the user
		rules      Provisioning
		email      string
		wantCreate bool
		want       ReasonCode
	}{
		{"new user, defaults", models.ProvisionedUser{}, Provisioning{}, "jane@example.com", true, ""},
		{"known user, invite only", known, Provisioning{InviteOnly: true}, "jane@example.com", false, ""},
		{"new user, invite only", models.ProvisionedUser{}, Provisioning{InviteOnly: true}, "jane@example.com", false, ReasonUserNotInvited},
		{"banned user, invite only: 14 first", banned, Provisioning{InviteOnly: true}, "jane@example.com", false, ReasonUserBanned},
		{"new user, allowed domain", models.ProvisionedUser{}, Provisioning{AllowedDomains: []string{"example.com"}}, "Jane@EXAMPLE.com", true, ""},
		{"new user, other domain", models.ProvisionedUser{}, Provisioning{AllowedDomains: []string{"example.com"}}, "jane@evil.test", false, ReasonDomainNotAllowed},
		{"new user, subdomain is another domain", models.ProvisionedUser{}, Provisioning{AllowedDomains: []string{"example.com"}}, "jane@eu.example.com", false, ReasonDomainNotAllowed},
		{"known user, other domain", known, Provisioning{AllowedDomains: []string{"example.com"}}, "jane@evil.test", false, ""},
		{"new user, invite only and other domain: 15 first", models.ProvisionedUser{}, Provisioning{InviteOnly: true, AllowedDomains: []string{"example.com"}}, "jane@evil.test", false, ReasonUserNotInvited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := verifiedClaims()
			c.Email = tc.email
			p := &provisioner{user: tc.user}
			_, r, err := Provision(ctx, p, 1, tc.rules, c, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if p.create != tc.wantCreate {
				t.Errorf("create = %v, want %v", p.create, tc.wantCreate)
			}
			switch {
			case tc.want == "" && r != nil:
				t.Fatalf("rejected: %s (%s)", r.Reason, r.Detail)
			case tc.want != "" && (r == nil || r.Reason != tc.want):
				t.Fatalf("got %+v, want %s", r, tc.want)
			case r != nil && r.Email != c.Email:
				t.Fatalf("the row would not name the verified email: %+v", r)
			}
		})
	}
}
