package main

import (
	"context"
	"fmt"
	"io"
)

func runSummary(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "wudiag summary: not built yet")
	return exitUsage
}
