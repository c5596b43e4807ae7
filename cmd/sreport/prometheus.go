package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func init() {
	register(command{name: "prometheus", summary: "alias: prometheus sync --name N runs the Prometheus connector N (sreport connector)", run: runPrometheus})
}

const prometheusUsage = `Usage: sreport prometheus sync --name N [--db PATH] [--secret-key-file F]

  An alias of 'sreport connector sync --name N', kept for scripts written when Prometheus had
  its own sources. Prometheus is a connector kind now:
  sreport connector add --kind prometheus --name N --base-url http://prometheus:9090 [--since YYYY-MM-DD] [--every 1h] </dev/null
  (credential on stdin: empty for none, user:password for basic auth, else a bearer token)`

func runPrometheus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runPrometheusWith(ctx, args, os.Stdin, stdout, stderr)
}

func runPrometheusWith(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "sync" {
		fmt.Fprintln(stderr, prometheusUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		if len(args) > 0 && args[0] == "add" {
			return errors.New("prometheus add: Prometheus is a connector kind now: sreport connector add --kind prometheus")
		}
		return errors.New("prometheus: the only subcommand is sync (an alias of sreport connector sync --name N)")
	}
	if !slices.ContainsFunc(args, func(a string) bool {
		return a == "--name" || a == "-name" || strings.HasPrefix(a, "--name=") || strings.HasPrefix(a, "-name=")
	}) {
		return errors.New("prometheus sync: --name is required (the Prometheus connector's name)")
	}
	return runConnectorWith(ctx, args, stdin, stdout, stderr)
}
