// Package storetest is the store's conformance suite, in the manner of
// dex's storage tests: every behaviour of every store method as a subtest,
// run against each backend (store/conformance_test.go runs it on SQLite
// and on PostgreSQL), so that the two backends keep one meaning. It also
// holds helpers other packages' tests use to look into the database
// without test-only methods on the store.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// T0 is the suite's clock: the time the stores of most subtests are
// pinned to.
var T0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

var t0 = T0

// Backend opens stores for the suite.
type Backend struct {
	// NewDSN returns the DSN of a fresh, empty database, dropped when the
	// test ends.
	NewDSN func(t *testing.T) string
	// Open opens a store on dsn with now as its clock (store.Options.Now),
	// without migrating it; the store is closed when the test ends
	// (closing it earlier is allowed). It takes a DSN rather than opening
	// a database of its own because some behaviours need several stores
	// on one database (instances migrating it at once, a store reopened
	// after Close).
	Open func(t *testing.T, dsn string, now func() time.Time) *store.Store
}

// RunTests runs the suite against b. Each subtest owns its database and
// runs in parallel with the others.
func RunTests(t *testing.T, be Backend) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, be Backend)
	}{
		{"MigrateIsIdempotent", testMigrateIsIdempotent},
		{"ConcurrentMigrations", testConcurrentMigrations},
		{"CreateWorkspaceConflicts", testCreateWorkspaceConflicts},
		{"ConcurrentSignupsOneWinner", testConcurrentSignupsOneWinner},
		{"AdminSessions", testAdminSessions},
		{"ChangeAdminPassword", testChangeAdminPassword},
		{"LoginFailures", testLoginFailures},
		{"CustomDomainsAreVerifiedAndUnique", testCustomDomainsAreVerifiedAndUnique},
		{"SSOSettingsAndSealedSecret", testSSOSettingsAndSealedSecret},
		{"WidgetOrigins", testWidgetOrigins},
		{"ProviderWishes", testProviderWishes},
		{"Purge", testPurge},
		{"PurgeEventsInBatches", testPurgeEventsInBatches},
		{"RecordJTIOneWinner", testRecordJTIOneWinner},
		{"BindWidgetJTI", testBindWidgetJTI},
		{"ConsumePendingKeyOnce", testConsumePendingKeyOnce},
		{"ProvisionUser", testProvisionUser},
		{"TesterRuns", testTesterRuns},
		{"TwoFirstSignInsOfOneEmail", testTwoFirstSignInsOfOneEmail},
		{"SessionsAndRevocations", testSessionsAndRevocations},
		{"BansHoldAgainstTokens", testBansHoldAgainstTokens},
		{"EventsKeysetPaging", testEventsKeysetPaging},
		{"RejectionFloodIsSummarised", testRejectionFloodIsSummarised},
		{"RateLimitedRowsFold", testRateLimitedRowsFold},
		{"NestedWriteFailsFast", testNestedWriteFailsFast},
		{"CloseWithQueuedWrites", testCloseWithQueuedWrites},
		{"ReadsSeeWritesAcrossCheckpoints", testReadsSeeWritesAcrossCheckpoints},
		{"WriteAheadLogStaysBounded", testWriteAheadLogStaysBounded},
		{"SignInReadsMatchGorm", testSignInReadsMatchGorm},
		{"KeysVersionFollowsKeyChanges", testKeysVersionFollowsKeyChanges},
		{"SchemaCurrentAndProbeWrite", testSchemaCurrentAndProbeWrite},
		{"CancelledCallerDoesNotInterruptTheWriter", testCancelledCallerDoesNotInterruptTheWriter},
		{"ArticleSlugs", testArticleSlugs},
		{"CategorySlugsAndDelete", testCategorySlugsAndDelete},
		{"ContentTenantScoping", testContentTenantScoping},
		{"RoleFiltering", testRoleFiltering},
		{"Search", testSearch},
		{"ContentLists", testContentLists},
		{"SignInCommitsOrRollsBack", testSignInCommitsOrRollsBack},
		{"PendingKeyStates", testPendingKeyStates},
		{"BanEndsSessions", testBanEndsSessions},
		{"EndVisitorSession", testEndVisitorSession},
		{"TenantScoping", testTenantScoping},
		{"EventFilters", testEventFilters},
		{"ReasonCountsAndHasSignIn", testReasonCountsAndHasSignIn},
		{"RejectionCeilingPerMinute", testRejectionCeilingPerMinute},
		{"FoldedRowsPerReason", testFoldedRowsPerReason},
		{"OpenEmptyDatabase", testOpenEmptyDatabase},
		{"WorkspaceLookups", testWorkspaceLookups},
		{"ConcurrentSignupsOneEmail", testConcurrentSignupsOneEmail},
		{"VisibilityAndGeneral", testVisibilityAndGeneral},
		{"AuditLog", testAuditLog},
		{"PurgeEveryKind", testPurgeEveryKind},
		{"ConcurrentDomainVerification", testConcurrentDomainVerification},
		{"Team", testTeam},
		{"PasswordReset", testPasswordReset},
		{"MailClaimedOnce", testMailClaimedOnce},
		{"UsersDirectory", testUsersDirectory},
		{"APIKeys", testAPIKeys},
		{"Audiences", testAudiences},
		{"AuditRetention", testAuditRetention},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, be)
		})
	}
}

// fresh opens a migrated store on a fresh database, its clock pinned to
// T0.
func fresh(t *testing.T, be Backend) *store.Store {
	t.Helper()
	st, _ := freshDSN(t, be)
	return st
}

// freshDSN is fresh that also returns the database's DSN, for the
// inspection helpers.
func freshDSN(t *testing.T, be Backend) (*store.Store, string) {
	t.Helper()
	dsn := be.NewDSN(t)
	return migrated(t, be, dsn, func() time.Time { return T0 }), dsn
}

// freshClock is fresh with a clock the test moves.
func freshClock(t *testing.T, be Backend) (*store.Store, *clock) {
	t.Helper()
	c := &clock{now: T0}
	return migrated(t, be, be.NewDSN(t), c.Now), c
}

func migrated(t *testing.T, be Backend, dsn string, now func() time.Time) *store.Store {
	t.Helper()
	st := be.Open(t, dsn, now)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// clock is a settable store clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d and returns the new time.
func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// pendingKeyLifetime matches sso.PendingKeyLifetime; the suite states the
// store's behaviour, not sso's, so it keeps its own copy.
const pendingKeyLifetime = 10 * time.Minute

func hashBrowser(browserID string) string {
	sum := sha256.Sum256([]byte(browserID))
	return hex.EncodeToString(sum[:])
}

func newPendingKey(browserID, returnTo string, now time.Time) (models.PendingKey, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return models.PendingKey{}, err
	}
	return models.PendingKey{Key: base64.RawURLEncoding.EncodeToString(b), BrowserHash: hashBrowser(browserID),
		ReturnTo: returnTo, ExpiresAt: now.Add(pendingKeyLifetime)}, nil
}
