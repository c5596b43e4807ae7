package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit describes serve's soft heap limit when neither
// --memory-limit nor GOMEMLIMIT says otherwise (see docs/operations.md,
// "Memory"): three quarters of the container's memory limit, which leaves
// the rest for SQLite's page caches (outside the Go heap) and the runtime,
// so the collector works harder before the kernel kills the process. A
// fixed default would be wrong both ways: below a large database's live
// heap the collector runs without pause, above a small container's limit
// it never acts.
const defaultMemoryLimit = "3/4 of the container's memory limit, off without one"

// applyMemoryLimit sets the Go runtime's soft memory limit from
// --memory-limit, SREPORT_MEMORY_LIMIT, GOMEMLIMIT (which the runtime has
// already applied) or the default, in that order, and logs the one in force.
func applyMemoryLimit(fs *flag.FlagSet, value string, logger *slog.Logger) error {
	from := "--memory-limit"
	if !flagSet(fs, "memory-limit") {
		switch {
		case os.Getenv("SREPORT_MEMORY_LIMIT") != "":
			value, from = os.Getenv("SREPORT_MEMORY_LIMIT"), "SREPORT_MEMORY_LIMIT"
		case os.Getenv("GOMEMLIMIT") != "":
			logger.Info("memory limit from GOMEMLIMIT", "limit", os.Getenv("GOMEMLIMIT"))
			return nil
		default:
			c, ok := cgroupMemoryLimit()
			if !ok {
				logger.Info("memory limit off (no container memory limit; set --memory-limit)")
				return nil
			}
			n := c / 4 * 3
			debug.SetMemoryLimit(n)
			logger.Info("memory limit", "limit", strconv.FormatInt(n>>20, 10)+"MiB", "from", "3/4 of the container's "+strconv.FormatInt(c>>20, 10)+"MiB")
			return nil
		}
	}
	n, err := parseMemoryLimit(value)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	debug.SetMemoryLimit(n)
	if n == noMemoryLimit {
		logger.Info("memory limit off", "from", from)
	} else {
		logger.Info("memory limit", "limit", value, "from", from)
	}
	return nil
}

// noMemoryLimit is the runtime's "no limit" (math.MaxInt64).
const noMemoryLimit = int64(^uint64(0) >> 1)

// parseMemoryLimit reads a size as GOMEMLIMIT writes it (a number of bytes
// with an optional B, KiB, MiB, GiB or TiB suffix) or "off".
func parseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return noMemoryLimit, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > noMemoryLimit/mult {
		return 0, fmt.Errorf("memory limit %q: want a size such as 400MiB or 2GiB, or off", s)
	}
	return n * mult, nil
}

// cgroupMemoryLimit is the memory limit of the process's cgroup (v2, then
// v1), when there is one.
func cgroupMemoryLimit() (int64, bool) {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max" (v2) or a page-rounded MaxInt64 (v1) mean no limit.
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
