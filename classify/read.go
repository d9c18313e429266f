package classify

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/dismlog"
	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/source"
)

// readInput runs the reader of one input's kind. The kind is the
// intake's (source.Detect), told here from the content only for an input
// built by hand.
func readInput(ctx context.Context, in Input, o *Options) (InputReport, []Evidence) {
	rep := InputReport{File: in.Name}
	var head []byte
	if in.Kind == source.Unknown || in.Kind == source.Text {
		// Text logs are refined by textlogs from their head too.
		var err error
		if head, err = readHead(in); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
			rep.Reason = reasonOf(err)
			return rep, nil
		}
		if in.Kind == source.Unknown {
			in.Kind = source.Detect(head)
		}
	}
	var ev []Evidence
	var err error
	switch in.Kind {
	case source.CBS, source.DISM, source.EVTX, source.EventXML, source.EventText, source.EventCSV:
		rep.Kind = Kind(in.Kind.String())
	}
	switch in.Kind {
	case source.CBS:
		ev, err = readCBS(ctx, in, &rep, o)
	case source.DISM:
		ev, err = readDISM(ctx, in, &rep, o)
	case source.EVTX:
		ev, err = readEvents(ctx, in, &rep, o)
	case source.EventXML, source.EventText, source.EventCSV:
		ev, err = readEvents(ctx, in, &rep, o)
		if rep.named == 0 && ctx.Err() == nil {
			// Text that looked like an export and held no event (a
			// command line naming the columns it selects, a paste that
			// starts like Event Viewer's text): what it says is read as
			// text rather than lost.
			if trep, tev, ok := readAsText(ctx, in, o); ok {
				trep.Errors = append(trep.Errors, fmt.Sprintf("read as text: no event in what looked like an event-log export (%s)", rep.Kind))
				return trep, tev
			}
		}
	case source.Text:
		ev, err = readTextLog(ctx, in, head, &rep, o)
	default:
		rep.Skipped = true
		rep.Reason = reasonFor(in.Kind, in.Name)
	}
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
		if rep.Entries == 0 {
			rep.Reason = reasonOf(err)
		}
	}
	return rep, ev
}

func readCBS(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	c := newCollector(in.Name, KindCBS, o.keep.forKind(KindCBS))
	var s cbslog.Summary
	r := cbslog.NewReader(rc)
	for r.Scan() {
		e := r.Entry()
		s.Add(&e)
		c.extractCBSEntry(&e)
		if s.Entries%4096 == 0 && ctx.Err() != nil {
			return c.evidence(), ctx.Err()
		}
	}
	c.flush()
	s.Finish()
	c.extractCBSSummary(&s)
	rep.Entries = s.Entries
	if s.OffsetKnown {
		shiftTimes(c.out, s.Offset)
		rep.offset, rep.offsetKnown = s.Offset, true
	}
	rep.Omitted = c.capped
	return c.evidence(), r.Err()
}

func readDISM(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	c := newCollector(in.Name, KindDISM, o.keep.forKind(KindDISM))
	var s dismlog.Summary
	r := dismlog.NewReader(rc)
	for r.Scan() {
		e := r.Entry()
		s.Add(&e)
		if e.Component == "CBS" || e.Component == "CSI" {
			c.extractCBSEntry(&e.Entry)
		}
		if s.Entries%4096 == 0 && ctx.Err() != nil {
			return c.evidence(), ctx.Err()
		}
	}
	c.flush()
	s.Finish()
	c.extractDISM(&s)
	c.extractCBSSummary(&s.CBS)
	rep.Entries = s.Entries
	if s.CBS.OffsetKnown {
		shiftTimes(c.out, s.CBS.Offset)
		rep.offset, rep.offsetKnown = s.CBS.Offset, true
	}
	rep.Omitted = c.capped
	return c.evidence(), r.Err()
}

func readEvents(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	ra, size, err := readerAt(rc, in.Size, o.MaxInMemory)
	if err != nil {
		return nil, err
	}
	c := newCollector(in.Name, rep.Kind, o.keep.forKind(rep.Kind))
	r := evtx.NewReader(ra, size, &evtx.Options{Recover: o.Recover})
	const maxErrors = 20
	for ev, err := range r.All(ctx) {
		if err != nil {
			if len(rep.Errors) < maxErrors {
				rep.Errors = append(rep.Errors, err.Error())
			}
			if ev == nil {
				continue
			}
		}
		rep.Entries++
		if ev.Provider != "" || ev.EventID != 0 {
			rep.named++
		}
		if ev.Computer != "" {
			if rep.computers == nil {
				rep.computers = map[string]int{}
			}
			rep.computers[ev.Computer]++
		}
		c.extractEvent(ev)
	}
	for _, w := range r.Warnings() {
		if len(rep.Errors) < maxErrors {
			rep.Errors = append(rep.Errors, "warning: "+w.Error())
		}
	}
	rep.Omitted = c.capped
	return c.evidence(), r.Err()
}

// readAsText reads an input as a text log; ok is false when that yields
// nothing either.
func readAsText(ctx context.Context, in Input, o *Options) (InputReport, []Evidence, bool) {
	rep := InputReport{File: in.Name}
	head, err := readHead(in)
	if err != nil {
		return rep, nil, false
	}
	ev, err := readTextLog(ctx, in, head, &rep, o)
	if err != nil || rep.Entries == 0 {
		return rep, nil, false
	}
	return rep, ev, true
}

// readerAt returns rc as an io.ReaderAt (see source.ReaderAt). The
// progress counter reads at offsets only when what it counts can.
func readerAt(rc io.ReadCloser, size, limit int64) (io.ReaderAt, int64, error) {
	if c, ok := rc.(*countingReader); ok {
		if _, ok := c.rc.(io.ReaderAt); ok && size >= 0 {
			return c, size, nil
		}
		return source.ReaderAt(struct{ io.Reader }{c}, size, limit)
	}
	return source.ReaderAt(rc, size, limit)
}

type result struct {
	rep InputReport
	ev  []Evidence
}

// readAll reads the inputs on Options.Workers goroutines and returns the
// results in input order.
func readAll(ctx context.Context, inputs []Input, o *Options) []result {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(inputs), 1))
	p := newProgress(inputs, o.Progress)
	results := make([]result, len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				in := inputs[i]
				in.Open = p.counting(in.Open)
				rep, ev := readInput(ctx, in, o)
				results[i] = result{rep, ev}
			}
		}()
	}
	for i := range inputs {
		if ctx.Err() != nil {
			results[i] = result{rep: InputReport{File: inputs[i].Name, Errors: []string{ctx.Err().Error()}}}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	p.finish()
	return results
}
