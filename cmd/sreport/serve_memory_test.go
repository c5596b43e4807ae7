package main

import "testing"

// TestParseMemoryLimit reads sizes as GOMEMLIMIT writes them and refuses
// anything else.
func TestParseMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"400MiB", 400 << 20, true},
		{"2GiB", 2 << 30, true},
		{"1048576", 1 << 20, true},
		{"512KiB", 512 << 10, true},
		{"100B", 100, true},
		{"off", noMemoryLimit, true},
		{"", 0, false},
		{"400MB", 0, false},
		{"-1MiB", 0, false},
		{"0", 0, false},
		{"9999999TiB", 0, false},
	} {
		got, err := parseMemoryLimit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%q: %d, %v; want %d (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
