package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"gorm.io/gorm"

	"helpcenter/models"
)

// HelpCenterBySubdomain finds the help center serving <subdomain>.<base host>.
func (s *Store) HelpCenterBySubdomain(ctx context.Context, subdomain string) (*models.HelpCenter, error) {
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "subdomain = ?", subdomain).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// HelpCenterByCustomDomain finds the help center whose verified custom
// domain is host: a domain not yet verified serves nothing.
func (s *Store) HelpCenterByCustomDomain(ctx context.Context, host string) (*models.HelpCenter, error) {
	if host == "" {
		return nil, models.ErrNotFound
	}
	var hc models.HelpCenter
	if err := s.read(ctx).First(&hc, "custom_domain = ? AND domain_verified_at IS NOT NULL", host).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// HelpCenterByID loads a help center by id. The sign-in endpoints call it
// on every request (they read the settings fresh), so it skips gorm;
// TestConformance's HelpCenterByIDReadsEveryColumn holds it to gorm's
// reading of the row.
func (s *Store) HelpCenterByID(ctx context.Context, id int64) (*models.HelpCenter, error) {
	st, err := s.readStmt(ctx, `SELECT `+helpCenterColumns+` FROM help_centers WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	var hc models.HelpCenter
	err = st.QueryRowContext(ctx, id).Scan(&hc.ID, &hc.WorkspaceID, &hc.PublicID, &hc.Name, &hc.Subdomain,
		&hc.CustomDomain, &hc.DomainToken, &hc.DomainVerifiedAt, &hc.Visibility, &hc.SitePasswordHash,
		&hc.SSOEnabled, &hc.LoginURL, &hc.LogoutURL, &hc.Issuer, &hc.Audience, &hc.TokenTTL,
		&hc.AllowUnsolicited, &hc.ReportOnly, &hc.InviteOnly, &hc.AllowedDomains, &hc.SessionLength,
		&hc.KeysVersion, &hc.CreatedAt, &hc.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &hc, nil
}

// helpCenterColumns are models.HelpCenter's columns in its field order.
const helpCenterColumns = `id, workspace_id, public_id, name, subdomain, custom_domain, domain_token,
	domain_verified_at, visibility, site_password_hash, sso_enabled, login_url, logout_url, issuer,
	audience, token_ttl, allow_unsolicited, report_only, invite_only, allowed_domains, session_length,
	keys_version, created_at, updated_at`

// HelpCenterOfWorkspace returns the workspace's help center.
func (s *Store) HelpCenterOfWorkspace(ctx context.Context, workspaceID int64) (*models.HelpCenter, error) {
	var hc models.HelpCenter
	if err := s.read(ctx).Order("id").First(&hc, "workspace_id = ?", workspaceID).Error; err != nil {
		return nil, notFound(err)
	}
	return &hc, nil
}

// GeneralSettings are the fields of Settings → General.
type GeneralSettings struct {
	Name         string
	CustomDomain string
	Visibility   models.Visibility
	// SitePasswordHash replaces the stored hash when non-empty.
	SitePasswordHash string
}

// UpdateGeneral saves Settings → General for the workspace's help center.
// A new custom domain starts unverified, with a fresh token for its TXT
// record; one verified by another help center is a *models.ConflictError
// on "custom_domain" (an unverified claim blocks nobody).
func (s *Store) UpdateGeneral(ctx context.Context, workspaceID, helpCenterID int64, g GeneralSettings) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var cur models.HelpCenter
		if err := tx.First(&cur, "id = ? AND workspace_id = ?", helpCenterID, workspaceID).Error; err != nil {
			return notFound(err)
		}
		updates := map[string]any{
			"name":          g.Name,
			"custom_domain": g.CustomDomain,
			"visibility":    string(g.Visibility),
			"updated_at":    s.now().UTC(),
		}
		if g.SitePasswordHash != "" {
			updates["site_password_hash"] = g.SitePasswordHash
		}
		if g.CustomDomain != cur.CustomDomain {
			updates["domain_verified_at"] = nil
			updates["domain_token"] = ""
			if g.CustomDomain != "" {
				var n int64
				if err := tx.Model(&models.HelpCenter{}).Where("custom_domain = ? AND id <> ? AND domain_verified_at IS NOT NULL",
					g.CustomDomain, helpCenterID).Count(&n).Error; err != nil {
					return err
				}
				if n > 0 {
					return &models.ConflictError{Field: "custom_domain"}
				}
				token, err := newDomainToken()
				if err != nil {
					return err
				}
				updates["domain_token"] = token
			}
		}
		if err := tx.Model(&models.HelpCenter{}).Where("id = ?", helpCenterID).Updates(updates).Error; err != nil {
			return err
		}
		var changes []string
		if cur.Name != g.Name {
			changes = append(changes, fmt.Sprintf("Help center name: %q → %q", cur.Name, g.Name))
		}
		if cur.CustomDomain != g.CustomDomain {
			changes = append(changes, fmt.Sprintf("Custom domain: %q → %q", cur.CustomDomain, g.CustomDomain))
		}
		if cur.Visibility != g.Visibility {
			changes = append(changes, fmt.Sprintf("Visibility: %s → %s", cur.Visibility, g.Visibility))
		}
		if g.SitePasswordHash != "" {
			changes = append(changes, "Site password changed")
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", strings.Join(changes, "; "))
	})
	if isUniqueViolation(err) {
		return &models.ConflictError{Field: "custom_domain"}
	}
	return err
}

// newDomainToken is the value a company publishes to prove it holds a
// domain: unique to one help center and one claim of the domain.
func newDomainToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "helpcenter-verify-" + hex.EncodeToString(b), nil
}

// MarkDomainVerified records that the help center's custom domain (still
// domain, still under token) was found verified, making it the canonical
// host; other help centers' unverified claims of it are dropped. A domain
// verified by another help center meanwhile is a *models.ConflictError.
func (s *Store) MarkDomainVerified(ctx context.Context, helpCenterID int64, domain, token string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// Where several writers run at once (PostgreSQL), verifications of
		// one domain take turns: two at once would each hold its own row
		// and wait for the other's (the unique index on the verified
		// domain, the dropping of the other claims) — a deadlock, not a
		// conflict. Taking turns, the later one finds its claim dropped,
		// as it would a moment later.
		if lock := s.d.userLock; lock != "" {
			if err := tx.Exec(lock, domainLockKey(domain)).Error; err != nil {
				return err
			}
		}
		res := tx.Model(&models.HelpCenter{}).Where("id = ? AND custom_domain = ? AND domain_token = ?", helpCenterID, domain, token).
			Updates(map[string]any{"domain_verified_at": s.now().UTC(), "updated_at": s.now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Model(&models.HelpCenter{}).Where("custom_domain = ? AND id <> ? AND domain_verified_at IS NULL", domain, helpCenterID).
			Updates(map[string]any{"custom_domain": "", "domain_token": ""}).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", "Verified the custom domain "+domain)
	})
	if isUniqueViolation(err) {
		return &models.ConflictError{Field: "custom_domain"}
	}
	return err
}

// domainLockKey is the advisory-lock number of one custom domain.
func domainLockKey(domain string) int64 {
	h := fnv.New64a()
	h.Write([]byte("custom_domain:" + domain))
	return int64(h.Sum64())
}

// SetVisibility changes who may read the help center; a non-empty
// passwordHash replaces the shared site password.
func (s *Store) SetVisibility(ctx context.Context, helpCenterID int64, v models.Visibility, passwordHash string) error {
	updates := map[string]any{"visibility": string(v), "updated_at": s.now().UTC()}
	if passwordHash != "" {
		updates["site_password_hash"] = passwordHash
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var cur models.HelpCenter
		if err := tx.First(&cur, "id = ?", helpCenterID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&models.HelpCenter{}).Where("id = ?", helpCenterID).Updates(updates).Error; err != nil {
			return err
		}
		action := fmt.Sprintf("Visibility: %s → %s", cur.Visibility, v)
		if passwordHash != "" {
			action += "; site password changed"
		}
		return audit(tx, helpCenterID, s.now().UTC(), "", action)
	})
}
