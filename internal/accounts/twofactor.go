package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"helpcenter/models"
)

// TOTP follows RFC 6238's defaults — 30-second steps, 6 digits, HMAC-SHA1 —
// which every authenticator app reads from the QR code, and accepts the
// step before and after the current one (a phone's clock drifts).
const (
	totpPeriod = 30
	totpSkew   = 1
	// RecoveryCodes is how many one-time recovery codes an admin gets.
	RecoveryCodes = 10
)

// ErrBadCode is a wrong, spent or expired second-factor code.
var ErrBadCode = errors.New("that code is not right, or was already used")

// NewTOTP makes a TOTP key for the admin's email, issued as "helpcenter".
func NewTOTP(email string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "helpcenter", AccountName: email})
}

// TOTPStep returns the time step a code of secret is valid for at now
// (the current step or one either side), or false.
func TOTPStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for d := -totpSkew; d <= totpSkew; d++ {
		s := step + int64(d)
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// NewRecoveryCodes makes RecoveryCodes one-time codes like "k3q7-x9vd".
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		t := strings.ToLower(rand.Text()[:8])
		codes[i] = t[:4] + "-" + t[4:]
	}
	return codes
}

// normalRecovery is a recovery code as typed, tidied: lower case, the
// dash optional.
func normalRecovery(code string) string {
	c := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	c = strings.ReplaceAll(c, "-", "")
	if len(c) != 8 {
		return ""
	}
	return c[:4] + "-" + c[4:]
}

// SecondFactor checks the code an admin typed after their password: a
// TOTP code (spent once used) or a recovery code (spent too). Failures
// count toward the same throttle as passwords, per admin and per IP.
func (s *Service) SecondFactor(ctx context.Context, admin *models.Admin, code, ip string) error {
	now := s.Now()
	keys := []string{"ip:" + ip, "2fa:" + strconv.FormatInt(admin.ID, 10)}
	if err := s.throttle(ctx, keys, now); err != nil {
		return err
	}
	ok, err := s.checkSecondFactor(ctx, admin, code, now)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.Store.RecordLoginFailure(ctx, now, keys...); err != nil {
			return err
		}
		return ErrBadCode
	}
	return s.Store.ClearLoginFailures(ctx, keys[1], now.Add(-LoginWindow))
}

func (s *Service) checkSecondFactor(ctx context.Context, admin *models.Admin, code string, now time.Time) (bool, error) {
	if !admin.TwoFactor() {
		return false, nil
	}
	if rc := normalRecovery(code); rc != "" {
		return s.Store.UseRecoveryCode(ctx, admin.ID, rc)
	}
	secret, err := s.Store.TwoFactorSecret(admin)
	if err != nil {
		return false, err
	}
	step, ok := TOTPStep(secret, code, now)
	if !ok {
		return false, nil
	}
	return s.Store.UseTOTPStep(ctx, admin.ID, step)
}
