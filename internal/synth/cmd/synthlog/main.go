// Command synthlog writes a large synthetic CBS.log for benchmarks and
// memory measurements:
//
//	go run ./internal/synth/cmd/synthlog -mb 1024 > /tmp/CBS.log
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wudiag/wudiag/internal/synth"
)

func main() {
	mb := flag.Int64("mb", 200, "approximate size in MiB")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same bytes")
	flag.Parse()
	if err := synth.CBSLog(os.Stdout, *mb<<20, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthlog:", err)
		os.Exit(1)
	}
}
