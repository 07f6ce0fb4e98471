package app

import (
	"context"

	"helpcenter/sso"
	"helpcenter/store"
)

// signIns gives the sign-in flow the store in the shape sso declares: the
// store cannot name sso's interface (it imports only models), and sso
// cannot name the store, so the root joins them.
type signIns struct{ *store.Store }

func (s signIns) InSignIn(ctx context.Context, fn func(ctx context.Context, tx sso.SignInTx) error) error {
	return s.Store.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error { return fn(ctx, tx) })
}

var _ sso.Store = signIns{}
