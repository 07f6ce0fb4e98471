// Package accounts is the admin side of identity: signing up a workspace
// and signing admins in, with the failed-login limits. The HTTP handlers
// and the CLI both go through it, so the rules are written once.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// Service signs workspaces up and admins in.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Cost of new password hashes; the zero value is DefaultCost.
	Cost Cost
}

// SignupInput is the signup form (or the CLI's flags).
type SignupInput struct {
	Email     string
	Password  string
	Name      string
	Subdomain string
}

// Signup validates the input and creates the workspace, its help center and
// its owner. Field errors are keyed by "email", "password", "name" and
// "subdomain"; any other error is the database's.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*models.Admin, *models.HelpCenter, models.FieldErrors, error) {
	errs := models.FieldErrors{}
	email, err := models.ParseEmail(in.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	if err := models.ValidatePassword(in.Password); err != nil {
		errs["password"] = err.Error()
	}
	name := strings.TrimSpace(in.Name)
	if err := models.ValidateName(name); err != nil {
		errs["name"] = err.Error()
	}
	sub := strings.TrimSpace(in.Subdomain)
	if err := models.ValidateSubdomain(sub); err != nil {
		errs["subdomain"] = err.Error()
	}
	if errs.Any() {
		return nil, nil, errs, nil
	}
	hash, err := s.HashPassword(in.Password)
	if err != nil {
		return nil, nil, nil, err
	}
	_, hc, admin, err := s.Store.CreateWorkspace(ctx, store.NewWorkspace{
		Name: name, Subdomain: sub, AdminEmail: email, PasswordHash: hash,
	})
	var conflict *models.ConflictError
	switch {
	case errors.As(err, &conflict) && conflict.Field == "email":
		errs["email"] = "An account with this email already exists. Sign in instead."
	case errors.As(err, &conflict) && conflict.Field == "subdomain":
		errs["subdomain"] = "This subdomain is taken; please choose another."
	case errors.Is(err, models.ErrConflict):
		errs["subdomain"] = "This subdomain or email is taken."
	case err != nil:
		return nil, nil, nil, err
	}
	if errs.Any() {
		return nil, nil, errs, nil
	}
	return admin, hc, nil, nil
}

// Failed-login limits: the LoginLimit-th try within LoginWindow, counted
// per client IP and per email, is refused.
const (
	LoginLimit  = 10
	LoginWindow = 15 * time.Minute
)

// ErrBadCredentials is the one answer for an unknown email and a wrong
// password, so the form does not reveal which emails have accounts.
var ErrBadCredentials = models.Problem("The email or password is incorrect.")

// ThrottledError says sign-in is refused until RetryAt.
type ThrottledError struct{ RetryAt time.Time }

func (e *ThrottledError) Error() string { return "too many failed sign-ins" }

// Message tells a person when to try again.
func (e *ThrottledError) Message(now time.Time) string {
	mins := int(math.Ceil(e.RetryAt.Sub(now).Minutes()))
	if mins < 1 {
		mins = 1
	}
	unit := "minutes"
	if mins == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("Too many failed sign-in attempts. Try again in %d %s.", mins, unit)
}

// Login checks the credentials of a sign-in attempt from ip. It returns the
// admin, ErrBadCredentials, a *ThrottledError, or a database error.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*models.Admin, error) {
	now := s.Now()
	email = models.EmailKey(email)
	keys := []string{"ip:" + ip, "email:" + email}
	if err := s.throttle(ctx, keys, now); err != nil {
		return nil, err
	}

	admin, err := s.Store.AdminByEmail(ctx, email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	hash := dummyHash()
	if s.Cost != (Cost{}) {
		hash = decoy(s.Cost)
	}
	if admin != nil {
		hash = admin.PasswordHash
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if admin == nil || !ok {
		if err := s.Store.RecordLoginFailure(ctx, now, keys...); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if err := s.Store.ClearLoginFailures(ctx, "email:"+email, now.Add(-LoginWindow)); err != nil {
		return nil, err
	}
	return admin, nil
}

// throttle refuses a try, with a *ThrottledError, while any of keys has
// LoginLimit-1 failures in the last LoginWindow (this try would be the
// LoginLimit-th), until enough of them age out.
func (s *Service) throttle(ctx context.Context, keys []string, now time.Time) error {
	var retry time.Time
	for _, key := range keys {
		times, err := s.Store.LoginFailuresSince(ctx, key, now.Add(-LoginWindow))
		if err != nil {
			return err
		}
		if n := len(times); n >= LoginLimit-1 {
			if at := times[n-(LoginLimit-1)].Add(LoginWindow); at.After(retry) {
				retry = at
			}
		}
	}
	if !retry.IsZero() {
		return &ThrottledError{RetryAt: retry}
	}
	return nil
}

// HashPassword hashes a password (an admin's, or a help center's shared
// site password) at the service's cost.
func (s *Service) HashPassword(password string) (string, error) {
	if s.Cost == (Cost{}) {
		return DefaultCost.Hash(password)
	}
	return s.Cost.Hash(password)
}
