package models

import "context"

// A request's id (Echo's X-Request-Id) travels in its context down to the
// rows it writes — the mail it queues, the event rows webhooks are made
// from — so the background jobs acting on them later log the id of the
// request behind them. It lives here because every room may read it.
type requestIDKey struct{}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id ctx carries, "" for none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
