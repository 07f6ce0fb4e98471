package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"helpcenter/models"
	"helpcenter/sso"
)

// t0 is the tests' "now": 2026-01-01T00:00:00.123456Z.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC)

func testID() (id [32]byte) {
	for i := range id {
		id[i] = byte(i)
	}
	return id
}

// goldenVisitor is the value whose bytes goldenVisitorHex spells out.
func goldenVisitor() Visitor {
	return Visitor{
		ID:           testID(),
		HelpCenterID: 0x0102030405060708,
		UserID:       42,
		OpenedAt:     t0,
		ExpiresAt:    t0.Add(12 * time.Hour),
		Role:         models.RoleEditor,
		Name:         "Zoë",
	}
}

// goldenVisitorHex is the layout of version 1, written out by hand: a
// change of layout must change visitorVersion, and this test says so.
const goldenVisitorHex = "01" + // version
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + // id
	"0102030405060708" + // help center, big-endian
	"000000000000002a" + // user 42
	"0006474846222240" + // opened at, Unix µs 1767225600123456
	"00064752550dd240" + // expires at, Unix µs 1767268800123456
	"02" + // role editor
	"5a6fc3ab" // "Zoë" in UTF-8

func TestVisitorGoldenLayout(t *testing.T) {
	got := goldenVisitor().marshal()
	if h := hex.EncodeToString(got); h != goldenVisitorHex {
		t.Fatalf("layout changed:\n got %s\nwant %s", h, goldenVisitorHex)
	}
	want, _ := hex.DecodeString(goldenVisitorHex)
	v, err := unmarshalVisitor(want)
	if err != nil {
		t.Fatal(err)
	}
	if v != goldenVisitor() {
		t.Fatalf("golden bytes decode to %+v", v)
	}
}

func TestVisitorRoundTrip(t *testing.T) {
	// Times carry nanoseconds and a zone: the cookie keeps microseconds
	// in UTC.
	berlin := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		in   Visitor
	}{
		{"viewer", Visitor{ID: testID(), HelpCenterID: 1, UserID: 2, OpenedAt: t0, ExpiresAt: t0.Add(time.Hour), Role: models.RoleViewer, Name: "Jane"}},
		{"editor", Visitor{ID: testID(), HelpCenterID: 1, UserID: 2, OpenedAt: t0, ExpiresAt: t0.Add(time.Hour), Role: models.RoleEditor, Name: "Jane"}},
		{"admin", Visitor{ID: testID(), HelpCenterID: 1, UserID: 2, OpenedAt: t0, ExpiresAt: t0.Add(time.Hour), Role: models.RoleAdmin, Name: "Jane"}},
		{"multibyte name", Visitor{ID: testID(), HelpCenterID: 9, UserID: 10, OpenedAt: t0, ExpiresAt: t0, Role: models.RoleViewer, Name: "Ærøskøbing 東京 🙂"}},
		{"empty name", Visitor{ID: testID(), HelpCenterID: 9, UserID: 10, OpenedAt: t0, ExpiresAt: t0, Role: models.RoleViewer}},
		{"name of exactly MaxVisitorName bytes", Visitor{ID: testID(), Role: models.RoleViewer, OpenedAt: t0, ExpiresAt: t0, Name: strings.Repeat("é", MaxVisitorName/2)}},
		{"largest ids", Visitor{ID: [32]byte{0xff, 0xfe}, HelpCenterID: 1<<63 - 1, UserID: 1<<63 - 1, OpenedAt: t0, ExpiresAt: t0, Role: models.RoleAdmin, Name: "x"}},
		{"negative ids", Visitor{HelpCenterID: -1, UserID: -1 << 63, OpenedAt: t0, ExpiresAt: t0, Role: models.RoleViewer, Name: "x"}},
		{"nanoseconds and a zone", Visitor{ID: testID(), HelpCenterID: 3, UserID: 4,
			OpenedAt:  time.Date(2026, 3, 4, 5, 6, 7, 891234567, berlin),
			ExpiresAt: time.Date(2026, 3, 4, 17, 6, 7, 999999999, berlin), Role: models.RoleViewer, Name: "n"}},
		{"before 1970", Visitor{OpenedAt: time.Date(1960, 1, 1, 0, 0, 0, 1000, time.UTC), ExpiresAt: time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), Role: models.RoleViewer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unmarshalVisitor(tc.in.marshal())
			if err != nil {
				t.Fatal(err)
			}
			want := tc.in
			want.OpenedAt = want.OpenedAt.Truncate(time.Microsecond).UTC()
			want.ExpiresAt = want.ExpiresAt.Truncate(time.Microsecond).UTC()
			if got != want {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			if got.OpenedAt.Location() != time.UTC || got.ExpiresAt.Location() != time.UTC {
				t.Fatalf("times not in UTC: %v, %v", got.OpenedAt.Location(), got.ExpiresAt.Location())
			}
		})
	}
}

func TestVisitorLongNameIsCutAtACharacterBoundary(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		wantLen int
	}{
		{"ASCII", strings.Repeat("a", 250), 200},
		{"two-byte rune across the limit", strings.Repeat("a", 199) + "é" + "bbb", 199},
		{"three-byte runes", strings.Repeat("€", 67), 198},
		{"four-byte runes, one over", strings.Repeat("🙂", 51), 200},
		{"four-byte rune starting at byte 198", strings.Repeat("a", 198) + "🙂", 198},
		{"one byte over", strings.Repeat("a", 201), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := goldenVisitor()
			v.Name = tc.in
			got, err := unmarshalVisitor(v.marshal())
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(got.Name) {
				t.Fatalf("cut name is not valid UTF-8: %q", got.Name)
			}
			if len(got.Name) != tc.wantLen || !strings.HasPrefix(tc.in, got.Name) {
				t.Fatalf("got %d bytes %q, want the first %d bytes of the name", len(got.Name), got.Name, tc.wantLen)
			}
			// Nothing more fits: the next character would pass the limit.
			_, size := utf8.DecodeRuneInString(tc.in[len(got.Name):])
			if len(got.Name)+size <= MaxVisitorName {
				t.Fatalf("cut %d bytes too early", size)
			}
		})
	}
}

func TestUnmarshalVisitorRefusesMalformedInput(t *testing.T) {
	valid := goldenVisitor().marshal()
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(valid)) }
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"version only", []byte{visitorVersion}},
		{"header one byte short", valid[:visitorHeader-1]},
		{"version 0", edit(func(b []byte) []byte { b[0] = 0; return b })},
		{"version 2", edit(func(b []byte) []byte { b[0] = 2; return b })},
		{"version 0xff", edit(func(b []byte) []byte { b[0] = 0xff; return b })},
		{"role byte 0 (no role)", edit(func(b []byte) []byte { b[visitorHeader-1] = 0; return b })},
		{"role byte 4", edit(func(b []byte) []byte { b[visitorHeader-1] = 4; return b })},
		{"role byte 0xff", edit(func(b []byte) []byte { b[visitorHeader-1] = 0xff; return b })},
		{"name longer than MaxVisitorName", append(valid[:visitorHeader:visitorHeader], strings.Repeat("a", MaxVisitorName+1)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := unmarshalVisitor(tc.in); err == nil {
				t.Fatalf("accepted %x as %+v", tc.in, v)
			}
		})
	}
	// The shortest valid value: the header with an empty name.
	if _, err := unmarshalVisitor(valid[:visitorHeader]); err != nil {
		t.Fatalf("header without a name: %v", err)
	}
}

func TestVisitorOfAndIDHash(t *testing.T) {
	s := &sso.OpenedSession{ID: testID(), UserID: 42, OpenedAt: t0, ExpiresAt: t0.Add(12 * time.Hour),
		Role: models.RoleEditor, Name: "Zoë"}
	v := VisitorOf(0x0102030405060708, s)
	if v != goldenVisitor() {
		t.Fatalf("VisitorOf = %+v", v)
	}
	// The cookie and the store name the session alike: SHA-256 of the id.
	sum := sha256.Sum256(v.ID[:])
	if !bytes.Equal(v.IDHash(), sum[:]) || !bytes.Equal(v.IDHash(), s.IDHash()) {
		t.Fatalf("IDHash %x, want %x", v.IDHash(), sum)
	}
}

func testCodec() *Codec {
	return NewCodec(bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 32))
}

func TestCodecVisitorRoundTrip(t *testing.T) {
	k := testCodec()
	v := goldenVisitor()
	v.OpenedAt = time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	value, err := k.Visitor(v)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := k.DecodeVisitor(value)
	if !ok {
		t.Fatal("own value refused")
	}
	want := v
	want.OpenedAt = want.OpenedAt.Truncate(time.Microsecond)
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// A second encoding of the same value differs (fresh IV), and decodes too.
	again, _ := k.Visitor(v)
	if again == value {
		t.Fatal("two encodings are equal")
	}
	if got, ok := k.DecodeVisitor(again); !ok || got != want {
		t.Fatalf("second encoding: %+v, %v", got, ok)
	}
}

func TestCodecNewIDAndIDHash(t *testing.T) {
	k := testCodec()
	value, idHash, err := k.NewID(AdminCookie)
	if err != nil {
		t.Fatal(err)
	}
	if len(idHash) != sha256.Size {
		t.Fatalf("hash of %d bytes", len(idHash))
	}
	got, ok := k.IDHash(AdminCookie, value)
	if !ok || !bytes.Equal(got, idHash) {
		t.Fatalf("IDHash = %x, %v; NewID said %x", got, ok, idHash)
	}
	other, otherHash, _ := k.NewID(AdminCookie)
	if other == value || bytes.Equal(otherHash, idHash) {
		t.Fatal("two ids are equal")
	}
}

// TestCodecBindsTheCookieName: every value decodes under the name it was
// made for and under no other.
func TestCodecBindsTheCookieName(t *testing.T) {
	k := testCodec()
	hc := &models.HelpCenter{ID: 7, SitePasswordHash: "$argon2id$site"}
	adminID, _, err := k.NewID(AdminCookie)
	if err != nil {
		t.Fatal(err)
	}
	visitorID, _, _ := k.NewID(VisitorCookie) // a 32-byte id signed under the visitor cookie's name
	visitor, _ := k.Visitor(goldenVisitor())
	pass, _ := k.SitePass(hc)

	type decoder struct {
		name string
		ok   func(value string) bool
	}
	decoders := []decoder{
		{"IDHash(" + AdminCookie + ")", func(v string) bool { _, ok := k.IDHash(AdminCookie, v); return ok }},
		{"IDHash(" + VisitorCookie + ")", func(v string) bool { _, ok := k.IDHash(VisitorCookie, v); return ok }},
		{"IDHash(" + SitePassCookie + ")", func(v string) bool { _, ok := k.IDHash(SitePassCookie, v); return ok }},
		{"IDHash(" + BrowserIDCookie + ")", func(v string) bool { _, ok := k.IDHash(BrowserIDCookie, v); return ok }},
		{"DecodeVisitor", func(v string) bool { _, ok := k.DecodeVisitor(v); return ok }},
		{"HasSitePass", func(v string) bool { return k.HasSitePass(hc, v) }},
	}
	for _, tc := range []struct {
		name  string
		value string
		works string // the one decoder that accepts it
	}{
		{"admin session id", adminID, "IDHash(" + AdminCookie + ")"},
		{"visitor cookie", visitor, "DecodeVisitor"},
		{"site pass", pass, "HasSitePass"},
		// Right name, wrong contents: an id is no visitor, a visitor no id.
		{"id under the visitor cookie's name", visitorID, "IDHash(" + VisitorCookie + ")"},
	} {
		for _, d := range decoders {
			t.Run(tc.name+"/"+d.name, func(t *testing.T) {
				if got, want := d.ok(tc.value), d.name == tc.works; got != want {
					t.Fatalf("accepted = %v, want %v", got, want)
				}
			})
		}
	}
}

// tamper changes the character at i so that the decoded bytes change too:
// it flips the top bit of the character's 6-bit value, which is never
// one of the padding bits base64 decoders ignore.
func tamper(s string, i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte(s)
	if j := strings.IndexByte(alphabet, b[i]); j >= 0 {
		b[i] = alphabet[j^32]
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestCodecRefusesTamperedValues(t *testing.T) {
	k := testCodec()
	visitor, err := k.Visitor(goldenVisitor())
	if err != nil {
		t.Fatal(err)
	}
	data := len(strings.TrimRight(visitor, "=")) // characters before the padding
	otherHash := NewCodec(bytes.Repeat([]byte{0x33}, 32), bytes.Repeat([]byte{0x22}, 32))
	otherBlock := NewCodec(bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x33}, 32))
	foreignHash, _ := otherHash.Visitor(goldenVisitor())
	foreignBlock, _ := otherBlock.Visitor(goldenVisitor())
	cases := map[string]string{
		"empty":                   "",
		"garbage":                 "not a cookie",
		"truncated":               visitor[:len(visitor)-1],
		"half":                    visitor[:len(visitor)/2],
		"appended":                visitor + "A",
		"first character":         tamper(visitor, 0),
		"last data character":     tamper(visitor, data-1),
		"made with another hash":  foreignHash,
		"made with another block": foreignBlock,
	}
	for i := 0; i < data; i += 5 {
		cases[fmt.Sprintf("character %d", i)] = tamper(visitor, i)
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			if v, ok := k.DecodeVisitor(value); ok {
				t.Fatalf("accepted %q as %+v", value, v)
			}
		})
	}

	id, _, _ := k.NewID(AdminCookie)
	idData := len(strings.TrimRight(id, "="))
	for _, bad := range []string{"", id[:len(id)-2], tamper(id, 0), tamper(id, idData/2), tamper(id, idData-1), id + "x"} {
		if _, ok := k.IDHash(AdminCookie, bad); ok {
			t.Errorf("IDHash accepted %q", bad)
		}
	}
}

func TestCodecSitePass(t *testing.T) {
	k := testCodec()
	hc := &models.HelpCenter{ID: 7, SitePasswordHash: "$argon2id$v=19$first"}
	pass, err := k.SitePass(hc)
	if err != nil {
		t.Fatal(err)
	}
	emptyHC := &models.HelpCenter{ID: 7}
	emptyPass, _ := k.SitePass(emptyHC)
	for _, tc := range []struct {
		name  string
		hc    *models.HelpCenter
		value string
		want  bool
	}{
		{"the help center it was made for", hc, pass, true},
		{"the same help center loaded again", &models.HelpCenter{ID: 7, SitePasswordHash: "$argon2id$v=19$first"}, pass, true},
		{"another help center with the same password hash", &models.HelpCenter{ID: 8, SitePasswordHash: hc.SitePasswordHash}, pass, false},
		{"after the site password changed", &models.HelpCenter{ID: 7, SitePasswordHash: "$argon2id$v=19$second"}, pass, false},
		{"after the site password was removed", emptyHC, pass, false},
		{"a pass made while no password was set", emptyHC, emptyPass, false},
		{"that pass once a password is set", hc, emptyPass, false},
		{"no cookie", hc, "", false},
		{"a visitor cookie", hc, mustVisitor(t, k), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.HasSitePass(tc.hc, tc.value); got != tc.want {
				t.Fatalf("HasSitePass = %v, want %v", got, tc.want)
			}
		})
	}
}

func mustVisitor(t *testing.T, k *Codec) string {
	t.Helper()
	v, err := k.Visitor(goldenVisitor())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBrowserID(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want bool
	}{{0, false}, {1, false}, {31, false}, {32, true}, {43, true}, {64, true}, {65, false}, {4096, false}} {
		value := strings.Repeat("b", tc.n)
		got := BrowserID(value)
		if tc.want && got != value || !tc.want && got != "" {
			t.Errorf("BrowserID(%d characters) = %q", tc.n, got)
		}
	}
}

// revocationLog is an in-memory RevocationSource that answers as the store
// does: rows after afterID or recorded at or after recent, unexpired at now.
type revocationLog struct {
	mu    sync.Mutex
	rows  []models.Revocation
	err   error
	calls int
}

func (l *revocationLog) RevocationsSince(_ context.Context, afterID int64, recent, now time.Time) ([]models.Revocation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.err != nil {
		return nil, l.err
	}
	var out []models.Revocation
	for _, r := range l.rows {
		if (r.ID > afterID || !r.CreatedAt.Before(recent)) && r.ExpiresAt.After(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (l *revocationLog) add(id int64, idHash []byte, created, expires time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows = append(l.rows, models.Revocation{ID: id, IDHash: idHash, CreatedAt: created, ExpiresAt: expires})
}

func (l *revocationLog) queries() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func hashOf(s string) []byte { sum := sha256.Sum256([]byte(s)); return sum[:] }

func newRevocations(src RevocationSource, clock *testClock) *Revocations {
	return NewRevocations(src, clock.now, slog.New(slog.DiscardHandler))
}

func TestRevocationsAddIsImmediate(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	r := newRevocations(src, clock)
	a, b := hashOf("a"), hashOf("b")
	if r.Revoked(ctx, a) {
		t.Fatal("revoked before anything was revoked")
	}
	r.Add(a, t0.Add(time.Hour))
	if !r.Revoked(ctx, a) {
		t.Fatal("Add did not revoke at once")
	}
	if r.Revoked(ctx, b) {
		t.Fatal("another session is revoked too")
	}
	// Still revoked after syncs that do not know of it.
	clock.set(t0.Add(5 * SyncEvery))
	if !r.Revoked(ctx, a) {
		t.Fatal("a sync forgot a local revocation")
	}
}

func TestRevocationsFromTheSourceAfterSyncEvery(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	r := newRevocations(src, clock)
	h := hashOf("ended elsewhere")
	if r.Revoked(ctx, h) {
		t.Fatal("revoked at the start")
	}
	if n := src.queries(); n != 1 {
		t.Fatalf("first use made %d queries, want 1", n)
	}
	// Another instance ends the session.
	src.add(1, h, t0, t0.Add(time.Hour))

	clock.set(t0.Add(SyncEvery - time.Nanosecond))
	if r.Revoked(ctx, h) {
		t.Fatal("the cache was re-read before SyncEvery passed")
	}
	if n := src.queries(); n != 1 {
		t.Fatalf("%d queries within SyncEvery, want 1", n)
	}
	clock.set(t0.Add(SyncEvery))
	if !r.Revoked(ctx, h) {
		t.Fatal("not revoked SyncEvery later")
	}
	if n := src.queries(); n != 2 {
		t.Fatalf("%d queries, want 2", n)
	}
}

func TestRevocationsFailClosed(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{err: errors.New("database is locked")}
	r := newRevocations(src, clock)
	h := hashOf("any")
	if !r.Revoked(ctx, h) {
		t.Fatal("a failed sync let the session through")
	}
	if !r.Revoked(ctx, h) || src.queries() != 2 {
		t.Fatalf("a failed sync is not retried on the next request (%d queries)", src.queries())
	}
	src.mu.Lock()
	src.err = nil
	src.mu.Unlock()
	if r.Revoked(ctx, h) {
		t.Fatal("still revoked once the source answers")
	}
	// Fresh within SyncEvery: a failing source is not asked.
	src.mu.Lock()
	src.err = errors.New("down again")
	src.mu.Unlock()
	clock.set(t0.Add(SyncEvery / 2))
	if r.Revoked(ctx, h) {
		t.Fatal("a fresh cache asked the failing source")
	}
	clock.set(t0.Add(SyncEvery))
	if !r.Revoked(ctx, h) {
		t.Fatal("a stale cache with a failing source let the session through")
	}
	if err := r.Sync(ctx); err == nil {
		t.Fatal("Sync hid the source's error")
	}
}

func TestRevocationsSync(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	r := newRevocations(src, clock)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	h := hashOf("s")
	src.add(1, h, t0, t0.Add(time.Hour))
	clock.set(t0.Add(SyncEvery))
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	before := src.queries()
	if !r.Revoked(ctx, h) {
		t.Fatal("Sync did not load the revocation")
	}
	if src.queries() != before {
		t.Fatal("Revoked queried right after Sync")
	}
	// A clock that went back is stale: the set is re-read.
	clock.set(t0)
	r.Revoked(ctx, h)
	if src.queries() != before+1 {
		t.Fatalf("a clock that went back did not resync (%d queries)", src.queries())
	}
}

func TestRevocationsRereadsRecentOnes(t *testing.T) {
	// On PostgreSQL a smaller id may become visible after a larger one was
	// seen; re-reading the last seconds catches it.
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	r := newRevocations(src, clock)
	late, early := hashOf("committed late"), hashOf("seen first")
	src.add(5, early, t0, t0.Add(time.Hour))
	if !r.Revoked(ctx, early) {
		t.Fatal("revocation 5 not seen")
	}
	src.add(3, late, t0, t0.Add(time.Hour))
	clock.set(t0.Add(SyncEvery))
	if !r.Revoked(ctx, late) {
		t.Fatal("revocation 3, visible after 5, was missed")
	}
}

func TestRevocationsForgetExpiredEntries(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	r := newRevocations(src, clock)
	local, fromSource, lasting := hashOf("local"), hashOf("source"), hashOf("lasting")
	r.Add(local, t0.Add(time.Minute))
	src.add(1, fromSource, t0, t0.Add(2*time.Minute))
	r.Add(lasting, t0.Add(time.Hour))
	if !r.Revoked(ctx, local) || !r.Revoked(ctx, fromSource) || !r.Revoked(ctx, lasting) {
		t.Fatal("not revoked while unexpired")
	}
	clock.set(t0.Add(2 * time.Minute))
	if r.Revoked(ctx, local) || r.Revoked(ctx, fromSource) {
		t.Fatal("an expired entry is still held")
	}
	if !r.Revoked(ctx, lasting) {
		t.Fatal("an unexpired entry was forgotten")
	}
	r.mu.Lock()
	n := len(r.ids)
	r.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d entries kept, want 1", n)
	}
}

func TestRevocationsConcurrentRequestsQueryOnce(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	src := &revocationLog{}
	h := hashOf("x")
	src.add(1, h, t0, t0.Add(time.Hour))
	r := newRevocations(src, clock)
	var wg sync.WaitGroup
	revoked := make([]bool, 32)
	for i := range revoked {
		wg.Go(func() { revoked[i] = r.Revoked(ctx, h) })
	}
	wg.Wait()
	for i, ok := range revoked {
		if !ok {
			t.Fatalf("request %d was let through", i)
		}
	}
	if n := src.queries(); n != 1 {
		t.Fatalf("%d concurrent requests made %d queries, want 1", len(revoked), n)
	}
}

// FuzzUnmarshalVisitor: any bytes never panic, and whatever decodes
// encodes back to bytes that decode to the same value.
func FuzzUnmarshalVisitor(f *testing.F) {
	golden, _ := hex.DecodeString(goldenVisitorHex)
	f.Add(golden)
	f.Add([]byte{})
	f.Add([]byte{visitorVersion})
	f.Add(golden[:visitorHeader])
	f.Add(golden[:visitorHeader-1])
	f.Add(append([]byte{2}, golden[1:]...))
	long := goldenVisitor()
	long.Name = strings.Repeat("€", 80)
	f.Add(long.marshal())
	f.Add(append(bytes.Clone(golden[:visitorHeader]), 0xff, 0xfe, 'x'))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := unmarshalVisitor(b)
		if err != nil {
			return
		}
		if !v.Role.Valid() {
			t.Fatalf("decoded an invalid role %q", v.Role)
		}
		again, err := unmarshalVisitor(v.marshal())
		if err != nil {
			t.Fatalf("re-encoding of %+v does not decode: %v", v, err)
		}
		if again != v {
			t.Fatalf("round trip changed the value:\n%+v\n%+v", v, again)
		}
	})
}

// FuzzDecodeVisitor: no string a client can make decodes without the
// keys. The seeds are values of this codec under other names or of another
// codec; none of them, nor anything made from them, may decode.
func FuzzDecodeVisitor(f *testing.F) {
	k := testCodec()
	other := NewCodec(bytes.Repeat([]byte{0x44}, 32), bytes.Repeat([]byte{0x55}, 32))
	foreign, _ := other.Visitor(goldenVisitor())
	id, _, _ := k.NewID(VisitorCookie)
	admin, _, _ := k.NewID(AdminCookie)
	pass, _ := k.SitePass(&models.HelpCenter{ID: 1, SitePasswordHash: "h"})
	for _, s := range []string{"", "a", "MTIz", "||", foreign, id, admin, pass, strings.Repeat("A", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if v, ok := k.DecodeVisitor(value); ok {
			t.Fatalf("accepted %q as %+v", value, v)
		}
	})
}

// A reveal opens once per value and only for the session it was made for.
func TestRevealIsBoundToTheSession(t *testing.T) {
	k := testCodec()
	mine, theirs := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	v, err := k.Reveal(mine, "the-new-secret")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, "the-new-secret") {
		t.Fatal("the reveal cookie holds the secret in the clear")
	}
	if got, ok := k.OpenReveal(mine, v); !ok || got != "the-new-secret" {
		t.Fatalf("own session: %q %v", got, ok)
	}
	if _, ok := k.OpenReveal(theirs, v); ok {
		t.Fatal("another session opened the reveal")
	}
	if _, ok := k.OpenReveal(mine, v+"x"); ok {
		t.Fatal("a tampered reveal opened")
	}
}
