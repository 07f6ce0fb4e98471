package models

import "time"

// ArticleStatus says whether an article is visible on the help center.
type ArticleStatus string

// A draft is never shown on the help center, whatever the visitor's role;
// admins preview drafts in the console.
const (
	StatusDraft     ArticleStatus = "draft"
	StatusPublished ArticleStatus = "published"
)

// Valid reports whether s is draft or published.
func (s ArticleStatus) Valid() bool { return s == StatusDraft || s == StatusPublished }

// Category groups articles on a help center. Slug is made from Name and is
// unique within the help center.
type Category struct {
	ID           int64
	HelpCenterID int64
	Name         string
	Slug         string
	Description  string
	// Position orders categories on the help center, lowest first.
	Position int
	// MinRole and AudienceGroups are the category's Audience, as for an
	// article; they apply to every article in it as well.
	MinRole        Role
	AudienceGroups string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Article is one help-center page written in Markdown.
type Article struct {
	ID           int64
	HelpCenterID int64
	// CategoryID is nil for an uncategorized article.
	CategoryID *int64
	Title      string
	Slug       string
	Body       string // Markdown, as the admin wrote it
	// BodyText is Body rendered to plain text: what search indexes and
	// snippets quote. The store derives it from Body on every write.
	BodyText string
	Status   ArticleStatus
	// MinRole is the Audience: the lowest role that may read the article.
	MinRole Role
	// AudienceGroups is "Only these groups" (GroupsJSON): a reader must be
	// in one of them; "" lets in every group.
	AudienceGroups string
	PublishedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RolesUpTo lists the roles whose articles a visitor with role may read,
// for an SQL "min_role IN (…)" filter.
func RolesUpTo(role Role) []string {
	var out []string
	for _, r := range []Role{RoleViewer, RoleEditor, RoleAdmin} {
		if r.Rank() <= role.Rank() {
			out = append(out, string(r))
		}
	}
	return out
}

// SearchResult is one article found by a search, with a snippet of its
// body around the matched words.
type SearchResult struct {
	Article Article
	// CategoryName is empty for an uncategorized article.
	CategoryName string
	Snippet      []Fragment
}

// Fragment is a piece of a snippet; Hit marks the words that matched. The
// view escapes Text and wraps hits in <mark>, so a snippet never carries
// markup of its own.
type Fragment struct {
	Text string
	Hit  bool
}
