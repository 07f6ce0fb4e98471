package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"time"

	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/store"
)

// measureUsers times the Users directory over n users, median of 300
// runs each: the first page, a page deep in (the keyset after the
// middle user), and a search by the start of an email and of a name. The
// table is generated once into the temporary directory and reused.
func measureUsers(ctx context.Context, box *secrets.Box, n int) (first, deep, byEmail, byName time.Duration, err error) {
	st, hc, err := cachedTable(ctx, box, fmt.Sprintf("users-%d", n), func(st *store.Store, hcID int64) error {
		fmt.Fprintf(os.Stderr, "generating %d users…\n", n)
		_, err := st.InsertUsers(ctx, hcID, usersRows(n))
		return err
	})
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer st.Close()
	page := func(f store.UserFilter, before int64) func() error {
		return func() error { _, err := st.Users(ctx, hc.ID, f, before, 51); return err }
	}
	middle, err := st.Users(ctx, hc.ID, store.UserFilter{}, 0, n/2)
	if err != nil || len(middle) == 0 {
		return 0, 0, 0, 0, fmt.Errorf("middle user: %v", err)
	}
	mid := middle[len(middle)-1].ID
	if first, err = median(300, page(store.UserFilter{}, 0)); err != nil {
		return
	}
	if deep, err = median(300, page(store.UserFilter{}, mid)); err != nil {
		return
	}
	if byEmail, err = median(300, page(store.UserFilter{Query: "user4242"}, 0)); err != nil {
		return
	}
	byName, err = median(300, page(store.UserFilter{Query: "person 77"}, 0))
	return
}

// usersRows yields n users, each with an email and a name of its own.
func usersRows(n int) iter.Seq[models.User] {
	return func(yield func(models.User) bool) {
		for i := range n {
			at := logsNow.Add(-time.Duration(n-i) * time.Second)
			u := models.User{Email: fmt.Sprintf("User%d@Example.com", i), Name: fmt.Sprintf("Person %d", i), Role: models.RoleViewer,
				ExternalID: fmt.Sprintf("ext-%d", i), CreatedAt: at, FirstSignInAt: &at, LastSignInAt: &at}
			if !yield(u) {
				return
			}
		}
	}
}
