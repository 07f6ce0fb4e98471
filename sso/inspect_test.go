package sso

import (
	"reflect"
	"testing"
)

// TestInspectAgreesWithVerify: on every vector the report's verdict is
// exactly Verify's answer, detail and logged fields included.
func TestInspectAgreesWithVerify(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Cases {
		s := v.settings(t, tc.Suite)
		_, want := Verify(tc.Token, s, v.now())
		rep := Inspect(tc.Token, s, v.now())
		if !reflect.DeepEqual(rep.Verdict, want) {
			t.Errorf("%s: Inspect verdict %+v, Verify %+v", tc.Name, rep.Verdict, want)
		}
		assertWellFormedReport(t, tc.Name, rep)
	}
}

// assertWellFormedReport checks the report's shape: checks 0–10 once each,
// in order, and exactly one decisive failure, the verdict's.
func assertWellFormedReport(t *testing.T, name string, rep Report) {
	t.Helper()
	if len(rep.Checks) != 11 {
		t.Fatalf("%s: %d checks, want 11", name, len(rep.Checks))
	}
	decisive := 0
	for i, c := range rep.Checks {
		if c.Number != i {
			t.Errorf("%s: check %d at position %d", name, c.Number, i)
		}
		if c.Detail == "" {
			t.Errorf("%s: check %d has no detail", name, i)
		}
		if c.Decisive {
			decisive++
			if c.Status != CheckFailed || rep.Verdict == nil || c.Reason != rep.Verdict.Reason || c.Detail != rep.Verdict.Detail {
				t.Errorf("%s: decisive check %+v, verdict %+v", name, c, rep.Verdict)
			}
		}
	}
	if want := boolInt(rep.Verdict != nil); decisive != want {
		t.Errorf("%s: %d decisive checks, want %d", name, decisive, want)
	}
}

func TestInspectValidToken(t *testing.T) {
	rep := Inspect(mint(t, validClaims(), testSecret), testSettings, testNow)
	assertWellFormedReport(t, "valid", rep)
	if rep.Verdict != nil || !rep.Verified || rep.Claims == nil || rep.Claims.Email != "jane.smith@example.com" {
		t.Fatalf("report %+v", rep)
	}
	if !rep.HasClockOffset || rep.ClockOffset != 10 {
		t.Errorf("clock offset %v (%v), want 10", rep.ClockOffset, rep.HasClockOffset)
	}
	if string(rep.Header["alg"]) != `"HS256"` || string(rep.Payload["name"]) != `"Jane Smith"` {
		t.Errorf("header %v, payload %v", rep.Header, rep.Payload)
	}
	for _, c := range rep.Checks {
		want := CheckPassed
		if c.Number == 7 { // the token has no nbf
			want = CheckNotApplicable
		}
		if c.Status != want {
			t.Errorf("check %d: %s (%s), want %s", c.Number, c.Status, c.Detail, want)
		}
	}
}

// TestInspectReportsEveryProblem: after the decisive failure the later
// checks still run on what could be read, marked unverified.
func TestInspectReportsEveryProblem(t *testing.T) {
	token := mint(t, with(map[string]any{"exp": at(-100), "iss": "evil"}), "another-secret-another-secret-another")
	rep := Inspect(token, testSettings, testNow)
	assertWellFormedReport(t, "bad signature", rep)
	if rep.Verified {
		t.Error("reported as verified")
	}
	if rep.Verdict == nil || rep.Verdict.Reason != ReasonInvalidSignature || rep.Verdict.JTI != "" || rep.Verdict.Email != "" {
		t.Errorf("verdict %+v", rep.Verdict)
	}
	want := map[int]CheckStatus{0: CheckPassed, 1: CheckPassed, 2: CheckFailed, 3: CheckPassed, 4: CheckPassed,
		5: CheckFailed, 6: CheckPassed, 7: CheckNotApplicable, 8: CheckPassed, 9: CheckFailed, 10: CheckPassed}
	for _, c := range rep.Checks {
		if c.Status != want[c.Number] {
			t.Errorf("check %d: %s (%s), want %s", c.Number, c.Status, c.Detail, want[c.Number])
		}
		if c.Decisive != (c.Number == 2) {
			t.Errorf("check %d decisive = %v", c.Number, c.Decisive)
		}
	}
	if rep.Claims == nil || rep.Claims.Issuer != "evil" {
		t.Errorf("unverified claims not shown: %+v", rep.Claims)
	}
}

func TestInspectStopsWhereNothingCanBeRead(t *testing.T) {
	for _, tc := range []struct {
		name      string
		token     string
		s         Settings
		failed    int
		applyFrom int // first check reported as not applicable
	}{
		{"malformed", "not a token", testSettings, 1, 2},
		{"missing claim", mint(t, with(map[string]any{"email": nil}), testSecret), testSettings, 3, 4},
		{"invalid claim", mint(t, with(map[string]any{"exp": "soon"}), testSecret), testSettings, 4, 5},
	} {
		rep := Inspect(tc.token, tc.s, testNow)
		assertWellFormedReport(t, tc.name, rep)
		if c := rep.Checks[tc.failed]; c.Status != CheckFailed || !c.Decisive {
			t.Errorf("%s: check %d is %+v", tc.name, tc.failed, c)
		}
		for _, c := range rep.Checks[tc.applyFrom:] {
			if c.Status != CheckNotApplicable {
				t.Errorf("%s: check %d is %s", tc.name, c.Number, c.Status)
			}
		}
	}
}

func TestInspectWithoutSecret(t *testing.T) {
	rep := Inspect(mint(t, validClaims(), testSecret), Settings{Enabled: true}, testNow)
	assertWellFormedReport(t, "no secret", rep)
	if rep.Verdict == nil || rep.Verdict.Reason != ReasonSSONotConfigured || rep.Verified {
		t.Fatalf("verdict %+v, verified %v", rep.Verdict, rep.Verified)
	}
	if rep.Checks[1].Status != CheckPassed || rep.Checks[2].Status != CheckNotApplicable || rep.Checks[5].Status != CheckPassed {
		t.Errorf("checks %+v", rep.Checks)
	}
}

// TestInspectConsumesNothing: Inspect has no store to consume from; a
// token inspected any number of times still verifies, with the same report.
func TestInspectConsumesNothing(t *testing.T) {
	token := mint(t, validClaims(), testSecret)
	first := Inspect(token, testSettings, testNow)
	if again := Inspect(token, testSettings, testNow); !reflect.DeepEqual(first, again) {
		t.Error("a second inspection differs")
	}
	if _, r := Verify(token, testSettings, testNow); r != nil {
		t.Errorf("after inspection: %s", r.Detail)
	}
}
