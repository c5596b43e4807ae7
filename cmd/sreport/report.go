package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/chromium"
	"sreport/web"
)

func init() {
	register(command{name: "report", summary: "write a period's executive report as PDF or HTML", run: runReport})
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "Writes the executive report of one month or quarter, for the organisation, a team or a tier,\n"+
		"as PDF (printed with headless Chromium) or as one self-contained HTML file, chosen by --out's extension.", stderr)
	db := dbFlag(fs)
	period := fs.String("period", "", "period: YYYY-MM or YYYY-QN (required)")
	team := fs.String("team", "", "one team")
	tier := fs.Int("tier", -1, "one tier (0-3)")
	paper := fs.String("paper", "a4", "PDF paper: a4 or letter")
	out := fs.String("out", "", "output file ending in .pdf or .html (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *period == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("report: --period and --out are required")
	}
	if *paper != "a4" && *paper != "letter" {
		return fmt.Errorf("report: --paper must be a4 or letter")
	}
	req := reporting.Request{Period: *period, Team: *team}
	if *tier >= 0 {
		if *tier > 3 {
			return fmt.Errorf("report: --tier must be 0..3")
		}
		req.Tier = tier
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".pdf" && ext != ".html" {
		return fmt.Errorf("report: --out must end in .pdf or .html, got %q", *out)
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("report: database %s: %w", *db, err)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := writeReport(ctx, st, req, ext, *paper, time.Now())
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(b))
	return nil
}

// writeReport assembles the report and formats it as ext: one
// self-contained HTML file, or a PDF printed with headless Chromium.
func writeReport(ctx context.Context, st *store.Store, req reporting.Request, ext, paper string, now time.Time) ([]byte, error) {
	env, err := scorecard.LoadEnv(ctx, st, now.Truncate(time.Hour))
	if err != nil {
		return nil, err
	}
	exe, found := chromium.Path()
	if ext == ".pdf" && !found {
		return nil, chromium.ErrNotInstalled // before the work of assembling
	}
	rep, err := reporting.Assemble(ctx, st, env, req, now)
	if err != nil {
		return nil, err
	}
	if ext == ".html" {
		return web.ReportHTML(ctx, rep, now, version)
	}
	return web.ReportPDF(ctx, exe, rep, now, version, paper)
}
