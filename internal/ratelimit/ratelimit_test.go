package ratelimit

import (
	"testing"
	"time"
)

func TestSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("hit %d refused", i+1)
		}
		now = now.Add(10 * time.Second)
	}
	ok, retry := l.Allow("a")
	if ok || retry != 30*time.Second {
		t.Fatalf("4th hit: ok=%v retry=%v", ok, retry)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key is limited")
	}
	now = now.Add(30 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("the oldest hit left the window but the key is still refused")
	}
	now = now.Add(2 * time.Minute)
	l.Allow("c")
	if _, ok := l.hits["b"]; ok {
		t.Fatal("idle keys are not swept")
	}
}
