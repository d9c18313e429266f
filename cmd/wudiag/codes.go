package main

import (
	"context"
	"fmt"
	"io"
)

func runCodes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "wudiag codes: not built yet")
	return exitUsage
}
