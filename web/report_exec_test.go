package web

import (
	"strings"
	"testing"
)

func TestSparkline(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	s := sparkline([]*float64{f(10), f(20), nil, f(30)}, f(25), 100, 24)
	// A month without data breaks the line; the dot marks the last month.
	if len(s.Lines) != 2 || s.Lines[0] != "2.0,22.0 34.0,12.0" || s.Lines[1] != "98.0,2.0" {
		t.Errorf("lines = %q", s.Lines)
	}
	if !s.HasDot || s.DotX != 98 || s.DotY != 2 {
		t.Errorf("dot = %v %v,%v", s.HasDot, s.DotX, s.DotY)
	}
	if !s.HasTarget || s.TargetY != 7 {
		t.Errorf("target = %v %v", s.HasTarget, s.TargetY)
	}
	// A target far outside the values' range is not drawn: it would flatten the line.
	if s := sparkline([]*float64{f(99.9), f(99.8)}, f(50), 100, 24); s.HasTarget || !strings.Contains(s.Lines[0], ",22.0") {
		t.Errorf("far target: %+v", s)
	}
	if s := sparkline([]*float64{nil, nil}, nil, 100, 24); len(s.Lines) != 0 || s.HasDot {
		t.Errorf("no data: %+v", s)
	}
}
