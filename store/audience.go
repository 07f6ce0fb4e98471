package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"helpcenter/models"
)

// The visibility rule of SPEC sections 7 and 11, in one place: a visitor
// reads a published article when their role reaches its minimum role and,
// if it names groups, they are in one of them — and the same of its
// category, if it has one. Every query that lists, finds or searches
// articles for a visitor (the site, search on both backends, the widget)
// takes its condition from here.

// groupsIn is "name IN (…)" for the viewer's groups, or a condition that
// is never true when they have none (SQL has no empty IN list).
func groupsIn(column string, v models.Viewer) (string, []any) {
	if len(v.Groups) == 0 {
		return "1 = 0", nil
	}
	return column + " IN ?", []any{v.Groups}
}

// categoryVisible is the rule's condition on the category row alias.
func categoryVisible(alias string, v models.Viewer) (string, []any) {
	in, inArgs := groupsIn("cg.name", v)
	cond := alias + ".min_role IN ? AND (" + alias + ".audience_groups = '' OR EXISTS (SELECT 1 FROM category_groups cg WHERE cg.category_id = " + alias + ".id AND " + in + "))"
	return cond, append([]any{models.RolesUpTo(v.Role)}, inArgs...)
}

// articleVisible is the rule's condition on the article row alias, its
// category's included, for the help center: published, and the audience.
func articleVisible(alias string, helpCenterID int64, v models.Viewer) (string, []any) {
	aud, args := articleAudience(alias, v)
	return alias + ".help_center_id = ? AND " + alias + ".status = ? AND " + aud,
		append([]any{helpCenterID, models.StatusPublished}, args...)
}

// articleAudience is the audience half of the rule: the article's role
// and groups, and its category's.
func articleAudience(alias string, v models.Viewer) (string, []any) {
	in, inArgs := groupsIn("ag.name", v)
	cat, catArgs := categoryVisible("vc", v)
	var b strings.Builder
	b.WriteString(alias + ".min_role IN ?")
	b.WriteString(" AND (" + alias + ".audience_groups = '' OR EXISTS (SELECT 1 FROM article_groups ag WHERE ag.article_id = " + alias + ".id AND " + in + "))")
	b.WriteString(" AND (" + alias + ".category_id IS NULL OR EXISTS (SELECT 1 FROM categories vc WHERE vc.id = " + alias + ".category_id AND " + cat + "))")
	args := []any{models.RolesUpTo(v.Role)}
	args = append(args, inArgs...)
	return b.String(), append(args, catArgs...)
}

// InAudience reports whether v is in the audience of the help center's
// article id, whatever its status: "Preview as…" tells an author who will
// see a draft once it is published.
func (s *Store) InAudience(ctx context.Context, helpCenterID, id int64, v models.Viewer) (bool, error) {
	aud, args := articleAudience("articles", v)
	var n int64
	err := s.read(ctx).Model(&models.Article{}).Where("help_center_id = ? AND id = ?", helpCenterID, id).Where(aud, args...).Count(&n).Error
	return n > 0, err
}

// visible narrows a query on the articles table to what v may read.
func visible(db *gorm.DB, helpCenterID int64, v models.Viewer) *gorm.DB {
	cond, args := articleVisible("articles", helpCenterID, v)
	return db.Where(cond, args...)
}

// writeGroups replaces the rows of an item's groups (table is
// article_groups or category_groups, column its id column).
func writeGroups(tx *gorm.DB, table, column string, id int64, groups []string) error {
	if err := tx.Exec(`DELETE FROM `+table+` WHERE `+column+` = ?`, id).Error; err != nil {
		return err
	}
	for _, g := range groups {
		if err := tx.Exec(`INSERT INTO `+table+` (`+column+`, name) VALUES (?, ?)`, id, g).Error; err != nil {
			return err
		}
	}
	return nil
}
