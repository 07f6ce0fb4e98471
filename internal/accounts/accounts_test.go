package accounts

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/models"
	"helpcenter/store"
)

// accountsT0 is the tests' pinned "now", a whole second so every backend
// stores it exactly.
var accountsT0 = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// testClock is a clock the test moves by hand; the store and the service
// read the same one.
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

// openService opens a fresh, migrated database (SQLite in t.TempDir, or
// PostgreSQL when HELPCENTER_TEST_POSTGRES is set) and a service on it.
func openService(t *testing.T) (*Service, *store.Store, *testClock) {
	t.Helper()
	keys, err := secrets.Derive("test-master-key-0123456789abcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: accountsT0}
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.DSN(t), store.Options{Sealer: box, PlainText: markdown.Text, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return &Service{Store: st, Now: clock.now}, st, clock
}

const ownerPassword = "a long password"

// signUp creates a workspace whose owner has ownerPassword.
func signUp(t *testing.T, svc *Service, email, subdomain string) (*models.Admin, *models.HelpCenter) {
	t.Helper()
	admin, hc, errs, err := svc.Signup(context.Background(), SignupInput{Email: email, Password: ownerPassword, Name: "Acme", Subdomain: subdomain})
	if err != nil || errs.Any() {
		t.Fatalf("signup %s/%s: %v, %v", email, subdomain, errs, err)
	}
	return admin, hc
}

func TestSignupCreatesTheWorkspace(t *testing.T) {
	svc, st, _ := openService(t)
	ctx := context.Background()
	admin, hc, errs, err := svc.Signup(ctx, SignupInput{
		Email: "  Jane.Smith@Example.COM ", Password: "  spaces count too  ", Name: "  Acme Help ", Subdomain: " acme-help ",
	})
	if err != nil || errs.Any() {
		t.Fatalf("%v, %v", errs, err)
	}
	if admin.Email != "jane.smith@example.com" || admin.ID == 0 || admin.WorkspaceID == 0 {
		t.Errorf("admin %+v", admin)
	}
	if hc.Subdomain != "acme-help" || hc.Name != "Acme Help" || hc.WorkspaceID != admin.WorkspaceID || hc.Visibility != models.VisibilityPublic {
		t.Errorf("help center %+v", hc)
	}
	// The password is kept as typed (spaces are characters) and only as a hash.
	if strings.Contains(admin.PasswordHash, "spaces") {
		t.Fatal("the password is stored in clear")
	}
	if ok, err := CheckPassword(admin.PasswordHash, "  spaces count too  "); !ok || err != nil {
		t.Errorf("stored hash: %v, %v", ok, err)
	}
	stored, err := st.AdminByEmail(ctx, "jane.smith@example.com")
	if err != nil || stored.ID != admin.ID || stored.PasswordHash != admin.PasswordHash {
		t.Fatalf("stored admin %+v, %v", stored, err)
	}
	if n, err := st.CountWorkspaces(ctx); n != 1 || err != nil {
		t.Fatalf("%d workspaces, %v", n, err)
	}
}

func TestSignupFieldErrors(t *testing.T) {
	svc, st, _ := openService(t)
	ctx := context.Background()
	signUp(t, svc, "owner@acme.test", "acme")

	valid := SignupInput{Email: "new@example.com", Password: "ten chars!", Name: "New", Subdomain: "newco"}
	edit := func(f func(*SignupInput)) SignupInput { in := valid; f(&in); return in }
	const (
		emailTaken     = "An account with this email already exists. Sign in instead."
		subdomainTaken = "This subdomain is taken; please choose another."
	)
	for _, tc := range []struct {
		name string
		in   SignupInput
		want map[string]string // field → a part of its message
	}{
		{"every field empty", SignupInput{}, map[string]string{
			"email": "Enter an email address.", "password": "at least 10", "name": "Enter a name.", "subdomain": "3 to 63"}},
		{"email missing", edit(func(in *SignupInput) { in.Email = "  " }), map[string]string{"email": "Enter an email address."}},
		{"email not an address", edit(func(in *SignupInput) { in.Email = "jane" }), map[string]string{"email": "like name@example.com"}},
		{"email without a domain", edit(func(in *SignupInput) { in.Email = "jane@" }), map[string]string{"email": "like name@example.com"}},
		{"email with a display name", edit(func(in *SignupInput) { in.Email = "Jane <jane@example.com>" }), map[string]string{"email": "like name@example.com"}},
		{"two emails", edit(func(in *SignupInput) { in.Email = "a@example.com, b@example.com" }), map[string]string{"email": "like name@example.com"}},
		{"email over 254 characters", edit(func(in *SignupInput) { in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".test" }),
			map[string]string{"email": "like name@example.com"}},
		{"password of 9 characters", edit(func(in *SignupInput) { in.Password = "123456789" }), map[string]string{"password": "at least 10"}},
		{"password of 9 two-byte characters", edit(func(in *SignupInput) { in.Password = strings.Repeat("é", 9) }), map[string]string{"password": "at least 10"}},
		{"password of 1025 characters", edit(func(in *SignupInput) { in.Password = strings.Repeat("p", 1025) }), map[string]string{"password": "at most 1024"}},
		{"name blank", edit(func(in *SignupInput) { in.Name = " \t " }), map[string]string{"name": "Enter a name."}},
		{"name of 101 characters", edit(func(in *SignupInput) { in.Name = strings.Repeat("ñ", 101) }), map[string]string{"name": "at most 100"}},
		{"subdomain of 2 characters", edit(func(in *SignupInput) { in.Subdomain = "ab" }), map[string]string{"subdomain": "3 to 63"}},
		{"subdomain of 64 characters", edit(func(in *SignupInput) { in.Subdomain = strings.Repeat("a", 64) }), map[string]string{"subdomain": "3 to 63"}},
		{"subdomain in upper case", edit(func(in *SignupInput) { in.Subdomain = "NewCo" }), map[string]string{"subdomain": "lowercase letters, digits and hyphens"}},
		{"subdomain with an underscore", edit(func(in *SignupInput) { in.Subdomain = "new_co" }), map[string]string{"subdomain": "lowercase letters, digits and hyphens"}},
		{"subdomain with a dot", edit(func(in *SignupInput) { in.Subdomain = "new.co" }), map[string]string{"subdomain": "lowercase letters, digits and hyphens"}},
		{"subdomain with a non-ASCII letter", edit(func(in *SignupInput) { in.Subdomain = "cafés" }), map[string]string{"subdomain": "lowercase letters, digits and hyphens"}},
		{"subdomain starting with a hyphen", edit(func(in *SignupInput) { in.Subdomain = "-newco" }), map[string]string{"subdomain": "start or end with a hyphen"}},
		{"subdomain ending with a hyphen", edit(func(in *SignupInput) { in.Subdomain = "newco-" }), map[string]string{"subdomain": "start or end with a hyphen"}},
		{"reserved subdomain www", edit(func(in *SignupInput) { in.Subdomain = "www" }), map[string]string{"subdomain": `"www" is reserved`}},
		{"reserved subdomain admin", edit(func(in *SignupInput) { in.Subdomain = "admin" }), map[string]string{"subdomain": `"admin" is reserved`}},
		{"reserved subdomain sso", edit(func(in *SignupInput) { in.Subdomain = "sso" }), map[string]string{"subdomain": `"sso" is reserved`}},
		{"taken subdomain", edit(func(in *SignupInput) { in.Subdomain = "acme" }), map[string]string{"subdomain": subdomainTaken}},
		{"taken subdomain with spaces around it", edit(func(in *SignupInput) { in.Subdomain = " acme " }), map[string]string{"subdomain": subdomainTaken}},
		{"taken email", edit(func(in *SignupInput) { in.Email = "owner@acme.test" }), map[string]string{"email": emailTaken}},
		{"taken email in another case", edit(func(in *SignupInput) { in.Email = " OWNER@Acme.Test" }), map[string]string{"email": emailTaken}},
		// The email is checked first and one conflict is reported.
		{"taken email and subdomain", edit(func(in *SignupInput) { in.Email, in.Subdomain = "owner@acme.test", "acme" }), map[string]string{"email": emailTaken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admin, hc, errs, err := svc.Signup(ctx, tc.in)
			if err != nil {
				t.Fatalf("database error %v, want field errors", err)
			}
			if admin != nil || hc != nil {
				t.Fatalf("created %+v, %+v", admin, hc)
			}
			if got, want := slices.Sorted(maps.Keys(errs)), slices.Sorted(maps.Keys(tc.want)); !slices.Equal(got, want) {
				t.Fatalf("errors on %v (%v), want on %v", got, errs, want)
			}
			for field, part := range tc.want {
				if !strings.Contains(errs[field], part) {
					t.Errorf("%s: %q, want it to say %q", field, errs[field], part)
				}
			}
		})
	}
	if n, err := st.CountWorkspaces(ctx); n != 1 || err != nil {
		t.Fatalf("refused signups left %d workspaces (%v), want 1", n, err)
	}
	// The boundaries themselves are accepted.
	for _, in := range []SignupInput{
		edit(func(in *SignupInput) {
			in.Subdomain, in.Email, in.Password = "abc", "a@b.test", strings.Repeat("é", 10)
		}),
		edit(func(in *SignupInput) {
			in.Subdomain, in.Email, in.Name = "a1-"+strings.Repeat("b", 60), "c@d.test", strings.Repeat("ñ", 100)
		}),
	} {
		if _, _, errs, err := svc.Signup(ctx, in); err != nil || errs.Any() {
			t.Errorf("signup %+v: %v, %v", in, errs, err)
		}
	}
}

func TestLogin(t *testing.T) {
	svc, _, _ := openService(t)
	ctx := context.Background()
	owner, _ := signUp(t, svc, "owner@acme.test", "acme")
	signUp(t, svc, "other@beta.test", "beta")
	for i, tc := range []struct {
		name, email, password string
		ok                    bool
	}{
		{"right password", "owner@acme.test", ownerPassword, true},
		{"email in another case, with spaces", "  Owner@ACME.test ", ownerPassword, true},
		{"wrong password", "owner@acme.test", "a long passwore", false},
		{"password in another case", "owner@acme.test", strings.ToUpper(ownerPassword), false},
		{"password with a trailing space", "owner@acme.test", ownerPassword + " ", false},
		{"empty password", "owner@acme.test", "", false},
		{"another admin's email", "other@beta.test", "wrong for beta", false},
		{"unknown email", "nobody@acme.test", ownerPassword, false},
		{"empty email", "", ownerPassword, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admin, err := svc.Login(ctx, tc.email, tc.password, fmt.Sprintf("198.51.100.%d", i))
			if tc.ok {
				if err != nil || admin == nil || admin.ID != owner.ID {
					t.Fatalf("got %+v, %v; want the owner", admin, err)
				}
				return
			}
			// An unknown email and a wrong password get the very same
			// answer (the decoy hash is checked for the former, so a
			// malformed decoy would surface here as another error).
			if admin != nil || err != ErrBadCredentials {
				t.Fatalf("got %+v, %v; want ErrBadCredentials", admin, err)
			}
		})
	}
}

func TestLoginAfterPasswordChange(t *testing.T) {
	svc, st, _ := openService(t)
	ctx := context.Background()
	owner, _ := signUp(t, svc, "owner@acme.test", "acme")
	hash, err := DefaultCost.Hash("the new long password")
	if err != nil {
		t.Fatal(err)
	}
	next := &models.AdminSession{IDHash: []byte("next-session-0123456789abcdef012"), AdminID: owner.ID, WorkspaceID: owner.WorkspaceID,
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := st.ChangeAdminPassword(ctx, owner.WorkspaceID, owner.ID, hash, next); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "192.0.2.1"); err != ErrBadCredentials {
		t.Fatalf("old password: %v", err)
	}
	if admin, err := svc.Login(ctx, "owner@acme.test", "the new long password", "192.0.2.1"); err != nil || admin.ID != owner.ID {
		t.Fatalf("new password: %+v, %v", admin, err)
	}
}

// throttled asserts that err is a *ThrottledError until retryAt.
func throttled(t *testing.T, err error, retryAt time.Time) {
	t.Helper()
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a *ThrottledError", err)
	}
	if !te.RetryAt.Equal(retryAt) {
		t.Fatalf("retry at %s, want %s", te.RetryAt, retryAt)
	}
}

func TestLoginThrottle(t *testing.T) {
	ctx := context.Background()
	failures := LoginLimit - 1 // each answered; the next try is refused

	t.Run("per email, from many addresses", func(t *testing.T) {
		t.Parallel()
		svc, _, clock := openService(t)
		signUp(t, svc, "owner@acme.test", "acme")
		for i := range failures {
			if _, err := svc.Login(ctx, "owner@acme.test", "wrong password", fmt.Sprintf("203.0.113.%d", i)); err != ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// The LoginLimit-th try is refused even with the right password.
		_, err := svc.Login(ctx, "OWNER@acme.test", ownerPassword, "203.0.113.200")
		throttled(t, err, accountsT0.Add(LoginWindow))
		if msg := err.(*ThrottledError).Message(accountsT0); msg != "Too many failed sign-in attempts. Try again in 15 minutes." {
			t.Fatalf("message %q", msg)
		}
		// Once the failures have aged out of the window, it works.
		clock.set(accountsT0.Add(LoginWindow - time.Second))
		_, err = svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.200")
		throttled(t, err, accountsT0.Add(LoginWindow))
		clock.set(accountsT0.Add(LoginWindow))
		if _, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.200"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})

	t.Run("per address, over many emails", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := openService(t)
		signUp(t, svc, "owner@acme.test", "acme")
		for i := range failures {
			// Unknown emails count like wrong passwords.
			if _, err := svc.Login(ctx, fmt.Sprintf("guess%d@acme.test", i), "whatever", "203.0.113.1"); err != ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.1")
		throttled(t, err, accountsT0.Add(LoginWindow))
		if _, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.2"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
	})

	t.Run("an unknown email is throttled like a known one", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := openService(t)
		for i := range failures {
			if _, err := svc.Login(ctx, "nobody@acme.test", "whatever", fmt.Sprintf("203.0.113.%d", i)); err != ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := svc.Login(ctx, "nobody@acme.test", "whatever", "203.0.113.99")
		throttled(t, err, accountsT0.Add(LoginWindow))
	})

	t.Run("the window slides", func(t *testing.T) {
		t.Parallel()
		svc, _, clock := openService(t)
		signUp(t, svc, "owner@acme.test", "acme")
		// One failure a minute from one address.
		for i := range failures {
			clock.set(accountsT0.Add(time.Duration(i) * time.Minute))
			if _, err := svc.Login(ctx, "owner@acme.test", "wrong password", "203.0.113.1"); err != ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// Refused until the oldest failure leaves the window.
		clock.set(accountsT0.Add(14 * time.Minute))
		_, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.1")
		throttled(t, err, accountsT0.Add(LoginWindow))
		if msg := err.(*ThrottledError).Message(clock.now()); msg != "Too many failed sign-in attempts. Try again in 1 minute." {
			t.Fatalf("message %q", msg)
		}
		// Then one more try is judged; failing, it refuses the next until
		// the second-oldest failure leaves.
		clock.set(accountsT0.Add(LoginWindow))
		if _, err := svc.Login(ctx, "owner@acme.test", "wrong password", "203.0.113.1"); err != ErrBadCredentials {
			t.Fatalf("after the oldest left: %v", err)
		}
		_, err = svc.Login(ctx, "owner@acme.test", ownerPassword, "203.0.113.1")
		throttled(t, err, accountsT0.Add(time.Minute+LoginWindow))
	})

	t.Run("a sign-in clears the email's failures", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := openService(t)
		signUp(t, svc, "owner@acme.test", "acme")
		ip := 0
		fail := func(n int) {
			t.Helper()
			for range n {
				ip++
				if _, err := svc.Login(ctx, "owner@acme.test", "wrong password", fmt.Sprintf("203.0.113.%d", ip)); err != ErrBadCredentials {
					t.Fatalf("failure from address %d: %v", ip, err)
				}
			}
		}
		fail(failures - 1)
		if _, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "198.51.100.1"); err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		// Counted afresh: failures-1 more are answered, and one more still…
		fail(failures - 1)
		fail(1)
		// …and now the limit is reached.
		_, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "198.51.100.2")
		throttled(t, err, accountsT0.Add(LoginWindow))
	})
}

func TestThrottledErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{LoginWindow, "Try again in 15 minutes."},
		{14*time.Minute + time.Second, "Try again in 15 minutes."},
		{14 * time.Minute, "Try again in 14 minutes."},
		{2 * time.Minute, "Try again in 2 minutes."},
		{61 * time.Second, "Try again in 2 minutes."},
		{time.Minute, "Try again in 1 minute."},
		{time.Second, "Try again in 1 minute."},
		{0, "Try again in 1 minute."},
		{-5 * time.Minute, "Try again in 1 minute."},
	} {
		e := &ThrottledError{RetryAt: accountsT0.Add(tc.left)}
		if got := e.Message(accountsT0); got != "Too many failed sign-in attempts. "+tc.want {
			t.Errorf("%s left: %q, want %q", tc.left, got, tc.want)
		}
	}
	if (&ThrottledError{}).Error() == "" {
		t.Error("empty error text")
	}
}

func TestDatabaseErrorsAreNotAnswers(t *testing.T) {
	svc, st, _ := openService(t)
	ctx := context.Background()
	signUp(t, svc, "owner@acme.test", "acme")
	st.Close()
	admin, err := svc.Login(ctx, "owner@acme.test", ownerPassword, "192.0.2.1")
	var te *ThrottledError
	if admin != nil || err == nil || err == ErrBadCredentials || errors.As(err, &te) {
		t.Fatalf("login on a closed store: %+v, %v; want a database error", admin, err)
	}
	_, _, errs, err := svc.Signup(ctx, SignupInput{Email: "new@example.com", Password: ownerPassword, Name: "New", Subdomain: "newco"})
	if err == nil || errs.Any() {
		t.Fatalf("signup on a closed store: %v, %v; want a database error", errs, err)
	}
}
