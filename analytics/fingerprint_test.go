package analytics

import "testing"

func TestNormalizeTitle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"DB latency HIGH on db-01", "db latency high on db"},
		{"[FIRING:3] HighErrorRate api-gw 5xx", "firing higherrorrate api gw xx"},
		{"Request 3f2a9c1e-8b4d-4c2a-9e1f-0a1b2c3d4e5f failed", "request failed"},
		{"Timeout to 10.0.12.7:5432 at 2026-10-03T14:05:00Z", "timeout to at"},
		{"Error at 14:05:33 on fe80::1ff:fe23:4567:890a", "error at on"},
		{"Pod web-7f9c8d6b5 crashloop", "pod web crashloop"},
		{"Disk 95% full on host 0xDEADBEEF", "disk full on host"},
		{"deadbeef cafe facade", "deadbeef cafe facade"},
		{"cafe::bad words", "cafe bad words"},
		{"  Multiple   spaces\tand\nlines ", "multiple spaces and lines"},
		{"Crème brûlée outage", "crème brûlée outage"},
		{"12345", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizeTitle(tc.in); got != tc.want {
				t.Errorf("NormalizeTitle(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	for _, tc := range []struct {
		name string
		inc  Incident
		want string
	}{
		{"user key wins", Incident{Fingerprint: "  My  Theme ", ProblemRef: "PRB1", Title: "x"}, "fp:my theme"},
		{"problem ref", Incident{ProblemRef: "PRB0012", RootCause: "cert", Title: "x"}, "problem:prb0012"},
		{"root cause", Incident{RootCause: "Expired Cert", Category: "security", Title: "x"}, "cause:expired cert"},
		{"category", Incident{Category: "Network", Title: "x"}, "category:network"},
		{"title", Incident{Title: "Disk full on db-3"}, "title:disk full on db"},
		{"blank refs fall through", Incident{ProblemRef: "  ", Title: "Disk full"}, "title:disk full"},
		{"nothing", Incident{Title: "42"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fingerprint(tc.inc); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
