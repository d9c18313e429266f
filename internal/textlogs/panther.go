package textlogs

import (
	"bytes"
	"cmp"
	"regexp"
	"strings"

	"github.com/wudiag/wudiag/internal/logline"
)

// pantherParser reads setupact.log / setuperr.log and ReAgent.log, whose
// lines follow the CBS grammar (internal/logline does the assembly).
type pantherParser struct {
	reagent bool
	// The space WinRE needs and the space a candidate partition has come
	// on separate lines of one MeetPartitionRequirements check: the last
	// of each seen in this run is carried to a line that has the other.
	need, free string
}

var (
	// "[ReAgentc.exe] msg", "[SetupHost.exe] msg": the tag that stands in
	// for the component column in WinRE lines.
	reToolTag = regexp.MustCompile(`^\[([^\]\s]+\.(?i:exe|dll))\]\s?`)
	// Name: Windows Defender, Path: %ProgramFiles%\Windows Defender\MsMpeng.exe, Timestamp: Tue, 05 Jul 2022 14:46:21 GMT, State: 397568
	reAVProduct   = regexp.MustCompile(`^\s*Name:\s*(.*?),\s*Path:\s*(.*?)(?:,\s*Timestamp:\s*(.*?))?,\s*State:\s*(\S+)\s*$`)
	reSizeContext = regexp.MustCompile(`(?i)MeetPartitionRequirements|partition|winre|free\s*space`)
	reBitlocker   = regexp.MustCompile(`(?i)\bBitlockerEnabled\s*:\s*(\S+)`)
	// Byte counts in MeetPartitionRequirements-style lines. No public
	// ReAgent.log shows the exact wording (text-log-formats.md §4 only says
	// the function logs the WinRE WIM size, the required free space and
	// the candidate partition's free and total bytes), so the labels are
	// matched loosely: a label, optional punctuation, then a decimal.
	reSizes = []struct {
		field string
		re    *regexp.Regexp
	}{
		{"winre_size", regexp.MustCompile(`(?i)\b(?:winre(?:\.wim)?|wim|image)\s*(?:file\s*)?size\b\D{0,8}?(\d+)`)},
		{"required_free", regexp.MustCompile(`(?i)\b(?:required|needed)\s*(?:free\s*(?:space|size|bytes)?|space|size|bytes)\b\D{0,8}?(\d+)`)},
		{"partition_free", regexp.MustCompile(`(?i)(?:\b(\w+)\s+)?\bfree\s*(?:space|size|bytes)\b\D{0,8}?(\d+)`)},
		{"partition_size", regexp.MustCompile(`(?i)\b(?:partition\s*size|total\s*(?:size|space|bytes))\b\D{0,8}?(\d+)`)},
	}
)

func (p *pantherParser) line(*Reader, int, []byte) {} // records come through record
func (p *pantherParser) flush(*Reader)             {}

// record turns one logline record into one or more Records.
func (p *pantherParser) record(r *Reader, lr *logline.Record) {
	rec := Record{Line: lr.Line, Time: lr.Head.Time, Level: lr.Head.Level, Component: lr.Head.Component}
	text := bytes.TrimRight(lr.Text, " \t\r\n")
	if m := reToolTag.FindSubmatch(text); m != nil && rec.Component == "" {
		setField(&rec.Fields, "tool", string(m[1]))
		text = text[len(m[0]):]
	}
	if bytes.HasPrefix(text, []byte("Antivirus software information:")) {
		if p.antivirus(r, rec, text) {
			return
		}
	}
	if bytes.Contains(text, []byte("Executing command line")) {
		p.need, p.free = "", "" // a new run of reagentc
	}
	if p.reagent || rec.Fields["tool"] != "" || bytes.Contains(text, []byte("Bitlocker")) {
		s := string(text)
		if m := reBitlocker.FindStringSubmatch(s); m != nil {
			setField(&rec.Fields, "bitlocker", m[1])
		}
		if reSizeContext.MatchString(s) {
			for _, sz := range reSizes {
				for _, m := range sz.re.FindAllStringSubmatch(s, -1) {
					if len(m) == 3 { // partition_free: not the free space that is required
						if w := strings.ToLower(m[1]); w == "required" || w == "needed" {
							continue
						}
						m = m[1:]
					}
					setField(&rec.Fields, sz.field, m[1])
					break
				}
			}
			switch need, free := rec.Fields["required_free"], rec.Fields["partition_free"]; {
			case need != "" && free == "" && p.free != "":
				setField(&rec.Fields, "partition_free", p.free)
			case free != "" && need == "" && p.need != "":
				setField(&rec.Fields, "required_free", p.need)
			}
			p.need, p.free = cmp.Or(rec.Fields["required_free"], p.need), cmp.Or(rec.Fields["partition_free"], p.free)
		}
	}
	r.emit(rec, text)
}

// antivirus splits an "Antivirus software information:" block into one
// record per product line, and reports whether it found any.
func (p *pantherParser) antivirus(r *Reader, head Record, text []byte) bool {
	lines := bytes.Split(text, []byte("\n"))
	n := 0
	for i, l := range lines[1:] {
		m := reAVProduct.FindSubmatch(l)
		if m == nil {
			continue
		}
		rec := head
		rec.Line = head.Line + 1 + i
		rec.Fields = cloneFields(head.Fields)
		setField(&rec.Fields, "av_name", string(m[1]))
		setField(&rec.Fields, "av_path", string(m[2]))
		setField(&rec.Fields, "av_timestamp", string(m[3]))
		setField(&rec.Fields, "av_state", string(m[4]))
		t := append([]byte("Antivirus software information:\n"), bytes.TrimSpace(l)...)
		r.emit(rec, t)
		n++
	}
	return n > 0
}
