package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedianAndRankMatchSorting: the selection gives the values sorting
// gives, on random values with many duplicates, sorted, reversed and
// organ-pipe inputs, concatenated sorted runs (a roll-up's lead times),
// every size to 130 and a few large ones, every rank.
func TestMedianAndRankMatchSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 2026))
	shapes := map[string]func(n int) []float64{
		"random": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = rng.Float64() * 1000
			}
			return vs
		},
		"duplicates": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = float64(rng.IntN(4))
			}
			return vs
		},
		"sorted": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = float64(i)
			}
			return vs
		},
		"reversed": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = float64(n - i)
			}
			return vs
		},
		"organ pipe": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = float64(min(i, n-i))
			}
			return vs
		},
		"sorted runs": func(n int) []float64 {
			var vs []float64
			for len(vs) < n {
				run := make([]float64, min(1+rng.IntN(20), n-len(vs)))
				for i := range run {
					run[i] = math.Round(rng.Float64()*50) / 2
				}
				slices.Sort(run)
				vs = append(vs, run...)
			}
			return vs
		},
		"with NaN": func(n int) []float64 {
			vs := make([]float64, n)
			for i := range vs {
				vs[i] = float64(rng.IntN(10))
				if rng.IntN(5) == 0 {
					vs[i] = math.NaN()
				}
			}
			return vs
		},
	}
	sizes := []int{5000, 20011}
	for n := 1; n <= 130; n++ {
		sizes = append(sizes, n)
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for name, gen := range shapes {
		for _, n := range sizes {
			vs := gen(n)
			sorted := slices.Clone(vs)
			slices.Sort(sorted)
			want := sorted[n/2]
			if n%2 == 0 {
				want = (sorted[n/2-1] + sorted[n/2]) / 2
			}
			got := median(slices.Clone(vs))
			if got == nil && !math.IsNaN(want) || got != nil && !same(*got, want) {
				t.Fatalf("%s, n=%d: median %v, sorting gives %v", name, n, got, want)
			}
			for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 1} {
				r := min(max(int(math.Ceil(q*float64(n)-1e-9)), 1), n)
				got := nearestRank(slices.Clone(vs), q)
				if w := sorted[r-1]; got == nil && !math.IsNaN(w) || got != nil && !same(*got, w) {
					t.Fatalf("%s, n=%d: rank %v gives %v, sorting gives %v", name, n, q, got, w)
				}
			}
			if n > 130 {
				continue
			}
			for k := range n {
				xs := slices.Clone(vs)
				if v := kth(xs, k); !same(v, sorted[k]) {
					t.Fatalf("%s, n=%d: kth(%d) %v, sorting gives %v", name, n, k, v, sorted[k])
				}
				for i := range xs {
					if i < k && cmpLess(xs[k], xs[i]) || i > k && cmpLess(xs[i], xs[k]) {
						t.Fatalf("%s, n=%d, k=%d: %v at %d is on the wrong side of %v", name, n, k, xs[i], i, xs[k])
					}
				}
				slices.Sort(xs)
				for i := range xs {
					if !same(xs[i], sorted[i]) {
						t.Fatalf("%s, n=%d, k=%d: values lost or changed", name, n, k)
					}
				}
			}
		}
	}
	if median(nil) != nil || nearestRank(nil, 0.9) != nil {
		t.Fatal("no values must give no median or rank")
	}
}

func cmpLess(a, b float64) bool { return a < b || math.IsNaN(a) && !math.IsNaN(b) }
