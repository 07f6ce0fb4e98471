package models

import "context"

// A request's id (Echo's X-Request-Id), client IP and user agent, and
// who acts (an admin's email, an API key, the CLI), travel in its context
// down to the rows it writes: the mail it queues and the event rows
// webhooks are made from carry the id, so the background jobs log the
// request behind them; the audit trail records who, from where. It lives
// here because every room may read it.
type requestKey struct{}

// Request is what a context says of the request behind it.
type Request struct {
	ID, IP, UserAgent string
	// Actor names who acts, as the audit trail shows it.
	Actor string
}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestOf is what ctx carries of its request (zero for none).
func RequestOf(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// WithActor returns ctx with its request's actor set to actor.
func WithActor(ctx context.Context, actor string) context.Context {
	r := RequestOf(ctx)
	r.Actor = actor
	return WithRequest(ctx, r)
}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	r := RequestOf(ctx)
	r.ID = id
	return WithRequest(ctx, r)
}

// RequestID is the request id ctx carries, "" for none.
func RequestID(ctx context.Context) string { return RequestOf(ctx).ID }
