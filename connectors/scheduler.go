package connectors

import (
	"context"
	"errors"
	"sync"
	"time"

	"sreport/analytics/store"
)

// Scheduler runs due connectors until its context ends: each due connector
// in its own goroutine, so one that fails or waits out a rate limit never
// holds up the others.
type Scheduler struct {
	Runner *Runner
	// Poll is how often it looks for due connectors (default 30 s); Wake
	// makes it look at once.
	Poll time.Duration
	// MaxParallel bounds the runs at once (default 4).
	MaxParallel int

	once    sync.Once
	wake    chan struct{}
	mu      sync.Mutex
	running map[int64]bool
	wg      sync.WaitGroup
}

func (s *Scheduler) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		s.running = map[int64]bool{}
		if s.Poll <= 0 {
			s.Poll = 30 * time.Second
		}
		if s.MaxParallel <= 0 {
			s.MaxParallel = 4
		}
	})
}

// Wake makes the scheduler look for due connectors now ("sync now").
func (s *Scheduler) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run schedules until ctx ends, then waits for the runs under way, which
// stop between pages and are recorded as interrupted.
func (s *Scheduler) Run(ctx context.Context) {
	s.init()
	s.Runner.defaults()
	t := time.NewTicker(s.Poll)
	defer t.Stop()
	for {
		s.startDue(ctx)
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

func (s *Scheduler) startDue(ctx context.Context) {
	due, err := s.Runner.Store.DueConnectors(ctx, s.Runner.Now())
	if err != nil {
		if ctx.Err() == nil {
			s.Runner.Logger.Error("connectors: load due connectors", "error", err.Error())
		}
		return
	}
	for _, c := range due {
		s.mu.Lock()
		if s.running[c.ID] || len(s.running) >= s.MaxParallel {
			s.mu.Unlock()
			continue
		}
		s.running[c.ID] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func(c store.Connector) {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.running, c.ID)
				s.mu.Unlock()
				s.Wake() // a slot is free: others may be due
			}()
			_, err := s.Runner.Run(ctx, c.ID, Who{Trigger: TriggerSchedule})
			if errors.Is(err, store.ErrConnectorBusy) {
				s.Runner.Logger.Info("connector runs elsewhere", "connector", c.Name)
			}
		}(c)
	}
}
