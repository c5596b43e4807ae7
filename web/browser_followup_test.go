package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sreport/testutil"
	"sreport/web"
)

// TestBrowserPostmortemEdit: an editor records the publication of a
// postmortem that was missing and sees the service's postmortem
// timeliness tile change.
func TestBrowserPostmortemEdit(t *testing.T) {
	ctx := testutil.Browser(t)
	srv, st, _ := followupServer(t, web.RoleEditor)
	browserSignIn(t, ctx, srv.URL)
	in, _ := lateIncident(t, st, false)

	tile := `[data-testid="tile-postmortem_on_time_rate"]`
	servicePage := srv.URL + "/services/" + url.PathEscape(in.Service) + "?period=2026-10"
	readTile := func() string {
		t.Helper()
		if err := testutil.Do(ctx, chromedp.Navigate(servicePage), chromedp.WaitVisible(chromedp.CSS(tile))); err != nil {
			t.Fatal(err)
		}
		s, err := testutil.Run(ctx, chromedp.Text(chromedp.CSS(tile+` .value`)))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(s)
	}
	before := readTile()

	// The reporting timezone is UTC in the demo, so the input is UTC.
	published := in.ResolvedAt.Add(2 * time.Hour).UTC().Format("2006-01-02T15:04")
	if err := testutil.Do(ctx,
		chromedp.Navigate(srv.URL+"/incidents/"+idStr(in.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="incident-form"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="postmortem_published_at"]`), published),
		chromedp.SetValue(chromedp.CSS(`input[name="postmortem_url"]`), "https://wiki.example/postmortems/"+idStr(in.ID)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := testutil.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="incident-save"]`))); err != nil {
		t.Fatal(err)
	}
	flash, err := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	if err != nil || !strings.Contains(flash, "Saved") {
		t.Fatalf("no confirmation after saving: %q %v", flash, err)
	}
	compare, _ := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="incident-compare"]`)))
	if !strings.Contains(compare, "Postmortem published") || !strings.Contains(compare, in.ResolvedAt.Add(2*time.Hour).UTC().Format("2006-01-02 15:04")) {
		t.Errorf("compare table lacks the new publication date: %q", compare)
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		testutil.SaveArtifact(t, "incident-edit.png", shot)
	}

	after := readTile()
	if after == before {
		t.Fatalf("postmortem on-time tile unchanged: %q", before)
	}
	t.Logf("postmortems on time for %s: %s → %s", in.Service, before, after)
}
