package classify

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts the bytes read from the inputs for Options.Progress.
type progress struct {
	mu    sync.Mutex // calls to fn do not overlap
	fn    func(done, total int64)
	total int64
	done  atomic.Int64
	last  atomic.Int64 // unix nanoseconds of the last report
}

func newProgress(inputs []Input, fn func(done, total int64)) *progress {
	p := &progress{fn: fn}
	for _, in := range inputs {
		if in.Size < 0 {
			p.total = -1
			break
		}
		p.total += in.Size
	}
	return p
}

// counting wraps open so that what is read is counted. The head read for
// sniffing is counted too: progress is an estimate, not an audit.
func (p *progress) counting(open func() (io.ReadCloser, error)) func() (io.ReadCloser, error) {
	if p.fn == nil {
		return open
	}
	return func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return &countingReader{rc: rc, p: p}, nil
	}
}

func (p *progress) add(n int) {
	done := p.done.Add(int64(n))
	now := time.Now().UnixNano()
	if last := p.last.Load(); now-last > int64(100*time.Millisecond) && p.last.CompareAndSwap(last, now) {
		p.mu.Lock()
		p.fn(done, p.total)
		p.mu.Unlock()
	}
}

func (p *progress) finish() {
	if p.fn != nil {
		p.mu.Lock()
		p.fn(p.done.Load(), p.total)
		p.mu.Unlock()
	}
}

type countingReader struct {
	rc io.ReadCloser
	p  *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.rc.Read(b)
	c.p.add(n)
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// ReadAt keeps event logs readable in place when the wrapped reader can.
func (c *countingReader) ReadAt(b []byte, off int64) (int, error) {
	ra, ok := c.rc.(io.ReaderAt)
	if !ok {
		return 0, errors.New("classify: input is not an io.ReaderAt")
	}
	n, err := ra.ReadAt(b, off)
	c.p.add(n)
	return n, err
}
