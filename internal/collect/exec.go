package collect

import (
	"context"
	"fmt"
	"os/exec"
)

// Run runs name with args and returns its standard output; a failure
// carries the program's standard error.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			return out, fmt.Errorf("%s: %w: %s", name, err, ee.Stderr)
		}
		return out, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
