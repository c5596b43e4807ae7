package testutil

import (
	"context"
	"sync/atomic"
)

// CheckpointCtx counts the calls of Err (the engine loops' and queries'
// "should I stop?" checks) and cancels itself at the CancelAt-th one, so a
// test can make a client leave at an exact point of the work.
type CheckpointCtx struct {
	context.Context
	cancel   context.CancelFunc
	calls    atomic.Int64
	cancelAt int64 // 0 = never
}

// NewCheckpointCtx returns a context under parent that cancels itself at
// the cancelAt-th call of Err (0 = never).
func NewCheckpointCtx(parent context.Context, cancelAt int64) *CheckpointCtx {
	ctx, cancel := context.WithCancel(parent)
	return &CheckpointCtx{Context: ctx, cancel: cancel, cancelAt: cancelAt}
}

// Err counts the check, cancels at the chosen one, and answers as the
// context it wraps.
func (c *CheckpointCtx) Err() error {
	if n := c.calls.Add(1); c.cancelAt > 0 && n >= c.cancelAt {
		c.cancel()
	}
	return c.Context.Err()
}

// Calls is how many times Err was called.
func (c *CheckpointCtx) Calls() int64 { return c.calls.Load() }
