package models

import (
	"strings"
	"unicode/utf8"
)

// The rules for what an admin types about a help center and its articles.
// The console, the CLI and the API all call these, so a value one of them
// refuses the others refuse too, with the same words.

// MinSitePasswordLength is the shortest shared site password accepted.
const MinSitePasswordLength = 8

// ValidateSitePassword is the rule for a shared site password.
func ValidateSitePassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinSitePasswordLength {
		return Problemf("Use at least %d characters.", MinSitePasswordLength)
	}
	return nil
}

// ParseCustomDomain normalises a custom domain as typed and checks that it
// is a host name of the company's own: not empty of dots, and not the
// product's base host or a name under it.
func ParseCustomDomain(raw, baseHost string) (string, error) {
	domain := NormalizeHost(strings.TrimSpace(raw))
	switch {
	case domain == "" || !strings.Contains(domain, "."):
		return "", Problem("Enter a host name like help.example.com, without https:// or a path.")
	case domain == baseHost || strings.HasSuffix(domain, "."+baseHost):
		return "", Problem("Use a domain of your own, not one of ours.")
	}
	return domain, nil
}

// Article limits.
const (
	MaxArticleTitle = 200
	MaxArticleBody  = 200_000
)

// ArticleFields is an article as an admin typed it. Its category is
// checked by the caller, which can look it up.
type ArticleFields struct {
	Title, Slug, Body, Audience, Status string
	// Groups is "Only these groups" as typed (ParseGroups).
	Groups string
}

// ParseArticle applies the article rules: it returns the fields to save
// and each error beside its field. A typed slug is tidied ("Reset
// Password" → "reset-password") rather than refused; only one with
// nothing usable is an error, and a blank one is made from the title when
// saved.
func ParseArticle(in ArticleFields) (Article, FieldErrors) {
	errs := FieldErrors{}
	a := Article{Title: strings.TrimSpace(in.Title), Body: in.Body, MinRole: Role(in.Audience), Status: ArticleStatus(in.Status)}
	switch {
	case a.Title == "":
		errs["title"] = "Enter a title."
	case utf8.RuneCountInString(a.Title) > MaxArticleTitle:
		errs["title"] = Problemf("Use at most %d characters.", MaxArticleTitle).Error()
	}
	if slug := strings.TrimSpace(in.Slug); slug != "" {
		if a.Slug = Slugify(slug); a.Slug == "" {
			errs["slug"] = "Use lowercase letters, digits and hyphens, e.g. reset-your-password."
		}
	}
	if len(a.Body) > MaxArticleBody {
		errs["body"] = "The body is too long: keep it under 200,000 characters."
	}
	if !a.MinRole.Valid() {
		errs["audience"] = "Choose Everyone, Editors and admins, or Admins only."
	}
	if groups, err := ParseGroups(in.Groups); err != nil {
		errs["groups"] = err.Error()
	} else {
		a.AudienceGroups = GroupsJSON(groups)
	}
	if !a.Status.Valid() {
		errs["status"] = "Choose Draft or Published."
	}
	return a, errs
}
