package sso

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// vectorsPath is the shared test vectors, outside this repository on
// purpose: they were produced by an independent implementation.
const vectorsPath = "../../shared/vectors/jwt-verify.json"

type vectorFile struct {
	Now    float64 `json:"now"`
	Secret string  `json:"secret"`
	Suites map[string]struct {
		Issuer     string `json:"issuer"`
		Audience   string `json:"audience"`
		TTLSeconds int    `json:"ttl_seconds"`
	} `json:"suites"`
	Cases []struct {
		Suite        string            `json:"suite"`
		Name         string            `json:"name"`
		Token        string            `json:"token"`
		Expect       string            `json:"expect"`
		ExpectClaims map[string]string `json:"expect_claims"`
	} `json:"cases"`
}

// loadVectors fails the test, rather than skipping it, when the file is
// missing: a silently skipped conformance test is worse than none.
func loadVectors(tb testing.TB) vectorFile {
	tb.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		tb.Fatalf("the JWT test vectors are required at %s (the shared/ folder next to the repository): %v", vectorsPath, err)
	}
	var v vectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("decode %s: %v", vectorsPath, err)
	}
	if len(v.Cases) == 0 {
		tb.Fatalf("%s holds no cases", vectorsPath)
	}
	return v
}

func (v vectorFile) settings(tb testing.TB, suite string) Settings {
	s, ok := v.Suites[suite]
	if !ok {
		tb.Fatalf("unknown suite %q", suite)
	}
	return Settings{Enabled: true, Keys: keysOf(v.Secret), Issuer: s.Issuer, Audience: s.Audience, TTL: time.Duration(s.TTLSeconds) * time.Second}
}

func (v vectorFile) now() time.Time { return time.Unix(int64(v.Now), 0) }

func TestVectors(t *testing.T) {
	v := loadVectors(t)
	if len(v.Cases) != 85 {
		t.Errorf("%s holds %d cases, expected 85", vectorsPath, len(v.Cases))
	}
	for _, tc := range v.Cases {
		t.Run(tc.Suite+"/"+tc.Name, func(t *testing.T) {
			claims, rej := Verify(tc.Token, v.settings(t, tc.Suite), v.now())
			if tc.Expect == "ok" {
				if rej != nil {
					t.Fatalf("rejected with %s (%s), expected ok", rej.Reason, rej.Detail)
				}
				for name, want := range tc.ExpectClaims {
					if got := claimByName(claims, name); got != want {
						t.Errorf("claim %s = %q, expected %q", name, got, want)
					}
				}
				return
			}
			if rej == nil {
				t.Fatalf("accepted, expected %s", tc.Expect)
			}
			if string(rej.Reason) != tc.Expect {
				t.Fatalf("rejected with %s (%s), expected %s", rej.Reason, rej.Detail, tc.Expect)
			}
			t.Logf("%s: %s", rej.Reason, rej.Detail)
		})
	}
}

func claimByName(c *Claims, name string) string {
	switch name {
	case "jti":
		return c.JTI
	case "iss":
		return c.Issuer
	case "email":
		return c.Email
	case "name":
		return c.Name
	case "external_id":
		return c.ExternalID
	case "lang":
		return c.Lang
	case "avatar_url":
		return c.AvatarURL
	case "role":
		return string(c.Role)
	}
	return "<claim " + name + " not known to the test>"
}
