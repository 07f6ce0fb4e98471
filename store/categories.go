package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"helpcenter/models"
)

// Categories lists a help center's categories in their display order.
func (s *Store) Categories(ctx context.Context, helpCenterID int64) ([]models.Category, error) {
	var cs []models.Category
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("position, name, id").Find(&cs).Error
	return cs, err
}

// Category loads one of the help center's categories by id.
func (s *Store) Category(ctx context.Context, helpCenterID, id int64) (*models.Category, error) {
	var c models.Category
	if err := s.read(ctx).First(&c, "help_center_id = ? AND id = ?", helpCenterID, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// VisibleCategories lists the categories v may see (audience.go), in
// order: the help center's lists and pages; the console lists them all.
func (s *Store) VisibleCategories(ctx context.Context, helpCenterID int64, v models.Viewer) ([]models.Category, error) {
	cond, args := categoryVisible("categories", v)
	var cs []models.Category
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Where(cond, args...).Order("position, name, id").Find(&cs).Error
	return cs, err
}

// VisibleCategoryBySlug loads a category v may see; one beyond them is
// models.ErrNotFound like a missing one.
func (s *Store) VisibleCategoryBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Category, error) {
	cond, args := categoryVisible("categories", v)
	var c models.Category
	if err := s.read(ctx).Where("help_center_id = ? AND slug = ?", helpCenterID, slug).Where(cond, args...).Take(&c).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// CategoryBySlug loads one of the help center's categories by slug.
func (s *Store) CategoryBySlug(ctx context.Context, helpCenterID int64, slug string) (*models.Category, error) {
	var c models.Category
	if err := s.read(ctx).First(&c, "help_center_id = ? AND slug = ?", helpCenterID, slug).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// CategoryArticleCounts counts every article (drafts included) per
// category id, for the console.
func (s *Store) CategoryArticleCounts(ctx context.Context, helpCenterID int64) (map[int64]int, error) {
	var rows []struct {
		CategoryID int64
		N          int
	}
	err := s.read(ctx).Raw(`SELECT category_id, COUNT(*) AS n FROM articles
		WHERE help_center_id = ? AND category_id IS NOT NULL GROUP BY category_id`, helpCenterID).Scan(&rows).Error
	counts := make(map[int64]int, len(rows))
	for _, r := range rows {
		counts[r.CategoryID] = r.N
	}
	return counts, err
}

// CreateCategory saves a new category in the help center with a slug made
// from its name (suffixed -2, -3… when taken). A zero Position puts it
// after the existing ones.
func (s *Store) CreateCategory(ctx context.Context, helpCenterID int64, c *models.Category) error {
	now := s.now().UTC()
	c.ID, c.HelpCenterID, c.CreatedAt, c.UpdatedAt = 0, helpCenterID, now, now
	if c.MinRole == "" {
		c.MinRole = models.RoleViewer
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		slug, err := uniqueSlug(tx, "categories", helpCenterID, 0, models.Slugify(c.Name), "category")
		if err != nil {
			return err
		}
		c.Slug = slug
		if c.Position == 0 {
			var last *int
			if err := tx.Raw(`SELECT MAX(position) FROM categories WHERE help_center_id = ?`, helpCenterID).Scan(&last).Error; err != nil {
				return err
			}
			if last != nil {
				c.Position = *last + 1
			}
		}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := writeGroups(tx, "category_groups", "category_id", c.ID, models.GroupsOf(c.AudienceGroups)); err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, "", fmt.Sprintf("Created the category %q", c.Name))
	})
}

// UpdateCategory saves a category's name, description and position; its
// slug follows the name.
func (s *Store) UpdateCategory(ctx context.Context, helpCenterID int64, c *models.Category) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var old models.Category
		if err := tx.First(&old, "help_center_id = ? AND id = ?", helpCenterID, c.ID).Error; err != nil {
			return notFound(err)
		}
		slug := old.Slug
		if c.Name != old.Name {
			var err error
			if slug, err = uniqueSlug(tx, "categories", helpCenterID, c.ID, models.Slugify(c.Name), "category"); err != nil {
				return err
			}
		}
		now := s.now().UTC()
		if c.MinRole == "" {
			c.MinRole = models.RoleViewer
		}
		err := tx.Model(&models.Category{}).Where("help_center_id = ? AND id = ?", helpCenterID, c.ID).Updates(map[string]any{
			"name": c.Name, "slug": slug, "description": c.Description, "position": c.Position,
			"min_role": c.MinRole, "audience_groups": c.AudienceGroups, "updated_at": now,
		}).Error
		if err != nil {
			return err
		}
		if err := writeGroups(tx, "category_groups", "category_id", c.ID, models.GroupsOf(c.AudienceGroups)); err != nil {
			return err
		}
		var ch []string
		if old.Name != c.Name {
			ch = append(ch, fmt.Sprintf("name %q → %q", old.Name, c.Name))
		}
		if old.Description != c.Description {
			ch = append(ch, "description changed")
		}
		if old.Position != c.Position {
			ch = append(ch, fmt.Sprintf("position %d → %d", old.Position, c.Position))
		}
		if was, is := models.AudienceLabel(old.MinRole, models.GroupsOf(old.AudienceGroups)), models.AudienceLabel(c.MinRole, models.GroupsOf(c.AudienceGroups)); was != is {
			ch = append(ch, fmt.Sprintf("audience %s → %s", was, is))
		}
		if len(ch) > 0 {
			if err := audit(tx, helpCenterID, now, "", fmt.Sprintf("Edited the category %q: %s", c.Name, strings.Join(ch, "; "))); err != nil {
				return err
			}
		}
		c.HelpCenterID, c.Slug, c.CreatedAt, c.UpdatedAt = helpCenterID, slug, old.CreatedAt, now
		return nil
	})
}

// DeleteCategory deletes a category; its articles become uncategorized.
func (s *Store) DeleteCategory(ctx context.Context, helpCenterID, id int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		// Done here as well as by the foreign key, so it holds on a
		// connection opened without foreign keys enforced.
		if err := tx.Exec(`UPDATE articles SET category_id = NULL WHERE help_center_id = ? AND category_id = ?`, helpCenterID, id).Error; err != nil {
			return err
		}
		var cat models.Category
		if err := tx.First(&cat, "help_center_id = ? AND id = ?", helpCenterID, id).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&cat).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", fmt.Sprintf("Deleted the category %q", cat.Name))
	})
}

// uniqueSlug returns base, or base-2, base-3…, whichever no other row of
// table (but excludeID) in the help center has. An empty base (a name with
// no Latin letters or digits) becomes fallback.
func uniqueSlug(tx *gorm.DB, table string, helpCenterID, excludeID int64, base, fallback string) (string, error) {
	if base == "" {
		base = fallback
	}
	var taken []string
	// Slugs hold only [a-z0-9-], so base has no LIKE wildcards to escape.
	err := tx.Raw(`SELECT slug FROM `+table+` WHERE help_center_id = ? AND id <> ? AND (slug = ? OR slug LIKE ?)`,
		helpCenterID, excludeID, base, base+"-%").Scan(&taken).Error
	if err != nil {
		return "", err
	}
	used := make(map[string]bool, len(taken))
	for _, s := range taken {
		used[s] = true
	}
	for n := 1; ; n++ {
		candidate := base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			trimmed := base
			if len(trimmed)+len(suffix) > models.MaxSlugLength {
				trimmed = trimmed[:models.MaxSlugLength-len(suffix)]
			}
			candidate = trimmed + suffix
		}
		if !used[candidate] {
			return candidate, nil
		}
		if n > len(taken)+1 {
			return "", fmt.Errorf("no free slug for %q", base)
		}
	}
}
