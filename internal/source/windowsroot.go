package source

import (
	"context"
	"fmt"
	"os"

	"github.com/wudiag/wudiag/internal/collect"
)

// addWindowsRoot adds, from a folder that is the root of a Windows system
// drive (a mounted disk such as /mnt/c, a forensic image mounted
// read-only, or a copied C:\ tree), exactly the files "wudiag collect"
// would take — collect.Select, the one selection list — and nothing else:
// a whole drive holds user documents and gigabytes that are no log, and
// a note that mentions an error code must not become evidence.
func (b *Bundle) addWindowsRoot(ctx context.Context, root string) {
	files, errs, err := collect.Select(ctx, root)
	if err != nil {
		return // ctx is done; Open reports it
	}
	for _, e := range errs {
		b.problem(root, e)
	}
	for _, f := range files {
		if ctx.Err() != nil {
			return
		}
		fi, err := os.Lstat(f.Path)
		if err != nil {
			b.problem(f.Path, fmt.Errorf("windows root: %w", err))
			continue
		}
		b.addFile(ctx, f.Path, fi)
	}
}
