package web

import "testing"

func TestNearService(t *testing.T) {
	catalogue := []string{"checkout", "auth", "payments", "search", "catalog", "notify"}
	for name, want := range map[string]string{
		"checkout-api":     "checkout",
		"auth-svc":         "auth",
		"Payments Service": "payments",
		"search":           "search",
		"catalogue":        "", // two edits from catalog
		"reporting-etl":    "",
		"api":              "",
		"notifications":    "",
	} {
		if got := nearService(name, catalogue); got != want {
			t.Errorf("nearService(%q) = %q, want %q", name, got, want)
		}
	}
	// Two equally near services: no suggestion.
	if got := nearService("web-1", []string{"web-2", "web-3"}); got != "" {
		t.Errorf("tie: %q", got)
	}
}
