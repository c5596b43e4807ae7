package accounts

import (
	"strings"
	"testing"
)

func TestPasswordProblem(t *testing.T) {
	cases := []struct {
		pw, want string
	}{
		{"", "Use at least 12 characters."},
		{strings.Repeat("a", 11), "Use at least 12 characters."},
		{strings.Repeat("a", 12), ""},
		{strings.Repeat("ä", 12), ""}, // characters, not bytes: 24 bytes
		{strings.Repeat("ä", 11), "Use at least 12 characters."},
		{strings.Repeat("a", 72), ""},
		{strings.Repeat("a", 73), "Use at most 72 bytes."},
		{strings.Repeat("ä", 37), "Use at most 72 bytes."}, // 37 characters, 74 bytes
	}
	for _, tc := range cases {
		if got := PasswordProblem(tc.pw); got != tc.want {
			t.Errorf("PasswordProblem(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
}

// TestGeneratePassword checks generated passwords pass the rules, use only
// the unambiguous alphabet, and differ.
func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw := GeneratePassword()
		if p := PasswordProblem(pw); p != "" || len(pw) != 20 {
			t.Fatalf("%q: %d characters, problem %q", pw, len(pw), p)
		}
		if i := strings.IndexAny(pw, "lo01IO"); i >= 0 {
			t.Fatalf("%q holds the look-alike %q", pw, pw[i])
		}
		if seen[pw] {
			t.Fatalf("%q generated twice", pw)
		}
		seen[pw] = true
	}
}
