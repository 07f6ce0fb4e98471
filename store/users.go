package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"helpcenter/models"
)

// UserFilter narrows the Users directory: Query matches the start of an
// email or of a name, case-insensitively.
type UserFilter struct {
	Query string
}

// prefixEnd is the least string greater than every string that starts
// with p: a prefix match as an index range, which LIKE on a lower-cased
// column does not give on both backends.
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// Users pages a help center's users newest first, by keyset on id: the
// page after the user with id before (0 for the first page).
//
// With a query it is a search instead: up to limit users whose email or
// name starts with the query, newest first, without further pages. Each
// half walks its own index (users_email, users_name) in key order and
// stops after limit rows, so even a one-letter query over a million
// users reads at most 2 × limit rows; filtering the id walk instead
// would read the whole help center to find a rare prefix.
func (s *Store) Users(ctx context.Context, helpCenterID int64, f UserFilter, before int64, limit int) ([]models.User, error) {
	q := strings.ToLower(strings.TrimSpace(f.Query))
	if q == "" {
		db := s.read(ctx).Where("help_center_id = ?", helpCenterID)
		if before > 0 {
			db = db.Where("id < ?", before)
		}
		var us []models.User
		err := db.Order("id DESC").Limit(limit).Find(&us).Error
		return us, err
	}
	var byEmail, byName []models.User
	if err := s.read(ctx).Where("help_center_id = ? AND email_lower >= ? AND email_lower < ?", helpCenterID, q, prefixEnd(q)).
		Order("email_lower").Limit(limit).Find(&byEmail).Error; err != nil {
		return nil, err
	}
	if err := s.read(ctx).Where("help_center_id = ? AND lower(name) >= ? AND lower(name) < ?", helpCenterID, q, prefixEnd(q)).
		Order("lower(name)").Limit(limit).Find(&byName).Error; err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var us []models.User
	for _, u := range append(byEmail, byName...) {
		if !seen[u.ID] {
			seen[u.ID] = true
			us = append(us, u)
		}
	}
	slices.SortFunc(us, func(a, b models.User) int { return cmp.Compare(b.ID, a.ID) })
	if len(us) > limit {
		us = us[:limit]
	}
	return us, nil
}

// User returns one user of the help center.
func (s *Store) User(ctx context.Context, helpCenterID, id int64) (*models.User, error) {
	var u models.User
	if err := s.read(ctx).First(&u, "id = ? AND help_center_id = ?", id, helpCenterID).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// UserSessions counts a user's live sessions.
func (s *Store) UserSessions(ctx context.Context, helpCenterID, userID int64, now time.Time) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&models.VisitorSession{}).
		Where("help_center_id = ? AND user_id = ? AND expires_at > ?", helpCenterID, userID, now.UTC()).Count(&n).Error
	return n, err
}

// endUserSessions ends every session of the users the condition picks
// (recording each revocation, which every instance applies within
// session.SyncEvery) and returns how many ended.
func (q queries) endUserSessions(helpCenterID int64, where string, args ...any) (int, error) {
	rows, err := q.orm().Raw(`SELECT id_hash FROM visitor_sessions WHERE help_center_id = ? AND user_id IN
		(SELECT id FROM users WHERE help_center_id = ? AND `+where+`)`, append([]any{helpCenterID, helpCenterID}, args...)...).Rows()
	if err != nil {
		return 0, err
	}
	var ids [][]byte
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := q.endSession(helpCenterID, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// SignOutUser ends every session of one user ("Sign out everywhere").
func (s *Store) SignOutUser(ctx context.Context, helpCenterID, userID int64, actor string) (int, error) {
	var n int
	err := s.update(ctx, func(q queries) error {
		var u models.User
		if err := q.orm().First(&u, "id = ? AND help_center_id = ?", userID, helpCenterID).Error; err != nil {
			return notFound(err)
		}
		var err error
		if n, err = q.endUserSessions(helpCenterID, "id = ?", userID); err != nil {
			return err
		}
		return audit(q.orm(), helpCenterID, q.now().UTC(), actor, "Signed "+u.Email+" out everywhere")
	})
	return n, err
}

// RevokeSessionsOf ends the sessions of the user with this external_id
// (or, when it is empty, of every user with this email): the partner
// API's revoke-sessions. models.ErrNotFound when nobody matches.
func (s *Store) RevokeSessionsOf(ctx context.Context, helpCenterID int64, externalID, email, actor string) (int, error) {
	var n int
	err := s.update(ctx, func(q queries) error {
		where, arg := "external_id = ? AND external_id <> ''", externalID
		if externalID == "" {
			where, arg = "email_lower = ?", models.EmailKey(email)
		}
		var count int64
		if err := q.orm().Model(&models.User{}).Where("help_center_id = ? AND "+where, helpCenterID, arg).Count(&count).Error; err != nil {
			return err
		}
		if count == 0 {
			return models.ErrNotFound
		}
		var err error
		if n, err = q.endUserSessions(helpCenterID, where, arg); err != nil {
			return err
		}
		who := externalID
		if who == "" {
			who = models.EmailKey(email)
		}
		return audit(q.orm(), helpCenterID, q.now().UTC(), actor, "Revoked the sessions of "+who)
	})
	return n, err
}

// UserInput is a user created beforehand (the console's "Add user", the
// partner API's PUT): who may sign in when the help center is Invite only.
type UserInput struct {
	ExternalID string
	Email      string
	Name       string
	Role       models.Role
	Groups     []string
}

// PutUser creates the user with this external_id, or updates it (email,
// name, role, groups); with no external_id it goes by email. A user
// created here has no first sign-in until their first token.
func (s *Store) PutUser(ctx context.Context, helpCenterID int64, in UserInput, actor string) (*models.User, bool, error) {
	groups, err := json.Marshal(append([]string{}, in.Groups...))
	if err != nil {
		return nil, false, err
	}
	lower := models.EmailKey(in.Email)
	var u models.User
	var created bool
	err = s.update(ctx, func(q queries) error {
		tx := q.orm()
		now := q.now().UTC()
		if lock := s.d.userLock; lock != "" {
			if err := tx.Exec(lock, userLockKey(helpCenterID, "email:"+lower)).Error; err != nil {
				return err
			}
		}
		var err error
		if in.ExternalID != "" {
			err = tx.Where("help_center_id = ? AND external_id = ? AND external_id <> ''", helpCenterID, in.ExternalID).Take(&u).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				// Adopt a user of this email who has no external_id yet.
				err = tx.Where("help_center_id = ? AND email_lower = ? AND external_id = ''", helpCenterID, lower).Order("id").Take(&u).Error
			}
		} else {
			err = tx.Where("help_center_id = ? AND email_lower = ?", helpCenterID, lower).Order("id").Take(&u).Error
		}
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			created = true
			u = models.User{HelpCenterID: helpCenterID, ExternalID: in.ExternalID, Email: strings.TrimSpace(in.Email), EmailLower: lower,
				Name: in.Name, Role: in.Role, Groups: string(groups), CustomFields: "{}", CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&u).Error; err != nil {
				if isUniqueViolation(err) {
					return &models.ConflictError{Field: "external_id"}
				}
				return err
			}
			return audit(tx, helpCenterID, now, actor, "Added the user "+lower)
		case err != nil:
			return err
		}
		u.ExternalID, u.Email, u.EmailLower, u.Name, u.Role, u.Groups, u.UpdatedAt = in.ExternalID, strings.TrimSpace(in.Email), lower, in.Name, in.Role, string(groups), now
		if err := tx.Model(&models.User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"external_id": u.ExternalID, "email": u.Email, "email_lower": lower, "name": u.Name,
			"role": string(u.Role), "groups": u.Groups, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, now, actor, "Updated the user "+lower)
	})
	if err != nil {
		return nil, false, err
	}
	return &u, created, nil
}

// DeleteUser deletes the user with this external_id and ends their
// sessions; models.ErrNotFound when there is none.
func (s *Store) DeleteUser(ctx context.Context, helpCenterID int64, externalID, actor string) error {
	return s.update(ctx, func(q queries) error {
		tx := q.orm()
		var u models.User
		if err := tx.Where("help_center_id = ? AND external_id = ? AND external_id <> ''", helpCenterID, externalID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		if _, err := q.endUserSessions(helpCenterID, "id = ?", u.ID); err != nil {
			return err
		}
		if err := tx.Delete(&models.User{}, "id = ?", u.ID).Error; err != nil {
			return err
		}
		return audit(tx, helpCenterID, q.now().UTC(), actor, "Deleted the user "+u.EmailLower+" ("+externalID+")")
	})
}

// InsertUsers writes users for the help center in one transaction
// through one prepared statement: the bulk path of tests and of the
// Users benchmark. It returns how many rows it wrote.
func (s *Store) InsertUsers(ctx context.Context, helpCenterID int64, users iter.Seq[models.User]) (int, error) {
	n := 0
	err := s.update(ctx, func(q queries) error {
		stmt, err := q.tx.PrepareContext(q.ctx, s.d.placeholders(`INSERT INTO users
			(help_center_id, external_id, email, email_lower, name, role, groups, custom_fields, banned, created_at, updated_at, first_sign_in_at, last_sign_in_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '{}', FALSE, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for u := range users {
			if u.Groups == "" {
				u.Groups = "[]"
			}
			if _, err := stmt.ExecContext(q.ctx, helpCenterID, u.ExternalID, u.Email, models.EmailKey(u.Email), u.Name, string(u.Role), u.Groups,
				u.CreatedAt.UTC(), u.CreatedAt.UTC(), u.FirstSignInAt, u.LastSignInAt); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// recentGroupsFrom is how many of the latest sign-ins RecentGroups reads.
const recentGroupsFrom = 500

// RecentGroups lists the groups the latest sign-ins' tokens carried, the
// most common first, at most limit: what the console offers when an
// author limits an item to groups.
func (s *Store) RecentGroups(ctx context.Context, helpCenterID int64, limit int) ([]string, error) {
	var rows []string
	err := s.read(ctx).Model(&models.User{}).Where("help_center_id = ? AND last_sign_in_at IS NOT NULL", helpCenterID).
		Order("last_sign_in_at DESC").Limit(recentGroupsFrom).Pluck("groups", &rows).Error
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, raw := range rows {
		for _, g := range models.GroupsOf(raw) {
			count[g]++
		}
	}
	out := make([]string, 0, len(count))
	for g := range count {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
