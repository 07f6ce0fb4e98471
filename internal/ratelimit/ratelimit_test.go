package ratelimit

import (
	"testing"
	"time"
)

func TestSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if over, _ := l.Over("a"); over {
			t.Fatalf("over after %d events", i)
		}
		l.Add("a")
		now = now.Add(10 * time.Second)
	}
	over, retry := l.Over("a")
	if !over || retry != 30*time.Second {
		t.Fatalf("after 3 events: over=%v retry=%v", over, retry)
	}
	if over, _ := l.Over("b"); over {
		t.Fatal("another key is limited")
	}
	l.GiveBack("a")
	if over, _ := l.Over("a"); over {
		t.Fatal("an event given back still counts")
	}
	l.Add("a")
	now = now.Add(30 * time.Second)
	if over, _ := l.Over("a"); over {
		t.Fatal("the oldest event left the window but the key is still over")
	}
	l.Add("b")
	now = now.Add(2 * time.Minute)
	l.Add("c")
	if _, ok := l.hits["b"]; ok {
		t.Fatal("idle keys are not swept")
	}
}

func TestZeroIsOff(t *testing.T) {
	l := New(0, time.Minute, time.Now)
	for range 1000 {
		l.Add("a")
	}
	if over, _ := l.Over("a"); over {
		t.Fatal("a limit of 0 refused")
	}
}

func TestClientKey(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"2001:db8:1:2:aaaa::1":  "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::99": "2001:db8:1:2::/64",
		"::ffff:203.0.113.7":    "::ffff:203.0.113.7",
		"not an ip":             "not an ip",
	} {
		if got := ClientKey(ip); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", ip, got, want)
		}
	}
}
