package web_test

import (
	"strings"
	"testing"
)

// TestNavFollowsRoles checks that the navigation offers each role exactly
// the sections its role may open.
func TestNavFollowsRoles(t *testing.T) {
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	cases := []struct {
		role       string
		shown, not []string
	}{
		// admin first: signIn for the others replaces the server's default client.
		{"admin", []string{`href="/imports"`, `href="/settings"`, `href="/admin/users"`}, nil},
		{"viewer", []string{`href="/scorecards"`, `href="/risks"`, `href="/roadmap"`, `href="/reports"`, `href="/incidents"`,
			`data-testid="nav-operations"`, `data-testid="nav-program-group"`}, []string{`href="/imports"`, `href="/settings"`, `href="/admin/users"`}},
		{"editor", []string{`href="/imports"`, `href="/risks"`}, []string{`href="/settings"`}},
	}
	for _, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			// newDemoServer already signed in an admin.
			client := clientFor(srv.URL)
			if tc.role != "admin" {
				client = signIn(t, st, srv.URL, tc.role).client
			}
			_, body, _ := getWith(t, client, srv.URL+"/services")
			nav := body[strings.Index(body, `class="mainnav"`):]
			nav = nav[:strings.Index(nav, "</nav>")]
			for _, w := range tc.shown {
				if !strings.Contains(nav, w) {
					t.Errorf("%s nav lacks %s", tc.role, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(nav, w) {
					t.Errorf("%s nav shows %s", tc.role, w)
				}
			}
		})
	}
}
