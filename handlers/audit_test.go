package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/models"
)

// Every change lands in the audit trail with who, from where and old →
// new; the page filters by actor, pages, and exports CSV.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := consoleLogin(t, s)
	base := s.app.BaseURL
	admin.Header.Set("User-Agent", "AuditTest/1.0")
	general := base + "/settings/general"
	if res := admin.Submit(general, general, url.Values{"name": {"Acme Help"}, "custom_domain": {""}, "visibility": {"public"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("general: %d %s", res.StatusCode, textOf(res.Body))
	}
	widget := base + "/settings/widget"
	admin.Submit(widget, widget, url.Values{"origins": {"https://app.acme.test"}})
	admin.Submit(base+"/articles/new", base+"/articles", url.Values{"title": {"Hello"}, "body": {"x"}, "audience": {"viewer"}, "status": {"draft"}, "category": {""}, "groups": {""}})
	cats := base + "/categories"
	admin.Submit(cats, cats, url.Values{"name": {"Billing"}})
	key := createAPIKey(t, s.app, admin, "Backend", "users:write")
	call(t, s.app, key, "PUT", "/api/v1/users/u-1", `{"email":"jane@example.com"}`)
	if _, _, err := s.app.Store.SetUserBanned(models.WithActor(context.Background(), "helpcenter CLI"), s.hc.ID, "eve@example.com", true); err != nil {
		t.Fatal(err)
	}

	page := admin.Get(base + "/settings/audit")
	text := textOf(page.Body)
	for _, want := range []string{
		`Help center name: "Acme Docs" → "Acme Help"; Visibility: private → public`,
		"Allowed widget origins: none → https://app.acme.test",
		`Created the article "Hello" (draft, Everyone)`,
		`Created the category "Billing"`,
		"Added the user jane@example.com",
		"Banned eve@example.com (before a first sign-in)",
		"acme-owner@example.com", "helpcenter CLI", "(Backend)", "127.0.0.1", "AuditTest/1.0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	cli := admin.Get(base + "/settings/audit?actor=" + url.QueryEscape("helpcenter CLI"))
	if got := textOf(cli.Body); !strings.Contains(got, "Banned eve@example.com") || strings.Contains(got, "Created the article") {
		t.Errorf("filtered by actor: %s", got)
	}

	res := admin.Get(base + "/settings/audit.csv")
	rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(rows) < 8 || strings.Join(rows[0], ",") != "time,actor,action,ip,user_agent" {
		t.Fatalf("CSV: %v %v", rows, err)
	}

	// Pages of 50, newest first, none twice.
	for i := range 60 {
		admin.Submit(cats, cats, url.Values{"name": {fmt.Sprintf("Cat %02d", i)}})
	}
	first := admin.Get(base + "/settings/audit").Body
	if strings.Count(first, "<tr>")-1 != 50 || !strings.Contains(first, `rel="next"`) || !strings.Contains(first, `Created the category &#34;Cat 59&#34;`) {
		t.Errorf("first page: %d rows", strings.Count(first, "<tr>")-1)
	}
}
