package testutil

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"sync"
	"time"
)

// HeapPeak runs fn while sampling the Go heap every couple of
// milliseconds and returns the most the heap grew over what it held before
// fn (garbage not yet collected included, so the figure is an upper bound
// of what fn kept alive) with fn's error. Tests use it to check that memory
// stays bounded; the sampling interval asserts nothing about time.
func HeapPeak(fn func() error) (uint64, error) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var s runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&s)
			peak = max(peak, s.HeapAlloc)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := fn()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if peak < base {
		return 0, err
	}
	return peak - base, err
}

// GzipBomb returns a gzip file that decompresses to prefix followed by
// repeats copies of block: concatenated gzip members, each block compressed
// once, so a few megabytes that expand to gigabytes are built without
// compressing gigabytes (gzip readers read concatenated members as one
// stream, as RFC 1952 allows).
func GzipBomb(prefix, block []byte, repeats int) []byte {
	member := func(p []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(p)
		zw.Close()
		return buf.Bytes()
	}
	one := member(block)
	out := bytes.NewBuffer(make([]byte, 0, len(prefix)+len(one)*repeats+64))
	out.Write(member(prefix))
	for range repeats {
		out.Write(one)
	}
	return out.Bytes()
}
