package classify

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// TestManyTinyInputsKeepMemoryFlat analyzes thousands of one-line CBS
// logs (a 1.6 MB zip of 10,000 of them once reached 3 GB: kept evidence
// pinned each reader's 320 KiB arena blocks). What a reader keeps is now
// copied out, so the heap after the analysis grows with the evidence
// kept, not with the readers' buffers.
func TestManyTinyInputsKeepMemoryFlat(t *testing.T) {
	const n = 3000
	in := make([]Input, n)
	for i := range in {
		line := fmt.Sprintf("2024-01-09 03:21:%02d, Error                 CBS    Failed to process single phase execution. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT] input %d\r\n", i%60, i)
		in[i] = bytesInput(fmt.Sprintf("logs/%d/CBS.log", i), line)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := Analyze(context.Background(), in, &Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d inputs, %d pieces of evidence, heap grew %d KB (%d bytes per input)", n, len(d.Evidence), grown>>10, grown/n)
	// 320 KiB pinned per input would be ~940 MB; a few KB each is the
	// evidence itself.
	if per := grown / n; per > 64<<10 {
		t.Errorf("heap grew %d bytes per input: readers' buffers are kept alive", per)
	}
	runtime.KeepAlive(d)
}
