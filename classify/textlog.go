package classify

import (
	"context"
	"path"
	"strconv"
	"strings"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/internal/source"
	"github.com/wudiag/wudiag/internal/textlogs"
)

// readTextLog reads a secondary text log (WindowsUpdate.log, ReAgent.log,
// MpCmdRun.log, a Burn log, ...) and keeps its records as evidence.
func readTextLog(ctx context.Context, in Input, head []byte, rep *InputReport, o *Options) ([]Evidence, error) {
	kind := textlogs.Sniff(path.Base(strings.ReplaceAll(in.Name, "\\", "/")), head)
	if kind == "" {
		rep.Skipped = true
		rep.Reason = reasonFor(source.Detect(head[:min(len(head), source.MagicSize)]), in.Name)
		return nil, nil
	}
	rep.Kind = Kind(kind)
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	c := newCollector(in.Name, Kind(kind), o.keep.forKind(Kind(kind)))
	r := textlogs.NewReader(rc, kind)
	for r.Scan() {
		rec := r.Record()
		rep.Entries++
		c.extractRecord(&rec)
		if rep.Entries%4096 == 0 && ctx.Err() != nil {
			return c.out, ctx.Err()
		}
	}
	rep.Omitted = c.capped
	return c.out, r.Err()
}

// extractRecord keeps a text-log record that carries a code, a field or
// a key phrase.
func (c *collector) extractRecord(r *textlogs.Record) {
	if len(r.Codes) == 0 && !hasFacts(r.Fields) && !c.keep.match(r.Text) {
		return
	}
	e := Evidence{Signal: "textlog.record", Line: r.Line, Time: r.Time, Text: clip(r.Text, 600), Codes: r.Codes}
	e.set("level", r.Level)
	e.set("component", r.Component)
	for k, v := range r.Fields {
		e.set(k, v)
	}
	if e.Value("kb") == "" {
		e.set("kb", cbslog.FindKB(r.Text))
	}
	// ReAgent logs give the space WinRE needs and the space the partition
	// has on separate labels; rules compare them through partition_short.
	free, err1 := strconv.ParseInt(e.Value("partition_free"), 10, 64)
	need, err2 := strconv.ParseInt(e.Value("required_free"), 10, 64)
	if err1 == nil && err2 == nil {
		e.set("partition_short", strconv.FormatBool(free < need))
	}
	c.add(e, shapeKey(string(c.kind)+r.Component+codeKey(r.Codes), r.Text))
	if len(r.Text) > len(e.Text) || strings.Count(e.Text, "\n") > 3 {
		c.continuations(e, r.Text)
	}
}

// hasFacts reports whether a record's fields say more than where it came
// from (process and thread IDs).
func hasFacts(f map[string]string) bool {
	for k := range f {
		switch k {
		case "pid", "tid", "bundle":
		default:
			return true
		}
	}
	return false
}
