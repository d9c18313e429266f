package classify

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/dismlog"
	"github.com/wudiag/wudiag/evtx"
)

// A collector gathers the evidence of one input. Repetitive evidence (the
// same routine line thousands of times) is capped per shape: the first
// few and the latest ones are kept, the rest only counted, so memory stays
// bounded whatever the size of the logs.
type collector struct {
	file   string
	kind   Kind
	out    []Evidence
	shapes map[string]*shape
	capped int        // evidence dropped by the per-shape cap
	keep   *needleSet // phrases that make a line evidence (prefilterFor)
	key    []byte     // a buffer for shape keys
	// texts holds, by index in out, the text of CBS entries kept so far
	// (extractCBSEntry), made a string by flush once the input is read:
	// most are dropped by later entries of their shape, and their buffer
	// then takes the next one's text, so that routine failures by the
	// hundred thousand cost no allocation each. Empty: out's own Text.
	texts [][]byte
	kbs   map[string]string // KB numbers seen, each held once (internKB)
}

type shape struct {
	count int
	ring  []int // indexes into out of the latest kept items
}

const (
	shapeFirst  = 8  // always keep the first occurrences of a shape
	shapeLatest = 24 // and the latest ones
)

func newCollector(file string, kind Kind, keep *needleSet) *collector {
	if keep == nil {
		keep = &needleSet{}
	}
	return &collector{file: file, kind: kind, shapes: make(map[string]*shape), keep: keep}
}

// add keeps e unless its shape has been seen too often; then it replaces
// the oldest of the latest kept items of that shape.
func (c *collector) add(e Evidence, key string) {
	// Readers hand out text and codes in blocks they reuse or keep for
	// many entries (cbslog's arena): what is kept is copied, so the blocks
	// are freed after each input and memory for many inputs stays flat.
	e.Text = strings.Clone(e.Text)
	e.Codes = slices.Clone(e.Codes)
	for i := range e.values {
		e.values[i].value = strings.Clone(e.values[i].value)
	}
	c.keepShape(e, []byte(key))
}

// keepShape is add for evidence that owns its data already, with the
// shape key in a buffer the caller may reuse.
func (c *collector) keepShape(e Evidence, key []byte) {
	e.File, e.Kind = c.file, c.kind
	i, _ := c.slot(key)
	c.out[i] = e
	if i < len(c.texts) {
		c.texts[i] = c.texts[i][:0]
	}
}

// setText gives the evidence at out[i] the text, a copy made by flush.
func (c *collector) setText(i int, text string) {
	if i >= len(c.texts) {
		c.texts = append(c.texts, make([][]byte, len(c.out)-len(c.texts))...)
	}
	c.out[i].Text = ""
	c.texts[i] = append(c.texts[i][:0], text...)
}

// flush gives the evidence their texts held in texts (setText).
func (c *collector) flush() {
	for i, b := range c.texts {
		if len(b) > 0 {
			c.out[i].Text = string(b)
		}
	}
	c.texts = nil
}

// evidence returns the evidence collected.
func (c *collector) evidence() []Evidence {
	c.flush()
	return c.out
}

// internKB returns a copy of kb, the same for every evidence of one input
// (a log names a few KBs again and again); at most 256 are held.
func (c *collector) internKB(kb string) string {
	if k, ok := c.kbs[kb]; ok {
		return k
	}
	k := strings.Clone(kb)
	if len(c.kbs) < 256 {
		if c.kbs == nil {
			c.kbs = map[string]string{}
		}
		c.kbs[k] = k
	}
	return k
}

// slot returns where in out the next evidence of the shape goes, growing
// out when it is a new place, and whether it replaces an item, which is
// then dropped.
func (c *collector) slot(key []byte) (int, bool) {
	s := c.shapes[string(key)]
	if s == nil {
		s = &shape{}
		c.shapes[string(key)] = s
	}
	s.count++
	switch {
	case s.count <= shapeFirst:
	case len(s.ring) < shapeLatest:
		s.ring = append(s.ring, len(c.out))
	default:
		i := s.ring[0]
		copy(s.ring, s.ring[1:])
		s.ring[len(s.ring)-1] = i
		c.capped++
		return i, true
	}
	c.out = append(c.out, Evidence{})
	return len(c.out) - 1, false
}

// shapeKey reduces a text to its shape: digits and hex runs removed,
// cut to 48 bytes.
func shapeKey(signal, text string) string {
	return string(appendShape(append(make([]byte, 0, len(signal)+49), signal...), text))
}

// appendShape appends '|' and the shape of text (see shapeKey) to b.
func appendShape(b []byte, text string) []byte {
	b = append(b, '|')
	n := 0
	for i := 0; i < len(text) && n < 48; i++ {
		c := text[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' && i > 0 && text[i-1] >= '0' && text[i-1] <= '9' {
			continue
		}
		b = append(b, c)
		n++
	}
	return b
}

// extractCBSEntry turns one CBS (or DISM-logged CBS) entry into evidence
// when it can matter.
func (c *collector) extractCBSEntry(e *cbslog.Entry) {
	if !e.Failure && !e.Failed() && !c.keep.match(e.Text) {
		return
	}
	text := clip(firstLine(e.Text), 600)
	key := append(c.key[:0], "cbs.entry"...)
	key = append(key, e.Level...)
	key = appendCodeKey(key, e.Codes)
	c.key = appendShape(key, text)
	i, replaced := c.slot(c.key)
	// The entry's text and codes are in the reader's blocks: the evidence
	// gets copies. Its level and component are the reader's own strings.
	// Routine failures come by thousands, each replacing one of the
	// latest of its shape: the room for codes and values of the one
	// dropped, which it alone held, is reused.
	var cs []codes.Code
	var values []namedValue
	if replaced {
		old := &c.out[i]
		old.resetValues()
		values = old.values
		if len(e.Codes) > 0 && cap(old.Codes) >= len(e.Codes) {
			cs = append(old.Codes[:0], e.Codes...)
		}
	} else {
		values = make([]namedValue, 0, 4) // level, component, kb, failure_mark
	}
	if cs == nil {
		cs = slices.Clone(e.Codes)
	}
	ev := Evidence{
		File:   c.file,
		Kind:   c.kind,
		Signal: "cbs.entry",
		Line:   e.Line,
		Time:   e.Time,
		Codes:  cs,
		values: values,
	}
	ev.set("level", e.Level)
	ev.set("component", e.Component)
	if e.Failure {
		ev.set("failure_mark", "true")
	}
	if kb := cbslog.FindKB(e.Text); kb != "" {
		ev.set("kb", c.internKB(kb))
	}
	c.out[i] = ev
	c.setText(i, text)
	c.continuations(ev, e.Text)
}

// continuations keeps the lines after the first of a multi-line record
// that are evidence on their own. A pasted or doc-altered excerpt whose
// timestamps or columns were lost reads as one head line followed by
// "continuation" lines that are in truth log lines of their own ("Error
// CBS Startup: Failed to process advanced operation queue … [HRESULT =
// …]"); so does a real record whose continuation names a failure.
func (c *collector) continuations(head Evidence, text string) {
	i := strings.IndexByte(text, '\n')
	if i < 0 {
		return
	}
	var found []codes.Match
	for n := 1; i >= 0 && n <= 4096; n++ {
		text = text[i+1:]
		i = strings.IndexByte(text, '\n')
		line := text
		if i >= 0 {
			line = text[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		found = codes.FindString(found[:0], line)
		failing := false
		for _, m := range found {
			failing = failing || m.Code.Failed()
		}
		if !failing && !c.keep.match(line) {
			continue
		}
		ev := Evidence{Signal: head.Signal, Line: head.Line + n, Time: head.Time, Text: clip(line, 600)}
		for _, m := range found {
			if !ev.HasCode(m.Code) {
				ev.Codes = append(ev.Codes, m.Code)
			}
		}
		ev.set("level", levelWord(line))
		ev.set("component", head.Value("component"))
		ev.set("kb", cbslog.FindKB(line))
		ev.set("continuation", "true")
		c.add(ev, shapeKey(ev.Signal+codeKey(ev.Codes), ev.Text))
	}
}

// levelWord returns the level a log line states near its start ("Error",
// "Warning", "Info"), or "".
func levelWord(line string) string {
	if len(line) > 48 {
		line = line[:48]
	}
	for _, w := range []string{"Error", "Warning", "Info"} {
		if i := strings.Index(line, w); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t' || line[i-1] == ',') {
			return w
		}
	}
	return ""
}

// codeKey spells a list of codes for shape keys: the same line with
// another code is another shape (a rare 0x80070570 among thousands of
// routine 0x800f0805 must survive the cap).
func codeKey(cs []codes.Code) string {
	return string(appendCodeKey(nil, cs))
}

func appendCodeKey(b []byte, cs []codes.Code) []byte {
	const hex = "0123456789abcdef"
	for _, c := range cs {
		b = append(b, '0', 'x')
		for i := 28; i >= 0; i -= 4 {
			b = append(b, hex[c>>i&0xF])
		}
	}
	return b
}

// extractCBSSummary turns a finished cbslog.Summary into evidence.
func (c *collector) extractCBSSummary(s *cbslog.Summary) {
	for _, f := range s.SFC {
		ev := Evidence{Signal: "cbs.sfc", Line: f.Line, Time: f.Time, Text: "[SR] " + clip(f.Text, 500)}
		ev.set("file", f.File)
		ev.set("component", f.Component)
		ev.set("reason", f.Reason)
		ev.set("repaired", strconv.FormatBool(f.Repaired))
		c.add(ev, shapeKey(ev.Signal, f.File+f.Reason))
	}
	for _, r := range s.Store {
		ev := Evidence{Signal: "cbs.store_report", Line: r.Line, Time: r.Time}
		ev.Text = storeReportText(&r)
		if r.ResultKnown {
			ev.Codes = []codes.Code{r.Result}
		}
		ev.set("operation", r.Operation)
		ev.set("detected", strconv.Itoa(r.Detected))
		ev.set("repaired", strconv.Itoa(r.Repaired))
		ev.set("unrepaired", strconv.FormatBool(r.Unrepaired()))
		var items []string
		for _, it := range r.Items {
			items = append(items, it.Path)
		}
		ev.set("items", strings.Join(items, "\n"))
		c.out = append(c.out, withSource(ev, c))
	}
	for _, r := range s.Required {
		ev := Evidence{Signal: "cbs.stack_required", Line: r.Line, Time: r.Time,
			Text:  "Package " + r.Package + " requires Servicing Stack v" + r.Required + " but current Servicing Stack is v" + r.Current,
			Codes: []codes.Code{0x800f0823}}
		ev.set("package", r.Package)
		ev.set("required", r.Required)
		ev.set("current", r.Current)
		c.add(ev, shapeKey(ev.Signal, r.Package))
	}
	for _, ss := range s.Sessions {
		failed := ss.ResultKnown && ss.Result.Failed()
		if !failed {
			continue
		}
		ev := Evidence{Signal: "cbs.session", Line: ss.Line, Time: ss.Start, Codes: []codes.Code{ss.Result}}
		ev.Text = "Session " + ss.ID + " (client " + ss.Client + ") ended with " + ss.Result.String()
		ev.set("session", ss.ID)
		ev.set("client", ss.Client)
		ev.set("kb", ss.KB)
		if !ss.End.IsZero() {
			ev.Time = ss.End
		}
		var pkgs []string
		for _, p := range ss.Packages {
			pkgs = append(pkgs, p.Identity)
		}
		ev.set("packages", strings.Join(pkgs, "\n"))
		if ff := ss.FirstFailure; ff != nil {
			ev.set("first_failure", ff.Text)
			ev.set("first_failure_line", strconv.Itoa(ff.Line))
			ev.set("first_failure_code", ff.Code.String())
		}
		c.add(ev, shapeKey(ev.Signal, ss.Client+ss.Result.String()))
	}
	for _, v := range s.Stacks {
		ev := Evidence{Signal: "cbs.stack_loaded", Line: v.Line, Time: v.Time, Text: "Loaded Servicing Stack v" + v.Version}
		ev.set("version", v.Version)
		c.out = append(c.out, withSource(ev, c))
	}
}

func withSource(e Evidence, c *collector) Evidence {
	e.File, e.Kind = c.file, c.kind
	return e
}

func storeReportText(r *cbslog.StoreReport) string {
	var b strings.Builder
	b.WriteString("Store report: ")
	if r.Operation != "" {
		b.WriteString(r.Operation + ", ")
	}
	if r.ResultKnown {
		b.WriteString("result " + r.Result.String() + ", ")
	}
	b.WriteString("detected " + strconv.Itoa(r.Detected) + ", repaired " + strconv.Itoa(r.Repaired))
	for i, it := range r.Items {
		if i == 3 {
			b.WriteString(" …")
			break
		}
		fixed := "not fixed"
		if it.Fixed {
			fixed = "fixed"
		}
		b.WriteString("; " + it.Class + " (" + fixed + ") " + it.Path)
	}
	return b.String()
}

// extractDISM turns the failures of a dism.log summary into evidence.
func (c *collector) extractDISM(s *dismlog.Summary) {
	for _, ss := range s.Sessions {
		for _, f := range ss.Failures {
			ev := Evidence{Signal: "dism.failure", Line: f.Line, Time: f.Time, Text: clip(f.Message, 500), Codes: []codes.Code{f.Code}}
			if f.Method != "" {
				ev.Text += " - " + f.Method
			}
			ev.set("level", f.Level)
			ev.set("method", f.Method)
			ev.set("command", ss.Command)
			c.add(ev, shapeKey(ev.Signal, f.Method+f.Code.String()))
		}
	}
}

// eventKeep lists the informational events that matter beside every
// warning and error: update successes and starts, servicing state
// changes, installer results, Defender updates, WinRE servicing, security
// products and services.
var eventKeep = map[string][]uint32{
	"Microsoft-Windows-WindowsUpdateClient":      {19, 20, 21, 22, 25, 31, 43, 44},
	"Microsoft-Windows-Servicing":                {1, 2, 3, 4, 5, 6},
	"MsiInstaller":                               {1022, 1023, 1033, 1035, 1036, 11707, 11708, 11724, 11725, 11728, 11729},
	"Microsoft-Windows-Windows Defender":         {1150, 1151, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2010, 2011, 2012, 2014, 5001, 5007, 5010, 5012},
	"Microsoft-Windows-WinREAgent":               {4500, 4501, 4502, 4503, 4504},
	"SecurityCenter":                             {1, 15, 16, 17, 18},
	"Service Control Manager":                    {7000, 7009, 7011, 7023, 7024, 7031, 7034, 7040, 7045},
	"disk":                                       {7, 11, 15, 51, 52, 153, 154, 157},
	"Ntfs":                                       {55, 98, 137, 140},
	"Microsoft-Windows-Ntfs":                     {55, 98, 137, 140, 142},
	"Microsoft-Windows-WER-SystemErrorReporting": {1001},
	"Windows Error Reporting":                    {1001},
	"User32":                                     {1074},
	"Microsoft-Windows-Kernel-General":           {12, 13},
}

// extractEvent turns one event into evidence when it can matter: every
// event of the providers above that they list, and every error or warning.
func (c *collector) extractEvent(ev *evtx.Event) {
	keep := ev.Level >= 1 && ev.Level <= 3
	for _, id := range eventKeep[ev.Provider] {
		if id == ev.EventID {
			keep = true
			break
		}
	}
	if !keep {
		return
	}
	e := Evidence{Signal: "evtx.event", Record: ev.RecordID, Offset: ev.Offset, Time: ev.Time}
	e.set("provider", ev.Provider)
	e.set("event_id", strconv.FormatUint(uint64(ev.EventID), 10))
	e.set("channel", ev.Channel)
	e.set("level", ev.LevelName())
	e.set("computer", ev.Computer)
	if ev.Recovered {
		e.set("recovered", "true")
	}
	if ev.Inferred {
		e.set("inferred", "true")
	}
	var text strings.Builder
	text.WriteString(ev.Provider + " " + strconv.FormatUint(uint64(ev.EventID), 10) + ":")
	var match []codes.Match
	for i, f := range ev.Data {
		name := f.Name
		if name == "" {
			name = "data" + strconv.Itoa(i)
		}
		e.set(name, f.Value)
		if f.Value != "" && i < 12 {
			text.WriteString(" " + name + "=" + clip(f.Value, 160))
		}
		match = codes.FindString(match[:0], f.Value)
		for _, m := range match {
			if !e.HasCode(m.Code) {
				e.Codes = append(e.Codes, m.Code)
			}
		}
	}
	// Event fields that carry a code as a bare number.
	for _, name := range []string{"errorCode", "ErrorCode", "Error Code", "Errorcode", "hr", "Status"} {
		if v, ok := ev.Lookup(name); ok {
			if code, err := codes.Parse(strings.TrimSpace(v)); err == nil && !e.HasCode(code) {
				e.Codes = append(e.Codes, code)
			}
		}
	}
	if ev.Provider == "MsiInstaller" && (ev.EventID == 1033 || ev.EventID == 1035 || ev.EventID == 1034) {
		// Data[3] is the installation status, a decimal Win32 code (1603).
		if n, err := strconv.ParseUint(strings.TrimSpace(ev.Value(3)), 10, 16); err == nil {
			e.set("status", ev.Value(3))
			if n != 0 {
				e.Codes = append(e.Codes, codes.FromWin32(uint32(n)))
			}
		}
		e.set("product", ev.Value(0))
	}
	if ev.Message != "" {
		text.WriteString(" — " + clip(ev.Message, 1500))
		e.set("message", clip(ev.Message, 1500)) // an export's rendered text, the only payload some have
	}
	if title := ev.Get("updateTitle"); title != "" {
		e.set("title", title)
		e.set("kb", cbslog.FindKB(title))
	} else if pkg := ev.Get("PackageIdentifier"); pkg != "" {
		e.set("kb", cbslog.FindKB(pkg))
	}
	e.Text = text.String()
	c.add(e, ev.Provider+"|"+strconv.FormatUint(uint64(ev.EventID), 10)+"|"+e.Value("kb")+e.Value("updateGuid"))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// shiftTimes converts wall-clock times read from a text log to UTC when
// the machine's offset is known.
func shiftTimes(ev []Evidence, offset time.Duration) {
	for i := range ev {
		if !ev[i].Time.IsZero() {
			ev[i].Time = ev[i].Time.Add(-offset)
		}
	}
}
