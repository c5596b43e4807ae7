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
		// Generated suffixes (five or more letters and digits, both mixed)
		// differ on every incident; shorter words keep their letters.
		{"Elevated 5xx on checkout pod checkout-8a392", "elevated xx on checkout pod checkout"},
		{"Elevated 5xx on checkout pod checkout-08d6b", "elevated xx on checkout pod checkout"},
		{"Crash loop in api-7c9d5-x2kq9 on i-0abc123f", "crash loop in api on i"},
		// "http2" is five characters mixing both, so it goes too: the rule
		// cannot tell a protocol from a pod, and dropping it from every
		// title alike never hides a repeat.
		{"ipv6 route lost on db01, http2 resets", "ipv route lost on db resets"},
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
		// An ITSM category or a root-cause text is a taxonomy, not a repeat key.
		{"category is not a key", Incident{Category: "Hardware", Title: "Database connection pool exhausted"}, "title:database connection pool exhausted"},
		{"root cause is not a key", Incident{RootCause: "Expired Cert", Category: "security", Title: "Cert expired on api-7"}, "title:cert expired on api"},
		{"problem ref beats title, not category", Incident{ProblemRef: "PRB0040", Category: "Network", Title: "x"}, "problem:prb0040"},
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
