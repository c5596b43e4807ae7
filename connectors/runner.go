package connectors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/secrets"
)

// Triggers of a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerCLI      = "cli"
)

// DefaultLease is how long a run's lease holds without a committed page.
const DefaultLease = 15 * time.Minute

// Runner runs connectors: one run reads every page that is new since the
// cursor and writes each page with the cursor after it. It is safe for
// concurrent use on different connectors; the store's lease keeps two
// runners (two processes) off the same connector.
type Runner struct {
	Store *store.Store
	// Secrets opens the connectors' credentials.
	Secrets *secrets.Box
	// HTTP is the client for the vendors' APIs (nil: 60 s timeout).
	HTTP *http.Client
	// Sleep waits between retries; tests make it return at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1) for the back-off's jitter.
	Jitter func() float64
	// Now is the clock.
	Now    func() time.Time
	Logger *slog.Logger
	// Owner names this runner in leases (default: host, pid and a random
	// suffix).
	Owner    string
	LeaseFor time.Duration
	// Retries per request before a run fails (default 6).
	Retries int
	// Observe, when set, is told the kind and status of each run this
	// runner records (serve counts them on /metrics).
	Observe func(kind, status string)
}

func (r *Runner) defaults() {
	if r.Sleep == nil {
		r.Sleep = Sleep
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.LeaseFor <= 0 {
		r.LeaseFor = DefaultLease
	}
	if r.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		r.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
}

// Who says who started a run.
type Who struct {
	Trigger  string
	Actor    string // user email or "cli:…"; empty for the schedule
	UserID   int64
	ClientIP string
}

// ErrCredential is returned when a connector's credential cannot be
// opened (the secret key changed): the connector stops.
var ErrCredential = errors.New("the connector's credential cannot be decrypted with this secret key (was SREPORT_SECRET_KEY or the key file changed?); set the credential again")

// Run runs one connector now and returns the run as recorded. The error is
// the run's failure (also recorded), or store.ErrConnectorBusy when
// another runner holds the connector.
func (r *Runner) Run(ctx context.Context, id int64, who Who) (store.ConnectorRun, error) {
	r.defaults()
	actor := who.Actor
	if actor == "" {
		actor = who.Trigger
	}
	conn, run, err := r.Store.BeginConnectorRun(ctx, id, store.RunStart{Owner: r.Owner, Trigger: who.Trigger, Actor: actor,
		UserID: who.UserID, ClientIP: who.ClientIP, LeaseFor: r.LeaseFor, Now: r.Now()})
	if err != nil {
		return store.ConnectorRun{}, err
	}
	start := time.Now()
	cl, runErr := r.sync(ctx, conn, run)
	end := store.RunEnd{Now: r.Now()}
	if cl != nil {
		end.Requests, end.Retries = cl.take()
	}
	var ae *AuthError
	switch {
	case runErr == nil:
		end.Status, end.NextRun = store.RunOK, end.Now.Add(conn.Every)
	case errors.Is(runErr, store.ErrLeaseLost):
		r.Logger.Warn("connector run lost its lease", "connector", conn.Name, "run", run.ID)
		return *run, runErr
	case ctx.Err() != nil && errors.Is(runErr, ctx.Err()):
		end.Status, end.Error, end.NextRun = store.RunInterrupted, "the run was cancelled; the next one resumes after the last committed page", end.Now
	case errors.As(runErr, &ae), errors.Is(runErr, ErrCredential):
		end.Status, end.Error = store.RunStopped, runErr.Error()
	default:
		end.Status, end.Error, end.NextRun = store.RunFailed, runErr.Error(), end.Now.Add(conn.Every)
	}
	if err := r.Store.FinishConnectorRun(ctx, run, end); err != nil {
		return *run, errors.Join(runErr, err)
	}
	run.Status, run.Error = end.Status, end.Error
	if r.Observe != nil {
		r.Observe(conn.Kind, end.Status)
	}
	run.Requests += end.Requests
	run.Retries += end.Retries
	attrs := []any{"connector", conn.Name, "kind", conn.Kind, "run", run.ID, "status", end.Status, "pages", run.Pages,
		"fetched", run.Fetched, "inserted", run.Inserted, "updated", run.Updated, "unchanged", run.Unchanged,
		"rejected", run.Rejected, "requests", run.Requests, "retries", run.Retries, "took", time.Since(start).Round(time.Millisecond)}
	if runErr != nil {
		r.Logger.Warn("connector run ended", append(attrs, "error", runErr.Error())...)
	} else {
		r.Logger.Info("connector run ended", attrs...)
	}
	return *run, runErr
}

// env is what a kind's streams are built from.
type env struct {
	conn  store.Connector
	set   Settings
	cred  string
	c     *client
	since time.Time
	now   time.Time
	opt   ingest.Options
	store *store.Store
}

// openRecords lists the kind's still-open records in sreport (see
// store.OpenRecords), from the connector's since on.
func (e *env) openRecords(ctx context.Context, source, kind string) ([]string, error) {
	return e.store.OpenRecords(ctx, source, kind, e.since, 2000)
}

// builders make each kind's streams, in the order a run reads them.
var builders = map[string]func(e *env) ([]stream, error){}

// cursorDoc is the saved cursor: every stream's position by key.
type cursorDoc struct {
	Streams map[string]json.RawMessage `json:"streams"`
}

func (r *Runner) sync(ctx context.Context, conn store.Connector, run *store.ConnectorRun) (*client, error) {
	var cred []byte
	if conn.Credential != "" { // "": a kind that runs without one
		if r.Secrets == nil {
			return nil, errors.New("no secret key: start with SREPORT_SECRET_KEY or --secret-key-file")
		}
		var err error
		if cred, err = r.Secrets.Open(conn.Credential, CredentialAAD(conn.ID)); err != nil {
			return nil, ErrCredential
		}
	}
	set, err := ParseSettings(conn.Settings)
	if err != nil {
		return nil, err
	}
	cl, err := newClient(conn.BaseURL, r.HTTP)
	if err != nil {
		return nil, err
	}
	cl.sleep, cl.now = r.Sleep, r.Now
	if r.Jitter != nil {
		cl.jitter = r.Jitter
	}
	if r.Retries > 0 {
		cl.retries = r.Retries
	}
	cl.onWait = func(d time.Duration) {
		// A long wait must not let the lease run out under the run.
		if err := r.Store.ExtendConnectorLease(ctx, run, r.Now().Add(d+r.LeaseFor)); err != nil {
			r.Logger.Warn("connector lease not extended", "connector", conn.Name, "error", err.Error())
		}
	}
	build, ok := builders[conn.Kind]
	if !ok {
		return cl, fmt.Errorf("no connector for kind %q", conn.Kind)
	}
	e := &env{conn: conn, set: set, cred: string(cred), c: cl, since: conn.Since, now: r.Now().UTC().Truncate(time.Second),
		opt: ingest.Options{SeverityMap: set.SeverityMap, Location: time.UTC}, store: r.Store}
	streams, err := build(e)
	if err != nil {
		return cl, err
	}
	var doc cursorDoc
	if len(conn.Cursor) > 0 {
		if err := json.Unmarshal(conn.Cursor, &doc); err != nil {
			return cl, fmt.Errorf("connector cursor: %w", err)
		}
	}
	progress := map[string]float64{}
	for _, s := range streams {
		if s.state() == nil {
			continue
		}
		raw, ok := doc.Streams[s.key()]
		if !ok {
			progress[s.key()] = 0 // not started: the back-fill is not done
			continue
		}
		if err := s.load(raw); err != nil {
			return cl, fmt.Errorf("connector cursor of %s: %w", s.key(), err)
		}
	}
	apply := store.ApplyOptions{CreateServices: conn.CreateServices, Tier: conn.Tier}
	var failed []error
	for i, s := range streams {
		for {
			if err := ctx.Err(); err != nil {
				return cl, err
			}
			p, err := s.next(ctx)
			if err != nil {
				return cl, fmt.Errorf("%s: %w", s.key(), err)
			}
			if p.progress >= 0 {
				progress[s.key()] = p.progress
			}
			cur, err := marshalCursor(streams)
			if err != nil {
				return cl, err
			}
			if p.failed != nil {
				failed = append(failed, fmt.Errorf("%s: %w", s.key(), p.failed))
			}
			reqs, retries := cl.take()
			caughtUp := p.done && i == len(streams)-1 && len(failed) == 0
			prog := mean(progress)
			if caughtUp {
				prog = 1
			}
			pg := store.ConnectorPage{Batch: p.batch, Cursor: cur, Progress: prog, Fetched: p.fetched,
				Requests: reqs, Retries: retries, Now: r.Now(), Apply: apply, CaughtUp: caughtUp}
			if _, err := r.Store.ApplyConnectorPage(ctx, run, pg); err != nil {
				return cl, err
			}
			if p.done {
				break
			}
		}
	}
	// The parts that failed alone (one SLO's query) fail the run once the
	// rest is stored; their cursors did not move, so the next run tries
	// them again.
	return cl, errors.Join(failed...)
}

func marshalCursor(streams []stream) (json.RawMessage, error) {
	doc := cursorDoc{Streams: map[string]json.RawMessage{}}
	for _, s := range streams {
		st := s.state()
		if st == nil {
			continue
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("connector cursor of %s: %w", s.key(), err)
		}
		doc.Streams[s.key()] = raw
	}
	return json.Marshal(doc)
}

func mean(m map[string]float64) float64 {
	if len(m) == 0 {
		return -1
	}
	var sum float64
	for _, v := range m {
		sum += v
	}
	return sum / float64(len(m))
}
