package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"helpcenter/models"
	"helpcenter/store"
)

// Help centers verifying one domain at once end as if they had taken
// turns: exactly one gets it, the others' claims are dropped, and they
// hear so (their claim is gone, or the domain is taken) — never a
// database error.
func testConcurrentDomainVerification(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hcs := make([]*models.HelpCenter, 6)
	for i := range hcs {
		hcs[i] = workspace(t, st, fmt.Sprint("claimant", i))
	}
	// The race is narrow: run it a few times, a new domain each time.
	for round := range 8 {
		domain := fmt.Sprintf("help-%d.shared.test", round)
		for i, hc := range hcs {
			if err := st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: hc.Name, CustomDomain: domain, Visibility: models.VisibilityPublic}); err != nil {
				t.Fatal(err)
			}
			hcs[i], _ = st.HelpCenterByID(ctx, hc.ID)
		}
		errs := make([]error, len(hcs))
		var wg sync.WaitGroup
		for i, hc := range hcs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.MarkDomainVerified(ctx, hc.ID, domain, hc.DomainToken)
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			var conflict *models.ConflictError
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("%s: claimants %d and %d both verified it", domain, winner, i)
				}
				winner = i
			case errors.As(err, &conflict) && conflict.Field == "custom_domain", errors.Is(err, models.ErrNotFound):
			default:
				t.Fatalf("%s: claimant %d: %v, want nil, a conflict on custom_domain or ErrNotFound", domain, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("%s: nobody verified it: %v", domain, errs)
		}
		got, err := st.HelpCenterByCustomDomain(ctx, domain)
		if err != nil || got.ID != hcs[winner].ID {
			t.Fatalf("%s serves %+v (%v), want claimant %d", domain, got, err, winner)
		}
		for i, hc := range hcs {
			if hc, _ := st.HelpCenterByID(ctx, hc.ID); i != winner && (hc.CustomDomain != "" || hc.DomainVerifiedAt != nil) {
				t.Fatalf("%s: claimant %d still claims %q (verified %v)", domain, i, hc.CustomDomain, hc.DomainVerifiedAt)
			}
		}
	}
}
