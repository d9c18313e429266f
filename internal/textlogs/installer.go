package textlogs

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/internal/logline"
)

// burnParser reads WiX Burn bundle logs:
//
//	[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643, restart: None, ba requested restart:  No
//
// A line without the [PID:TID][time] prefix continues the record above.
type burnParser struct {
	p      pending
	bundle string
}

var (
	reBurn       = regexp.MustCompile(`^\[([0-9A-Fa-f]+):([0-9A-Fa-f]+)\]\[(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\]([a-z])(\d{3}):\s?(.*)$`)
	reBurnResult = regexp.MustCompile(`(?i)\bresult:\s*(0x[0-9a-f]{1,8})\b`)
	reBurnError  = regexp.MustCompile(`(?i)\bError\s+(0x[0-9a-f]{1,8})\s*:`)
	reBurnPkg    = regexp.MustCompile(`(?i)\bpackage:\s*([^,\s]+)`)
	reBurnBundle = regexp.MustCompile(`Setting string variable 'WixBundleName' to value '(.*?)'`)
	// "i001: Burn v3.11.1.2318, Windows v10.0 (Build 19041: Service Pack 0), path: C:\…\dotnet-sdk-3.1.402-win-x64.exe"
	reBurnPath = regexp.MustCompile(`(?i)^Burn v[\d.]+,.*?\bpath: (.*?)\s*$`)
	burnLevels = map[byte]string{'i': "Info", 'w': "Warning", 'e': "Error", 'd': "Debug"}
)

func (bp *burnParser) line(r *Reader, num int, b []byte) {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 {
		return
	}
	bp.p.finish = bp.finish
	m := reBurn.FindSubmatch(b)
	if m == nil {
		bp.p.add(r, num, b)
		return
	}
	bp.p.emit(r)
	rec := Record{Line: num, Level: burnLevels[m[9][0]], Component: string(m[9]) + string(m[10])}
	rec.Time = wallTime(m[3], m[4], m[5], m[6], m[7], m[8], nil, false)
	setField(&rec.Fields, "pid", string(m[1]))
	setField(&rec.Fields, "tid", string(m[2]))
	if bm := reBurnBundle.FindSubmatch(m[11]); bm != nil {
		bp.bundle = string(bm[1])
	} else if pm := reBurnPath.FindSubmatch(m[11]); pm != nil && bp.bundle == "" {
		// Until the bundle logs its name, its executable names it.
		p := string(pm[1])
		if i := strings.LastIndexAny(p, `\/`); i >= 0 {
			p = p[i+1:]
		}
		bp.bundle = p
	}
	bp.p.start(rec, m[11])
}

func (bp *burnParser) finish(rec *Record, b []byte) {
	f := &rec.Fields
	if m := reBurnResult.FindSubmatch(b); m != nil {
		setField(f, "result", normCode(string(m[1])))
	}
	if m := reBurnError.FindSubmatch(b); m != nil {
		setField(f, "hr", normCode(string(m[1])))
	}
	if m := reBurnPkg.FindSubmatch(b); m != nil {
		setField(f, "package", string(bytes.TrimRight(m[1], ".")))
	}
	setField(f, "bundle", bp.bundle)
}

func (bp *burnParser) flush(r *Reader) { bp.p.emit(r) }

// msiParser reads Windows Installer verbose logs, a record per line; the
// lines that carry a signal get fields: a return value other than 0 or 1,
// "MainEngineThread is returning N", "Product:" lines, "Error NNNN."
// messages, custom-action error codes.
type msiParser struct {
	date time.Time // from "=== ... logging started: M/D/YYYY ..."
	// A line is held until the next shows whether a console copy cut it.
	held    []byte
	heldNum int
	wrap    logline.Wrap
}

var (
	reMSIStarted = regexp.MustCompile(`(?i)logging started:\s*(\d{1,2})/(\d{1,2})/(\d{4})`)
	reMSITime    = regexp.MustCompile(`^MSI \(([a-z])\) \(([0-9A-Fa-f]+):([0-9A-Fa-f]+)\) \[(\d{2}):(\d{2}):(\d{2}):(\d{3})\]:\s*`)
	reMSIEnded   = regexp.MustCompile(`Action ended (\d{1,2}):(\d{2}):(\d{2}): ([^.\s]+)\. Return value (\d+)`)
	reMSIReturn  = regexp.MustCompile(`\bReturn value (\d+)`)
	reMSIEngine  = regexp.MustCompile(`MainEngineThread is returning (\d+)`)
	reMSIProduct = regexp.MustCompile(`\bProduct:\s*(.+?)(?:\s+--\s|$)`)
	reMSIError   = regexp.MustCompile(`\bError (\d{4})\.`)
	reMSICA      = regexp.MustCompile(`CustomAction (\S+) returned actual error code (\d+)`)
)

func (mp *msiParser) line(r *Reader, num int, b []byte) {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 {
		return
	}
	rest, cut, space := mp.wrap.Next(b)
	if mp.held != nil && cut && len(mp.held)+len(b) < maxRecord {
		if space {
			mp.held = append(mp.held, ' ')
		}
		mp.held = append(mp.held, rest...)
		return
	}
	mp.flush(r)
	mp.held, mp.heldNum = append(mp.held[:0:0], b...), num
}

// flush reads the held line.
func (mp *msiParser) flush(r *Reader) {
	if mp.held != nil {
		mp.record(r, mp.heldNum, string(mp.held))
		mp.held = nil
	}
}

func (mp *msiParser) record(r *Reader, num int, s string) {
	s = strings.TrimLeft(s, " \t") // an indented copy
	if m := reMSIStarted.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		if mo > 12 && d <= 12 {
			mo, d = d, mo
		}
		if mo >= 1 && mo <= 12 && d >= 1 && d <= 31 {
			mp.date = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		}
	}
	rec := Record{Line: num}
	f := &rec.Fields
	if m := reMSITime.FindStringSubmatch(s); m != nil {
		rec.Component = "MSI (" + m[1] + ")"
		setField(f, "pid", m[2])
		setField(f, "tid", m[3])
		if !mp.date.IsZero() {
			h, _ := strconv.Atoi(m[4])
			mi, _ := strconv.Atoi(m[5])
			sec, _ := strconv.Atoi(m[6])
			ms, _ := strconv.Atoi(m[7])
			rec.Time = mp.date.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
				time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond)
		}
	}
	signal := false
	if m := reMSIEnded.FindStringSubmatch(s); m != nil {
		if m[5] != "0" && m[5] != "1" {
			setField(f, "action", m[4])
			setField(f, "return_value", m[5])
			signal = true
		}
	} else if m := reMSIReturn.FindStringSubmatch(s); m != nil && m[1] != "0" && m[1] != "1" {
		setField(f, "return_value", m[1])
		signal = true
	}
	if m := reMSIEngine.FindStringSubmatch(s); m != nil {
		setField(f, "msi_error", m[1])
		signal = true
	}
	if m := reMSIProduct.FindStringSubmatch(s); m != nil {
		setField(f, "product", m[1])
		signal = true
	}
	if m := reMSIError.FindStringSubmatch(s); m != nil {
		setField(f, "msi_message", m[1])
		signal = true
	}
	if m := reMSICA.FindStringSubmatch(s); m != nil {
		setField(f, "action", m[1])
		setField(f, "ca_error", m[2])
		signal = true
	}
	_ = signal
	r.emit(rec, []byte(s))
}
