package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"helpcenter/handlers/session"
	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

// signInVisitor runs the redirect flow for a token with these claims on
// a fresh browser and returns it, signed in.
func (s *ssoSite) signInVisitor(t *testing.T, claims map[string]any) *testapp.Client {
	t.Helper()
	v := s.app.Client(t)
	key := s.startFlow(t, v, "/")
	cl := s.claims(key)
	for k, val := range claims {
		cl[k] = val
	}
	if res := s.submit(v, s.mint(t, cl)); res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", res.StatusCode, textOf(res.Body))
	}
	if res := v.Get(s.base + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("not signed in: %d", res.StatusCode)
	}
	return v
}

var userLink = regexp.MustCompile(`href="(/settings/users/\d+)"`)

func TestUsersDirectory(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	visitor := s.signInVisitor(t, map[string]any{"role": "editor", "groups": []string{"staff", "beta"}})
	admin := consoleLogin(t, s)
	base := s.app.BaseURL

	list := admin.Get(base + "/settings/users")
	text := textOf(list.Body)
	if list.StatusCode != http.StatusOK || !strings.Contains(text, "Jane Doe Jane@Example.comeditorstaff, betajust nowjust now") {
		t.Fatalf("directory: %d %s", list.StatusCode, text)
	}
	for q, want := range map[string]bool{"jane@": true, "JANE D": true, "doe": false, "zz": false} {
		res := admin.Get(base + "/settings/users?q=" + url.QueryEscape(q))
		if got := strings.Contains(res.Body, `data-user="Jane@Example.com"`); got != want {
			t.Errorf("search %q finds Jane: %v", q, got)
		}
	}
	m := userLink.FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatal("no link to the user")
	}
	userURL := base + m[1]
	page := admin.Get(userURL)
	if !strings.Contains(textOf(page.Body), "1 session") || !strings.Contains(page.Body, "Signed in") ||
		!strings.Contains(html.UnescapeString(page.Body), "/settings/logs?email=Jane%40Example.com&event=all") {
		t.Errorf("user page: %s", textOf(page.Body))
	}

	// Sign out everywhere ends the visitor's session.
	if res := admin.Submit(userURL, userURL+"/sign-out", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.StatusCode)
	}
	// Every instance applies the revocation within session.SyncEvery.
	s.app.Clock.Advance(session.SyncEvery)
	if res := visitor.Get(s.base + "/"); res.StatusCode == http.StatusOK {
		t.Fatalf("the visitor is still signed in %s after Sign out everywhere", session.SyncEvery)
	}
	if !strings.Contains(textOf(admin.Get(userURL).Body), "0 sessions") {
		t.Error("the user page still counts a session")
	}

	// Ban refuses the next sign-in; Unban lets it through.
	if res := admin.Submit(userURL, userURL+"/ban", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban: %d", res.StatusCode)
	}
	v := s.app.Client(t)
	key := s.startFlow(t, v, "/")
	s.submit(v, s.mint(t, s.claims(key)))
	if ev := s.lastEvent(t); ev.Reason != "user_banned" {
		t.Errorf("a banned user's sign-in: %q", ev.Reason)
	}
	if !strings.Contains(admin.Get(userURL).Body, "Banned") {
		t.Error("the user page does not say Banned")
	}
	admin.Submit(userURL, userURL+"/unban", nil)
	s.signInVisitor(t, nil)

	// Another help center's admin cannot open this user.
	other := addSSOSite(t, s.app, "globex", ssoConfig{Enabled: true})
	if res := consoleLogin(t, other).Get(userURL); res.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's admin opens the user: %d", res.StatusCode)
	}
}

func TestUsersPagingAndAdding(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	ctx := context.Background()
	for i := range 120 {
		if _, _, err := s.app.Store.PutUser(ctx, s.hc.ID, store.UserInput{Email: fmt.Sprintf("user%03d@acme.test", i), Role: models.RoleViewer}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	admin := consoleLogin(t, s)
	seen := map[string]bool{}
	next := "/settings/users"
	pages := 0
	for next != "" {
		res := admin.Get(s.app.BaseURL + html.UnescapeString(next))
		pages++
		rows := regexp.MustCompile(`data-user="([^"]+)"`).FindAllStringSubmatch(res.Body, -1)
		for _, r := range rows {
			if seen[r[1]] {
				t.Fatalf("%s on two pages", r[1])
			}
			seen[r[1]] = true
		}
		if pages == 1 && (len(rows) != 50 || rows[0][1] != "user119@acme.test") {
			t.Fatalf("first page: %d rows, first %v", len(rows), rows[0])
		}
		m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(res.Body)
		next = ""
		if m != nil {
			next = m[1]
		}
	}
	if pages != 3 || len(seen) != 120 {
		t.Errorf("%d pages, %d users", pages, len(seen))
	}

	res := admin.Submit(s.app.BaseURL+"/settings/users", s.app.BaseURL+"/settings/users", url.Values{"email": {"New@Acme.test"}, "name": {"New Person"}, "external_id": {"u-1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: %d %s", res.StatusCode, textOf(res.Body))
	}
	u, err := s.app.Store.UserByEmail(ctx, s.hc.ID, "new@acme.test")
	if err != nil || u.ExternalID != "u-1" || u.FirstSignInAt != nil {
		t.Fatalf("added user: %+v %v", u, err)
	}
	for _, tc := range []struct{ email, ext, field, msg string }{
		{"new@acme.test", "", "user-email", "This user already exists."},
		{"not an email", "", "user-email", ""},
		{"other@acme.test", "u-1", "user-email", "This user already exists."},
	} {
		res := admin.Submit(s.app.BaseURL+"/settings/users", s.app.BaseURL+"/settings/users", url.Values{"email": {tc.email}, "external_id": {tc.ext}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="`+tc.field+`-error"`) || !strings.Contains(res.Body, tc.msg) {
			t.Errorf("add %q/%q: %d", tc.email, tc.ext, res.StatusCode)
		}
	}
}
