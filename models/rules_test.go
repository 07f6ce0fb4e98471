package models

import "testing"

func TestValidateSitePassword(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"", false}, {"1234567", false}, {"12345678", true}, {"ééééééé", false}, {"éééééééé", true},
	} {
		if err := ValidateSitePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("ValidateSitePassword(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
		}
	}
}

func TestParseCustomDomain(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		ok        bool
	}{
		{"help.example.com", "help.example.com", true},
		{" Help.Example.COM. ", "help.example.com", true},
		{"localhost", "", false},
		{"https://help.example.com/x", "", false},
		{"acme.helpcenter.test", "", false},
		{"helpcenter.test", "", false},
		{"", "", false},
	} {
		got, err := ParseCustomDomain(tc.raw, "helpcenter.test")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCustomDomain(%q) = %q, %v; want %q, ok=%v", tc.raw, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseArticle(t *testing.T) {
	valid := ArticleFields{Title: " Reset ", Slug: "Reset Password", Body: "x", Audience: "viewer", Status: "draft"}
	a, errs := ParseArticle(valid)
	if errs.Any() || a.Title != "Reset" || a.Slug != "reset-password" || a.MinRole != RoleViewer || a.Status != StatusDraft {
		t.Fatalf("valid article: %+v %v", a, errs)
	}
	long := make([]byte, MaxArticleBody+1)
	for name, tc := range map[string]struct {
		in    ArticleFields
		field string
	}{
		"no title":      {ArticleFields{Audience: "viewer", Status: "draft"}, "title"},
		"long title":    {ArticleFields{Title: string(make([]rune, MaxArticleTitle+1)), Audience: "viewer", Status: "draft"}, "title"},
		"unusable slug": {ArticleFields{Title: "t", Slug: "!!!", Audience: "viewer", Status: "draft"}, "slug"},
		"long body":     {ArticleFields{Title: "t", Body: string(long), Audience: "viewer", Status: "draft"}, "body"},
		"bad audience":  {ArticleFields{Title: "t", Audience: "owner", Status: "draft"}, "audience"},
		"bad status":    {ArticleFields{Title: "t", Audience: "viewer", Status: "live"}, "status"},
	} {
		if _, errs := ParseArticle(tc.in); errs[tc.field] == "" {
			t.Errorf("%s: no error on %s: %v", name, tc.field, errs)
		}
	}
}
