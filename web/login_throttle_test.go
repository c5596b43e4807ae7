package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// behindProxy makes the test server believe X-Forwarded-For from the
// loopback peer, so a test can sign in "from" any client address.
func behindProxy(c *web.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

// loginFrom posts the login form as the client at addr and returns the status.
func loginFrom(t *testing.T, c *http.Client, srvURL, addr, email, password string) int {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {csrfToken(t, c, srvURL)}}
	req, err := http.NewRequest(http.MethodPost, srvURL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Errorf("POST /login from %s: %v", addr, err)
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// TestLoginThrottleRace sends 150 wrong passwords for one account at once:
// the attempt is counted before the password is checked, so only the
// limit's worth are judged (422) and the rest are refused unjudged (429).
func TestLoginThrottleRace(t *testing.T) {
	s := newAuthServer(t, behindProxy)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	c := newJarClient(t, false)
	csrfToken(t, c, s.URL) // one CSRF cookie for every parallel request

	const attempts = 150
	statuses := make([]int, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = loginFrom(t, c, s.URL, "", "ann@example.com", "wrong password")
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[http.StatusUnprocessableEntity] != 5 || count[http.StatusTooManyRequests] != attempts-5 {
		t.Fatalf("150 parallel wrong passwords: statuses %v; want 5 judged (422), 145 refused (429)", count)
	}
	if n, err := s.st.LoginFailureCount(context.Background(), "ann@example.com", s.clock.Now().Add(-time.Hour)); err != nil || n != 5 {
		t.Fatalf("recorded failures = %d (%v), want 5", n, err)
	}
	// This client is out for the window even with the right password; the
	// user elsewhere is not.
	if st := loginFrom(t, c, s.URL, "", "ann@example.com", pw); st != http.StatusTooManyRequests {
		t.Errorf("right password from the guessing client: %d", st)
	}
	if st := loginFrom(t, newJarClient(t, false), s.URL, "192.0.2.10", "ann@example.com", pw); st != http.StatusSeeOther {
		t.Errorf("right password from another client: %d", st)
	}
}

// TestLoginNoLockout: failures from one client never stop the right
// password from a client that has not failed (OWASP ASVS 2.2.1).
func TestLoginNoLockout(t *testing.T) {
	t.Run("per account and client", func(t *testing.T) {
		s := newAuthServer(t, behindProxy)
		pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
		attacker := newJarClient(t, false)
		for range 5 {
			if st := loginFrom(t, attacker, s.URL, "203.0.113.1", "ann@example.com", "guess"); st != http.StatusUnprocessableEntity {
				t.Fatalf("guess: %d", st)
			}
		}
		// Refused attempts do not renew the window: the attacker keeps
		// trying every minute and is still let in again 15 minutes after
		// the last judged failure.
		for range 14 {
			if st := loginFrom(t, attacker, s.URL, "203.0.113.1", "ann@example.com", "guess"); st != http.StatusTooManyRequests {
				t.Fatalf("guess while throttled: %d", st)
			}
			s.clock.Advance(time.Minute)
		}
		if st := loginFrom(t, newJarClient(t, false), s.URL, "198.51.100.7", "ann@example.com", pw); st != http.StatusSeeOther {
			t.Fatalf("the user from her own client during the attack: %d", st)
		}
		s.clock.Advance(time.Minute + time.Second)
		if st := loginFrom(t, attacker, s.URL, "203.0.113.1", "ann@example.com", "guess"); st != http.StatusUnprocessableEntity {
			t.Fatalf("after the window: %d, want the attempt judged again", st)
		}
	})
	t.Run("per client", func(t *testing.T) {
		s := newAuthServer(t, behindProxy)
		pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
		sprayer := newJarClient(t, false)
		for i := range 20 {
			loginFrom(t, sprayer, s.URL, "203.0.113.2", "user"+itoa(int64(i))+"@example.com", "Winter2026!")
		}
		if st := loginFrom(t, sprayer, s.URL, "203.0.113.2", "ann@example.com", pw); st != http.StatusTooManyRequests {
			t.Errorf("21st attempt from the spraying client: %d", st)
		}
		if st := loginFrom(t, newJarClient(t, false), s.URL, "203.0.113.3", "ann@example.com", pw); st != http.StatusSeeOther {
			t.Errorf("another client: %d", st)
		}
	})
	t.Run("account under attack from many clients", func(t *testing.T) {
		s := newAuthServer(t, behindProxy)
		pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
		c := newJarClient(t, false)
		for i := range 5 { // 20 failures from 5 clients: the account is busy
			for range 4 {
				if st := loginFrom(t, c, s.URL, "203.0.113."+itoa(int64(10+i)), "ann@example.com", "guess"); st != http.StatusUnprocessableEntity {
					t.Fatalf("guess: %d", st)
				}
			}
		}
		// A client that has failed on the busy account gets 2 attempts, not 5.
		for range 2 {
			loginFrom(t, c, s.URL, "203.0.113.20", "ann@example.com", "guess")
		}
		if st := loginFrom(t, c, s.URL, "203.0.113.20", "ann@example.com", "guess"); st != http.StatusTooManyRequests {
			t.Errorf("third guess from a new client on a busy account: %d", st)
		}
		// The user, from a client that has not failed, is never refused.
		if st := loginFrom(t, newJarClient(t, false), s.URL, "198.51.100.7", "ann@example.com", pw); st != http.StatusSeeOther {
			t.Errorf("right password from a fresh client on a busy account: %d", st)
		}
		// Nor after one typo.
		typo := newJarClient(t, false)
		if st := loginFrom(t, typo, s.URL, "198.51.100.8", "ann@example.com", "typo"); st != http.StatusUnprocessableEntity {
			t.Errorf("typo: %d", st)
		}
		if st := loginFrom(t, typo, s.URL, "198.51.100.8", "ann@example.com", pw); st != http.StatusSeeOther {
			t.Errorf("right password after one typo on a busy account: %d", st)
		}
	})
}
