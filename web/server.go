// Package web is sreport's HTTP layer: echo routes, handlers, middleware and
// the view models handed to views.
package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/telemetry"
)

// Config holds what the handlers need besides the store.
type Config struct {
	Version string
	// Now is the clock; tests pin it so default periods are reproducible.
	Now    func() time.Time
	Logger *slog.Logger
	// AuthProxyHeader names a header (e.g. X-Forwarded-Email) carrying the
	// signed-in user's email, set by a reverse proxy that authenticates;
	// believed only from TrustedProxies. Empty disables proxy sign-in.
	AuthProxyHeader string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// X-Forwarded-Proto and AuthProxyHeader are believed.
	TrustedProxies []netip.Prefix
	// Secrets seals and opens the secrets stored in the database (webhook
	// secrets, connector credentials); nil when the server was started without a key, and then
	// every feature needing one says so.
	Secrets *secrets.Box
	// Background, when set, runs a cache warmer until it is cancelled: after
	// any change to the data it recomputes the default scorecard, so the
	// first page leadership opens is served from memory. It also runs the
	// scheduled report deliveries.
	Background context.Context
	// MaxUploadRecords caps the records one uploaded file may hold (0 =
	// MaxUploadRecords). The server keeps a parsed file in memory while it
	// checks and imports it (about 450 bytes a record, measured), so a
	// compressed file of many rows is refused at the cap rather than taking
	// the server's memory; larger files go through `sreport import`.
	MaxUploadRecords int
	// Connectors is serve's connector scheduler: "sync now" wakes it. Nil
	// when none runs in this process (the connector is only marked due).
	Connectors *connectors.Scheduler
	// Metrics, when set, records request durations by route, imports and
	// cache use (served by serve on --metrics-addr, not on the app's routes).
	Metrics *telemetry.Metrics
	// ReadyChecks are reported on /readyz after the database check.
	ReadyChecks []ReadyCheck
	// ComputeSlots bounds the scorecards, series and reports computed at
	// once (0 = one per core): each holds its records in memory, so fewer
	// at once lowers the peak memory; more than the cores add no throughput.
	ComputeSlots int
	// StaleFor is how long after a change to the data the interactive pages
	// may still show the figures from before it, labelled as such, while one
	// background computation brings them up to date (0 = never: every page
	// waits for the current figures). Downloads, exports and e-mailed
	// reports always wait; the JSON API answers at once and says "stale".
	StaleFor time.Duration
}

// Handler holds the dependencies every handler method uses.
type Handler struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	table []Route
	// cache holds computed scorecards and series until the data changes.
	cache *scorecard.Cache
	// counts holds the results of heavy counting queries (the services
	// list's record counts) the same way, with slots of their own: such a
	// query holds no window of records, so it must not queue behind a
	// report's computation for one of cache's slots.
	counts *scorecard.Cache
	// charts keeps the trend charts drawn for cached figures (chart_memo.go).
	charts *chartMemo
	// pdfSlots bounds the Chromium processes printing reports at once.
	pdfSlots chan struct{}
	// demoSlot lets one first-run demo load run at a time.
	demoSlot chan struct{}
	// reportSlots bounds the executive reports computed at once (pages,
	// HTML and PDF downloads): each loads a year and more of records and
	// runs the engine dozens of times, so a burst must not take every core
	// and the memory of the server.
	reportSlots chan struct{}
	// touchPause is when session renewals may try again after one found
	// the database busy (Unix nanoseconds; see authenticate).
	touchPause atomic.Int64
}

// New builds the echo application with every route registered.
func New(st *store.Store, cfg Config) *echo.Echo {
	e, _ := NewWithRoutes(st, cfg)
	return e
}

// NewWithRoutes is New that also returns the route table with each route's
// role rule, for the route × role test.
func NewWithRoutes(st *store.Store, cfg Config) (*echo.Echo, []Route) {
	h, e := newApp(st, cfg)
	return e, h.Routes()
}

// newApp builds the handler and its echo application.
func newApp(st *store.Store, cfg Config) (*Handler, *echo.Echo) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	h := &Handler{store: st, cfg: cfg, log: cfg.Logger, cache: newCache(cfg, 256, cfg.ComputeSlots), counts: newCache(cfg, 64, 2*runtime.GOMAXPROCS(0)), charts: newChartMemo(64), pdfSlots: make(chan struct{}, 2),
		reportSlots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))), demoSlot: make(chan struct{}, 1)}
	e := h.newEcho()
	cfg.Metrics.WatchCache(h.cache.Stats)
	h.setupAuth(e)
	h.routes(e)
	if cfg.Background != nil {
		go h.warmLoop(cfg.Background, 5*time.Second)
		// Scheduled reports go out within minutes of a period's end.
		go h.deliveryLoop(cfg.Background, 5*time.Minute)
	}
	return h, e
}

// newCache is the cache of computed figures; its background
// recomputations (of stale pages) end with the server.
func newCache(cfg Config, size, slots int) *scorecard.Cache {
	bg := cfg.Background
	if bg == nil {
		bg = context.Background()
	}
	log := cfg.Logger
	return scorecard.New(scorecard.Options{Size: size, Slots: slots, MaxStale: cfg.StaleFor,
		RefreshTimeout: 2 * time.Minute, Background: bg, Now: time.Now, // real ages, whatever cfg.Now pins
		OnBackground: func(key string, took time.Duration, err error) {
			took = took.Round(time.Millisecond)
			switch {
			case err == nil:
				log.Info("recomputed in the background", "key", key, "took", took)
			case bg.Err() == nil: // not the server shutting down
				log.Warn("background recomputation failed; the page keeps its older figures until they age out",
					"key", key, "took", took, "error", err)
			}
		}})
}

// NewServer wraps the app in an http.Server with timeouts that keep slow
// clients from holding connections forever.
func NewServer(addr string, app http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // uploads
		WriteTimeout:      2 * time.Minute, // PDF rendering
		IdleTimeout:       2 * time.Minute,
	}
}

// newEcho is the echo instance with the error handler and the middleware
// every request passes before sign-in and routing. logRequests wraps
// recoverPanics so that a panicking request is logged like any other.
func (h *Handler) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.Pre(limitBodies)
	e.Use(h.observeRequests, unescapeParams, removeMultipartFiles, h.logRequests, h.recoverPanics, securityHeaders)
	return e
}

// unescapeParams decodes the route's path parameters. echo routes on the
// request's escaped path whenever it differs from the default encoding
// (RawPath is set: "/services/ops%3Bcore") and hands the parameters over
// still escaped, so a service named "ops;core" or "a b" was looked up as
// "ops%3Bcore" and not found. When RawPath is empty the parameters are
// decoded already and are left alone (decoding "50%" twice would fail).
// The static file handler decodes its own.
func unescapeParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawPath == "" || c.Path() == "/static/*" {
			return next(c)
		}
		vals := c.ParamValues()
		for i, v := range vals {
			u, err := url.PathUnescape(v)
			if err != nil {
				return badRequest("The address is not valid.")
			}
			vals[i] = u
		}
		c.SetParamValues(vals...)
		return next(c)
	}
}

func (h *Handler) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		res := c.Response()
		started := res.Committed
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		attrs := []slog.Attr{
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("status", res.Status), slog.Int64("bytes", res.Size),
			slog.Duration("took", time.Since(start)), slog.String("remote", c.RealIP()),
		}
		if err != nil && started {
			// The status line went out before the failure: log the status
			// the error stands for, so the failure counts as one.
			status, _ := errorStatus(err)
			attrs[2] = slog.Int("status", status)
			attrs = append(attrs, slog.Int("sent_status", res.Status))
		}
		h.log.LogAttrs(req.Context(), slog.LevelInfo, "request", attrs...)
		return nil
	}
}

// recoverPanics turns a handler's panic into an error carrying its stack,
// which the error handler logs and answers with a 500 page.
func (h *Handler) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r) // net/http's way to abort a response on purpose
				}
				err = &panicError{value: r, stack: debug.Stack()}
			}
		}()
		return next(c)
	}
}

// securityHeaders sets a strict CSP: scripts only from our origin or carrying
// this request's nonce (the chart snippets), no framing.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [18]byte
		_, _ = rand.Read(b[:])
		nonce := base64.StdEncoding.EncodeToString(b[:])
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		req := c.Request()
		c.SetRequest(req.WithContext(templ.WithNonce(req.Context(), nonce)))
		return next(c)
	}
}

// nonce returns the request's CSP nonce.
func nonce(ctx context.Context) string { return templ.GetNonce(ctx) }

// maxFormBytes caps every request body except the two file uploads, which
// set their own larger limits: forms are small, and the CSRF check reads a
// body before any route's handler could refuse it.
const maxFormBytes = 1 << 20

// limitBodies refuses oversize bodies before routing.
func limitBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch req.URL.Path {
		case "/imports", "/risks/import", "/risks/import/confirm", "/roadmap/import", "/roadmap/import/confirm":
			return next(c) // own limits (import_new.go, risk_import.go, roadmap_csv.go)
		case "/api/v1/deployments", "/api/v1/incidents", "/api/v1/pages":
			// Up to maxWriteItems records (api_write.go).
			if err := capBody(c, maxWriteBytes, userError{http.StatusRequestEntityTooLarge, "The request is too large (4 MiB at most)."}); err != nil {
				return err
			}
			return next(c)
		}
		if err := capBody(c, maxFormBytes, userError{http.StatusRequestEntityTooLarge, "The request is too large."}); err != nil {
			return err
		}
		return next(c)
	}
}

// removeMultipartFiles deletes the temporary files of a parsed multipart
// form when the request ends. Go's server only cleans up forms parsed on the
// request it created, and securityHeaders replaces the request (to carry
// the CSP nonce), so without this every large upload would stay in /tmp.
func removeMultipartFiles(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		defer func() {
			if f := c.Request().MultipartForm; f != nil {
				_ = f.RemoveAll()
			}
		}()
		return next(c)
	}
}
