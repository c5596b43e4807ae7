package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
)

// pdInsightsHeader is the header of the PagerDuty Analytics raw incident
// export (testdata/fixtures/pagerduty_insights_incidents.csv).
const pdInsightsHeader = "id,incident_number,description,service_id,service_name,team_id,team_name,urgency,priority_name,status," +
	"created_at,resolved_at,seconds_to_first_ack,seconds_to_resolve,auto_resolved,escalation_count,total_notifications," +
	"total_interruptions,business_hour_interruptions,off_hour_interruptions,sleep_hour_interruptions,major," +
	"acknowledged_user_names,resolved_by_user_name"

// writePagerDutyCSV writes rows resolved incidents of the given services,
// spread over the year before end, as a PagerDuty Insights CSV. prefix
// keeps the ids of two generated files apart. The same seed writes the
// same file.
func writePagerDutyCSV(path string, rows int, services []string, prefix string, end time.Time, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rnd := rand.New(rand.NewPCG(seed, 0xBE7C4))
	fmt.Fprintln(w, pdInsightsHeader)
	start := end.AddDate(-1, 0, 0).Unix()
	span := end.Unix() - start
	prios := []string{"P1", "P2", "P3", "P4", "P5"}
	urg := []string{"high", "low"}
	for i := range rows {
		svc := services[rnd.IntN(len(services))]
		created := time.Unix(start+rnd.Int64N(span), 0).UTC()
		tta := 30 + rnd.IntN(3600)
		ttr := tta + 60 + rnd.IntN(6*3600)
		resolved := created.Add(time.Duration(ttr) * time.Second)
		fmt.Fprintf(w, "%s%011X,%d,%s error rate above threshold,PS%05d,%s,PT%04d,%s team,%s,%s,resolved,%s,%s,%d,%d,false,0,%d,1,0,0,1,false,Bench User,Bench User\n",
			prefix, i, 1000+i, svc, i%997, svc, i%97, svc, urg[rnd.IntN(2)], prios[rnd.IntN(len(prios))],
			created.Format(time.RFC3339), resolved.Format(time.RFC3339), tta, ttr, 1+rnd.IntN(4))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchServices names n services for generated files.
func benchServices(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("bench-svc-%02d", i)
	}
	return out
}

// bareInsert is the limit an import is measured against: the rows of a
// generated PagerDuty CSV read with encoding/csv and written by one prepared
// INSERT in one transaction into a freshly migrated database, with no
// validation, no look-ups and no bookkeeping. It returns the rows written.
func bareInsert(ctx context.Context, dbPath, csvPath string, services []string) (int, error) {
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	db := st.Writer()
	ids := map[string]int64{}
	for _, s := range services {
		r, err := db.ExecContext(ctx, `INSERT INTO services (name) VALUES (?)`, s)
		if err != nil {
			return 0, err
		}
		ids[s], _ = r.LastInsertId()
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // header
		return 0, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	ins, err := tx.PrepareContext(ctx, `INSERT INTO incidents (source, external_id, service_id, title, severity, severity_raw, status,
		detected_at, acknowledged_at, resolved_at, responders) VALUES ('pagerduty', ?, ?, ?, ?, ?, 'resolved', ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		created, err := time.Parse(time.RFC3339, rec[10])
		if err != nil {
			return n, err
		}
		tta, _ := strconv.Atoi(rec[12])
		sev, _ := strconv.Atoi(rec[8][1:])
		// The people the row names, as the import stores them: the same
		// rows include the same data.
		people, err := json.Marshal([]analytics.Responder{{Role: analytics.RoleAcknowledged, Name: rec[22]}, {Role: analytics.RoleResolved, Name: rec[23]}})
		if err != nil {
			return n, err
		}
		if _, err := ins.ExecContext(ctx, rec[0], ids[rec[4]], rec[2], min(sev, 4), rec[8], store.FormatTime(created),
			store.FormatTime(created.Add(time.Duration(tta)*time.Second)), rec[11], string(people)); err != nil {
			return n, err
		}
		n++
	}
	return n, tx.Commit()
}

// childRun is one finished child process: its wall time and peak RSS.
type childRun struct {
	took   time.Duration
	peakMB float64
}

// runChild runs this binary with args and measures it; extra environment
// variables are added to the bench's own.
func runChild(ctx context.Context, env []string, args ...string) (childRun, []byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return childRun{}, nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := childRun{took: time.Since(start)}
	if cmd.ProcessState != nil {
		r.peakMB = peakRSSMB(cmd.ProcessState)
	}
	if err != nil {
		return r, out, fmt.Errorf("%v: %w\n%s", args, err, out)
	}
	return r, out, nil
}

// peakRSSMB is a finished process's maximum resident set size in MB
// (getrusage ru_maxrss, kilobytes on Linux).
func peakRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024
	}
	return 0
}

// serviceNames lists the catalogue of a database.
func serviceNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM services ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
