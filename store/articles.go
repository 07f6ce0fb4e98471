package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"helpcenter/models"
)

// Articles lists every article of the help center, drafts included, most
// recently updated first: the console's list.
func (s *Store) Articles(ctx context.Context, helpCenterID int64) ([]models.Article, error) {
	var as []models.Article
	err := s.read(ctx).Where("help_center_id = ?", helpCenterID).Order("updated_at DESC, id DESC").Find(&as).Error
	return as, err
}

// Article loads one of the help center's articles by id, whatever its
// status: the console's view.
func (s *Store) Article(ctx context.Context, helpCenterID, id int64) (*models.Article, error) {
	var a models.Article
	if err := s.read(ctx).First(&a, "help_center_id = ? AND id = ?", helpCenterID, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// PublishedArticles lists the articles v may read (audience.go), by
// title. categoryID, when not nil, narrows the list to that category.
// The list carries no bodies: it feeds links, and bodies are most of a row.
func (s *Store) PublishedArticles(ctx context.Context, helpCenterID int64, v models.Viewer, categoryID *int64) ([]models.Article, error) {
	q := visible(s.read(ctx), helpCenterID, v).
		Select("id, help_center_id, category_id, title, slug, status, min_role, audience_groups, published_at, created_at, updated_at")
	if categoryID != nil {
		q = q.Where("category_id = ?", *categoryID)
	}
	var as []models.Article
	err := q.Order("title, id").Find(&as).Error
	return as, err
}

// PublishedArticleBySlug loads an article v may read. A draft, or one
// beyond v's role or groups (or its category's), is models.ErrNotFound
// like a missing one, so its existence does not leak.
func (s *Store) PublishedArticleBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Article, error) {
	var a models.Article
	if err := visible(s.read(ctx), helpCenterID, v).First(&a, "slug = ?", slug).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// CreateArticle saves a new article in the help center. A blank Slug is
// made from the title (suffixed -2, -3… when taken); a chosen slug that is
// taken is a *models.ConflictError on "slug". A CategoryID that is not one
// of the help center's categories is models.ErrNotFound.
func (s *Store) CreateArticle(ctx context.Context, helpCenterID int64, a *models.Article) error {
	now := s.now().UTC()
	a.ID, a.HelpCenterID, a.CreatedAt, a.UpdatedAt = 0, helpCenterID, now, now
	a.BodyText = s.plainText(a.Body)
	if a.Status == models.StatusPublished {
		a.PublishedAt = &now
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.prepareArticle(tx, helpCenterID, a); err != nil {
			return err
		}
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		if err := writeGroups(tx, "article_groups", "article_id", a.ID, models.GroupsOf(a.AudienceGroups)); err != nil {
			return err
		}
		if err := s.index(tx, a); err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, "", fmt.Sprintf("Created the article %q (%s, %s)", a.Title, a.Status, models.AudienceLabel(a.MinRole, models.GroupsOf(a.AudienceGroups))))
	})
	return slugConflict(err)
}

// UpdateArticle saves an article's fields, with the slug rules of
// CreateArticle.
func (s *Store) UpdateArticle(ctx context.Context, helpCenterID int64, a *models.Article) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var old models.Article
		if err := tx.First(&old, "help_center_id = ? AND id = ?", helpCenterID, a.ID).Error; err != nil {
			return notFound(err)
		}
		now := s.now().UTC()
		a.HelpCenterID, a.CreatedAt, a.UpdatedAt, a.PublishedAt = helpCenterID, old.CreatedAt, now, old.PublishedAt
		if a.Status == models.StatusPublished && a.PublishedAt == nil {
			a.PublishedAt = &now
		}
		a.BodyText = s.plainText(a.Body)
		if err := s.prepareArticle(tx, helpCenterID, a); err != nil {
			return err
		}
		err := tx.Model(&models.Article{}).Where("help_center_id = ? AND id = ?", helpCenterID, a.ID).Updates(map[string]any{
			"category_id": a.CategoryID, "title": a.Title, "slug": a.Slug, "body": a.Body, "body_text": a.BodyText,
			"status": a.Status, "min_role": a.MinRole, "audience_groups": a.AudienceGroups, "published_at": a.PublishedAt, "updated_at": now,
		}).Error
		if err != nil {
			return err
		}
		if err := writeGroups(tx, "article_groups", "article_id", a.ID, models.GroupsOf(a.AudienceGroups)); err != nil {
			return err
		}
		if err := s.index(tx, a); err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, "", articleChanges(&old, a))
	})
	return slugConflict(err)
}

// articleChanges says what an update changed, old → new (the body by
// its length: it is the article, not a setting).
func articleChanges(old, a *models.Article) string {
	var ch []string
	if old.Title != a.Title {
		ch = append(ch, fmt.Sprintf("title %q → %q", old.Title, a.Title))
	}
	if old.Slug != a.Slug {
		ch = append(ch, fmt.Sprintf("slug %s → %s", old.Slug, a.Slug))
	}
	if old.Status != a.Status {
		ch = append(ch, fmt.Sprintf("status %s → %s", old.Status, a.Status))
	}
	if was, is := models.AudienceLabel(old.MinRole, models.GroupsOf(old.AudienceGroups)), models.AudienceLabel(a.MinRole, models.GroupsOf(a.AudienceGroups)); was != is {
		ch = append(ch, fmt.Sprintf("audience %s → %s", was, is))
	}
	if old.Body != a.Body {
		ch = append(ch, fmt.Sprintf("body %d → %d characters", len(old.Body), len(a.Body)))
	}
	if !sameCategory(old.CategoryID, a.CategoryID) {
		ch = append(ch, "category changed")
	}
	if len(ch) == 0 {
		return ""
	}
	return fmt.Sprintf("Edited the article %q: %s", a.Title, strings.Join(ch, "; "))
}

func sameCategory(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// SetArticleStatus publishes or unpublishes an article.
func (s *Store) SetArticleStatus(ctx context.Context, helpCenterID, id int64, status models.ArticleStatus) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var a models.Article
		if err := tx.First(&a, "help_center_id = ? AND id = ?", helpCenterID, id).Error; err != nil {
			return notFound(err)
		}
		now := s.now().UTC()
		updates := map[string]any{"status": status, "updated_at": now}
		if status == models.StatusPublished && a.PublishedAt == nil {
			updates["published_at"] = now
		}
		if err := tx.Model(&models.Article{}).Where("help_center_id = ? AND id = ?", helpCenterID, id).Updates(updates).Error; err != nil {
			return err
		}
		if a.Status == status {
			return nil
		}
		return audit(tx, helpCenterID, now, "", fmt.Sprintf("The article %q: %s → %s", a.Title, a.Status, status))
	})
}

// DeleteArticle deletes an article and its search entry.
func (s *Store) DeleteArticle(ctx context.Context, helpCenterID, id int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var a models.Article
		if err := tx.Select("id, title").First(&a, "help_center_id = ? AND id = ?", helpCenterID, id).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Where("help_center_id = ? AND id = ?", helpCenterID, id).Delete(&models.Article{}).Error; err != nil {
			return err
		}
		if err := s.unindex(tx, id); err != nil {
			return err
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", fmt.Sprintf("Deleted the article %q", a.Title))
	})
}

// prepareArticle checks the category belongs to the help center and
// settles the slug, inside the write transaction.
func (s *Store) prepareArticle(tx *gorm.DB, helpCenterID int64, a *models.Article) error {
	if a.CategoryID != nil {
		var n int64
		if err := tx.Model(&models.Category{}).Where("help_center_id = ? AND id = ?", helpCenterID, *a.CategoryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.ErrNotFound
		}
	}
	if a.Slug == "" {
		slug, err := uniqueSlug(tx, "articles", helpCenterID, a.ID, models.Slugify(a.Title), "article")
		a.Slug = slug
		return err
	}
	var n int64
	if err := tx.Model(&models.Article{}).Where("help_center_id = ? AND slug = ? AND id <> ?", helpCenterID, a.Slug, a.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &models.ConflictError{Field: "slug"}
	}
	return nil
}

// slugConflict reports a unique-index collision (a race the check in
// prepareArticle lost) as the slug conflict it is.
func slugConflict(err error) error {
	if isUniqueViolation(err) {
		return &models.ConflictError{Field: "slug"}
	}
	return err
}
